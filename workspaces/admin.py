from django.contrib import admin

from workspaces.models import ActivityEvent, Invitation, Membership, Workspace
from workspaces.selectors import count_subquery


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "joined_at"]
    readonly_fields = ["joined_at"]
    autocomplete_fields = ["user"]
    show_change_link = True


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    fields = ["email", "role", "status", "invited_by", "created_at", "expires_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # invitations carry a token: create them in the app, which sends it


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "member_count", "project_count", "created_by", "created_at", "join_enabled"]
    search_fields = ["name", "slug", "description", "created_by__email"]
    list_filter = ["created_at"]
    date_hierarchy = "created_at"
    readonly_fields = ["id", "created_at", "created_by"]
    fields = ["id", "name", "slug", "description", "join_code", "created_by", "created_at"]
    inlines = [MembershipInline, InvitationInline]

    def get_queryset(self, request):
        from projects.models import Project

        return super().get_queryset(request).select_related("created_by").annotate(
            _member_count=count_subquery(Membership.objects.all()),
            _project_count=count_subquery(Project.objects.all()),
        )

    @admin.display(description="Members", ordering="_member_count")
    def member_count(self, obj):
        return obj._member_count

    @admin.display(description="Projects", ordering="_project_count")
    def project_count(self, obj):
        return obj._project_count

    @admin.display(description="Join link", boolean=True)
    def join_enabled(self, obj):
        return obj.join_enabled

    def get_deleted_objects(self, objs, request):
        # Activity events are read-only in the admin, but go with their
        # workspace: their missing delete permission must not block it.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(ActivityEvent._meta.verbose_name)
        return deleted, model_count, perms_needed, protected


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "joined_at"]
    list_filter = ["role", "joined_at"]
    search_fields = ["user__email", "user__full_name", "workspace__name", "workspace__slug"]
    list_select_related = ["user", "workspace"]
    autocomplete_fields = ["user", "workspace"]
    readonly_fields = ["joined_at"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "workspace", "role", "status", "invited_by", "created_at", "expires_at"]
    list_filter = ["status", "role", "created_at"]
    search_fields = ["email", "workspace__name", "invited_by__email"]
    list_select_related = ["workspace", "invited_by"]
    readonly_fields = ["id", "workspace", "email", "token_hash", "invited_by", "created_at",
                       "accepted_by", "accepted_at"]
    fields = ["id", "workspace", "email", "role", "status", "expires_at", "invited_by", "created_at",
              "accepted_by", "accepted_at", "token_hash"]

    def has_add_permission(self, request):
        return False  # the app creates invitations: it mails the token, which is stored only hashed


@admin.register(ActivityEvent)
class ActivityEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "verb", "summary", "workspace", "project", "actor"]
    list_filter = ["verb", "created_at"]
    search_fields = ["summary", "workspace__name", "project__name", "actor__email"]
    list_select_related = ["workspace", "project", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
