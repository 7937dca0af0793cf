"""Signing in by e-mail link, server-side sessions, and signing out.

There are no passwords. ``/auth/login`` always gives the same answer, whether
or not the address is known. The link in the mail opens a page with a button:
following the link (as mail scanners do) spends nothing; pressing the button
(a POST with CSRF) signs in. The session key lives in the signed cookie and
its hash on the server, so signing out revokes it and a copied cookie stops
working. Signing in always starts a new session key and revokes the one the
browser held before (no session fixation).
"""

from __future__ import annotations

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user

from .. import queue, ratelimits
from ..clock import now
from ..domain.errors import NotFound
from ..extensions import db, limiter, login_manager
from ..models import Person
from ..services import auth as auth_service
from ..services import network as network_service
from . import bearer, bp
from .forms import ConfirmForm, LoginForm
from .render import is_htmx, page, person

#: Endpoints of this blueprint that need no signed-in person.
#: (The calendar feed's secret address is its key: calendar apps cannot sign in.)
PUBLIC_ENDPOINTS = frozenset(
    {"web.login", "web.login_sent", "web.login_link", "web.privacy", "web.calendar_feed_file"}
)


def _email_key() -> str:
    """Rate-limit key: the address asked for, so one inbox cannot be flooded."""
    return "login-email:" + (request.form.get("email") or "").strip().lower()


def init_login(app: Flask) -> None:
    """Configure Flask-Login to load people from server-side sessions, and
    page reads from the API's bearer token (:mod:`.bearer`)."""
    login_manager.login_view = "web.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> Person | None:
        found = auth_service.person_for_session(session.get("session_key"))
        if found is None or str(found.id) != user_id:
            return None
        return found

    bearer.init_app(app)


@bp.before_request
def require_sign_in() -> ResponseReturnValue | None:
    """Every page of the site needs a signed-in person, except signing in.

    A request with a bearer token that signs nobody in is 401
    (:func:`bearer.refuse_bad_token`); a browser is sent to sign in.
    """
    if request.endpoint in PUBLIC_ENDPOINTS or person() is not None:
        return None
    bearer.refuse_bad_token()
    target = request.full_path if request.query_string else request.path
    login = url_for("web.login", next=target if request.method == "GET" else None)
    if is_htmx():
        return "", 401, {"HX-Redirect": login, "Vary": "HX-Request"}
    return redirect(login)


@bp.route("/auth/login", methods=["GET", "POST"])
@ratelimits.link_requests
@limiter.limit(ratelimits.LINK_REQUESTS_PER_ADDRESS, key_func=_email_key, methods=["POST"])
def login() -> ResponseReturnValue:
    """Ask for a sign-in link; the answer never says whether the address is known."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = auth_service.safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        response = redirect(url_for("web.login_sent"))
        # The worker looks the address up, makes the link and mails it; the
        # request only asks, after its answer has gone out, the same for every
        # address: the answer and its timing cannot tell a known one.
        response.call_on_close(
            queue.get().login_link_sender(
                form.email.data or "", auth_service.safe_next(form.next.data), str(get_locale())
            )
        )
        return response
    status = 400 if form.errors else 200
    found = network_service.get_network()
    language = str(get_locale())
    purpose = network_service.network_purpose(
        found, language, str(current_app.config.get(f"NETWORK_PURPOSE_{language.upper()}", ""))
    )
    return page(
        "auth/login.html",
        http_status=status,
        form=form,
        network_name=found.name if found is not None else "",
        network_language=found.default_language if found is not None else "",
        network_purpose=purpose,
    )


@bp.get("/auth/login/sent")
def login_sent() -> ResponseReturnValue:
    """The one answer to every request for a link."""
    return page("auth/sent.html", minutes=int(_config("LOGIN_LINK_MINUTES", 30)))


@bp.route("/auth/link/<secret>", methods=["GET", "POST"])
@ratelimits.sign_ins
def login_link(secret: str) -> ResponseReturnValue:
    """GET: a confirm page (spends nothing). POST: sign in and go on."""
    form = ConfirmForm()
    try:
        if request.method == "POST" and form.validate_on_submit():
            found, key, next_path = auth_service.use_login_link(secret, now())
            # A new session key each time: whatever key this browser held before
            # (perhaps planted by someone else) is revoked, so it cannot ride along.
            auth_service.end_session(session.get("session_key"), now())
            session.clear()
            session["session_key"] = key
            login_user(found)
            db.session.commit()
            flash(_("You are signed in as %(name)s.", name=found.name), "success")
            return redirect(auth_service.safe_next(next_path) or url_for("web.index"))
        token = auth_service.check_login_link(secret, now())
    except NotFound:
        db.session.rollback()
        return page("auth/link_invalid.html", http_status=410, form=LoginForm(formdata=None))
    response = page("auth/confirm.html", form=form, person_name=token.person.name)
    # The secret is in the URL: keep it out of caches and of Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/auth/logout")
def logout() -> ResponseReturnValue:
    """Sign out: revoke the session on the server, then forget the cookie."""
    form = ConfirmForm()
    if form.validate_on_submit():
        auth_service.end_session(session.get("session_key"), now())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are signed out."), "success")
    return redirect(url_for("web.login"))


def _config(key: str, default: object) -> object:
    return current_app.config.get(key, default)
