"""Recheck every bucket link (for cron): `python manage.py check_connections`.

Each link's `last_checked_at` and `last_error` are updated, as a listing
through it would; the exit status is 1 when any link failed.
"""

from django.core.management.base import BaseCommand

from storage import services
from storage.models import StorageConnection


class Command(BaseCommand):
    help = "Check that every linked bucket (and prefix) answers, and record the outcome."

    def handle(self, *args, **options):
        failed = 0
        links = StorageConnection.objects.select_related("project__workspace").order_by("bucket_name", "prefix")
        for connection in links.iterator():
            services.connection_check(connection=connection)
            where = f"{connection.project.workspace.slug}/{connection.project.slug} {connection.uri}"
            if connection.last_error:
                failed += 1
                self.stdout.write(f"FAIL {where}: {connection.last_error}")
            else:
                self.stdout.write(f"ok   {where}")
        self.stdout.write(f"{failed} of {links.count()} links failed." if failed else "Every link answered.")
        if failed:
            raise SystemExit(1)
