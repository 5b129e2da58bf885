"""Reads of storage jobs. Callers have resolved the project through
`projects.selectors.project_get_for_user`, which checked membership and role."""

from django.core.exceptions import ValidationError
from django.http import Http404

from storage.models import StorageJob


def job_list(*, project):
    return StorageJob.objects.filter(project=project).select_related("created_by")


def job_get(*, project, job_id) -> StorageJob:
    try:
        return job_list(project=project).get(pk=job_id)
    except (StorageJob.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such job.") from None
