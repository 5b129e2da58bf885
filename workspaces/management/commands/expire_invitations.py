from django.core.management.base import BaseCommand

from workspaces.services import invitations_expire


class Command(BaseCommand):
    help = "Mark pending invitations past their expiry as expired. Safe to run from cron."

    def handle(self, *args, **options):
        count = invitations_expire()
        self.stdout.write(f"{count} invitation{'s' if count != 1 else ''} expired.")
