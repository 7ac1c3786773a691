"""Where private files live: a local folder by default, S3-compatible object storage in production.

`private_storage_settings()` builds the `STORAGES["default"]` entry from the environment.
Private files (documents, signed NDA copies, cached PDFs) are never served by URL: views
read them through Django's storage API after asking the access rule, so the bucket stays
private and this module never sets an ACL or a public domain.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from trustcenter.lib.env import env_bool, env_str

S3_BACKEND = "storages.backends.s3.S3Storage"
LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"


def private_storage_settings(*, private_root: Path) -> dict:
    """The default storage: S3 when `S3_BUCKET` is set, otherwise the folder `private_root`."""
    bucket = env_str("S3_BUCKET")
    if not bucket:
        return {"BACKEND": LOCAL_BACKEND, "OPTIONS": {"location": private_root}}
    return {"BACKEND": S3_BACKEND, "OPTIONS": s3_options(bucket=bucket, location=env_str("S3_PREFIX"))}


def s3_options(*, bucket: str, location: str) -> dict:
    """django-storages options for `bucket` under the key prefix `location`, on the S3_* endpoint and keys."""
    endpoint = env_str("S3_ENDPOINT_URL")
    if endpoint and not endpoint.startswith(("https://", "http://")):
        raise ImproperlyConfigured(f"S3_ENDPOINT_URL must start with https:// or http://; got {endpoint!r}")
    addressing = env_str("S3_ADDRESSING_STYLE", "auto")
    if addressing not in ("auto", "path", "virtual"):
        raise ImproperlyConfigured(f"S3_ADDRESSING_STYLE must be auto, path or virtual; got {addressing!r}")
    access_key, secret_key = env_str("AWS_ACCESS_KEY_ID"), env_str("AWS_SECRET_ACCESS_KEY")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (to use the instance's role)"
        )
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint or None,
        "region_name": env_str("S3_REGION") or None,
        "location": location.strip("/"),
        "addressing_style": None if addressing == "auto" else addressing,
        "verify": env_bool("S3_VERIFY_TLS", True),
        # Private: no ACL (the bucket's own policy applies), never overwrite an existing file.
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
        "client_config": _client_config(),
    }
    if access_key:
        # Without keys boto3 finds credentials itself (instance role, AWS_PROFILE, ...).
        options.update(access_key=access_key, secret_key=secret_key)
    return options


def _client_config():
    from botocore.config import Config  # only when S3 is configured

    # Fail fast when the storage is unreachable (a request, or /readyz, waits seconds, not minutes).
    return Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"})
