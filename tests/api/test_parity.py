"""Everything the pages do is also in the JSON API (README, issue 11).

Every page route that changes something (each rule of the ``web`` blueprint
that answers a method other than GET) is listed here with the API
operation(s) that do the same, by endpoint name, or with a one-line reason
why it only makes sense in a browser. A new page action fails this test
until it is given its API operation (or an honest reason).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from .conftest import API

#: Page action → the API operation(s) that do the same.
PARITY: dict[str, tuple[str, ...]] = {
    # Decisions: drafting and the lifecycle.
    "web.admin_decision_new": ("api.create_decision",),
    "web.admin_decision_from_template": ("api.draft_from_template",),
    "web.admin_decision_duplicate": ("api.duplicate_decision",),
    "web.admin_decision_edit": ("api.update_decision",),
    "web.admin_decision_translation": ("api.update_decision",),  # its `translations`
    "web.admin_decision_open": ("api.open_decision",),
    "web.admin_decision_close": ("api.close_decision",),
    "web.admin_decision_publish": ("api.publish_decision",),
    "web.admin_decision_withdraw": ("api.withdraw_decision",),
    "web.admin_decision_reopen": ("api.reopen_decision",),
    "web.admin_decision_amend": ("api.amend_outcome",),
    "web.admin_decision_electorate": ("api.add_elector",),
    "web.admin_decision_remind": ("api.send_reminders",),
    "web.admin_merge_options": ("api.merge_option",),
    "web.admin_record_ballot_post": ("api.record_ballot",),
    # Review: the bulk form, and the restore button of a hidden comment.
    "web.review_queue": ("api.review_decision_comments", "api.update_comment"),
    "web.review_all": ("api.review_comments", "api.update_comment"),
    # Members' writes.
    "web.cast": ("api.put_ballot",),
    "web.comment_add": ("api.add_comment",),
    "web.comment_report": ("api.report_comment",),
    "web.propose": ("api.propose_option",),
    "web.declare_interest": ("api.declare_interest",),
    "web.withdraw_interest": ("api.withdraw_interest",),
    "web.objection_add": ("api.lodge_objection",),
    # Organisations and people.
    "web.admin_organisation_new": ("api.create_organisation",),
    "web.admin_organisation_edit": ("api.update_organisation",),
    "web.admin_organisation_deactivate": ("api.update_organisation",),  # {"active": false}
    "web.admin_organisation_reactivate": ("api.update_organisation",),  # {"active": true}
    "web.admin_organisation_lead": ("api.update_organisation",),  # {"lead": id | null}
    "web.admin_person_new": ("api.create_person",),
    "web.admin_person_edit": ("api.update_person",),
    "web.admin_person_deactivate": ("api.update_person",),  # {"active": false}
    "web.admin_person_reactivate": ("api.update_person",),  # {"active": true}
    "web.admin_person_invite": ("api.invite_person",),
    "web.admin_person_erase": ("api.erase_person",),
    "web.admin_people_import": ("api.import_people",),
    "web.our_organisation": ("api.invite_org_person",),
    "web.our_organisation_invite": ("api.reinvite_org_person",),
    "web.our_organisation_remove": ("api.remove_org_person",),
    # Meetings.
    "web.admin_meetings": ("api.create_meeting",),
    "web.admin_meeting_edit": ("api.update_meeting", "api.set_minutes"),
    "web.admin_meeting_attendance": ("api.set_attendance",),
    "web.admin_meeting_action": ("api.add_action",),
    "web.admin_action_edit": ("api.update_action",),
    "web.admin_action_done": ("api.update_action",),  # {"done": true}
    "web.admin_meeting_link": ("api.link_decision",),
    "web.admin_meeting_unlink": ("api.unlink_decision",),
    # The facilitator's mail and webhooks.
    "web.admin_mail_retry": ("api.retry_mail",),
    "web.admin_webhook_create": ("api.create_webhook",),
    "web.admin_webhook_delete": ("api.delete_webhook",),
    # Your own profile.
    "web.profile_token": ("api.create_token",),
    "web.profile_token_revoke": ("api.revoke_token",),
    "web.profile_notifications": ("api.update_me",),
    "web.profile_alerts": ("api.update_me",),
    "web.profile_calendar": ("api.new_calendar",),
}

#: Page actions that only make sense in a browser, each with why.
EXEMPT: dict[str, str] = {
    "web.login": "asks for a sign-in link that signs a browser in; a script holds a token",
    "web.login_link": "turns a mailed link into a browser session; the API takes no session",
    "web.logout": "ends a browser session; a script revokes its token (api.revoke_token)",
    "web.profile_language": "sets this browser's page-language cookie; mail language is PATCH /me",
}


def _page_actions(app: Flask) -> set[str]:
    """Endpoints of the ``web`` blueprint with a rule that answers more than GET."""
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("web.") and set(rule.methods or ()) - {"GET", "HEAD", "OPTIONS"}
    }


def _api_operations(app: Flask) -> dict[str, list[tuple[str, str]]]:
    """API endpoint → its ``(method, OpenAPI path)`` pairs."""
    found: dict[str, list[tuple[str, str]]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}):
            found.setdefault(rule.endpoint, []).append((method.lower(), path))
    return found


def test_every_page_action_is_in_the_table(app: Flask) -> None:
    actions = _page_actions(app)
    missing = actions - set(PARITY) - set(EXEMPT)
    assert not missing, f"page actions with no API operation or reason: {sorted(missing)}"
    # No entry for a page action that is gone, and none both mapped and exempt.
    assert not (set(PARITY) | set(EXEMPT)) - actions, (set(PARITY) | set(EXEMPT)) - actions
    assert not set(PARITY) & set(EXEMPT)
    assert all(reason.strip() and "\n" not in reason for reason in EXEMPT.values())


def test_every_mapped_operation_exists_and_writes(app: Flask) -> None:
    operations = _api_operations(app)
    for page, endpoints in PARITY.items():
        assert endpoints, page
        for endpoint in endpoints:
            assert endpoint in operations, f"{page} → {endpoint}: no such API endpoint"
            # A page's write is matched by an API write, not by a read.
            assert any(m != "get" for m, _p in operations[endpoint]), (page, endpoint)


def test_every_mapped_operation_is_in_the_openapi_document(app: Flask, client: FlaskClient) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    spec: dict[str, Any] = json.loads(response.get_data(as_text=True))
    documented = {
        (method, path)
        for path, item in spec["paths"].items()
        for method in item
        if method != "parameters"
    }
    operations = _api_operations(app)
    for page, endpoints in PARITY.items():
        for endpoint in endpoints:
            for method, path in operations.get(endpoint, []):
                assert (method, path) in documented, f"{page} → {endpoint}: {method} {path}"
                summary = spec["paths"][path][method].get("summary")
                assert summary, f"{endpoint} has no summary in the OpenAPI document"
