"""Races that only a real database with row locks can show (PostgreSQL)."""

import threading
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.http import Http404

from omx.exceptions import Conflict
from workspaces import services
from workspaces.models import Membership, Role, Workspace
from workspaces.tests.factories import add_member, make_user, make_workspace

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (SELECT ... FOR UPDATE)"),
]


def run_together(*calls):
    """Start `calls` at the same moment, each in its own thread (so its own
    database connection); return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def slow_owner_count(monkeypatch):
    """Widen the race window: pause after counting owners, as a slow request would.
    Without the workspace row lock both requests would count two owners."""
    real = services._owner_count

    def slow(workspace):
        n = real(workspace)
        time.sleep(0.3)
        return n

    monkeypatch.setattr(services, "_owner_count", slow)


@pytest.mark.parametrize("action", ["remove_each_other", "both_leave", "demote_each_other"])
def test_two_owners_cannot_both_go(action, slow_owner_count):
    a, b = make_user(), make_user()
    workspace = make_workspace(a)
    add_member(workspace, b, Role.OWNER)

    def remove(actor, other):
        return lambda: services.member_remove(workspace=workspace, actor=actor, user_id=other.pk)

    def leave(user):
        return lambda: services.workspace_leave(workspace=workspace, user=user)

    def demote(actor, other):
        return lambda: services.member_role_change(
            workspace=workspace, actor=actor, user_id=other.pk, role=Role.ADMIN
        )

    calls = {
        "remove_each_other": (remove(a, b), remove(b, a)),
        "both_leave": (leave(a), leave(b)),
        "demote_each_other": (demote(a, b), demote(b, a)),
    }[action]
    results = run_together(*calls)
    succeeded = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(succeeded) == 1 and len(refused) == 1, results
    # The loser sees the winner's change: either the last-owner conflict, or
    # (having lost its own owner role or membership) a refusal to act on an owner.
    expected = {"both_leave": Conflict, "remove_each_other": Http404,
                "demote_each_other": PermissionDenied}[action]
    assert isinstance(refused[0], expected), results
    assert Membership.objects.filter(workspace=workspace, role=Role.OWNER).count() == 1


def test_concurrent_creations_get_distinct_slugs():
    users = [make_user() for _ in range(4)]
    results = run_together(*[
        (lambda u=u: services.workspace_create(user=u, name="Same Name")) for u in users
    ])
    assert not [r for r in results if isinstance(r, Exception)], results
    slugs = sorted(Workspace.objects.values_list("slug", flat=True))
    assert slugs == ["same-name", "same-name-2", "same-name-3", "same-name-4"]
