"""/healthz (the process answers) and /readyz (database, cache and storage work), as a load balancer sees them."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from trustcenter.lib.storage import LOCAL_BACKEND


def test_healthz_answers_without_touching_anything(client):
    # No database access is allowed in this test: a query would raise instead of answering.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_every_check_when_all_is_well(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failed"] == []
    assert set(body["checks"]) == {"database", "cache", "storage"}
    assert all(check["ok"] and check["ms"] >= 0 for check in body["checks"].values())
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_leaves_no_probe_file_behind(client, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": LOCAL_BACKEND, "OPTIONS": {"location": tmp_path}}}
    assert client.get("/readyz").status_code == 200
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


@pytest.mark.django_db
def test_readyz_fails_when_private_storage_cannot_be_written(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the private folder should be")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": LOCAL_BACKEND, "OPTIONS": {"location": blocker}}}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]


@pytest.mark.django_db
def test_readyz_checks_the_s3_bucket(client, s3_storage, s3_server):
    assert client.get("/readyz").status_code == 200
    # The probe file is gone from the bucket afterwards.
    assert s3_server.client().list_objects_v2(Bucket=s3_storage).get("KeyCount") == 0
    s3_server.client().delete_bucket(Bucket=s3_storage)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["failed"] == ["storage"]
    assert body["checks"]["storage"]["ok"] is False
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]


@pytest.mark.django_db
def test_readyz_fails_on_an_unreachable_cache(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["cache"]
    assert body["checks"]["cache"] == {"ok": False, "error": "ConnectionError", "ms": body["checks"]["cache"]["ms"]}


def test_readyz_names_every_failed_part_and_shows_no_detail(tmp_path):
    """A production process whose database, Redis and bucket are all unreachable answers 503 naming all three."""
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client(SERVER_NAME='trust.example.com').get('/readyz', secure=True);"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_", "S3_", "AWS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="trustcenter.settings",
        DEBUG="0",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="trust.example.com",
        VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing",
        REDIS_URL="redis://127.0.0.1:9/0",
        S3_BUCKET="nowhere",
        S3_ENDPOINT_URL="http://127.0.0.1:9",
        S3_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="k",
        AWS_SECRET_ACCESS_KEY="s",
        LOG_LEVEL="CRITICAL",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == 503
    body = outcome["body"]
    assert body["status"] == "unavailable"
    assert body["failed"] == ["database", "cache", "storage"]
    # Only the exception's class: no host names, ports or credentials in a public response.
    assert body["checks"]["database"]["error"] == "OperationalError"
    assert "127.0.0.1" not in json.dumps(body) and "nobody" not in json.dumps(body)
