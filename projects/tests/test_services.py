import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from projects import selectors, services
from projects.models import Project
from storage.models import StorageConnection
from workspaces.models import ActivityEvent, Role
from workspaces.tests.factories import add_member, make_project, make_user, make_workspace

pytestmark = pytest.mark.django_db


def test_create_derives_a_slug_and_records_it():
    workspace = make_workspace()
    project = services.project_create(workspace=workspace, actor=workspace.created_by, name=" Genome Data ",
                                      description="Reads")
    assert (project.name, project.slug, project.description) == ("Genome Data", "genome-data", "Reads")
    assert project.connection_count == 0
    event = ActivityEvent.objects.filter(workspace=workspace).first()
    assert (event.verb, event.project, event.actor) == ("project.created", project, workspace.created_by)


def test_names_are_unique_per_workspace_case_insensitively():
    workspace, other = make_workspace(), make_workspace(name="Other")
    make_project(workspace, name="Genomes")
    with pytest.raises(ValidationError) as info:
        make_project(workspace, name="GENOMES")
    assert "name" in info.value.message_dict
    assert make_project(other, name="genomes").slug == "genomes"  # another workspace is fine


def test_slugs_are_numbered_within_the_workspace():
    workspace = make_workspace()
    assert [make_project(workspace, name=n).slug for n in ["Data", "Data!", "data?"]] == ["data", "data-2", "data-3"]
    assert make_project(workspace, name="!!!").slug == "project"


def test_update_checks_names_and_records():
    workspace = make_workspace()
    owner = workspace.created_by
    a, b = make_project(workspace, name="Alpha"), make_project(workspace, name="Beta")
    with pytest.raises(ValidationError):
        services.project_update(project=b, actor=owner, name="alpha")
    services.project_update(project=a, actor=owner, name="ALPHA")  # its own name, other case
    a.refresh_from_db()
    assert (a.name, a.slug) == ("ALPHA", "alpha")
    before = a.updated_at
    services.project_update(project=a, actor=owner, description="Now with text")
    a.refresh_from_db()
    assert a.description == "Now with text" and a.updated_at > before
    count = ActivityEvent.objects.count()
    services.project_update(project=a, actor=owner, description="Now with text")
    assert ActivityEvent.objects.count() == count
    with pytest.raises(ValidationError) as info:
        services.project_update(project=a, actor=owner, name="x" * 101, description="y" * 2001)
    assert set(info.value.message_dict) == {"name", "description"}


def test_delete_keeps_the_history_in_the_workspace():
    workspace = make_workspace()
    project = make_project(workspace, name="Doomed")
    services.project_delete(project=project, actor=workspace.created_by)
    assert not Project.objects.filter(pk=project.pk).exists()
    events = list(ActivityEvent.objects.filter(workspace=workspace).order_by("id"))
    assert [e.verb for e in events][-2:] == ["project.created", "project.deleted"]
    assert all(e.project is None for e in events)
    assert events[-1].payload["name"] == "Doomed"


def test_upload_recorded_ticks_the_checklist():
    workspace = make_workspace()
    project = make_project(workspace)
    services.project_upload_recorded(project=project)
    first = project.first_upload_at
    services.project_upload_recorded(project=project)
    project.refresh_from_db()
    assert project.first_upload_at == first


def test_project_get_for_user_rules():
    workspace, other = make_workspace(), make_workspace(name="Other")
    project, elsewhere = make_project(workspace), make_project(other, name="Elsewhere")
    viewer = make_user()
    add_member(workspace, viewer, Role.VIEWER)
    found = selectors.project_get_for_user(user=viewer, workspace_id=workspace.pk, project_id=project.pk)
    assert found == project and found.role == Role.VIEWER and found.workspace == workspace
    assert found.workspace.role == Role.VIEWER and found.member_count == 2 and found.connection_count == 0
    with pytest.raises(PermissionDenied):
        selectors.project_get_for_user(user=viewer, workspace_id=workspace.pk, project_id=project.pk,
                                       need=Role.MEMBER)
    # wrong workspace, outsider, garbage ids: all 404
    cases = [
        (viewer, workspace.pk, elsewhere.pk), (other.created_by, workspace.pk, elsewhere.pk),
        (other.created_by, other.pk, project.pk), (make_user(), workspace.pk, project.pk),
        (viewer, "x", project.pk), (viewer, workspace.pk, "y"),
    ]
    for user, wid, pid in cases:
        with pytest.raises(Http404):
            selectors.project_get_for_user(user=user, workspace_id=wid, project_id=pid)


def test_checklist_disappears_when_done():
    workspace = make_workspace()
    project = make_project(workspace)
    owner = workspace.created_by

    def checklist():
        p = selectors.project_get_for_user(user=owner, workspace_id=workspace.pk, project_id=project.pk)
        return {s["key"]: s["done"] for s in selectors.project_dashboard(project=p)["checklist"]}

    assert checklist() == {"bucket": False, "invite": False, "upload": False}
    add_member(workspace, make_user())
    assert checklist()["invite"] is True
    services.project_upload_recorded(project=project)
    assert checklist()["upload"] is True
    StorageConnection.objects.create(project=project, bucket_name="checklist-bucket", prefix="")
    assert checklist() == {}
