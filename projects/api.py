from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ReadsBearerWithLookup
from accounts.serializers import UserSerializer, user_data
from omx.api import datetime_text, errors, paginated_response
from omx.pagination import PageNumberPagination
from projects import selectors, services
from workspaces.models import Role
from workspaces.selectors import workspace_get_for_user

TAG = ["projects"]


def _user_from_row(row, name: str, tz) -> dict | None:
    """The User object of the row's `<name>_id`, `<name>__email`, ... columns."""
    if row[f"{name}_id"] is None:
        return None
    return {"id": str(row[f"{name}_id"]), "email": row[f"{name}__email"],
            "full_name": row[f"{name}__full_name"], "date_joined": datetime_text(row[f"{name}__date_joined"], tz)}


class ProjectSerializer(serializers.Serializer):
    """The Project object. The fields document it; the output is built
    directly, from a model or from a row of selectors.PROJECT_FIELDS: DRF's per-field
    rendering of nested objects was a quarter of a list request."""

    id = serializers.UUIDField(read_only=True)
    workspace_id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    created_by = UserSerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    connection_count = serializers.IntegerField(read_only=True)

    def to_representation(self, project):
        tz = timezone.get_current_timezone()
        if isinstance(project, dict):
            row, created_by = project, _user_from_row(project, "created_by", tz)
        else:
            row = project.__dict__
            created_by = user_data(project.created_by, tz) if project.created_by_id else None
        return {
            "id": str(row["id"]), "workspace_id": str(row["workspace_id"]), "name": row["name"],
            "slug": row["slug"], "description": row["description"], "created_by": created_by,
            "created_at": datetime_text(row["created_at"], tz), "updated_at": datetime_text(row["updated_at"], tz),
            "connection_count": row["connection_count"],
        }


class ActivitySerializer(serializers.Serializer):
    verb = serializers.CharField(read_only=True)
    actor = UserSerializer(read_only=True, allow_null=True)
    summary = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, event, tz=None):
        """From a model or a row of selectors.ACTIVITY_FIELDS."""
        tz = tz or timezone.get_current_timezone()
        if isinstance(event, dict):
            return {"verb": event["verb"], "actor": _user_from_row(event, "actor", tz), "summary": event["summary"],
                    "created_at": datetime_text(event["created_at"], tz)}
        return {"verb": event.verb, "actor": user_data(event.actor, tz) if event.actor_id else None,
                "summary": event.summary, "created_at": datetime_text(event.created_at, tz)}


def _connection_serializer():
    from storage.serializers import ConnectionSerializer

    return ConnectionSerializer(read_only=True)


class ProjectListApi(APIView):
    pagination_class = PageNumberPagination

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(tags=TAG, operation_id="projects_list",
                   responses={200: ProjectSerializer(many=True), **errors(401, 404)})
    def get(self, request, wid):
        projects = selectors.project_rows_for_user(user=request.user, workspace_id=wid)
        return paginated_response(self, request, projects, ProjectSerializer)

    @extend_schema(tags=TAG, operation_id="projects_create", request=InputSerializer,
                   responses={201: ProjectSerializer, **errors(400, 401, 403, 404)})
    def post(self, request, wid):
        workspace = workspace_get_for_user(user=request.user, workspace_id=wid, need=Role.MEMBER)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_create(workspace=workspace, actor=request.user, **data.validated_data)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


# The one count a Project object shows.
SHOWN_COUNTS = ("connection_count",)


class ProjectDetailApi(ReadsBearerWithLookup, APIView):  # each handler looks the project up first
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100, required=False)
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(tags=TAG, operation_id="projects_retrieve",
                   responses={200: ProjectSerializer, **errors(401, 404)})
    def get(self, request, wid, pid):
        project = selectors.project_get_for_user(user=request.user, workspace_id=wid, project_id=pid,
                                                 counts=SHOWN_COUNTS)
        return Response(ProjectSerializer(project).data)

    @extend_schema(tags=TAG, operation_id="projects_update", request=InputSerializer,
                   responses={200: ProjectSerializer, **errors(400, 401, 403, 404)})
    def patch(self, request, wid, pid):
        project = selectors.project_get_for_user(
            user=request.user, workspace_id=wid, project_id=pid, need=Role.MEMBER, counts=SHOWN_COUNTS
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_update(project=project, actor=request.user, **data.validated_data)
        return Response(ProjectSerializer(project).data)

    @extend_schema(tags=TAG, operation_id="projects_destroy",
                   responses={204: None, **errors(401, 403, 404)})
    def delete(self, request, wid, pid):
        project = selectors.project_get_for_user(
            user=request.user, workspace_id=wid, project_id=pid, need=Role.ADMIN
        )
        services.project_delete(project=project, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectDashboardApi(ReadsBearerWithLookup, APIView):
    class OutputSerializer(serializers.Serializer):
        project = ProjectSerializer(read_only=True)
        member_count = serializers.IntegerField(read_only=True)
        connections = serializers.ListField(child=_connection_serializer(), read_only=True)
        recent_activity = ActivitySerializer(many=True, read_only=True,
                                             help_text="Newest first, at most 20.")

    @extend_schema(tags=TAG, operation_id="projects_dashboard",
                   responses={200: OutputSerializer, **errors(401, 404)})
    def get(self, request, wid, pid):
        from storage.serializers import connection_data

        dashboard = selectors.project_dashboard_rows_for_user(user=request.user, workspace_id=wid, project_id=pid)
        tz, activity = timezone.get_current_timezone(), ActivitySerializer()
        return Response({
            "project": ProjectSerializer().to_representation(dashboard["project"]),
            "member_count": dashboard["member_count"],
            "connections": [connection_data(row, tz) for row in dashboard["connections"]],
            "recent_activity": [activity.to_representation(row, tz) for row in dashboard["recent_activity"]],
        })
