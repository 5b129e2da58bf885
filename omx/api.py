"""What every app's DRF views share: a paginated list response and the
OpenAPI error entries of a view's `responses`."""

from django.utils import timezone

from omx.api_docs import ERRORS
from omx.pagination import PageNumberPagination


def datetime_text(value, tz=None) -> str | None:
    """What DRF's DateTimeField renders (ISO 8601 in the current time zone, UTC
    as `Z`), without its lookups per call: pass `tz` when rendering many."""
    if not value:
        return None
    tz = tz or timezone.get_current_timezone()
    value = value.astimezone(tz) if timezone.is_aware(value) else timezone.make_aware(value, tz)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def paginated_response(view, request, queryset, serializer_class):
    """One page of `queryset`, DRF-style: {count, next, previous, results}."""
    paginator = getattr(view, "pagination_class", None) or PageNumberPagination
    paginator = paginator()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def errors(*codes: int) -> dict:
    """`responses` entries for these error statuses: `{**errors(401, 404)}`."""
    return {code: ERRORS[code] for code in codes}
