"""Typed models and the constraints that back the rules. No business rules here.

The rule that defines the product, one organisation one ballot, is the unique
constraint ``uq_ballot_decision_id_organisation_id``. Times are stored in UTC
(:class:`UTCDateTime`) and are aware datetimes in Python on every database.

The models live by feature in the modules of this package; every name is
exported here, so ``from cop_vote.models import Decision`` reads as before.
"""

from __future__ import annotations

from .audit import Event
from .ballots import AnonymousBallot, Ballot, BallotChange, InterestDeclaration, Objection
from .base import ALERT_CHOICES, ORG_KINDS, ROLES, Translations, UTCDateTime, new_stamp, utcnow
from .comments import Comment, CommentReport
from .decisions import (
    DECISION_CHANGE_KINDS,
    OUTCOME_HISTORY_KINDS,
    Decision,
    DecisionChange,
    Elector,
    Option,
    OutcomeHistory,
    SelectedOption,
)
from .delivery import (
    NOTIFICATION_STATUSES,
    WEBHOOK_DELIVERY_STATUSES,
    CalendarFeed,
    Notification,
    Webhook,
    WebhookDelivery,
)
from .meetings import ATTENDANCE, Attendance, FollowUpAction, Meeting, MeetingDecision
from .people import ApiToken, LoginSession, LoginToken, Network, Organisation, Person

__all__ = [
    "ALERT_CHOICES",
    "ATTENDANCE",
    "AnonymousBallot",
    "ApiToken",
    "Attendance",
    "Ballot",
    "BallotChange",
    "CalendarFeed",
    "Comment",
    "CommentReport",
    "DECISION_CHANGE_KINDS",
    "Decision",
    "DecisionChange",
    "Elector",
    "Event",
    "FollowUpAction",
    "InterestDeclaration",
    "LoginSession",
    "LoginToken",
    "Meeting",
    "MeetingDecision",
    "NOTIFICATION_STATUSES",
    "Network",
    "Notification",
    "ORG_KINDS",
    "OUTCOME_HISTORY_KINDS",
    "Objection",
    "Option",
    "Organisation",
    "OutcomeHistory",
    "Person",
    "ROLES",
    "SelectedOption",
    "Translations",
    "UTCDateTime",
    "WEBHOOK_DELIVERY_STATUSES",
    "Webhook",
    "WebhookDelivery",
    "new_stamp",
    "utcnow",
]
