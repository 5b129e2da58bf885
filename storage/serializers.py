from rest_framework import serializers

from accounts.serializers import UserSerializer
from storage.models import StorageConnection


class ConnectionSerializer(serializers.ModelSerializer):
    created_by = UserSerializer(allow_null=True)

    class Meta:
        model = StorageConnection
        fields = ["id", "bucket_name", "gcp_project_id", "prefix", "created_by", "created_at",
                  "last_checked_at", "last_error"]
        read_only_fields = fields


class BucketSerializer(serializers.Serializer):
    name = serializers.CharField()
    location = serializers.CharField()
    storage_class = serializers.CharField()
    created = serializers.DateTimeField(allow_null=True)


class FolderSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Last segment, without the trailing '/'.")
    prefix = serializers.CharField(help_text="The full prefix, ending with '/'.")


class ObjectSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The full object name.")
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    updated = serializers.DateTimeField(allow_null=True)
    md5_hash = serializers.CharField(allow_null=True)


class ListingSerializer(serializers.Serializer):
    bucket = serializers.CharField()
    prefix = serializers.CharField(allow_blank=True)
    folders = FolderSerializer(many=True)
    objects = ObjectSerializer(many=True)
    next_page_token = serializers.CharField(allow_null=True)


def signed_url_payload(request, signed, *, with_headers: bool) -> dict:
    # The local backend signs paths on this server; clients get absolute URLs.
    url = request.build_absolute_uri(signed.url) if signed.url.startswith("/") else signed.url
    body = {"url": url, "method": signed.method}
    if with_headers:
        body["headers"] = signed.headers
    body["expires_at"] = serializers.DateTimeField().to_representation(signed.expires_at)
    return body
