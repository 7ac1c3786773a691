"""Benchmark: 10,000 subscribers notified of one subprocessor change.

Runs alone (`.venv/bin/python bench/notify.py`). It starts a local SMTP sink (aiosmtpd in a
subprocess, accepting and discarding every message), a fresh SQLite database under
var/bench-notify/, publishes the demo content, adds N confirmed subscribers to subprocessor
changes (a quarter of them German), then adds a subprocessor to company.yaml and times
`publish` until the mail server has accepted every message. Jobs run inline (django-tasks'
immediate backend), so the figure is the whole path: recipients listed, batches claimed,
each message rendered in its reader's language and handed over SMTP, deliveries recorded.

Figures vary with the machine and what else runs on it.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench-notify"
# Run as `python bench/notify.py`, Python puts bench/ first on the path, where bench/queue.py
# would stand in for the standard library's queue module: the repository root goes there instead.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the SMTP sink did not start on port {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    port = free_port()
    sink = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        os.environ.update(
            DJANGO_SETTINGS_MODULE="trustcenter.settings",
            DEBUG="0",
            SECRET_KEY="bench-only-" + "x" * 50,
            AUDIT_HMAC_KEY="bench-only-audit-" + "y" * 50,
            ALLOWED_HOSTS="127.0.0.1",
            VAR_DIR=str(WORK),
            DATABASE_URL=f"sqlite:///{WORK / 'db.sqlite3'}",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(port),
            EMAIL_USE_TLS="0",
            SITE_URL="https://trust.bench.example",
            UPDATES_MAIL_BATCH_SIZE=str(args.batch_size),
            LOG_LEVEL="WARNING",
        )
        import django

        django.setup()
        from django.test import override_settings

        # Jobs run inline here, so the time covers every batch (production hands them to workers).
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
            run(args.subscribers, args.batch_size)
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def run(count: int, batch_size: int) -> None:
    import yaml
    from django.core.management import call_command
    from django.utils import timezone

    from trustcenter.policies.services import content_publish
    from trustcenter.updates.models import Delivery, Subscriber

    call_command("migrate", verbosity=0)
    content = WORK / "content"
    shutil.copytree(ROOT / "content", content)
    content_publish(root=content)

    now = timezone.now()
    started = time.perf_counter()
    Subscriber.objects.bulk_create(
        (
            Subscriber(
                email=f"reader{i:05d}@customer{i % 97}.example",
                language="de" if i % 4 == 0 else "en",
                topic_subprocessors=True,
                created_at=now,
                confirmed_at=now,
            )
            for i in range(count)
        ),
        batch_size=1000,
    )
    setup = time.perf_counter() - started

    path = content / "company.yaml"
    data = yaml.safe_load(path.read_text())
    data["subprocessors"].append(
        {"name": "Postmark (ActiveCampaign, LLC)", "purpose": "Transactional email delivery",
         "data": "Recipient addresses and notification text", "location": "United States"}
    )  # fmt: skip
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

    started = time.perf_counter()
    content_publish(root=content)
    elapsed = time.perf_counter() - started

    sent = Delivery.objects.filter(status=Delivery.Status.SENT).count()
    other = Delivery.objects.exclude(status=Delivery.Status.SENT).count()
    batches = -(-count // batch_size)
    print(f"subscribers:                 {count:,} ({count // 4:,} German)")
    print(f"subscribers created in:      {setup:.2f} s")
    print(f"batches of {batch_size}:              {batches}")
    print(f"messages accepted by SMTP:   {sent:,} (not sent: {other})")
    print(f"publish to last message:     {elapsed:.2f} s")
    each = elapsed / max(sent, 1) * 1000
    print(f"throughput:                  {sent / elapsed:,.0f} messages/s ({each:.2f} ms each)")
    if sent != count:
        raise SystemExit(f"expected {count} messages, {sent} were accepted")


if __name__ == "__main__":
    main()
