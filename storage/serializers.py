from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from accounts.serializers import UserSerializer
from storage.models import StorageConnection


class ConnectionSerializer(serializers.ModelSerializer):
    created_by = UserSerializer(allow_null=True)
    granted = serializers.BooleanField(
        help_text="False once the operator has removed the grant this link lies in: storage calls "
                  "through it then answer 403 bucket_not_granted.")

    class Meta:
        model = StorageConnection
        fields = ["id", "bucket_name", "gcp_project_id", "prefix", "created_by", "created_at",
                  "last_checked_at", "last_error", "granted"]
        read_only_fields = fields


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
