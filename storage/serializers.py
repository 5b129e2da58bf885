from django.utils import timezone
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from accounts.serializers import UserSerializer, user_data
from omx.api import datetime_text
from storage.models import StorageConnection


def connection_data(connection, tz=None) -> dict:
    """The StorageConnection object of API.md, from a model (with `granted`)
    or a row of selectors.CONNECTION_FIELDS."""
    tz = tz or timezone.get_current_timezone()
    if isinstance(connection, dict):
        row = connection
        created_by = None if row["created_by_id"] is None else {
            "id": str(row["created_by_id"]), "email": row["created_by__email"],
            "full_name": row["created_by__full_name"],
            "date_joined": datetime_text(row["created_by__date_joined"], tz)}
    else:
        row = {**connection.__dict__, "granted": connection.granted}
        created_by = user_data(connection.created_by, tz) if connection.created_by_id else None
    return {
        "id": str(row["id"]), "bucket_name": row["bucket_name"], "gcp_project_id": row["gcp_project_id"],
        "prefix": row["prefix"], "created_by": created_by, "created_at": datetime_text(row["created_at"], tz),
        "last_checked_at": datetime_text(row["last_checked_at"], tz), "last_error": row["last_error"],
        "granted": bool(row["granted"]),
    }


class ConnectionSerializer(serializers.ModelSerializer):
    """Fields for the schema; the output is built directly (connection_data):
    DRF's per-field rendering was most of the dashboard's serializing."""

    created_by = UserSerializer(allow_null=True)
    granted = serializers.BooleanField(
        help_text="False once the operator has removed the grant this link lies in: storage calls "
                  "through it then answer 403 bucket_not_granted.")

    class Meta:
        model = StorageConnection
        fields = ["id", "bucket_name", "gcp_project_id", "prefix", "created_by", "created_at",
                  "last_checked_at", "last_error", "granted"]
        read_only_fields = fields

    def to_representation(self, connection):
        return connection_data(connection)


class BucketSerializer(serializers.Serializer):
    name = serializers.CharField()
    location = serializers.CharField(allow_null=True)
    storage_class = serializers.CharField(allow_null=True)
    created = serializers.DateTimeField(allow_null=True)
    granted_prefixes = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        help_text='The prefixes granted to the workspace ("" for the whole bucket).')


class FolderSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Last segment, without the trailing '/'.")
    prefix = serializers.CharField(help_text="The full prefix, ending with '/'.")


def object_data(obj, tz) -> dict:
    """An ObjectInfo as ObjectSerializer's fields render it."""
    return {"name": obj.name, "size": int(obj.size), "content_type": obj.content_type,
            "updated": datetime_text(obj.updated, tz), "md5_hash": obj.md5_hash}


class ObjectSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The full object name.")
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    updated = serializers.DateTimeField(allow_null=True)
    md5_hash = serializers.CharField(allow_null=True)

    def to_representation(self, obj):
        return object_data(obj, timezone.get_current_timezone())


class ListingSerializer(serializers.Serializer):
    """Fields for the schema; the output is built directly: a page of a
    thousand objects through DRF's fields cost more than listing it."""

    bucket = serializers.CharField()
    prefix = serializers.CharField(allow_blank=True)
    folders = FolderSerializer(many=True)
    objects = ObjectSerializer(many=True)
    next_page_token = serializers.CharField(allow_null=True)

    def to_representation(self, listing):
        tz = timezone.get_current_timezone()
        return {
            "bucket": listing["bucket"], "prefix": listing["prefix"],
            "folders": [{"name": f.name, "prefix": f.prefix} for f in listing["folders"]],
            "objects": [object_data(o, tz) for o in listing["objects"]],
            "next_page_token": listing["next_page_token"],
        }


def signed_url_payload(request, signed, *, with_headers: bool) -> dict:
    # The local backend signs paths on this server; clients get absolute URLs.
    url = request.build_absolute_uri(signed.url) if signed.url.startswith("/") else signed.url
    body = {"url": url, "method": signed.method}
    if with_headers:
        body["headers"] = signed.headers
    body["expires_at"] = datetime_text(signed.expires_at)
    return body


class JobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=["delete", "copy", "move"])
    state = serializers.ChoiceField(choices=["queued", "running", "succeeded", "failed", "cancelled"])
    bucket = serializers.CharField()
    sources = serializers.ListField(child=serializers.CharField())
    destination = serializers.JSONField(
        allow_null=True, help_text='{"bucket", "prefix"} (into a folder), {"bucket", "name"} (rename) or null.')
    on_conflict = serializers.ChoiceField(choices=["skip", "overwrite"])
    progress = inline_serializer("JobProgress", {
        "done": serializers.IntegerField(), "skipped": serializers.IntegerField(),
        "failed": serializers.IntegerField(),
        "total": serializers.IntegerField(allow_null=True, help_text="Null until the sources have been listed."),
    })
    errors = inline_serializer("JobError", {"name": serializers.CharField(), "detail": serializers.CharField()},
                               many=True)
    created_by = UserSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, job):
        when = serializers.DateTimeField().to_representation
        return {
            "id": str(job.pk), "kind": job.kind, "state": job.state, "bucket": job.bucket,
            "sources": job.sources, "destination": job.destination, "on_conflict": job.on_conflict,
            "progress": {"done": job.done, "skipped": job.skipped, "failed": job.failed, "total": job.total},
            "errors": job.errors[:100],
            "created_by": UserSerializer(job.created_by).data if job.created_by else None,
            "created_at": when(job.created_at),
            "started_at": when(job.started_at) if job.started_at else None,
            "finished_at": when(job.finished_at) if job.finished_at else None,
        }


class ShareSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    bucket = serializers.CharField()
    object_name = serializers.CharField(allow_null=True)
    prefix = serializers.CharField(allow_null=True)
    mode = serializers.ChoiceField(choices=["download", "upload"])
    expires_at = serializers.DateTimeField()
    max_uses = serializers.IntegerField(allow_null=True)
    use_count = serializers.IntegerField()
    has_password = serializers.BooleanField()
    state = serializers.ChoiceField(choices=["active", "expired", "revoked", "exhausted"])
    created_by = UserSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class ShareCreatedSerializer(ShareSerializer):
    url = serializers.URLField(help_text="The link `…/s/<token>`: shown this once, never stored.")


class ShareAccessSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.SerializerMethodField()
    object_name = serializers.CharField()
    client_ip = serializers.IPAddressField(allow_null=True)

    def get_action(self, entry) -> str:
        return "upload" if entry.action == "share_upload" else "download"


class AccessLogSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = UserSerializer(allow_null=True)
    via = serializers.ChoiceField(choices=["api", "page", "share"])
    action = serializers.ChoiceField(choices=["download_url", "upload_url", "delete", "share_download",
                                              "share_upload"])
    bucket = serializers.CharField()
    object_name = serializers.CharField()
    share_id = serializers.UUIDField(allow_null=True)
    client_ip = serializers.IPAddressField(allow_null=True)
