import logging
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject, empty

from omx.errors import json_error

request_logger = logging.getLogger("omx.request")
error_logger = logging.getLogger("omx.errors")

# Paths whose tail is a credential (local storage signed URLs): logged without it.
_SECRET_PATH_PREFIXES = ("/storage/local/",)


def loggable_path(path: str) -> str:
    for prefix in _SECRET_PATH_PREFIXES:
        if path.startswith(prefix):
            return prefix + "…"
    return path


def _known_user_id(request) -> str:
    """The user id if the request already resolved its user; never a new
    query (the database may be the reason this request failed)."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            return "-"
    try:
        return str(user.pk) if user is not None and user.is_authenticated else "-"
    except Exception:  # noqa: BLE001 - logging must never fail a request
        return "-"


class RequestLogMiddleware:
    """One line per request: method, path (no query string), status, duration, user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        user_id = _known_user_id(request)
        request_logger.info(
            "%s %s %s %.1fms user=%s",
            request.method,
            loggable_path(request.path),
            response.status_code,
            duration_ms,
            user_id,
            extra={
                "http_method": request.method,
                "path": loggable_path(request.path),
                "status": response.status_code,
                "duration_ms": round(duration_ms, 1),
                "user_id": user_id,
            },
        )
        return response


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


class ApiErrorMiddleware:
    """Errors that escape a view: JSON under /api/, a friendly page elsewhere.

    DRF's exception handler covers API views; this catches what it re-raises
    (unexpected errors) and errors from plain Django views, with DEBUG on as
    well as off, so no stack trace ever reaches a client.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (Http404, PermissionDenied)):
            if is_api_path(request.path):
                if isinstance(exception, Http404):
                    return json_error("Not found.", "not_found", 404)
                return json_error(str(exception) or "Permission denied.", "permission_denied", 403)
            return None  # Django's own 404/403 handling renders the templates
        database_down = isinstance(exception, (OperationalError, InterfaceError))
        error_logger.error(
            "Unhandled error on %s %s", request.method, loggable_path(request.path),
            exc_info=exception,
        )
        if is_api_path(request.path):
            if database_down:
                return json_error(
                    "The database is unavailable. Try again in a moment.", "database_unavailable", 503
                )
            return json_error("Internal server error.", "server_error", 500)
        if settings.DEBUG and not database_down and not isinstance(exception, DatabaseError):
            return None  # the technical page helps while developing HTML views
        status_code = 503 if database_down else 500
        return render(request, f"{status_code}.html", status=status_code)
