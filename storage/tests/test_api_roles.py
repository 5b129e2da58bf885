"""Every storage API view names the role each of its methods needs; a method
it forgets is refused rather than let through."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIRequestFactory

from storage import api
from workspaces.models import Role

HANDLERS = ("get", "post", "put", "patch", "delete")


def _storage_views():
    seen, todo = [], [api.StorageApi]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            seen.append(sub)
            todo.append(sub)
    return seen


@pytest.mark.parametrize("view", _storage_views(), ids=lambda v: v.__name__)
def test_every_handler_names_its_role(view):
    handled = {m.upper() for m in HANDLERS if hasattr(view, m)}
    assert handled, view
    assert handled <= set(view.need), f"{view.__name__} needs a role for {handled - set(view.need)}"


def test_a_method_without_a_role_is_refused(alice):
    class Forgetful(api.StorageApi):
        need = {"GET": Role.VIEWER}

    request = APIRequestFactory().post("/")
    request.user = alice
    with pytest.raises(ImproperlyConfigured):
        Forgetful().project(request, "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000")
