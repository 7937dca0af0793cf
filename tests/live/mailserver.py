"""A real SMTP server on loopback for tests that watch mail leave (aiosmtpd).

:class:`MailServer` listens on a fixed port so that it can be stopped and
started again where the app expects it; while stopped, :meth:`hang` can hold
the port with a listener that never answers (a mail server that is "slow":
connections wait for a greeting until the client gives up). Addresses in
``refuse`` are refused for good (550), as a server refuses an unknown mailbox.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email import message_from_bytes, policy
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    """One message as the server received it."""

    to: tuple[str, ...]
    subject: str
    body: str


class _Handler:
    def __init__(self, refuse: set[str], inbox: list[Received], lock: threading.Lock) -> None:
        self.refuse = refuse
        self.inbox = inbox
        self.lock = lock

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        text = message.get_body(preferencelist=("plain",))
        with self.lock:
            self.inbox.append(
                Received(
                    tuple(envelope.rcpt_tos),
                    str(message["Subject"]),
                    text.get_content() if text is not None else "",
                )
            )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailServer:
    """An SMTP server on ``127.0.0.1:port`` that keeps what it receives in :attr:`inbox`."""

    def __init__(self, *, refuse: Iterable[str] = ()) -> None:
        self.port = free_port()
        self.refuse = {a.lower() for a in refuse}
        self.inbox: list[Received] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self._hanging: socket.socket | None = None

    def start(self) -> MailServer:
        """Accept mail (stops :meth:`hang` first)."""
        self._unhang()
        handler = _Handler(self.refuse, self.inbox, self._lock)
        self._controller = Controller(handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop accepting mail: connections are refused (unless :meth:`hang`)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        self._unhang()

    def hang(self) -> None:
        """Hold the port without ever answering: a mail server that does not respond."""
        self.stop()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)  # the kernel accepts; nobody ever says "220"
        self._hanging = listener

    def _unhang(self) -> None:
        if self._hanging is not None:
            self._hanging.close()
            self._hanging = None

    def received(self) -> list[Received]:
        with self._lock:
            return list(self.inbox)

    def wait_for(self, done: Callable[[list[Received]], bool], timeout: float) -> list[Received]:
        """Poll until ``done(received)`` holds (at most ``timeout`` seconds); the messages."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.received()
            if done(got) or time.monotonic() > deadline:
                return got
            time.sleep(0.1)

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
