"""cop-vote: equal-voice decisions for a network of organisations.

:func:`create_app` builds the application: configuration, extensions,
blueprints, command line and error handlers.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from apiflask import APIFlask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> APIFlask:
    """Create and configure the application.

    :param test_config: settings that override the environment (tests).
    :returns: the WSGI application. Its OpenAPI document is served at
        ``/api/v1/openapi.json``.
    """
    app = APIFlask(
        __name__,
        title="cop-vote API",
        version="1",
        spec_path="/api/v1/openapi.json",
        docs_path=None,
        json_errors=False,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from . import config

    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    if (hops := int(app.config.get("FORWARDED_PROXIES", 0))) > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address and scheme as the proxies in front saw them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    from . import database, errors, security
    from .extensions import babel, csrf, db, htmx, limiter, login_manager, mail, migrate

    security.init_app(app)  # first: an HTTPS redirect comes before anything else
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    htmx.init_app(app)
    from . import ratelimits

    # Before the limiter: after-request hooks run in reverse order of registration,
    # so this one sees the headers the limiter adds.
    ratelimits.init_app(app)
    limiter.init_app(app)

    from . import change_text, content, i18n

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    content.init_app(app)
    change_text.init_app(app)

    from .web import auth

    login_manager.init_app(app)
    auth.init_login(app)

    from .api import bp as api_bp
    from .web import bp as web_bp

    csrf.exempt(api_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(api_bp)
    from .web import links

    links.init_app(app)

    from . import cli, health, notifications, queue, transfers

    transfers.init_app(app)
    app.register_blueprint(health.bp)
    cli.init_app(app)
    errors.init_app(app)
    queue.init_app(app)
    notifications.init_app(app)
    return app
