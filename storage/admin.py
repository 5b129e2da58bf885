from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from storage.backends import bucket_name_validate
from storage.models import BucketGrant, StorageConnection
from storage.models import StorageJob
from storage.validation import prefix_normalize


class BucketAndPrefixForm(forms.ModelForm):
    """Admin forms store bucket names checked and prefixes normalised, as
    the services do (the database also refuses an unnormalised prefix)."""

    def clean_bucket_name(self):
        try:
            return bucket_name_validate(self.cleaned_data["bucket_name"], field="bucket_name")
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["bucket_name"]) from None

    def clean_prefix(self):
        try:
            return prefix_normalize(self.cleaned_data.get("prefix") or "", field="prefix", strict=False)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["prefix"]) from None


class BucketGrantForm(BucketAndPrefixForm):
    class Meta:
        model = BucketGrant
        fields = ["workspace", "bucket_name", "prefix"]


class StorageConnectionForm(BucketAndPrefixForm):
    class Meta:
        model = StorageConnection
        fields = ["project", "bucket_name", "gcp_project_id", "prefix"]


@admin.register(StorageConnection)
class StorageConnectionAdmin(admin.ModelAdmin):
    form = StorageConnectionForm
    list_display = ["bucket_name", "prefix", "project", "gcp_project_id", "last_checked_at", "last_error", "created_at"]
    list_filter = ["last_checked_at"]
    search_fields = ["bucket_name", "prefix", "project__name", "project__workspace__name"]
    list_select_related = ["project", "project__workspace"]
    readonly_fields = ["created_at", "last_checked_at", "last_error", "created_by"]
    raw_id_fields = ["project"]


@admin.register(BucketGrant)
class BucketGrantAdmin(admin.ModelAdmin):
    """Staff decide here (or with `manage.py grants`) which buckets each
    workspace may link; removing a grant blocks the links inside it at once."""

    form = BucketGrantForm
    list_display = ["workspace", "bucket_name", "prefix", "granted_by", "created_at"]
    search_fields = ["bucket_name", "prefix", "workspace__name", "workspace__slug"]
    list_select_related = ["workspace", "granted_by"]
    readonly_fields = ["granted_by", "created_at"]
    raw_id_fields = ["workspace"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(StorageJob)
class StorageJobAdmin(admin.ModelAdmin):
    """Jobs are read here; they are started and cancelled through the API."""

    list_display = ["kind", "state", "bucket", "project", "done", "skipped", "failed", "total", "created_by",
                    "created_at", "finished_at"]
    list_filter = ["kind", "state"]
    search_fields = ["bucket", "project__name", "project__workspace__name"]
    list_select_related = ["project", "created_by"]
    readonly_fields = [f.name for f in StorageJob._meta.fields]

    def has_add_permission(self, request):
        return False
