"""When a mail that could not be delivered is tried again, and when it is given up.

Plain rules: standard library only, no IO, no clock (the caller passes times).
A mail server that is down or answers "try later" (SMTP 4xx, a refused or
dropped connection) gets the mail again after a delay that doubles with each
attempt, up to a longest delay, for a bounded number of attempts; a recipient
the server refuses for good (SMTP 5xx for that address) is given up at once.
A mail given up is reported, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for mail delivery.

    :ivar first_delay: the wait after the first failed attempt.
    :ivar longest_delay: no wait is longer than this.
    :ivar max_attempts: attempts in all (the first one included); after the
        last one fails the mail is given up.
    """

    first_delay: timedelta = timedelta(seconds=30)
    longest_delay: timedelta = timedelta(hours=1)
    max_attempts: int = 12

    def __post_init__(self) -> None:
        if self.first_delay <= timedelta(0) or self.longest_delay < self.first_delay:
            raise ValueError("delays must be positive, the longest at least the first")
        if self.max_attempts < 1:
            raise ValueError("at least one attempt")

    def delay(self, attempts: int) -> timedelta:
        """The wait after ``attempts`` failed attempts (1, 2, ...): first × 2^(attempts−1), capped.

        With the defaults: 30 s, 1 min, 2 min, 4 min, ... 32 min, then 1 h; twelve
        attempts span about 6 hours.
        """
        if attempts < 1:
            return timedelta(0)
        # Cap the exponent first: 2**attempts for a large count is a huge number.
        doubled = self.first_delay * (1 << min(attempts - 1, 40))
        return min(doubled, self.longest_delay)

    def gives_up(self, attempts: int, *, permanent: bool) -> bool:
        """Whether a mail whose attempt number ``attempts`` failed is given up.

        :param permanent: the server refused the recipient for good.
        """
        return permanent or attempts >= self.max_attempts
