"""Shared OpenAPI pieces: the error body every /api/ error uses."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={"detail": serializers.CharField(), "code": serializers.CharField()},
)

ValidationErrorSerializer = inline_serializer(
    name="ValidationError",
    fields={
        "field_name": serializers.ListField(
            child=serializers.CharField(), required=False,
            help_text="One entry per invalid field, each a list of messages.",
        )
    },
)

ERRORS = {
    400: OpenApiResponse(ValidationErrorSerializer, description="Invalid input (DRF field map, or detail/code)."),
    401: OpenApiResponse(ErrorSerializer, description="Missing, invalid, expired or revoked credentials."),
    403: OpenApiResponse(ErrorSerializer, description="Your role does not allow this."),
    404: OpenApiResponse(ErrorSerializer, description="Not found, or not visible to you."),
    409: OpenApiResponse(ErrorSerializer, description="Conflicts with the current state."),
    410: OpenApiResponse(ErrorSerializer, description="No longer valid."),
    429: OpenApiResponse(ErrorSerializer, description="Throttled; see Retry-After."),
    502: OpenApiResponse(ErrorSerializer, description="Google Cloud Storage refused the call."),
    503: OpenApiResponse(ErrorSerializer, description="Storage or database unreachable."),
}
