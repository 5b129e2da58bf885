"""SQL queries per request for every list endpoint, with 1 row and with 100
rows, measured in-process (Django's test Client and CaptureQueriesContext)
against a scratch database.

Run by `bench.run` as `python -m bench.queries` with the stack's environment
(DATABASE_URL pointing at a scratch database on the private cluster); prints
one JSON object: {"<list>": {"1": queries, "100": queries, "rows": [n1, n100]}}.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omx.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from accounts.tokens import token_pair_for_user
    from projects.models import Project
    from storage.models import StorageConnection
    from workspaces.models import Invitation, Membership, Role, Workspace

    call_command("migrate", "--noinput", verbosity=0)

    def build(n: int, tag: str):
        """An owner whose workspace holds n of everything that a list shows."""
        owner = User.objects.create_user(email=f"owner-{tag}@bench.example", password=None, full_name="Owner")
        workspaces = Workspace.objects.bulk_create(
            [Workspace(name=f"WS {tag} {i}", slug=f"ws-{tag}-{i}", created_by=owner) for i in range(n)]
        )
        Membership.objects.bulk_create([Membership(user=owner, workspace=w, role=Role.OWNER) for w in workspaces])
        workspace = workspaces[0]
        others = User.objects.bulk_create(
            [User(email=f"member-{tag}-{i}@bench.example", full_name=f"Member {i}") for i in range(n - 1)]
        )
        Membership.objects.bulk_create([Membership(user=u, workspace=workspace, role=Role.VIEWER) for u in others])
        projects = Project.objects.bulk_create(
            [Project(workspace=workspace, name=f"Project {i}", slug=f"project-{i}", created_by=owner)
             for i in range(n)]
        )
        Invitation.objects.bulk_create([
            Invitation(workspace=workspace, email=f"invitee-{tag}-{i}@bench.example", role=Role.MEMBER,
                       invited_by=owner, token_hash=hashlib.sha256(f"{tag}-{i}".encode()).hexdigest(),
                       expires_at=timezone.now() + timezone.timedelta(days=7))
            for i in range(n)
        ])
        StorageConnection.objects.bulk_create([
            StorageConnection(project=projects[0], bucket_name="omx-bench-queries", prefix=f"p{i}/",
                              created_by=owner)
            for i in range(n)
        ])
        return owner, workspace, projects[0]

    def lists(workspace, project) -> dict[str, str]:
        wid, pid = workspace.pk, project.pk
        return {
            "workspaces": "/api/workspaces?page_size=200",
            "members": f"/api/workspaces/{wid}/members?page_size=200",
            "projects": f"/api/workspaces/{wid}/projects?page_size=200",
            "invitations": f"/api/workspaces/{wid}/invitations?page_size=200",
            "connections": f"/api/workspaces/{wid}/projects/{pid}/storage/connections?page_size=200",
        }

    results: dict[str, dict] = {}
    for n in (1, 100):
        owner, workspace, project = build(n, f"n{n}")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token_pair_for_user(owner)['access_token']}")
        for name, url in lists(workspace, project).items():
            client.get(url)  # the first request warms per-process caches (content types, ...)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            entry = results.setdefault(name, {"rows": []})
            if response.status_code != 200:
                entry[str(n)] = None
                entry.setdefault("problems", []).append(f"{url} answered {response.status_code}")
                continue
            entry[str(n)] = len(ctx.captured_queries)
            entry["rows"].append(response.json().get("count"))
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
