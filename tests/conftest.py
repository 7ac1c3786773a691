"""Shared fixtures: the published demo content and a fixed cast of users."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from trustcenter.policies.services import content_publish

PASSWORD = "correct-horse-battery"  # noqa: S105 - test accounts only


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


@pytest.fixture
def answer_library(published):
    """The demo content published and the seed answer library loaded."""
    from trustcenter.questionnaires.seed import answers_seed

    answers_seed()
    return published
