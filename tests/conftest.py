"""Shared fixtures: the published demo content and a fixed cast of users."""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.test import override_settings

from trustcenter.lib.ratelimit import forget_leases
from trustcenter.policies.services import content_publish

PASSWORD = "correct-horse-battery"  # noqa: S105 - test accounts only

# Browser tests: one Chromium per session, live server, axe-core, screenshots. Export tests: clock and storage.
# A real SMTP server for the mail tests (`sink`).
pytest_plugins = ["tests.browser_support", "tests.exports_helpers", "tests.smtp_sink"]


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres_redis` run only in make test's second pass, on PostgreSQL and Redis."""
    if settings.TEST_BACKEND == "postgres_redis":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL + Redis: runs in the second pass of `make test`")
    for item in items:
        if "postgres_redis" in item.keywords:
            item.add_marker(skip)


def pytest_sessionstart(session):
    """Compile stale translations, as `make translations` does, so a bare `pytest` sees German too."""
    compiled = False
    for po in Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        msgfmt = shutil.which("msgfmt")
        if msgfmt is None:
            pytest.exit("msgfmt is missing: install gettext (`make system-deps` does) to compile the translations", 2)
        subprocess.run([msgfmt, "--check-format", "-o", str(mo), str(po)], check=True)  # noqa: S603
        compiled = True
    if compiled:
        # Catalogues loaded before this (by code that translates at import) lack the new files;
        # this is the signal Django's own test tools send to make translation start afresh.
        setting_changed.send(sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: no page, rate-limit count (ours or allauth's),
    used TOTP code or stamp from another test, and no rate-limit lease reserved in one."""
    cache.clear()
    forget_leases()
    yield
    cache.clear()
    forget_leases()


@pytest.fixture(autouse=True)
def _no_audit_checkpoints():
    """Every test starts without audit checkpoints, as its database starts without audit events."""
    Path(settings.AUDIT_CHECKPOINT_FILE).unlink(missing_ok=True)


@pytest.fixture
def content_dir(tmp_path) -> Path:
    """A private copy of the demo content folder that a test may edit."""
    target = tmp_path / "content"
    shutil.copytree(settings.CONTENT_DIR, target)
    return target


@dataclass(frozen=True)
class DemoContent:
    """The demo content as `publish` left the database: every row it wrote, serialized."""

    rows: list[dict]

    def restore(self) -> None:
        """Write the rows again, every value as it was written: one INSERT (or update of a row
        already there) per model; a save per row costs an UPDATE and an INSERT each, a tenth
        of a second per test on PostgreSQL. bulk_create stamps auto_now fields with the time
        of the call, so those are written back as they were with one bulk_update per model."""
        by_model: dict = {}
        rows = list(serializers.deserialize("python", self.rows))
        for row in rows:
            by_model.setdefault(type(row.object), []).append(row.object)
        with transaction.atomic():
            for model, objects in by_model.items():
                stamped = [
                    f.attname
                    for f in model._meta.concrete_fields
                    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                ]
                kept = [[getattr(obj, name) for name in stamped] for obj in objects]
                # Written over rows already there, as a save would (a browser test's committed
                # `live_published` and a user fixture's `published` both restore).
                pk = model._meta.pk
                fields = [f.name for f in model._meta.concrete_fields if f is not pk]
                model._default_manager.bulk_create(
                    objects, update_conflicts=True, unique_fields=[pk.name], update_fields=fields
                )
                if stamped:
                    for obj, values in zip(objects, kept, strict=True):
                        for name, value in zip(stamped, values, strict=True):
                            setattr(obj, name, value)
                    model._default_manager.bulk_update(objects, stamped)
            for row in rows:
                for name, values in (row.m2m_data or {}).items():
                    if values:
                        getattr(row.object, name).set(values)


def _all_rows() -> dict[tuple[str, object], dict]:
    return {
        (row["model"], row["pk"]): row
        for model in apps.get_models()
        for row in serializers.serialize("python", model._default_manager.order_by("pk"))
    }


def _rows_written_by(write, *, before=None) -> DemoContent:
    """Run `write` in a transaction that is rolled back (after `before`, when given) and keep
    the rows it wrote, to be written again into each test's own transaction."""
    with transaction.atomic():
        if before is not None:
            before()
        existing = _all_rows()
        write()
        written = [row for key, row in _all_rows().items() if existing.get(key) != row]
        transaction.set_rollback(True)
    return DemoContent(rows=written)


@pytest.fixture(scope="session")
def demo_content(django_db_setup, django_db_blocker, tmp_path_factory) -> DemoContent:
    """Publish the demo content once per session and keep what it wrote.

    Publishing renders and sanitizes every page (about a second); writing its rows again takes
    a few milliseconds. So the content is published once, here, in a transaction that is
    rolled back, and `published` writes the same rows into each test's own transaction.
    """
    root = tmp_path_factory.mktemp("demo-content") / "content"
    shutil.copytree(settings.CONTENT_DIR, root)
    with django_db_blocker.unblock(), override_settings(CONTENT_DIR=root):
        return _rows_written_by(lambda: content_publish(root=root))


@pytest.fixture(scope="session")
def seeded_library(django_db_setup, django_db_blocker, demo_content) -> DemoContent:
    """The seed answer library as `answers_seed` writes it over the demo content, seeded once
    per session (a fifth of a second on SQLite, half a second on PostgreSQL) and written back
    into each test's transaction by `answer_library`."""
    from trustcenter.questionnaires.seed import answers_seed

    with django_db_blocker.unblock():
        return _rows_written_by(answers_seed, before=demo_content.restore)


@pytest.fixture
def published(db, demo_content, content_dir, settings):
    """The demo content, published into the test database (a folder of its own to edit and publish again)."""
    settings.CONTENT_DIR = content_dir
    demo_content.restore()
    return content_dir


def _user(django_user_model, email, *, verified=True, **extra):
    """A user who signed up and (unless verified=False) confirmed their email address, as allauth requires."""
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


def mfa_activate(user) -> str:
    """Turn on TOTP (and recovery codes) for `user` as the setup page would; return the TOTP secret.

    Staff pages open only for staff with MFA; use this for any staff user a test creates.
    """
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def totp_code(secret: str, *, at: float | None = None, valid_for: float = 0) -> str:
    """The code an authenticator app shows for `secret` now (or at the Unix time `at`).

    `valid_for`: seconds the code must stay current, as a person waits for a fresh code
    rather than type one about to change. A browser takes a few seconds on a loaded machine
    to send it, and a code that expires on the way is refused (no tolerance is allowed)."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    if at is None:
        left = period - time.time() % period
        if left < valid_for:
            time.sleep(left + 0.05)
    counter = int((time.time() if at is None else at) // period)
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture
def prospect(django_user_model):
    """A registered visitor from another company, with no special access."""
    return _user(django_user_model, "pat@prospect.example", full_name="Pat Prospect", company="Prospect Co")


@pytest.fixture
def unverified(django_user_model):
    """Signed up, never clicked the confirmation link."""
    return _user(django_user_model, "una@prospect.example", full_name="Una Verified", verified=False)


@pytest.fixture
def sales(django_user_model):
    """Sales staff with an authenticator app (staff pages need MFA); `sales.totp_secret` makes codes."""
    user = _user(django_user_model, "sam@kestrel.example", full_name="Sam Sales", role="sales", is_staff=True)
    user.totp_secret = mfa_activate(user)
    return user


@pytest.fixture
def security_admin(django_user_model):
    """A security admin (Django superuser) with an authenticator app."""
    user = _user(
        django_user_model,
        "ada@kestrel.example",
        full_name="Ada Admin",
        role="security_admin",
        is_staff=True,
        is_superuser=True,
    )
    user.totp_secret = mfa_activate(user)
    return user


@pytest.fixture
def staff_without_mfa(django_user_model):
    """A sales account that has not set up MFA yet: every staff page sends it to MFA setup."""
    return _user(django_user_model, "new@kestrel.example", full_name="Nina New", role="sales", is_staff=True)


@pytest.fixture
def admin_flag_only(django_user_model):
    """Django's admin flag (is_staff) and MFA, but no staff role: a customer as far as this app goes."""
    user = _user(django_user_model, "flag@kestrel.example", full_name="Fay Flag", is_staff=True)
    user.totp_secret = mfa_activate(user)
    return user


@pytest.fixture
def client_for(client):
    """Return a client signed in as the given user (or anonymous for None)."""

    def make(user):
        if user is not None:
            client.force_login(user)
        return client

    return make


def recovery_code(user) -> str:
    """One unused recovery code of `user`."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return RecoveryCodes(authenticator).get_unused_codes()[0]


def sign_in(client, user, password=PASSWORD, *, next_url="/", secure=False, use_recovery_code=False, **extra):
    """Sign in through allauth's real form (and its MFA step when the user has TOTP), as a browser would.

    Returns the last response: a redirect to `next_url` when it worked. Users created with
    `mfa_activate` carry their secret as `user.totp_secret`. A TOTP code is accepted only
    once, so a second sign-in within the same 30 seconds needs `use_recovery_code=True`.
    """
    from django.urls import reverse

    response = client.post(
        f"{reverse('account_login')}?next={next_url}",
        {"login": user.email, "password": password},
        secure=secure,
        **extra,
    )
    if response.status_code == 302 and response["Location"].startswith(reverse("mfa_authenticate")):
        response = client.post(
            reverse("mfa_authenticate"),
            {"code": recovery_code(user) if use_recovery_code else totp_code(user.totp_secret)},
            secure=secure,
            **extra,
        )
    return response


def reauthenticate(client, password=PASSWORD, *, next_url="/"):
    """Confirm the password again, as allauth asks before email, password and MFA changes."""
    from django.urls import reverse

    return client.post(f"{reverse('account_reauthenticate')}?next={next_url}", {"password": password})


# Documents and gated access ----------------------------------------------------------


@pytest.fixture
def private_storage(settings, tmp_path):
    """Private files go to a folder of this test's own, so tests never touch var/private."""
    root = tmp_path / "private"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": root}},
    }
    return root


@pytest.fixture
def make_document(db, private_storage):
    """Create a real Document from a real PDF (3 pages unless told otherwise)."""
    import datetime

    from tests.pdfs import make_pdf
    from trustcenter.documents.services import document_add

    def make(**fields):
        pages = fields.pop("pages", 3)
        data = fields.pop("data", None) or make_pdf(pages)
        defaults = {
            "title": "SOC 2 Type II report",
            "kind": "soc2_type2",
            "framework": "SOC 2",
            "issued": datetime.date(2026, 11, 6),
            "visibility": "nda",
        }
        return document_add(data=data, **{**defaults, **fields})

    return make


# The gating cast: one user for every state of the access rule ---------------------------


def _gate_user(django_user_model, email, name, company="Prospect Co", *, verified=True):
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user(email=email, password=PASSWORD, full_name=name, company=company)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


def sign_current_nda(user, *, ip="203.0.113.9", user_agent="pytest browser"):
    """Sign the current NDA as the signing page would (full name, company, job title, consent)."""
    from django.utils import timezone

    from trustcenter.access.models import NdaSignature, NdaVersion

    nda = NdaVersion.objects.current()
    return NdaSignature.objects.create(
        user=user,
        nda=nda,
        full_name=user.full_name,
        company=user.company,
        job_title="Security engineer",
        email=user.email,
        text_sha256=nda.text_sha256,
        signed_at=timezone.now(),
        ip=ip,
        user_agent=user_agent,
    )


def give_grant(user, *, days=365, start=None, revoked=False, organization=None):
    import datetime

    from django.utils import timezone

    from trustcenter.access.models import AccessGrant, AccessRequest

    start = start or timezone.now()
    request = AccessRequest.objects.create(
        user=user, organization=organization, status="approved", created_at=start, decided_at=start
    )
    return AccessGrant.objects.create(
        user=user,
        organization=organization,
        request=request,
        granted_at=start,
        expires_at=start + datetime.timedelta(days=days),
        revoked_at=start + datetime.timedelta(days=1) if revoked else None,
        revoke_reason="Left the company" if revoked else "",
    )


@pytest.fixture
def nda_signer(published, django_user_model):
    """Verified email and signed NDA; never asked for access."""
    user = _gate_user(django_user_model, "nora@signer.example", "Nora Signer", "Signer GmbH")
    sign_current_nda(user)
    return user


@pytest.fixture
def pending_requester(published, django_user_model):
    from trustcenter.access.models import AccessRequest

    user = _gate_user(django_user_model, "penny@pending.example", "Penny Pending", "Pending Ltd")
    sign_current_nda(user)
    AccessRequest.objects.create(user=user, reason="Vendor review")
    return user


@pytest.fixture
def denied_requester(published, django_user_model):
    from django.utils import timezone

    from trustcenter.access.models import AccessRequest

    user = _gate_user(django_user_model, "dan@denied.example", "Dan Denied", "Denied Inc")
    sign_current_nda(user)
    AccessRequest.objects.create(
        user=user, status="denied", decided_at=timezone.now(), decision_note="We could not confirm your company"
    )
    return user


@pytest.fixture
def customer(published, django_user_model):
    """Approved: verified, NDA signed, an active grant."""
    user = _gate_user(django_user_model, "casey@northwind.example", "Casey Customer", "Northwind Traders")
    sign_current_nda(user)
    give_grant(user)
    return user


@pytest.fixture
def expired_customer(published, django_user_model):
    import datetime

    from django.utils import timezone

    user = _gate_user(django_user_model, "eve@expired.example", "Eve Expired", "Expired AG")
    sign_current_nda(user)
    give_grant(user, days=30, start=timezone.now() - datetime.timedelta(days=60))
    return user


@pytest.fixture
def revoked_customer(published, django_user_model):
    user = _gate_user(django_user_model, "rex@revoked.example", "Rex Revoked", "Revoked SA")
    sign_current_nda(user)
    give_grant(user, revoked=True)
    return user


@pytest.fixture
def blocked_org_user(published, django_user_model):
    """From an organization staff blocked; NDA signed and even an old grant."""
    from trustcenter.access.models import Organization

    organization = Organization.objects.create(name="Rival Corp", blocked=True)
    organization.domains.create(domain="rival.example")
    user = _gate_user(django_user_model, "riley@rival.example", "Riley Rival", "Rival Corp")
    sign_current_nda(user)
    give_grant(user, organization=organization)
    return user


@pytest.fixture
def other_customer(published, django_user_model):
    """An approved customer of another organization (for "another user's ids")."""
    user = _gate_user(django_user_model, "olga@other.example", "Olga Other", "Other Org")
    sign_current_nda(user)
    give_grant(user)
    return user


# --- Object storage: a real S3-compatible server, started once per run -------------


@pytest.fixture(scope="session")
def s3_server():
    """moto in server mode on a free loopback port, as a subprocess; stopped at the end of the run."""
    from tests import s3server

    server = s3server.start()
    yield server
    s3server.stop(server)


@pytest.fixture
def s3_storage(s3_server, settings, monkeypatch):
    """Private storage in a fresh bucket of the local S3 server, configured through the environment."""
    import secrets

    from trustcenter.lib.storage import private_storage_settings

    bucket = f"tc-test-{secrets.token_hex(6)}"
    s3_server.client().create_bucket(Bucket=bucket)
    for name, value in s3_server.env(bucket).items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, "default": private_storage_settings(private_root=settings.PRIVATE_ROOT)}
    return bucket


# Questionnaires ---------------------------------------------------------------------


@pytest.fixture
def answer_library(published, seeded_library):
    """The demo content published and the seed answer library loaded."""
    seeded_library.restore()
    return published
