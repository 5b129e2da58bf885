from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.csp import CSP
from django.utils.module_loading import import_string
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET

from omx.errors import json_error
from omx.middleware import is_api_path

# Swagger UI and ReDoc come from drf-spectacular-sidecar with a small inline
# bootstrap script and inline styles; these two static pages get their own policy.
DOCS_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "worker-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}


def docs_view(view_class, **kwargs):
    return csp_override(DOCS_CSP)(view_class.as_view(**kwargs))


def home(request):
    if request.user.is_authenticated:
        return redirect("workspaces:list")
    return render(request, "home.html")


@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:
        database = "error"
    body = {
        "status": "ok" if database == "ok" else "error",
        "database": database,
        **{name: import_string(path)() for name, path in settings.HEALTH_CHECKS.items()},
    }
    return JsonResponse(body, status=200 if database == "ok" else 503)


def api_not_found(request, *args, **kwargs):
    return json_error("Not found.", "not_found", 404)


# The request log names no pattern for this catch-all (omx.middleware.loggable_path).
api_not_found.unmatched_path = True


def csrf_failure(request, reason=""):
    if is_api_path(request.path):
        # A POST to a path that does not exist is a 404 whatever its token:
        # the check runs before the view, so it is answered here.
        if getattr(request.resolver_match, "func", None) is api_not_found:
            return api_not_found(request)
        # The same answer DRF gives an API view whose session request lacks the token.
        return json_error(f"CSRF Failed: {reason}", "permission_denied", 403)
    return django_csrf_failure(request, reason=reason)


def page_not_found(request, exception=None):
    if is_api_path(request.path):
        return json_error("Not found.", "not_found", 404)
    return render(request, "404.html", status=404)


def server_error(request):
    if is_api_path(request.path):
        return json_error("Internal server error.", "server_error", 500)
    return render(request, "500.html", status=500)
