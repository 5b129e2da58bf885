"""An install upgraded from before bucket grants keeps every link working."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("storage", "0002_bucket_grants")]
AFTER = [("storage", "0003_grant_linked_buckets")]


def test_existing_links_are_granted_to_their_workspaces():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    User = apps.get_model("accounts", "User")
    Workspace, Project = apps.get_model("workspaces", "Workspace"), apps.get_model("projects", "Project")
    Connection = apps.get_model("storage", "StorageConnection")
    user = User.objects.create(email="old@example.com", password="!")
    for n, links in ((1, [("lab-data", ""), ("lab-data", "raw/"), ("shared", "team/")]), (2, [("shared", "team/")])):
        workspace = Workspace.objects.create(name=f"W{n}", slug=f"w{n}", created_by=user)
        for p in range(2):
            project = Project.objects.create(workspace=workspace, name=f"P{p}", slug=f"p{p}", created_by=user)
            for bucket, prefix in links:
                Connection.objects.create(project=project, bucket_name=bucket, prefix=prefix)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    Grant = executor.loader.project_state(AFTER).apps.get_model("storage", "BucketGrant")
    grants = sorted(Grant.objects.values_list("workspace__slug", "bucket_name", "prefix"))
    assert grants == [("w1", "lab-data", ""), ("w1", "lab-data", "raw/"), ("w1", "shared", "team/"),
                      ("w2", "shared", "team/")]
    call_command("migrate", verbosity=0)  # back to the latest state for the tests after this one
