from django.conf import settings


def storage_status() -> str:
    """`ok`, `unconfigured` or `error`, without a network call per health check."""
    if settings.STORAGE_BACKEND == "local":
        root = settings.STORAGE_LOCAL_ROOT
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError:
            return "error"
        return "ok" if root.is_dir() else "error"
    if not (settings.GCS_CREDENTIALS_PATH or settings.STORAGE_EMULATOR_HOST or settings.GCS_PROJECT_ID):
        return "unconfigured"
    try:
        from storage.backends import get_backend

        get_backend()
    except Exception:
        return "error"
    return "ok"
