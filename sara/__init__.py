"""SARA casebook: the application factory."""

from __future__ import annotations

import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, g, has_request_context, redirect, request, session, url_for
from flask_login import current_user
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

import config as settings
from sara.actions.views import bp as actions_bp
from sara.admin.views import bp as admin_bp
from sara.api import models as _api_models  # noqa: F401
from sara.api.docs_views import bp as api_docs_bp
from sara.api.routes import views as api_views
from sara.api.token_views import bp as api_tokens_bp
from sara.asb_reviews.views import bp as asb_reviews_bp
from sara.audit import consultation
from sara.audit.views import bp as audit_bp
from sara.auth.views import SESSION_TOKEN_KEY
from sara.auth.views import bp as auth_bp
from sara.cases.views import bp as cases_bp
from sara.core import converters, errors, jobs, templating, unit_of_work
from sara.core.cli import sara_cli
from sara.core.views import bp as core_bp
from sara.dashboards.views import bp as dashboards_bp
from sara.evaluation import models as _evaluation_models  # noqa: F401
from sara.evaluation.views import bp as evaluation_bp
from sara.extensions import csrf, db, limiter, login_manager, migrate
from sara.flags.views import bp as flags_bp
from sara.incidents import models as _incidents_models  # noqa: F401
from sara.incidents.views import bp as incidents_bp
from sara.library import models as _library_models  # noqa: F401
from sara.library.views import bp as library_bp
from sara.notifications.views import bp as notifications_bp
from sara.partners.views import bp as partners_bp
from sara.people.lookup_views import bp as lookup_bp
from sara.people.views import bp as people_bp
from sara.people.views import person_bp
from sara.search import indexing
from sara.search.views import bp as search_bp
from sara.supervision.views import bp as supervision_bp

# The _..._models imports are for their tables alone: the metadata (which the migrations are
# checked against) then holds every table, whichever models the views happen to import.

ROOT = Path(__file__).resolve().parent.parent

#: Endpoints an anonymous visitor may reach. Everything else sends them to sign in.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "core.healthz",
                              "auth.password_reset_link", "auth.password_reset"})
#: All a user who must change their password may reach (public endpoints apart) until they have.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout"})


def create_app(overrides: dict | None = None, env: str | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(settings.instance_dir()),
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_mapping(settings.build_config(env, overrides))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        # The client's address, scheme and host as the proxies (and only they) report them, so
        # the audit log and the sign-in throttle see the client, not the proxy.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

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
    _warn_if_database_role_can_rewrite_audit_log(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "basic"

    converters.register(app)
    _register_blueprints(app)

    indexing.register(app)

    errors.register(app)
    templating.register(app)

    app.cli.add_command(sara_cli)

    jobs.celery_init_app(app)
    # Last to run after each request, once its response is final: its one commit.
    unit_of_work.register(app)
    return app


def _register_blueprints(app: Flask) -> None:
    for blueprint in (core_bp, auth_bp, cases_bp, partners_bp, people_bp, actions_bp,
                      notifications_bp, lookup_bp, api_views.bp, evaluation_bp, library_bp,
                      supervision_bp, audit_bp, admin_bp, flags_bp, person_bp, incidents_bp,
                      search_bp, dashboards_bp, api_tokens_bp, api_docs_bp, asb_reviews_bp):
        app.register_blueprint(blueprint)
    consultation.register(app)


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
        if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
            # An administrator chose this password. (The API refuses such a user's tokens in
            # sara.api.tokens.user_for_token, which runs after this hook.)
            return redirect(url_for("auth.change_password"))
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
        if app.config["STRICT_TRANSPORT_SECURITY"]:
            response.headers.setdefault("Strict-Transport-Security",
                                        app.config["STRICT_TRANSPORT_SECURITY"])
        if session.get(SESSION_TOKEN_KEY):
            # Case data must not linger in shared browsers' caches. Read from the signed cookie,
            # not current_user: this runs on every answer, the 503 page of a database that is
            # down included, and must not need the database.
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
        reading = (has_request_context() and request.method in ("GET", "HEAD")
                   and not unit_of_work.is_writing())
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


#: Whether the application's role could switch off the audit log's triggers or rewrite its rows.
_DATABASE_ROLE_CHECK = """
SELECT r.rolsuper,
       EXISTS (SELECT FROM pg_class c
               WHERE c.relnamespace = current_schema()::regnamespace
                 AND c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f')
                 AND pg_has_role(current_user, c.relowner, 'USAGE')) AS owns
FROM pg_roles r WHERE r.rolname = current_user
"""


def _warn_if_database_role_can_rewrite_audit_log(app: Flask) -> None:
    """In production on PostgreSQL, warn when the app connects as a superuser or as the tables'
    owner: either may disable the audit log's append-only triggers (README, "Database roles").

    Never stops start-up: a database that is down is reported and the app starts regardless.
    """
    if app.config["SARA_ENV"] != "production":
        return
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        return
    # A connection of its own, closed at once: a pooled one would be shared by forked workers.
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool,
                              connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            superuser, owns = connection.execute(sa.text(_DATABASE_ROLE_CHECK)).one()
            may_replicate = connection.dialect.server_version_info >= (15,) and connection.scalar(
                sa.text("SELECT has_parameter_privilege('session_replication_role', 'SET')"))
            role = connection.scalar(sa.text("SELECT current_user"))
    except sa.exc.SQLAlchemyError as exc:
        app.logger.warning("Start-up: could not check the database role's privileges (%s).",
                           type(getattr(exc, "orig", None) or exc).__name__)
        return
    finally:
        engine.dispose()
    if superuser:
        problem = "is a superuser"
    elif owns:
        problem = "owns the tables (or is a member of their owner)"
    elif may_replicate:
        problem = "may set session_replication_role"
    else:
        return
    app.logger.warning(
        "The application connects to the database as %s, which %s, so it could switch off the "
        "append-only audit log's protection. Connect as a runtime role and migrate with "
        "MIGRATION_DATABASE_URL: see README.md, \"Running in production\", \"Database roles\".",
        role, problem)
