"""Every write to projects. Callers resolve the workspace or project through
the selectors first (access is checked there)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import display_name
from projects.models import Project
from workspaces.models import ActivityEvent
from omx.naming import clean_name_and_description, create_with_unique_slug
from workspaces.services import activity_record

Verb = ActivityEvent.Verb
NAME_TAKEN = "A project with this name already exists in the workspace."


def _check_name_free(*, workspace, name, exclude=None) -> None:
    clash = Project.objects.filter(workspace=workspace, name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise ValidationError({"name": [NAME_TAKEN]})


@transaction.atomic
def project_create(*, workspace, actor, name: str, description: str = "") -> Project:
    data = clean_name_and_description(name=name, description=description)
    _check_name_free(workspace=workspace, name=data["name"])

    def create(slug):
        return Project.objects.create(
            workspace=workspace, name=data["name"], description=data["description"],
            slug=slug, created_by=actor,
        )

    try:
        project = create_with_unique_slug(
            queryset=Project.objects.filter(workspace=workspace), name=data["name"],
            fallback="project", create=create,
        )
    except IntegrityError:  # a concurrent creation took the name
        raise ValidationError({"name": [NAME_TAKEN]}) from None
    activity_record(
        workspace=workspace, project=project, actor=actor, verb=Verb.PROJECT_CREATED,
        summary=f"{display_name(actor)} created the project {project.name}",
        payload={"project_id": str(project.pk), "name": project.name},
    )
    project.connection_count = 0
    return project


@transaction.atomic
def project_update(*, project, actor, name=None, description=None) -> Project:
    data = clean_name_and_description(name=name, description=description)
    changes = {f: v for f, v in data.items() if getattr(project, f) != v}
    if not changes:
        return project
    if "name" in changes and changes["name"].lower() != project.name.lower():
        _check_name_free(workspace=project.workspace_id, name=changes["name"], exclude=project)
    payload = {"project_id": str(project.pk), "fields": sorted(changes)}
    if "name" in changes:
        payload.update({"old_name": project.name, "name": changes["name"]})
        summary = f"{display_name(actor)} renamed the project {project.name} to {changes['name']}"
    else:
        summary = f"{display_name(actor)} updated the description of {project.name}"
    changes["updated_at"] = timezone.now()
    try:
        with transaction.atomic():
            Project.objects.filter(pk=project.pk).update(**changes)
    except IntegrityError:
        raise ValidationError({"name": [NAME_TAKEN]}) from None
    for field, value in changes.items():
        setattr(project, field, value)
    activity_record(
        workspace=project.workspace, project=project, actor=actor, verb=Verb.PROJECT_UPDATED,
        summary=summary, payload=payload,
    )
    return project


@transaction.atomic
def project_delete(*, project, actor) -> None:
    """Delete the project and its storage connections (CASCADE). Objects in
    the linked buckets are never deleted."""
    activity_record(
        workspace=project.workspace, actor=actor, verb=Verb.PROJECT_DELETED,
        summary=f"{display_name(actor)} deleted the project {project.name}",
        payload={"project_id": str(project.pk), "name": project.name},
    )
    project.delete()


def project_upload_recorded(*, project) -> None:
    """Note that an upload was started (ticks the dashboard checklist).
    For the storage app to call when it issues an upload URL; idempotent."""
    if project.first_upload_at is None:
        now = timezone.now()
        Project.objects.filter(pk=project.pk, first_upload_at__isnull=True).update(first_upload_at=now)
        project.first_upload_at = now
