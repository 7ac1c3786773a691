"""A real SMTP server for the mail tests: aiosmtpd in a thread on a free loopback port.

It keeps every message it accepts, and can be told to answer the next DATA commands with
a temporary failure (451) or to refuse some recipients (550), as a real server might.
"""

import email
import email.policy
import logging
import threading
import time

import pytest
from aiosmtpd.controller import Controller

from tests.net import free_port


class Sink:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.fail_data = 0
        self.refuse: set[str] = set()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if address.lower() in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self._lock:
            if self.fail_data:
                self.fail_data -= 1
                return "451 4.3.0 Try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(message)
        return "250 OK"

    def clear(self):
        with self._lock:
            self.messages.clear()
            self.fail_data = 0
            self.refuse = set()

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10) -> list[email.message.EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{count} message(s) to {address} expected, got {len(self.to(address))}")


def start() -> tuple[Controller, Sink]:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, sink


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture(scope="session")
def smtp_server():
    """One SMTP server for the whole run, stopped at the end."""
    controller, sink = start()
    yield controller, sink
    controller.stop()


@pytest.fixture
def sink(smtp_server, settings):
    """Django's SMTP backend pointed at the running server; an empty mailbox for each test."""
    controller, sink = smtp_server
    sink.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return sink
