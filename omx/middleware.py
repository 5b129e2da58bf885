import logging
import re
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject, empty

from omx.errors import json_error
from omx.net import client_ip

request_logger = logging.getLogger("omx.request")
error_logger = logging.getLogger("omx.errors")

# `<uuid:wid>` and `(?P<wid>…)` both read `<wid>` in the log.
_CONVERTER = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
_NAMED_GROUP = re.compile(r"\(\?P<([^>]+)>[^)]*\)")


def loggable_path(request) -> str:
    """The URL pattern the request matched (`/api/invitations/<token>`), never
    the path itself: path segments carry credentials (invitation tokens, join
    codes, password-reset tokens, signed storage URLs). A path that matches
    no pattern is logged as `<unmatched>`, none of it shown."""
    match = getattr(request, "resolver_match", None)
    if match is None:  # answered before URL resolution (a redirect, say)
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            match = None
        except Exception:  # noqa: BLE001 - logging must never fail a request (a broken URLconf, say)
            match = None
    if match is None or getattr(match.func, "unmatched_path", False):
        return "/api/<unmatched>" if is_api_path(request.path) else "<unmatched>"
    route = _NAMED_GROUP.sub(r"<\1>", match.route)
    route = _CONVERTER.sub(r"<\1>", route).replace("^", "").replace("$", "")
    return "/" + route


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
        path = loggable_path(request)
        client = client_ip(request) or "-"
        request_logger.info(
            "%s %s %s %.1fms user=%s client=%s",
            request.method,
            path,
            response.status_code,
            duration_ms,
            user_id,
            client,
            extra={
                "http_method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round(duration_ms, 1),
                "user_id": user_id,
                "client_ip": client,
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
            "Unhandled error on %s %s", request.method, loggable_path(request),
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
