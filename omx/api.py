"""What every app's DRF views share: a paginated list response, the OpenAPI
error entries of a view's `responses`, and input serializers of plain fields."""

import copy

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from rest_framework import serializers

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


class FlatInputSerializer(serializers.Serializer):
    """An input serializer of plain fields, for the hottest request bodies.

    DRF deep-copies a serializer's declared fields for every instance, which
    runs each field's __init__ again (building its validators): half the cost
    of validating upload-url's three fields. A plain field keeps no state
    between uses but what bind() sets on it, so a shallow copy serves.
    Fields holding other fields (serializers, lists, dicts) would share
    their children: such a field here is a mistake, refused."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, field in cls._declared_fields.items():
            if isinstance(field, serializers.BaseSerializer | serializers.ListField | serializers.DictField):
                raise ImproperlyConfigured(f"{cls.__qualname__}.{name}: a FlatInputSerializer holds plain fields only.")

    def get_fields(self):
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}
