"""Fixtures shared by every app's tests."""

import itertools

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tokens import token_pair_for_user

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _isolated_cache_and_storage(settings, tmp_path):
    """Each test starts with an empty cache and its own local storage root."""
    from django.core.cache import cache

    cache.clear()
    settings.STORAGE_LOCAL_ROOT = tmp_path / "storage"
    settings.STORAGE_BACKEND = "local"
    yield
    cache.clear()


@pytest.fixture
def make_user(db):
    def make(email=None, password=PASSWORD, full_name="", **extra):
        n = next(_counter)
        return User.objects.create_user(
            email=email or f"user{n}@example.com", password=password,
            full_name=full_name or f"User {n}", **extra,
        )

    return make


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def token_client():
    """An APIClient holding a bearer token for the given user."""

    def make(user):
        client = APIClient()
        tokens = token_pair_for_user(user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
        client.tokens = tokens
        return client

    return make


@pytest.fixture
def alice(make_user):
    return make_user(email="alice@example.com", full_name="Alice Owner")


@pytest.fixture
def bob(make_user):
    return make_user(email="bob@example.com", full_name="Bob Member")


@pytest.fixture
def charlie(make_user):
    return make_user(email="charlie@example.com", full_name="Charlie Outsider")
