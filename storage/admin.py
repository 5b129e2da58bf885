from django.contrib import admin

from storage.models import StorageConnection
from storage.models import StorageJob


@admin.register(StorageConnection)
class StorageConnectionAdmin(admin.ModelAdmin):
    list_display = ["bucket_name", "prefix", "project", "gcp_project_id", "last_checked_at", "last_error", "created_at"]
    list_filter = ["last_checked_at"]
    search_fields = ["bucket_name", "prefix", "project__name", "project__workspace__name"]
    list_select_related = ["project", "project__workspace"]
    readonly_fields = ["created_at", "last_checked_at", "last_error", "created_by"]
    raw_id_fields = ["project"]


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
