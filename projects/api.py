from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import UserSerializer
from omx.api import errors, paginated_response
from omx.pagination import PageNumberPagination
from projects import selectors, services
from workspaces.models import Role
from workspaces.selectors import workspace_get_for_user

TAG = ["projects"]


class ProjectSerializer(serializers.Serializer):
    """The Project object."""

    id = serializers.UUIDField(read_only=True)
    workspace_id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    created_by = UserSerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    connection_count = serializers.IntegerField(read_only=True)


class ActivitySerializer(serializers.Serializer):
    verb = serializers.CharField(read_only=True)
    actor = UserSerializer(read_only=True, allow_null=True)
    summary = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


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
        workspace = workspace_get_for_user(user=request.user, workspace_id=wid)
        return paginated_response(self, request, selectors.project_list(workspace=workspace), ProjectSerializer)

    @extend_schema(tags=TAG, operation_id="projects_create", request=InputSerializer,
                   responses={201: ProjectSerializer, **errors(400, 401, 403, 404)})
    def post(self, request, wid):
        workspace = workspace_get_for_user(user=request.user, workspace_id=wid, need=Role.MEMBER)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_create(workspace=workspace, actor=request.user, **data.validated_data)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100, required=False)
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(tags=TAG, operation_id="projects_retrieve",
                   responses={200: ProjectSerializer, **errors(401, 404)})
    def get(self, request, wid, pid):
        project = selectors.project_get_for_user(user=request.user, workspace_id=wid, project_id=pid)
        return Response(ProjectSerializer(project).data)

    @extend_schema(tags=TAG, operation_id="projects_update", request=InputSerializer,
                   responses={200: ProjectSerializer, **errors(400, 401, 403, 404)})
    def patch(self, request, wid, pid):
        project = selectors.project_get_for_user(
            user=request.user, workspace_id=wid, project_id=pid, need=Role.MEMBER
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


class ProjectDashboardApi(APIView):
    class OutputSerializer(serializers.Serializer):
        project = ProjectSerializer(read_only=True)
        member_count = serializers.IntegerField(read_only=True)
        connections = serializers.ListField(child=_connection_serializer(), read_only=True)
        recent_activity = ActivitySerializer(many=True, read_only=True,
                                             help_text="Newest first, at most 20.")

    @extend_schema(tags=TAG, operation_id="projects_dashboard",
                   responses={200: OutputSerializer, **errors(401, 404)})
    def get(self, request, wid, pid):
        project = selectors.project_get_for_user(user=request.user, workspace_id=wid, project_id=pid)
        return Response(self.OutputSerializer(selectors.project_dashboard(project=project)).data)
