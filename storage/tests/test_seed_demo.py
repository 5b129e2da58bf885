import pytest
from django.core.management import call_command

from accounts.models import User
from storage.backends import get_backend
from storage.management.commands.seed_demo import DEMO_BUCKET, DEMO_EMAIL, DEMO_FILES, DEMO_PASSWORD
from storage.models import StorageConnection
from workspaces.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_seed_demo_is_complete_and_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in out
    demo = User.objects.get(email=DEMO_EMAIL)
    assert demo.check_password(DEMO_PASSWORD)
    membership = Membership.objects.get(user=demo)
    assert membership.role == Role.OWNER
    connection = StorageConnection.objects.get()
    assert connection.bucket_name == DEMO_BUCKET and connection.project.workspace == membership.workspace
    backend = get_backend()
    images = backend.list_level(bucket=DEMO_BUCKET, prefix="images/").objects
    assert sorted(o.name for o in images) == sorted(n for n in DEMO_FILES if n.startswith("images/"))
    assert backend.read_head(bucket=DEMO_BUCKET, name="images/ocean.png", max_bytes=8) == b"\x89PNG\r\n\x1a\n"
    root = backend.list_level(bucket=DEMO_BUCKET, prefix="")
    assert {f.prefix for f in root.folders} == {"images/", "notes/", "reports/", "uploads/"}
