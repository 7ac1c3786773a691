"""Shared fixtures: the published demo content and a fixed cast of users."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from trustcenter.policies.services import content_publish

PASSWORD = "correct-horse-battery"  # noqa: S105 - test accounts only


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: no page, rate-limit count or stamp from another test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def content_dir(tmp_path) -> Path:
    """A private copy of the demo content folder that a test may edit."""
    target = tmp_path / "content"
    shutil.copytree(settings.CONTENT_DIR, target)
    return target


@pytest.fixture
def published(db, content_dir, settings):
    """The demo content, published into the test database."""
    settings.CONTENT_DIR = content_dir
    content_publish(root=content_dir)
    return content_dir


def _user(django_user_model, email, **extra):
    return django_user_model.objects.create_user(email=email, password=PASSWORD, **extra)


@pytest.fixture
def prospect(django_user_model):
    """A registered visitor from another company, with no special access."""
    return _user(django_user_model, "pat@prospect.example", full_name="Pat Prospect", company="Prospect Co")


@pytest.fixture
def sales(django_user_model):
    return _user(django_user_model, "sam@kestrel.example", full_name="Sam Sales", is_staff=True)


@pytest.fixture
def security_admin(django_user_model):
    return _user(django_user_model, "ada@kestrel.example", full_name="Ada Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def client_for(client):
    """Return a client signed in as the given user (or anonymous for None)."""

    def make(user):
        if user is not None:
            client.force_login(user)
        return client

    return make


# Documents and gated access (issue 3, gating) ------------------------------------------


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


# Questionnaires (issue 5) -----------------------------------------------------------


@pytest.fixture
def answer_library(published):
    """The demo content published and the seed answer library loaded."""
    from trustcenter.questionnaires.seed import answers_seed

    answers_seed()
    return published
