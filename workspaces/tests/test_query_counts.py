"""Every list endpoint and every page runs the same number of SQL queries
for 1 row and for 100 rows, and at most MAX_QUERIES."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from projects.models import Project
from workspaces import services
from workspaces.models import ActivityEvent, Invitation, Membership, Role, Workspace
from workspaces.tests.factories import make_project, make_user, make_workspace

pytestmark = pytest.mark.django_db

MAX_QUERIES = 8


def grow(workspace, project, owner, n):
    """Add n members, n projects, n invitations, n events and n workspaces of `owner`."""
    users = User.objects.bulk_create([User(email=f"bulk{i}-{workspace.pk}@example.com", full_name=f"Bulk {i}")
                                      for i in range(n)])
    Membership.objects.bulk_create([Membership(user=u, workspace=workspace, role=Role.VIEWER) for u in users])
    Project.objects.bulk_create([Project(workspace=workspace, name=f"Bulk project {i}", slug=f"bulk-{i}",
                                         created_by=users[i]) for i in range(n)])
    Invitation.objects.bulk_create([
        Invitation(workspace=workspace, email=f"invitee{i}@example.com", role=Role.MEMBER, invited_by=users[i],
                   token_hash=f"{workspace.pk.hex}{i:032d}", expires_at=timezone.now() + timezone.timedelta(days=1))
        for i in range(n)
    ])
    ActivityEvent.objects.bulk_create([
        ActivityEvent(workspace=workspace, project=project, actor=users[i], verb="project.updated", summary=f"e{i}")
        for i in range(n)
    ])
    for i in range(n):
        Workspace.objects.create(name=f"Bulk ws {i}", slug=f"bulk-ws-{workspace.pk.hex[:8]}-{i}")
    Membership.objects.bulk_create([Membership(user=owner, workspace=w, role=Role.MEMBER)
                                    for w in Workspace.objects.filter(slug__startswith="bulk-ws-")])


def urls(workspace, project):
    wid, pid = workspace.pk, project.pk
    return {
        "api workspaces": "/api/workspaces?page_size=200",
        "api members": f"/api/workspaces/{wid}/members?page_size=200",
        "api invitations": f"/api/workspaces/{wid}/invitations?page_size=200",
        "api projects": f"/api/workspaces/{wid}/projects?page_size=200",
        "api dashboard": f"/api/workspaces/{wid}/projects/{pid}/dashboard",
        "page workspaces": "/w/",
        "page workspace": f"/w/{workspace.slug}/",
        "page project": f"/w/{workspace.slug}/p/{project.slug}/",
    }


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), response


def measure(client, token_client, owner, workspace, project):
    api = token_client(owner)
    client.force_login(owner)
    results = {}
    for name, url in urls(workspace, project).items():
        results[name] = count_queries(api if name.startswith("api") else client, url)
    return results


def test_query_counts_do_not_grow_with_rows(client, token_client):
    owner = make_user()
    small = make_workspace(owner, name="Small")
    small_project = make_project(small, owner, name="Only")
    services.invitation_create(workspace=small, actor=owner, email="one@example.com", role=Role.MEMBER)
    one = measure(client, token_client, owner, small, small_project)

    big_owner = make_user()
    big = make_workspace(big_owner, name="Big")
    big_project = make_project(big, big_owner, name="First")
    grow(big, big_project, big_owner, 100)
    many = measure(client, token_client, big_owner, big, big_project)

    for name in one:
        (n1, _), (n100, _) = one[name], many[name]
        assert n1 == n100 <= MAX_QUERIES, (name, n1, n100)
    # and the pages/lists really did show many rows
    assert many["api members"][1].json()["count"] == 101
    assert many["api invitations"][1].json()["count"] == 100
    assert many["api projects"][1].json()["count"] == 101
    assert many["api workspaces"][1].json()["count"] == 101
    assert len(many["api dashboard"][1].json()["recent_activity"]) == 20
    assert "Page 1 of 5" in many["page workspace"][1].content.decode()
