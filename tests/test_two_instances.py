"""Two app servers side by side, as production scales out: two gunicorn instances on two ports
sharing one PostgreSQL database, one Redis and one S3 bucket (the local moto server).

Everything goes over real HTTP with the production settings (DEBUG off, hashed static files,
Redis sessions and cache, S3 private storage). Runs in the PostgreSQL + Redis pass only.
"""

import datetime
import io
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.cache import cache
from django.db import connection
from pypdf import PdfReader

from tests.conftest import PASSWORD, give_grant, sign_current_nda
from tests.net import free_port
from tests.pdfs import make_pdf

pytestmark = [pytest.mark.postgres_redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(django_settings.BASE_DIR)
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


class Instance:
    """One gunicorn server of the deployment, started from gunicorn.conf.py like production."""

    def __init__(self, name: str, env: dict[str, str], log: Path):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [GUNICORN, "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=10).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {timeout} s: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def shared_env(tmp_path, s3_server, content_dir):
    """The environment both instances share: one database, one Redis prefix, one bucket, one content folder."""
    bucket = f"tc-two-{os.getpid()}-{time.monotonic_ns()}"
    s3_server.client().create_bucket(Bucket=bucket)
    db = connection.settings_dict
    redis_location = django_settings.CACHES["default"]["LOCATION"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "S3_", "AWS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="trustcenter.settings",
        DEBUG="0",
        SECRET_KEY="two-instances-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=redis_location,
        CACHE_KEY_PREFIX=django_settings.CACHES["default"]["KEY_PREFIX"],
        VAR_DIR=str(tmp_path / "var"),
        CONTENT_DIR=str(content_dir),
        GUNICORN_WORKERS="2",
        LOG_LEVEL="WARNING",
        RATE_LIMIT_SEARCH="4/h",
        RATE_LIMIT_DOWNLOAD_USER="3/h",
        **s3_server.env(bucket),
    )
    subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    env["_BUCKET"] = bucket
    return env


@pytest.fixture
def two_instances(shared_env, tmp_path):
    env = {k: v for k, v in shared_env.items() if not k.startswith("_")}
    started = time.monotonic()
    instances = [Instance(name, env, tmp_path / f"{name}.log") for name in ("a", "b")]
    try:
        for instance in instances:
            instance.wait_ready()
        print(f"two gunicorn instances ready in {time.monotonic() - started:.1f} s")
        yield instances
    finally:
        for instance in instances:
            instance.stop()


def _publish(env, content_dir):
    clean = {k: v for k, v in env.items() if not k.startswith("_")}
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "publish", str(content_dir)],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _sign_in(base: str, email: str, password: str) -> dict[str, str]:
    """Sign in through allauth's form on one instance; return the cookies a browser would keep.

    Production cookies are `Secure` and `__Host-`, which a client library keeps but does not
    send over this plain-HTTP loopback, so they are carried by hand like a browser behind TLS.
    """
    form = requests.get(f"{base}/accounts/login/", timeout=30)
    assert form.status_code == 200
    cookies = {cookie.name: cookie.value for cookie in form.cookies}
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[1]
    response = requests.post(
        f"{base}/accounts/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": token},
        cookies=cookies,
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 302, response.text[:2000]
    cookies.update({cookie.name: cookie.value for cookie in response.cookies})
    return cookies


def test_two_instances_share_sessions_limits_publications_and_files(
    shared_env, two_instances, content_dir, django_user_model, settings, monkeypatch, s3_server
):
    from allauth.account.models import EmailAddress

    from trustcenter.documents.services import document_add
    from trustcenter.lib.storage import private_storage_settings

    a, b = two_instances
    timings = {}

    # Both are ready: database, Redis and the bucket answer on each.
    for instance in (a, b):
        ready = requests.get(f"{instance.url}/readyz", timeout=30)
        assert ready.status_code == 200, ready.text
        assert ready.json()["failed"] == []

    # A publication through one deployment is visible on both at once, even though both had
    # the old page in the shared page cache.
    _publish(shared_env, content_dir)
    for instance in (a, b):
        page = requests.get(f"{instance.url}/policies/data-protection/", timeout=30)
        assert page.status_code == 200 and "Shared-instance paragraph" not in page.text
    policy = content_dir / "policies" / "data-protection.md"
    text = policy.read_text()
    number = int(re.search(r"^version: (\d+)$", text, re.MULTILINE)[1])
    policy.write_text(
        text.replace(f"version: {number}\n", f"version: {number + 1}\n", 1) + "\n\nShared-instance paragraph.\n"
    )
    assert "data-protection" in _publish(shared_env, content_dir)
    started = time.monotonic()
    for instance in (b, a):
        page = requests.get(f"{instance.url}/policies/data-protection/", timeout=30)
        assert "Shared-instance paragraph" in page.text, instance.name
    timings["publication visible on both"] = time.monotonic() - started

    # Signed in on A, the session works on B (Redis sessions, written through to PostgreSQL).
    user = django_user_model.objects.create(email="casey@customer.example", full_name="Casey Customer")
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "two-instances-salt")
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    cookies = _sign_in(a.url, user.email, PASSWORD)
    assert "__Host-sessionid" in cookies
    on_b = requests.get(f"{b.url}/accounts/email/", cookies=cookies, allow_redirects=False, timeout=30)
    assert on_b.status_code == 200 and user.email in on_b.text
    anonymous_on_b = requests.get(f"{b.url}/accounts/email/", allow_redirects=False, timeout=30)
    assert anonymous_on_b.status_code == 302

    # An NDA document stored through the shared bucket downloads on both, with the session from A
    # and the signature and grant written once; each copy is stamped for its reader. The
    # per-user download limit (3 an hour) counts across both instances.
    sign_current_nda(user)
    give_grant(user)
    for name in ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION", "S3_ADDRESSING_STYLE", "AWS_ACCESS_KEY_ID"):
        monkeypatch.setenv(name, shared_env[name])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", shared_env["AWS_SECRET_ACCESS_KEY"])
    settings.STORAGES = {
        **settings.STORAGES,
        "default": private_storage_settings(private_root=Path(shared_env["VAR_DIR"]) / "private"),
    }
    pdf = make_pdf(2, "Shared storage")
    document = document_add(
        data=pdf,
        title="SOC 2 Type II report",
        kind="soc2_type2",
        visibility="nda",
        issued=datetime.date(2026, 11, 1),
    )
    statuses = []
    for instance in (a, b, a, b):
        response = requests.get(f"{instance.url}/documents/{document.pk}/download/", cookies=cookies, timeout=30)
        statuses.append(response.status_code)
        if response.status_code == 200:
            stamped = PdfReader(io.BytesIO(response.content))
            assert len(stamped.pages) == 2
            assert all(user.email in page.extract_text() for page in stamped.pages)
    assert statuses == [200, 200, 200, 429]

    # Both instances asked for the same PDF at the same moment: it is rendered once (one write
    # to the versioned bucket), and both send the same bytes.
    s3 = s3_server.client()
    s3.put_bucket_versioning(Bucket=shared_env["_BUCKET"], VersioningConfiguration={"Status": "Enabled"})
    results = {}

    def fetch(instance):
        results[instance.name] = requests.get(f"{instance.url}/policies/incident-response/pdf/", timeout=120)

    started = time.monotonic()
    threads = [threading.Thread(target=fetch, args=(instance,)) for instance in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timings["one PDF for two concurrent requests"] = time.monotonic() - started
    assert results["a"].status_code == results["b"].status_code == 200
    assert results["a"].content == results["b"].content and results["a"].content.startswith(b"%PDF-")
    versions = s3.list_object_versions(Bucket=shared_env["_BUCKET"], Prefix="exports/").get("Versions", [])
    assert len(versions) == 1, versions
    again = requests.get(f"{b.url}/policies/incident-response/pdf/", timeout=60)
    assert again.content == results["a"].content
    assert len(s3.list_object_versions(Bucket=shared_env["_BUCKET"], Prefix="exports/")["Versions"]) == 1

    # Search is limited per IP (4 an hour here), counted across both instances.
    searches = [
        requests.get(f"{instance.url}/search/", params={"q": "encryption"}, timeout=30).status_code
        for instance in (a, b, a, b, a)
    ]
    assert searches == [200, 200, 200, 200, 429]
    print("two-instance timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    cache.clear()
