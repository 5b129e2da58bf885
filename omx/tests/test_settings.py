import os
import subprocess
import sys
from pathlib import Path

import pytest

from omx.env import database_config

BASE_DIR = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_DEBUG": "false",
    "SECRET_KEY": "x7Qp-9vL2mZr8TbY4nWc6KdF1sHj3GaE5uRo0iVeXyNq_PtUlMkBwCz",
    "ALLOWED_HOSTS": "omx.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "true",
    "USE_X_FORWARDED_PROTO": "true",
}


def run_django(args, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "DEBUG"))}
    env.pop("DATABASE_URL", None)
    env.update({"OMX_ENV_FILE": str(tmp_path / "missing.env"), **env_extra})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env,
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgresql+asyncpg://omx:pw@db.internal:5433/omx",
         {"ENGINE": "django.db.backends.postgresql", "NAME": "omx", "USER": "omx", "PASSWORD": "pw",
          "HOST": "db.internal", "PORT": 5433}),
        ("postgres://omx:pw@localhost:5432/omx", {"ENGINE": "django.db.backends.postgresql", "NAME": "omx"}),
        ("postgresql://omx@localhost/omx", {"ENGINE": "django.db.backends.postgresql", "NAME": "omx"}),
        ("sqlite+aiosqlite:///./omx_dev.db", {"ENGINE": "django.db.backends.sqlite3",
                                              "NAME": str(BASE_DIR / "omx_dev.db")}),
        ("sqlite:///omx_dev.db", {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "omx_dev.db")}),
        ("sqlite:////var/lib/omx/omx.db", {"ENGINE": "django.db.backends.sqlite3", "NAME": "/var/lib/omx/omx.db"}),
    ],
)
def test_database_urls_of_old_and_new_style(url, expected):
    config = database_config(url, BASE_DIR)
    for key, value in expected.items():
        assert config[key] == value


def test_an_old_style_env_file_configures_the_app(tmp_path):
    env_file = tmp_path / "old.env"
    env_file.write_text(
        "DATABASE_URL=sqlite+aiosqlite:///./omx_dev.db\n"
        "SECRET_KEY=an-old-service-secret-that-is-long-enough-0123456789\n"
        "ALGORITHM=HS384\nACCESS_TOKEN_EXPIRE_MINUTES=45\n"
        "CORS_ORIGINS=http://localhost:5173,https://app.example.com\n"
        "GCS_PROJECT_ID=acme-data\nGCS_SIGNED_URL_TTL_SECONDS=600\nGCS_UPLOAD_URL_TTL_SECONDS=1200\n"
    )
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.SIMPLE_JWT['ALGORITHM'],"
        " int(s.SIMPLE_JWT['ACCESS_TOKEN_LIFETIME'].total_seconds()), ','.join(s.CORS_ALLOWED_ORIGINS),"
        " s.GCS_PROJECT_ID, s.GCS_SIGNED_URL_TTL_SECONDS, s.GCS_UPLOAD_URL_TTL_SECONDS, s.STORAGE_BACKEND)"
    )
    result = run_django(["shell", "--no-imports", "-c", code], {"OMX_ENV_FILE": str(env_file)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3", "HS384", "2700", "http://localhost:5173,https://app.example.com",
        "acme-data", "600", "1200", "gcs",
    ]


@pytest.mark.parametrize("secret", [None, "django-insecure-abc", "replace-with-32-char-secret"])
def test_production_refuses_a_missing_or_development_secret_key(tmp_path, secret):
    env = {"DJANGO_DEBUG": "false", "ALLOWED_HOSTS": "omx.example.com"}
    if secret:
        env["SECRET_KEY"] = secret
    result = run_django(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = run_django(["check", "--deploy", "--fail-level", "WARNING"], PROD_ENV, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_signed_url_ttl_above_seven_days_is_refused(tmp_path):
    result = run_django(["check"], {"GCS_SIGNED_URL_TTL_SECONDS": "604801"}, tmp_path)
    assert result.returncode != 0
    assert "GCS_SIGNED_URL_TTL_SECONDS=604801 is out of range" in result.stderr


def test_redis_cache_url_uses_djangos_redis_backend(tmp_path):
    code = "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    result = run_django(["shell", "--no-imports", "-c", code], {"CACHE_URL": "redis://127.0.0.1:6379/3"}, tmp_path)
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache", result.stderr


@pytest.mark.parametrize("flag, threshold", [(None, "5"), ("true", "5"), ("false", "None")])
def test_prepared_statements_follow_the_environment_on_postgres(tmp_path, flag, threshold):
    code = "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS'].get('prepare_threshold'))"
    env = {"DATABASE_URL": "postgres://omx@db.invalid:5432/omx"}
    if flag:
        env["DATABASE_PREPARED_STATEMENTS"] = flag
    result = run_django(["shell", "--no-imports", "-c", code], env, tmp_path)
    assert result.stdout.strip() == threshold, result.stderr


def test_sign_up_throttle_and_proxy_settings_come_from_the_environment(tmp_path):
    code = ("from django.conf import settings as s; print(s.SIGNUP, s.SIGNUP_EMAIL_DOMAINS, "
            "s.LOGIN_FAILURES_PER_EMAIL_AND_IP, s.LOGIN_FAILURES_PER_EMAIL, s.LOGIN_FAILURES_PER_IP, "
            "s.LOGIN_FAILURE_WINDOW_SECONDS, s.USE_X_FORWARDED_FOR, s.TRUSTED_PROXY_COUNT)")
    result = run_django(["shell", "--no-imports", "-c", code], {
        "SIGNUP": "Invitation", "SIGNUP_EMAIL_DOMAINS": "Example.com, @corp.example.org",
        "LOGIN_FAILURES_PER_EMAIL_AND_IP": "3", "LOGIN_FAILURES_PER_EMAIL": "30",
        "LOGIN_FAILURES_PER_IP": "20", "LOGIN_FAILURE_WINDOW_SECONDS": "60",
        "USE_X_FORWARDED_FOR": "true", "TRUSTED_PROXY_COUNT": "2",
    }, tmp_path)
    assert result.stdout.strip() == "invitation ['example.com', 'corp.example.org'] 3 30 20 60 True 2", result.stderr


@pytest.mark.parametrize("name, value", [("SIGNUP", "sometimes"), ("TRUSTED_PROXY_COUNT", "0")])
def test_nonsense_sign_up_and_proxy_settings_are_refused(tmp_path, name, value):
    result = run_django(["check"], {name: value}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr


def test_check_deploy_warns_about_open_grants_with_open_signup(tmp_path):
    result = run_django(["check", "--deploy"], {**PROD_ENV, "STORAGE_GRANTS": "open"}, tmp_path)
    assert "omx.W001" in result.stdout + result.stderr
    closed = run_django(["check", "--deploy", "--fail-level", "WARNING"],
                        {**PROD_ENV, "STORAGE_GRANTS": "open", "SIGNUP": "invitation"}, tmp_path)
    assert closed.returncode == 0, closed.stdout + closed.stderr


def test_an_unknown_storage_grants_mode_is_refused(tmp_path):
    result = run_django(["check"], {"STORAGE_GRANTS": "maybe"}, tmp_path)
    assert result.returncode != 0 and "STORAGE_GRANTS='maybe'" in result.stderr


def test_an_unknown_storage_backend_is_refused_by_check(tmp_path):
    result = run_django(["check"], {"STORAGE_BACKEND": "s3"}, tmp_path)
    assert result.returncode != 0
    assert "omx.E001" in result.stderr and "gcs, local" in result.stderr
