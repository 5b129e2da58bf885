from django.contrib import admin

from storage.models import StorageConnection


@admin.register(StorageConnection)
class StorageConnectionAdmin(admin.ModelAdmin):
    list_display = ["bucket_name", "prefix", "project", "gcp_project_id", "last_checked_at", "last_error", "created_at"]
    list_filter = ["last_checked_at"]
    search_fields = ["bucket_name", "prefix", "project__name", "project__workspace__name"]
    list_select_related = ["project", "project__workspace"]
    readonly_fields = ["created_at", "last_checked_at", "last_error", "created_by"]
    raw_id_fields = ["project"]
