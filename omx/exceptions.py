"""The application's own errors: a status, a human sentence and a machine code.

Plain Python (no DRF, no settings; Django's PermissionDenied is a plain class), so every layer can raise them, storage
backends included; `omx.errors` turns them into the API's JSON shape.
"""

from django.core.exceptions import PermissionDenied


class ApplicationError(Exception):
    status_code = 400
    default_detail = "The request could not be processed."
    default_code = "invalid"

    def __init__(self, detail: str | None = None, code: str | None = None):
        self.detail = detail or self.default_detail
        self.code = code or self.default_code
        super().__init__(self.detail)


class Conflict(ApplicationError):
    status_code = 409
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class Gone(ApplicationError):
    status_code = 410
    default_detail = "This link is no longer valid."
    default_code = "gone"


class Forbidden(ApplicationError, PermissionDenied):
    """A 403 with a code of its own; HTML views handle it as PermissionDenied."""

    status_code = 403
    default_detail = "You do not have permission to perform this action."
    default_code = "permission_denied"
