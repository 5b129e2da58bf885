"""Which buckets each workspace may link (STORAGE_GRANTS=required):

    python manage.py grants add WORKSPACE_SLUG BUCKET [--prefix PREFIX]
    python manage.py grants remove WORKSPACE_SLUG BUCKET [--prefix PREFIX]
    python manage.py grants list [--workspace WORKSPACE_SLUG]
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from storage import selectors, services
from workspaces.models import Workspace


class Command(BaseCommand):
    help = "Grant a workspace a bucket (or a prefix inside one), remove a grant, or list grants."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="add|remove|list")
        for name, text in (("add", "grant a bucket or prefix"), ("remove", "remove a grant")):
            action = actions.add_parser(name, help=text)
            action.add_argument("workspace", metavar="WORKSPACE_SLUG")
            action.add_argument("bucket", metavar="BUCKET")
            action.add_argument("--prefix", default="", help="a folder inside the bucket (default: all of it)")
        listing = actions.add_parser("list", help="one line per grant: SLUG BUCKET PREFIX")
        listing.add_argument("--workspace", metavar="WORKSPACE_SLUG")

    def handle(self, *args, action, **options):
        try:
            if action == "list":
                self._list(options.get("workspace"))
            else:
                self._change(action, self._workspace(options["workspace"]), options["bucket"], options["prefix"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None

    def _workspace(self, slug: str) -> Workspace:
        try:
            return Workspace.objects.get(slug=slug)
        except Workspace.DoesNotExist:
            raise CommandError(f"No workspace with the slug {slug!r}.") from None

    def _change(self, action: str, workspace: Workspace, bucket: str, prefix: str) -> None:
        if action == "add":
            grant, created = services.grant_add(workspace=workspace, bucket_name=bucket, prefix=prefix)
            verb = "Granted" if created else "Already granted:"
            self.stdout.write(f"{verb} {grant.bucket_name} {grant.prefix} to {workspace.slug}".rstrip())
        elif services.grant_remove(workspace=workspace, bucket_name=bucket, prefix=prefix):
            self.stdout.write(f"Removed the grant of {bucket} {prefix} from {workspace.slug}".rstrip())
        else:  # like `add` of an existing grant: the wanted state holds, exit 0
            self.stdout.write(f"No grant of {bucket} {prefix} to {workspace.slug}: nothing changed".replace("  ", " "))

    def _list(self, slug: str | None) -> None:
        workspace = self._workspace(slug) if slug else None
        for grant in selectors.grant_list(workspace=workspace):
            self.stdout.write(f"{grant.workspace.slug} {grant.bucket_name} {grant.prefix}".rstrip())
