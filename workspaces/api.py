from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import UserSerializer
from omx.api import datetime_text, errors, paginated_response
from omx.exceptions import Gone
from omx.pagination import PageNumberPagination
from workspaces import selectors, services
from workspaces.models import Role, role_at_least

TAG = ["workspaces"]


# --- Shared objects of the contract ------------------------------------------------


class WorkspaceSerializer(serializers.Serializer):
    """The Workspace object. `join_code` only for admins and owners."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True, help_text="The caller's role.")
    member_count = serializers.IntegerField(read_only=True)
    project_count = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    join_code = serializers.CharField(
        required=False, allow_null=True,
        help_text="Admins and owners only (absent for other roles); null when joining by code is off.",
    )

    def to_representation(self, workspace):
        # Built directly: DRF's per-field rendering was a large share of a list.
        # Rows of the list are dicts (.values()), single workspaces are models.
        get = workspace.get if isinstance(workspace, dict) else lambda name: getattr(workspace, name)
        data = {
            "id": str(get("id")), "name": get("name"), "slug": get("slug"), "description": get("description"),
            "role": get("role"), "member_count": get("member_count"), "project_count": get("project_count"),
            "created_at": datetime_text(get("created_at")),
        }
        if role_at_least(data["role"], Role.ADMIN):
            data["join_code"] = get("join_code")  # the join code lets anyone in: admins and owners only
        return data


class MemberSerializer(serializers.Serializer):
    user = UserSerializer(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    joined_at = serializers.DateTimeField(read_only=True)


class InvitationSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    invited_by = UserSerializer(read_only=True, allow_null=True)


class InvitationCreatedSerializer(serializers.Serializer):
    """A new invitation: the only answer that carries its token."""

    id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    token = serializers.CharField(read_only=True, help_text="Shown once; only its hash is stored.")
    accept_url = serializers.URLField(read_only=True, help_text="The page that accepts the invitation.")
    expires_at = serializers.DateTimeField(read_only=True)
    invited_by = UserSerializer(read_only=True, allow_null=True)


def _workspace_response(request, workspace_id, code=status.HTTP_200_OK):
    workspace = selectors.workspace_get_for_user(user=request.user, workspace_id=workspace_id)
    return Response(WorkspaceSerializer(workspace).data, status=code)


# --- Workspaces ----------------------------------------------------------------------


class WorkspaceListApi(APIView):
    pagination_class = PageNumberPagination

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(tags=TAG, operation_id="workspaces_list",
                   responses={200: WorkspaceSerializer(many=True), **errors(401, 404)})
    def get(self, request):
        return paginated_response(self, request, selectors.workspace_rows_for_user(user=request.user),
                                  WorkspaceSerializer)

    @extend_schema(tags=TAG, operation_id="workspaces_create", request=InputSerializer,
                   responses={201: WorkspaceSerializer, **errors(400, 401)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workspace = services.workspace_create(user=request.user, **data.validated_data)
        return Response(WorkspaceSerializer(workspace).data, status=status.HTTP_201_CREATED)


class WorkspaceDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100, required=False)
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(tags=TAG, operation_id="workspaces_retrieve",
                   responses={200: WorkspaceSerializer, **errors(401, 404)})
    def get(self, request, wid):
        return _workspace_response(request, wid)

    @extend_schema(tags=TAG, operation_id="workspaces_update", request=InputSerializer,
                   responses={200: WorkspaceSerializer, **errors(400, 401, 403, 404)})
    def patch(self, request, wid):
        workspace = selectors.workspace_get_for_user(user=request.user, workspace_id=wid, need=Role.ADMIN)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workspace = services.workspace_update(workspace=workspace, actor=request.user, **data.validated_data)
        return Response(WorkspaceSerializer(workspace).data)

    @extend_schema(tags=TAG, operation_id="workspaces_destroy",
                   responses={204: None, **errors(401, 403, 404)})
    def delete(self, request, wid):
        workspace = selectors.workspace_get_for_user(user=request.user, workspace_id=wid, need=Role.OWNER)
        services.workspace_delete(workspace=workspace, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WorkspaceJoinApi(APIView):
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=64)

    @extend_schema(tags=TAG, operation_id="workspaces_join", request=InputSerializer,
                   responses={200: WorkspaceSerializer, **errors(400, 401, 404)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workspace, _ = services.workspace_join(user=request.user, code=data.validated_data["code"])
        return _workspace_response(request, workspace.pk)


class WorkspaceJoinCodeRotateApi(APIView):
    class OutputSerializer(serializers.Serializer):
        join_code = serializers.CharField()

    @extend_schema(tags=TAG, operation_id="workspaces_join_code_rotate", request=None,
                   responses={200: OutputSerializer, **errors(401, 403, 404)})
    def post(self, request, wid):
        workspace = selectors.workspace_get_for_user(user=request.user, workspace_id=wid, need=Role.ADMIN)
        code = services.workspace_join_code_rotate(workspace=workspace, actor=request.user)
        return Response(self.OutputSerializer({"join_code": code}).data)


class WorkspaceLeaveApi(APIView):
    @extend_schema(tags=TAG, operation_id="workspaces_leave", request=None,
                   responses={204: None, **errors(401, 404, 409)})
    def post(self, request, wid):
        workspace = selectors.workspace_get_for_user(user=request.user, workspace_id=wid)
        services.workspace_leave(workspace=workspace, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Members -------------------------------------------------------------------------


class MemberListApi(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(tags=TAG, operation_id="workspaces_members_list",
                   responses={200: MemberSerializer(many=True), **errors(401, 404)})
    def get(self, request, wid):
        workspace = selectors.workspace_get_for_user(user=request.user, workspace_id=wid)
        return paginated_response(self, request, selectors.member_list(workspace=workspace), MemberSerializer)


class MemberDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        role = serializers.ChoiceField(choices=Role.choices)

    @extend_schema(tags=TAG, operation_id="workspaces_members_update", request=InputSerializer,
                   responses={200: MemberSerializer, **errors(400, 401, 403, 404, 409)})
    def patch(self, request, wid, user_id):
        workspace = selectors.workspace_get_for_user(user=request.user, workspace_id=wid, need=Role.ADMIN)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.member_role_change(
            workspace=workspace, actor=request.user, user_id=user_id, role=data.validated_data["role"]
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(tags=TAG, operation_id="workspaces_members_destroy",
                   responses={204: None, **errors(401, 403, 404, 409)})
    def delete(self, request, wid, user_id):
        workspace = selectors.workspace_get_for_user(user=request.user, workspace_id=wid, need=Role.ADMIN)
        services.member_remove(workspace=workspace, actor=request.user, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Invitations ---------------------------------------------------------------------


class InvitationListApi(APIView):
    pagination_class = PageNumberPagination

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        # The choices document the rule; invitation_create enforces it.
        role = serializers.ChoiceField(choices=[(r.value, r.label) for r in Role.invitable()],
                                       help_text="admin, member or viewer (not owner).")

    @extend_schema(tags=TAG, operation_id="workspaces_invitations_list",
                   responses={200: InvitationSerializer(many=True), **errors(401, 403, 404)})
    def get(self, request, wid):
        workspace = selectors.workspace_get_for_user(user=request.user, workspace_id=wid, need=Role.ADMIN)
        return paginated_response(
            self, request, selectors.invitation_list(workspace=workspace), InvitationSerializer
        )

    @extend_schema(tags=TAG, operation_id="workspaces_invitations_create", request=InputSerializer,
                   responses={201: InvitationCreatedSerializer, **errors(400, 401, 403, 404)})
    def post(self, request, wid):
        workspace = selectors.workspace_get_for_user(user=request.user, workspace_id=wid, need=Role.ADMIN)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation, token, accept_url = services.invitation_create(
            workspace=workspace, actor=request.user, base_url=request.build_absolute_uri("/"),
            **data.validated_data,
        )
        invitation.token, invitation.accept_url = token, accept_url
        return Response(InvitationCreatedSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetailApi(APIView):
    @extend_schema(tags=TAG, operation_id="workspaces_invitations_destroy",
                   responses={204: None, **errors(401, 403, 404)})
    def delete(self, request, wid, iid):
        workspace = selectors.workspace_get_for_user(user=request.user, workspace_id=wid, need=Role.ADMIN)
        services.invitation_revoke(workspace=workspace, actor=request.user, invitation_id=iid)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationTokenApi(APIView):
    """What accepting an invitation will do. Open to anyone holding the token,
    so a client can show it before the invitee has signed up or logged in."""

    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        workspace = inline_serializer(
            name="InvitationWorkspace", fields={"id": serializers.UUIDField(), "name": serializers.CharField()}
        )
        email = serializers.EmailField()
        role = serializers.ChoiceField(choices=Role.choices)
        expires_at = serializers.DateTimeField()

    @extend_schema(tags=TAG, operation_id="invitations_retrieve",
                   responses={200: OutputSerializer, **errors(404, 410)})
    def get(self, request, token):
        invitation = selectors.invitation_get_by_token(token=token)
        if not invitation.is_usable:
            raise Gone("This invitation has expired, was revoked or was already used.", "invitation_gone")
        return Response(self.OutputSerializer(invitation).data)


class InvitationAcceptApi(APIView):
    @extend_schema(tags=TAG, operation_id="invitations_accept", request=None,
                   responses={200: WorkspaceSerializer, **errors(401, 403, 404, 410)})
    def post(self, request, token):
        workspace = services.invitation_accept(user=request.user, token=token)
        return _workspace_response(request, workspace.pk)
