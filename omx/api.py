"""What every app's DRF views share: a paginated list response and the
OpenAPI error entries of a view's `responses`."""

from omx.api_docs import ERRORS
from omx.pagination import PageNumberPagination


def paginated_response(view, request, queryset, serializer_class):
    """One page of `queryset`, DRF-style: {count, next, previous, results}."""
    paginator = getattr(view, "pagination_class", None) or PageNumberPagination
    paginator = paginator()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def errors(*codes: int) -> dict:
    """`responses` entries for these error statuses: `{**errors(401, 404)}`."""
    return {code: ERRORS[code] for code in codes}
