"""System checks of the storage settings: `manage.py check` (and every
command that runs checks) refuses an unknown backend; `check --deploy` warns
where the settings leave a door open."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register()
def storage_backend_known(app_configs, **kwargs):
    from storage.backends import REGISTRY

    if settings.STORAGE_BACKEND not in REGISTRY:
        return [Error(f"STORAGE_BACKEND={settings.STORAGE_BACKEND!r} is not a storage backend.",
                      hint=f"Use one of: {', '.join(sorted(REGISTRY))}.", id="omx.E001")]
    return []


@register(Tags.security, deploy=True)
def open_grants_with_open_signup(app_configs, **kwargs):
    if settings.STORAGE_GRANTS == "open" and getattr(settings, "SIGNUP", "open") == "open":
        return [Warning(
            "STORAGE_GRANTS=open with SIGNUP=open: anyone who signs up can link any bucket the service "
            "account reaches.",
            hint="Set STORAGE_GRANTS=required and grant buckets with `manage.py grants add`, "
                 "or restrict sign-up (SIGNUP=invitation or closed).",
            id="omx.W001",
        )]
    return []
