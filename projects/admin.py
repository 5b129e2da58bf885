from django.contrib import admin

from projects.models import Project
from workspaces.models import ActivityEvent


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "slug", "created_by", "created_at", "updated_at"]
    list_filter = ["created_at", "updated_at"]
    search_fields = ["name", "slug", "description", "workspace__name", "workspace__slug"]
    list_select_related = ["workspace", "created_by"]
    autocomplete_fields = ["workspace"]
    readonly_fields = ["id", "created_by", "created_at", "updated_at", "first_upload_at"]
    fields = ["id", "workspace", "name", "slug", "description", "created_by", "created_at", "updated_at",
              "first_upload_at"]
    date_hierarchy = "created_at"

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(ActivityEvent._meta.verbose_name)
        return deleted, model_count, perms_needed, protected
