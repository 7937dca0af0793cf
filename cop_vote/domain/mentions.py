"""Which options a ballot supports: the organisations to tell when an option
they voted for is reworded (issue 10, part 3). Plain Python, no IO.

A ballot is in the normalised form of :mod:`cop_vote.domain.ballots`.
"""

from __future__ import annotations

from collections.abc import Mapping


def supports_option(content: Mapping[str, object] | None, option_id: int) -> bool:
    """Whether the ballot ``content`` gives option ``option_id`` any support.

    Support is: the chosen option (single choice), an approved one, any place
    in a ranking, a score or a number of dots above 0, "yes" or "if need be"
    for a time slot. An abstention, a withdrawn ballot (``None``) or a consent
    position supports no option.
    """
    if not content:
        return False
    key = str(option_id)
    if content.get("option") == option_id:
        return True
    for name in ("options", "ranking"):
        listed = content.get(name)
        if isinstance(listed, list) and option_id in listed:
            return True
    for name in ("scores", "dots"):
        given = content.get(name)
        if isinstance(given, Mapping) and _positive(given.get(key)):
            return True
    availability = content.get("availability")
    return isinstance(availability, Mapping) and availability.get(key) in ("yes", "if_need_be")


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
