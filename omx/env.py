"""Environment parsing helpers shared by the settings module.

Kept apart from settings so the URL translation can be tested on its own.
"""

import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

# SQLAlchemy-style drivers used by the FastAPI service that omX replaces; an
# `.env` written for it keeps working unchanged.
_SCHEME_ALIASES = {
    "postgresql+asyncpg": "postgres",
    "postgresql+psycopg": "postgres",
    "postgresql+psycopg2": "postgres",
    "postgresql": "postgres",
    "sqlite+aiosqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
}


def database_config(url: str, base_dir: Path) -> dict:
    """Turn a Django- or SQLAlchemy-style database URL into a DATABASES entry.

    Relative SQLite paths (`sqlite:///./omx_dev.db`, `sqlite:///omx_dev.db`)
    resolve against the project root, as they did for the old service when
    started from its folder.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ImproperlyConfigured(f"DATABASE_URL is not a URL: {url!r}")
    scheme = _SCHEME_ALIASES.get(scheme.lower(), scheme.lower())
    if scheme == "sqlite":
        path = rest[1:] if rest.startswith("/") else rest
        if path in ("", ":memory:"):
            return {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
        if rest.startswith("//"):
            name = Path(rest[1:])  # four slashes: absolute path
        else:
            name = (base_dir / path).resolve()
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(name)}
    return environ.Env.db_url_config(f"{scheme}://{rest}")


def csv_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def debug_flag(env: environ.Env) -> bool:
    """DJANGO_DEBUG, or DEBUG as the FastAPI service named it; on by default."""
    for name in ("DJANGO_DEBUG", "DEBUG"):
        if name in os.environ:
            return env.bool(name)
    return True


def development_secret_key(path: Path) -> str:
    """A random key kept in var/ so sessions survive restarts in development."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = "django-insecure-" + secrets.token_urlsafe(48)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key


GCS_MAX_TTL = 604800  # GCS refuses V4 signed URLs valid for more than 7 days


def signed_url_ttl(env: environ.Env, name: str) -> int:
    value = env.int(name, default=900)
    if not 1 <= value <= GCS_MAX_TTL:
        raise ImproperlyConfigured(
            f"{name}={value} is out of range: signed URLs live 1 to {GCS_MAX_TTL} seconds (7 days)."
        )
    return value
