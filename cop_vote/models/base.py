"""What every model uses: UTC times, stamps, and the fixed choices of some columns."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored as naive UTC and returned as aware UTC.

    SQLite keeps no offset; PostgreSQL's ``timestamp without time zone`` is used
    on both so that the stored value is the same everywhere. Naive input is
    refused, so a local time can never be stored by mistake.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; times are stored in UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def new_stamp() -> str:
    """A fresh random stamp (32 hexadecimal digits) for :attr:`Decision.tally_stamp`."""
    return secrets.token_hex(16)


ROLES = ("facilitator", "representative", "observer")
#: A facilitator's alerts (reported and pre-moderated comments, closed
#: decisions, mail given up): each by mail as it happens, a daily digest, or none.
ALERT_CHOICES = ("immediate", "digest", "none")
ORG_KINDS = ("diaspora", "ngo", "knowledge", "facilitator", "government", "other")


#: Content translations: ``{language: {field: text}}``, e.g. ``{"nl": {"title":
#: "...", "description": "..."}}``, beside the original in ``original_language``
#: (cop_vote/domain/languages.py reads them; services/translations.py writes them).
Translations = dict[str, dict[str, str]]
