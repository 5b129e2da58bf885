"""`manage.py check --deploy` warns where the storage settings leave a door open."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
