"""Security headers on every answer (Flask-Talisman), with a strict Content-Security-Policy.

Pages load scripts and styles from this site only and carry no inline script
or ``style`` attribute, so the policy needs no ``'unsafe-inline'``; htmx is
configured in ``base.html`` to inject no style of its own and to evaluate no
script. Nothing may frame the site (``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``), forms post only to it, and browser features the
site never uses are switched off.

HTTPS is not forced by default: ``make run`` serves on http://127.0.0.1. Set
``FORCE_HTTPS`` (it follows ``SESSION_COOKIE_SECURE`` when unset) behind
HTTPS: plain-HTTP requests are redirected and answers carry
``Strict-Transport-Security``. A proxy must send ``X-Forwarded-Proto: https``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_talisman import Talisman

#: The Content-Security-Policy of every answer.
CONTENT_SECURITY_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

#: Browser features the site never uses, switched off for it and anything it loads.
PERMISSIONS_POLICY: dict[str, str] = {
    feature: "()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

#: Sent with every answer unless a view sets a stricter one (the sign-in link
#: page sends ``no-referrer``: its address holds a secret).
REFERRER_POLICY = "strict-origin-when-cross-origin"


class _Talisman(Talisman):  # type: ignore[misc]
    """Talisman that keeps a ``Referrer-Policy`` the view set itself."""

    def _set_referrer_policy_headers(self, headers: Any) -> None:
        headers.setdefault("Referrer-Policy", self.referrer_policy)


talisman = _Talisman()


def init_app(app: Flask) -> None:
    """Send the security headers; force HTTPS only when ``FORCE_HTTPS`` is on."""
    force_https = bool(app.config.get("FORCE_HTTPS", False))
    talisman.init_app(
        app,
        force_https=force_https,
        strict_transport_security=force_https,
        session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE", False)),
        session_cookie_http_only=True,
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy=REFERRER_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        x_content_type_options=True,
    )
