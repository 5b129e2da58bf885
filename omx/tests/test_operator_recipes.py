"""What an operator copies from the README or sees from `make run` works as
written."""

import io
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from accounts.models import User

ROOT = Path(django_settings.BASE_DIR)


def test_make_run_passes_its_port_to_the_closing_message():
    out = subprocess.run(["make", "-n", "run", "PORT=8123", "HOST=127.0.0.1"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    seed = [line for line in out.splitlines() if "seed_demo" in line]
    assert seed and seed[0].endswith("seed_demo --url http://127.0.0.1:8123/"), out


@pytest.mark.django_db
def test_seed_demo_prints_the_url_it_is_given(settings, tmp_path):
    settings.DEBUG = True
    settings.STORAGE_BACKEND, settings.STORAGE_LOCAL_ROOT = "local", tmp_path
    out = io.StringIO()
    call_command("seed_demo", "--url", "http://127.0.0.1:8123/", stdout=out)
    assert "Open http://127.0.0.1:8123/ and log in." in out.getvalue()
    assert "8000" not in out.getvalue()


@pytest.mark.django_db
def test_the_readme_createsuperuser_recipe_runs_without_prompts(monkeypatch):
    readme = (ROOT / "README.md").read_text()
    recipe = re.search(r"`([^`]*createsuperuser --noinput[^`]*)`", readme)
    assert recipe, "README.md has no non-interactive createsuperuser recipe"
    words = shlex.split(recipe.group(1))
    env = dict(word.split("=", 1) for word in words if re.match(r"^[A-Z_]+=", word))
    for field in User.REQUIRED_FIELDS + [User.USERNAME_FIELD, "password"]:
        assert f"DJANGO_SUPERUSER_{field.upper()}" in env, field
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    call_command("createsuperuser", interactive=False, stdout=io.StringIO())
    user = User.objects.get(email=env["DJANGO_SUPERUSER_EMAIL"])
    assert user.is_superuser and user.full_name == env["DJANGO_SUPERUSER_FULL_NAME"]
    assert user.check_password(env["DJANGO_SUPERUSER_PASSWORD"])
