"""The API docs pages, offline: ReDoc's bundle (from drf-spectacular-sidecar)
shows Redocly's logo from cdn.redoc.ly in its side menu, the one request
the docs would make to another site (and which the docs' CSP refuses). omX
serves the bundle with that logo swapped for an empty inline image."""

import functools
import re
from pathlib import Path

import drf_spectacular_sidecar
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularRedocView

# The logo's address in the bundle, as a pattern (the page must not load it).
REMOTE_LOGO = re.compile(r"https://cdn\.redoc\.ly/redoc/logo-mini\.svg")
BLANK_LOGO = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"
_BUNDLE = Path(drf_spectacular_sidecar.__file__).parent / "static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"


@functools.cache
def _offline_bundle() -> bytes:
    return REMOTE_LOGO.sub(BLANK_LOGO, _BUNDLE.read_text(encoding="utf-8")).encode()


@require_GET
def redoc_bundle(request):
    response = HttpResponse(_offline_bundle(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


class OfflineRedocView(SpectacularRedocView):
    @staticmethod
    def _redoc_standalone():
        return reverse("redoc-bundle")
