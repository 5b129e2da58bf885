"""One error shape for the JSON API: `{"detail", "code"}`, or DRF's field map
for validation errors.

Services raise Django's ValidationError / Http404 / PermissionDenied or an
`omx.exceptions.ApplicationError` (storage errors included); the DRF
exception handler and the API middleware turn them into JSON, and HTML views
into messages or form errors.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from omx.exceptions import ApplicationError



def error_body(detail: str, code: str) -> dict:
    return {"detail": str(detail), "code": code}


def _django_validation_response(exc: DjangoValidationError) -> Response:
    if hasattr(exc, "error_dict"):
        data = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    return Response(error_body(" ".join(exc.messages), exc.code or "invalid"), status=400)


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        return _django_validation_response(exc)
    if isinstance(exc, ApplicationError):
        return Response(
            error_body(exc.detail, exc.code),
            status=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        detail = str(exc) or "You do not have permission to perform this action."
        exc = exceptions.PermissionDenied(detail)

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(response.data, list):
            response.data = {"non_field_errors": response.data}
        return response
    detail, code = exc.detail, getattr(exc, "default_code", "error")
    if isinstance(detail, dict):  # simplejwt's InvalidToken carries a dict
        detail, code = detail.get("detail", str(detail)), detail.get("code", code)
    elif isinstance(detail, str):
        code = getattr(detail, "code", None) or code
    response.data = error_body(str(detail), str(code))
    return response


def json_error(detail: str, code: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(detail, code), status=status_code)
