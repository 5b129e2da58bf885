"""`python manage.py prune_access_log --older-than DAYS`: delete access-log rows
older than DAYS days (run it daily from cron)."""

from django.core.management.base import BaseCommand, CommandError

from storage.access_log import access_prune


class Command(BaseCommand):
    help = "Delete access-log rows older than --older-than DAYS days."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")

    def handle(self, *args, older_than, **options):
        if older_than < 0:
            raise CommandError("--older-than takes a number of days, 0 or more.")
        deleted = access_prune(older_than_days=older_than)
        self.stdout.write(f"Deleted {deleted} access-log row{'s' if deleted != 1 else ''}.")
