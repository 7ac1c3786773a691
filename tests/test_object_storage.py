"""Private files in S3-compatible object storage, against a real local S3 server (moto, server mode)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from trustcenter.lib.storage import LOCAL_BACKEND, S3_BACKEND, private_storage_settings


def test_without_a_bucket_private_files_stay_in_the_local_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("S3_BUCKET", raising=False)
    config = private_storage_settings(private_root=tmp_path)
    assert config == {"BACKEND": LOCAL_BACKEND, "OPTIONS": {"location": tmp_path}}


def test_a_bucket_switches_to_private_s3_storage(monkeypatch, tmp_path):
    monkeypatch.setenv("S3_BUCKET", "acme-trust")
    monkeypatch.setenv("S3_ENDPOINT_URL", "https://s3.internal.example")
    monkeypatch.setenv("S3_PREFIX", "/trust/")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    config = private_storage_settings(private_root=tmp_path)
    assert config["BACKEND"] == S3_BACKEND
    options = config["OPTIONS"]
    assert options["bucket_name"] == "acme-trust" and options["location"] == "trust"
    assert options["default_acl"] is None and options["file_overwrite"] is False
    # No keys: boto3 finds the machine's role itself.
    assert "access_key" not in options


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"S3_ENDPOINT_URL": "minio:9000"}, "S3_ENDPOINT_URL must start with https:// or http://"),
        ({"S3_ADDRESSING_STYLE": "sideways"}, "S3_ADDRESSING_STYLE must be auto, path or virtual"),
        ({"AWS_ACCESS_KEY_ID": "only-the-id"}, "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        ({"S3_VERIFY_TLS": "perhaps"}, "S3_VERIFY_TLS must be one of"),
    ],
)
def test_bad_storage_settings_stop_with_a_message(monkeypatch, tmp_path, env, message):
    monkeypatch.setenv("S3_BUCKET", "acme-trust")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        private_storage_settings(private_root=tmp_path)


def test_files_are_written_read_listed_and_deleted_in_the_bucket(s3_storage, s3_server):
    name = default_storage.save("documents/soc2.pdf", ContentFile(b"%PDF-1.7 report"))
    assert name == "documents/soc2.pdf"
    # The object really is in the bucket, under that key.
    body = s3_server.client().get_object(Bucket=s3_storage, Key="documents/soc2.pdf")["Body"].read()
    assert body == b"%PDF-1.7 report"
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == b"%PDF-1.7 report"
    assert default_storage.size(name) == len(b"%PDF-1.7 report")
    assert default_storage.listdir("documents") == ([], ["soc2.pdf"])
    default_storage.delete(name)
    assert not default_storage.exists(name)


def test_an_existing_file_is_never_overwritten(s3_storage):
    first = default_storage.save("documents/report.pdf", ContentFile(b"first"))
    second = default_storage.save("documents/report.pdf", ContentFile(b"second"))
    assert first != second
    with default_storage.open(first, "rb") as handle:
        assert handle.read() == b"first"


def test_objects_are_private(s3_storage, s3_server):
    import requests

    default_storage.save("documents/secret.pdf", ContentFile(b"secret"))
    grants = s3_server.client().get_object_acl(Bucket=s3_storage, Key="documents/secret.pdf")["Grants"]
    assert [g["Grantee"].get("URI") for g in grants if g["Grantee"].get("URI")] == []
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    # Without a signature the server refuses the object.
    anonymous = requests.get(f"{s3_server.endpoint}/{s3_storage}/documents/secret.pdf", timeout=10)
    assert anonymous.status_code == 403


def test_a_prefix_keeps_the_files_under_it(s3_storage, s3_server, settings, monkeypatch):
    monkeypatch.setenv("S3_PREFIX", "site-a/")
    settings.STORAGES = {**settings.STORAGES, "default": private_storage_settings(private_root=settings.PRIVATE_ROOT)}
    default_storage.save("nda/copy.pdf", ContentFile(b"copy"))
    keys = [o["Key"] for o in s3_server.client().list_objects_v2(Bucket=s3_storage)["Contents"]]
    assert keys == ["site-a/nda/copy.pdf"]
