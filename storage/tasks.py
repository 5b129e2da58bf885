"""Background tasks of the storage app (Django's task framework, run by
`manage.py db_worker`). Thin: they load their row and call a service."""

from django.tasks import task

from storage.models import StorageJob


@task()
def storage_job_run(job_id: str) -> None:
    from storage.job_runner import job_work

    job = StorageJob.objects.filter(pk=job_id).first()
    if job is not None and not job.is_finished:
        job_work(job=job)


@task()
def folder_stats_run(stats_id: str) -> None:
    from storage.models import FolderStats
    from storage.stats_services import folder_stats_count

    stats = FolderStats.objects.select_related("project__workspace").filter(pk=stats_id).first()
    if stats is not None and stats.state == FolderStats.State.COUNTING:
        folder_stats_count(stats=stats)
