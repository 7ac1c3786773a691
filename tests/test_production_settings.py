"""Production backends chosen by the environment, and static files as production serves them."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import override_settings

# Runs in the first pass of `make test` only: settings and static files are read in subprocesses.
pytestmark = pytest.mark.any_backend

PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "trust.example.com"}
SHOW = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'db_name': s.DATABASES['default']['NAME'], "
    "'conn_max_age': s.DATABASES['default']['CONN_MAX_AGE'], "
    "'health': s.DATABASES['default']['CONN_HEALTH_CHECKS'], 'cache': s.CACHES['default']['BACKEND'], "
    "'cache_location': s.CACHES['default'].get('LOCATION'), 'sessions': s.SESSION_ENGINE, "
    "'storage': s.STORAGES['default']['BACKEND'], 'static': s.STORAGES['staticfiles']['BACKEND']}))"
)


def _settings_with(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_", "S3_", "AWS_", "REDIS"))}
    clean.pop("DATABASE_URL", None)
    clean.update(PRODUCTION, VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="trustcenter.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + SHOW],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result


def test_with_no_configuration_everything_is_local(tmp_path):
    result = _settings_with(tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["db"] == "django.db.backends.sqlite3" and shown["db_name"] == str(tmp_path / "db.sqlite3")
    assert shown["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shown["sessions"] == "django.contrib.sessions.backends.db"
    assert shown["storage"] == "django.core.files.storage.FileSystemStorage"
    assert shown["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_production_backends_come_from_the_environment(tmp_path):
    result = _settings_with(
        tmp_path,
        DATABASE_URL="postgres://tc:pw@db.internal:5432/trust",
        DATABASE_CONN_MAX_AGE="60",
        REDIS_URL="redis://cache.internal:6379/2",
        S3_BUCKET="acme-trust",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["db"] == "django.db.backends.postgresql" and shown["db_name"] == "trust"
    assert shown["conn_max_age"] == 60 and shown["health"] is True
    assert shown["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert shown["cache_location"] == "redis://cache.internal:6379/2"
    # Sessions read from Redis and written through to PostgreSQL.
    assert shown["sessions"] == "django.contrib.sessions.backends.cached_db"
    assert shown["storage"] == "storages.backends.s3.S3Storage"


def test_a_malformed_redis_url_stops_start_up_with_a_message(tmp_path):
    result = _settings_with(tmp_path, REDIS_URL="cache.internal:6379")
    assert result.returncode != 0
    assert "REDIS_URL must start with redis://, rediss:// or unix://" in result.stderr


STATIC_PRODUCTION = {
    "STORAGES": {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    },
    "WHITENOISE_USE_FINDERS": False,
    "WHITENOISE_MAX_AGE": 86400,
}


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """Static files collected once as in production: hashed names, gzip and Brotli variants."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, **STATIC_PRODUCTION):
        call_command("collectstatic", "--noinput", verbosity=0)
    return root


@pytest.fixture
def collected_static(static_root, settings):
    """Settings that serve `static_root` through WhiteNoise as production does."""
    settings.STATIC_ROOT = static_root
    for name, value in STATIC_PRODUCTION.items():
        setattr(settings, name, value)
    return static_root


def test_static_files_have_hashed_names_and_are_cached_for_years(collected_static, client):
    url = static("css/site.css")
    assert url.startswith("/static/css/site.") and url != "/static/css/site.css"
    assert (collected_static / url.removeprefix("/static/")).with_suffix(".css.gz").exists()
    assert (collected_static / url.removeprefix("/static/")).with_suffix(".css.br").exists()
    response = client.get(url, HTTP_ACCEPT_ENCODING="br, gzip")
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response["Content-Encoding"] == "br"
    # Static files carry the same security headers as pages.
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Cross-Origin-Resource-Policy" in response


def test_unhashed_static_names_are_cached_briefly(collected_static, client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=86400, public"


@pytest.mark.django_db
def test_pages_link_the_hashed_static_files(collected_static, client, published):
    html = client.get("/").content.decode()
    assert static("css/site.css") in html and 'href="/static/css/site.css"' not in html
