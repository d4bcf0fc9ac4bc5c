def already_seeded():
    from sara.orgs.models import Organisation
    from sara.extensions import db
    import sqlalchemy as sa
    return db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) > 0


def seed():
    return {}
