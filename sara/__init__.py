"""SARA casebook: the application factory."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask, g, has_request_context, redirect, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine

import config as settings
from sara.extensions import csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent

#: Endpoints an anonymous visitor may reach. Everything else sends them to sign in.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "core.healthz"})


def create_app(overrides: dict | None = None, env: str | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(settings.instance_dir()),
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_mapping(settings.build_config(env, overrides))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)

    # The sign-in gate is registered before CSRFProtect so that an anonymous request is sent to
    # sign in rather than told its form token is missing.
    _register_security_hooks(app)
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                _configure_sqlite(engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "basic"

    _register_blueprints(app)

    from sara.search import indexing

    indexing.register(app)

    from sara.core import errors, templating

    errors.register(app)
    templating.register(app)

    from sara.core.cli import sara_cli

    app.cli.add_command(sara_cli)

    from worker import celery_init_app

    celery_init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from sara.actions.views import bp as actions_bp
    from sara.admin.views import bp as admin_bp
    from sara.api.docs_views import bp as api_docs_bp
    from sara.api.routes import views as api_views
    from sara.api.token_views import bp as api_tokens_bp
    from sara.audit import hooks as audit_hooks
    from sara.audit.views import bp as audit_bp
    from sara.auth.views import bp as auth_bp
    from sara.cases.views import bp as cases_bp
    from sara.core.views import bp as core_bp
    from sara.dashboards.views import bp as dashboards_bp
    from sara.evaluation.views import bp as evaluation_bp
    from sara.flags.views import bp as flags_bp
    from sara.incidents.views import bp as incidents_bp
    from sara.library.views import bp as library_bp
    from sara.notifications.views import bp as notifications_bp
    from sara.partners.views import bp as partners_bp
    from sara.people.lookup_views import bp as lookup_bp
    from sara.people.views import bp as people_bp
    from sara.people.views import person_bp
    from sara.search.views import bp as search_bp
    from sara.supervision.views import bp as supervision_bp

    for blueprint in (core_bp, auth_bp, cases_bp, partners_bp, people_bp, actions_bp,
                      notifications_bp, lookup_bp, api_views.bp, evaluation_bp, library_bp,
                      supervision_bp, audit_bp, admin_bp, flags_bp, person_bp, incidents_bp,
                      search_bp, dashboards_bp, api_tokens_bp, api_docs_bp):
        app.register_blueprint(blueprint)
    audit_hooks.register(app)
    import sara.api.models  # noqa: F401
    import sara.core.settings  # noqa: F401  (its model must be known to the metadata)
    import sara.evaluation.models  # noqa: F401
    import sara.incidents.models  # noqa: F401


def _register_security_hooks(app: Flask) -> None:
    @app.before_request
    def require_sign_in():
        # Deny by default: a new route is private unless it is added to PUBLIC_ENDPOINTS.
        g.csp_nonce = secrets.token_urlsafe(16)
        if request.endpoint in PUBLIC_ENDPOINTS or request.path.startswith("/api/"):
            # The API authenticates every request by token itself (sara.api.views).
            return None
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return None

    @app.after_request
    def security_headers(response):
        nonce = getattr(g, "csp_nonce", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; frame-ancestors 'none'; form-action 'self'; "
            "base-uri 'none'; object-src 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if current_user.is_authenticated:
            # Case data must not linger in shared browsers' caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _configure_sqlite(engine: Engine) -> None:
    """Make the embedded SQLite database safe for the web app, worker and beat at once.

    SQLAlchemy, not the sqlite3 module, decides where transactions begin (so SAVEPOINTs work as
    on PostgreSQL). Transactions that may write take the write lock up front (BEGIN IMMEDIATE):
    two processes then never deadlock upgrading a read lock, they queue on busy_timeout instead.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Page views only read (WAL lets them read while a worker holds the write lock, e.g.
        # during a long import); everything else takes the write lock at once.
        reading = has_request_context() and request.method in ("GET", "HEAD")
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
