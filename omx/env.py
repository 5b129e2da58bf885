"""Environment parsing helpers shared by the settings module.

Kept apart from settings so the URL translation can be tested on its own.
"""

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
