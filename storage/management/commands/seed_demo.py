"""`make run`'s demo data: a login, a workspace, a project and a demo bucket
with a few folders, images and text files, linked to the project.

Idempotent: running it again keeps what exists and fills in what is missing.
It sets well-known passwords, so with DEBUG off it runs only when forced.
"""

import json
import struct
import zlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from projects.models import Project
from projects.services import project_create
from storage.backends import StorageError, get_backend
from storage.models import StorageConnection
from storage.services import connection_create, grant_add
from workspaces.models import Membership, Role, Workspace
from workspaces.services import workspace_create

DEMO_EMAIL = "demo@omx.local"
VIEWER_EMAIL = "viewer@omx.local"
DEMO_PASSWORD = "omx-demo-2026"
DEMO_BUCKET = "omx-demo"


def png(width: int, height: int, rgb: tuple[int, int, int], stripe: tuple[int, int, int]) -> bytes:
    """A small striped PNG, written by hand so the demo needs no image library."""
    rows = b""
    for y in range(height):
        colour = stripe if (y // 8) % 2 else rgb
        rows += b"\x00" + bytes(colour) * width
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


DEMO_FILES = {
    "README.md": ("text/markdown", b"# Demo bucket\n\nA few files to try the browser with: open folders, "
                  b"preview images and text, upload, download and delete.\n"),
    "images/sunrise.png": ("image/png", png(96, 64, (250, 170, 60), (240, 120, 40))),
    "images/ocean.png": ("image/png", png(96, 64, (40, 110, 200), (20, 70, 160))),
    "images/forest.png": ("image/png", png(96, 64, (40, 140, 70), (20, 100, 50))),
    "reports/2026/q1.csv": ("text/csv", b"region,revenue\nnorth,1200\nsouth,980\n"),
    "reports/2026/q2.csv": ("text/csv", b"region,revenue\nnorth,1340\nsouth,1010\n"),
    "reports/summary.json": ("application/json", json.dumps({"quarters": 2, "total": 4530}, indent=2).encode()),
    "notes/todo.txt": ("text/plain", b"- link your own bucket\n- invite a colleague\n"),
}


class Command(BaseCommand):
    help = "Create the demo login, workspace, project and demo bucket (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true",
            help="run even with DEBUG off (the demo accounts get a published password)",
        )
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/",
            help="where the server will answer, for the closing message (make run passes its HOST and PORT)",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                f"seed_demo creates accounts with the published password {DEMO_PASSWORD!r}; "
                "with DEBUG off (a production configuration) it refuses to run. "
                "Use it in development, or pass --force if you really mean to."
            )
        demo = self._user(DEMO_EMAIL, "Demo User")
        viewer = self._user(VIEWER_EMAIL, "Vera Viewer")
        with transaction.atomic():
            workspace = Workspace.objects.filter(memberships__user=demo, name="Demo Workspace").first()
            if workspace is None:
                workspace = workspace_create(user=demo, name="Demo Workspace",
                                             description="Try omX here: a project with a linked demo bucket.")
            Membership.objects.get_or_create(workspace=workspace, user=viewer, defaults={"role": Role.VIEWER})
            project = Project.objects.filter(workspace=workspace, name="Demo Project").first()
            if project is None:
                project = project_create(workspace=workspace, actor=demo, name="Demo Project",
                                         description="Browse the demo bucket from the Files tab.")
        self._storage(demo, project)
        self.stdout.write(self.style.SUCCESS(
            f"\n  Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}   (a viewer: {VIEWER_EMAIL}, same password)\n"
            f"  Open {options['url']} and log in.\n"
        ))

    def _user(self, email, name):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name)
        elif not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _storage(self, demo, project):
        if settings.STORAGE_BACKEND != "local" and not settings.STORAGE_EMULATOR_HOST:
            self.stdout.write("  Storage is real GCS: link one of your buckets from the project page.")
            return
        backend = get_backend()
        try:
            if DEMO_BUCKET not in {b.name for b in backend.list_buckets(gcp_project_id=settings.GCS_PROJECT_ID)}:
                backend.create_bucket(name=DEMO_BUCKET)
            existing = {o.name for o in backend.list_level(bucket=DEMO_BUCKET, prefix="", page_size=1000).objects}
            if not existing:
                for name, (content_type, data) in DEMO_FILES.items():
                    backend.upload_bytes(bucket=DEMO_BUCKET, name=name, data=data, content_type=content_type)
                backend.create_folder(bucket=DEMO_BUCKET, prefix="uploads/")
            if not StorageConnection.objects.filter(project=project, bucket_name=DEMO_BUCKET).exists():
                grant_add(workspace=project.workspace, bucket_name=DEMO_BUCKET)
                connection_create(user=demo, project=project, bucket_name=DEMO_BUCKET, prefix="")
        except StorageError as exc:
            self.stderr.write(f"  The demo bucket could not be prepared: {exc.detail}")
