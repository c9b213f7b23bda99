"""MRI Match: mentor–trainee matching for the ASH Minority Recruitment Initiative."""

import hmac
import os
from pathlib import Path

from flask import Flask

from . import deploy
from .config import (
    Defaults,
    check_file_store,
    check_production,
    check_statement_model,
    from_environment,
    settle_password_hash_method,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("MRI_MATCH_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(from_environment())
    else:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        db_file = Path(app.instance_path) / "mri_match.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    if not app.config["MAIL_OUTBOX_DIR"]:
        app.config["MAIL_OUTBOX_DIR"] = str(Path(app.instance_path) / "outbox")
    check_production(app.config)
    check_statement_model(app.config)
    check_file_store(app.config)
    settle_password_hash_method(app.config)

    from . import security

    security.init_app(app)  # before the routes: it bounds the <int:...> URL converter
    _init_extensions(app)
    _register_blueprints(app)
    from .web import vocabulary_context

    app.context_processor(vocabulary_context)
    from .models.types import as_utc_text

    app.add_template_global(as_utc_text, "utc")
    from .models.matching import as_points
    from .vocabulary import labels

    app.add_template_filter(as_points, "points")
    app.add_template_filter(labels, "labels")
    from . import display

    display.init_app(app)
    from .forms import error_summary, length_limits
    from .vocabulary import timezone_name, topic_groups

    app.add_template_filter(timezone_name, "zone")

    app.add_template_global(error_summary, "error_summary")
    app.add_template_global(length_limits, "length_limits")
    app.add_template_global(topic_groups, "topic_groups")
    deploy.configure(app)

    from . import cli

    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (registers the tables)
    from .access import load_signed_in_user
    from .extensions import (
        bootstrap,
        csrf,
        db,
        flag_read_only_request,
        limiter,
        login_manager,
        mail,
        migrate,
        ping_connections_after_idle,
    )

    db.init_app(app)
    with app.app_context():
        ping_connections_after_idle(db.engine, float(app.config["DATABASE_IDLE_PING_SECONDS"]))
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    # first, before any hook could load the user on the transactional connection
    app.before_request_funcs.setdefault(None, []).insert(0, flag_read_only_request)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str):
        """The account a session names, while the session's token is the account's current one
        (logging out, "log out other sessions" and a new password replace it)."""
        user_id, _, token = session_id.partition(":")
        if not (user_id.isascii() and user_id.isdigit() and token):
            return None
        user = load_signed_in_user(int(user_id))
        if user is None or not hmac.compare_digest(user.session_token or "", token):
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .alumni import bp as alumni_bp
    from .auth import bp as auth_bp
    from .awards import bp as awards_bp
    from .bulk.views import bp as bulk_bp
    from .errors import bp as errors_bp
    from .main import bp as main_bp
    from .matches import bp as matches_bp
    from .mentor import bp as mentor_bp
    from .mentorship import bp as mentorship_bp
    from .privacy.views import bp as privacy_bp
    from .reminders import bp as reminders_bp
    from .reports import bp as reports_bp
    from .surveys import bp as surveys_bp
    from .trainee import bp as trainee_bp
    from .web import raise_upload_limit

    app.register_blueprint(errors_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(trainee_bp, url_prefix="/trainee")
    app.register_blueprint(mentor_bp, url_prefix="/mentor")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(matches_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(reminders_bp)
    app.register_blueprint(mentorship_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(bulk_bp, url_prefix="/admin")
    app.register_blueprint(alumni_bp)
    app.register_blueprint(surveys_bp)
    app.register_blueprint(awards_bp)
    # first of all the hooks: CSRF protection reads the form in its own
    app.before_request_funcs.setdefault(None, []).insert(0, raise_upload_limit)
