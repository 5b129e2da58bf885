import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from storage.backends import get_backend
from storage.management.commands.seed_demo import DEMO_BUCKET, DEMO_EMAIL, DEMO_FILES, DEMO_PASSWORD
from storage.models import StorageConnection
from workspaces.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_seed_demo_is_complete_and_idempotent(capsys, settings):
    settings.DEBUG = True  # as under `make run`
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


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not User.objects.filter(email=DEMO_EMAIL).exists()


def test_seed_demo_runs_with_debug_off_when_forced(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    assert User.objects.get(email=DEMO_EMAIL).check_password(DEMO_PASSWORD)


def test_seed_demo_exits_non_zero_in_a_production_configuration(tmp_path):
    base = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "DEBUG"))}
    env.pop("DATABASE_URL", None)
    env.update({
        "OMX_ENV_FILE": str(tmp_path / "missing.env"), "DJANGO_DEBUG": "false",
        "SECRET_KEY": "p4Lw-8dQz2Xr7NcV5bTy1MhK9sJf3GeA6uRo0iVeXyNq_PtUlMkBwCz",
        "ALLOWED_HOSTS": "omx.example.com", "DATABASE_URL": f"sqlite:///{tmp_path / 'omx.db'}",
    })
    result = subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=base, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "with DEBUG off" in result.stderr and "--force" in result.stderr
