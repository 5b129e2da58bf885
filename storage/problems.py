"""What the Files page shows in place of a listing, a preview, a link or a
dialog when a request cannot be served: a "problem" (title, detail, status,
whether trying again may help), made from the errors the storage selectors
and services raise."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from storage.backends import StorageError, StorageNotFound


def problem(title: str, detail: str, status: int, retry: bool = False) -> dict:
    return {"title": title, "detail": detail, "status": status, "retry": retry}


GONE = problem("Gone", "This file no longer exists. It may have been deleted.", 404)


def error_message(exc) -> str:
    if isinstance(exc, ValidationError):
        # A service names its own fields (`object_names`, `prefix`): the page
        # shows only the sentences.
        return " ".join(exc.messages)
    return str(exc) or "That is not allowed."


def storage_problem(exc: StorageError) -> dict:
    if isinstance(exc, StorageNotFound):
        return problem("Not found", exc.detail, 404)
    if exc.status_code == 503:
        return problem("Cloud Storage is unreachable", exc.detail, 503, retry=True)
    if exc.status_code == 400:
        return problem("Cloud Storage refused the request", exc.detail, 400)
    return problem("Cloud Storage answered with an error", exc.detail, 502, retry=True)


class page_problem:
    """Catch what a storage read or write raises and keep it as a problem:
    in `context[key]` when given, and as `.problem` either way.

        with page_problem(context, "detail_problem", title="Not available", gone=GONE):
            context["detail"] = object_details(...)

    A storage error becomes its own problem (`gone` replaces the one for a
    missing object). A refusal (PermissionDenied, and ValidationError unless
    `invalid` gives its own title and status) gets `title` and `status`.
    Http404 is caught only when `missing` says what to show.
    """

    def __init__(self, context: dict | None = None, key: str | None = None, *, title: str, status: int = 403,
                 invalid: tuple[str, int] | None = None, gone: dict | None = None, missing: dict | None = None):
        self.context, self.key = context, key
        self.title, self.status, self.invalid = title, status, invalid
        self.gone, self.missing = gone, missing
        self.problem = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if exc is None:
            return False
        self.problem = self._problem_for(exc)
        if self.problem is None:
            return False
        if self.context is not None:
            self.context[self.key] = self.problem
        return True

    def _problem_for(self, exc) -> dict | None:
        if isinstance(exc, StorageNotFound) and self.gone:
            return dict(self.gone)
        if isinstance(exc, StorageError):
            return storage_problem(exc)
        if isinstance(exc, Http404):
            return dict(self.missing) if self.missing else None
        if isinstance(exc, ValidationError) and self.invalid:
            return problem(self.invalid[0], error_message(exc), self.invalid[1])
        if isinstance(exc, (PermissionDenied, ValidationError)):
            return problem(self.title, error_message(exc), self.status)
        return None
