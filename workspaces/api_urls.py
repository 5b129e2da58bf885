from workspaces import api
from omx.routing import api_path

urlpatterns = [
    *api_path("workspaces", api.WorkspaceListApi.as_view(), "workspaces-list"),
    *api_path("workspaces/join", api.WorkspaceJoinApi.as_view(), "workspaces-join"),
    *api_path("workspaces/<uuid:wid>", api.WorkspaceDetailApi.as_view(), "workspaces-detail"),
    *api_path("workspaces/<uuid:wid>/join-code/rotate", api.WorkspaceJoinCodeRotateApi.as_view(),
              "workspaces-join-code-rotate"),
    *api_path("workspaces/<uuid:wid>/leave", api.WorkspaceLeaveApi.as_view(), "workspaces-leave"),
    *api_path("workspaces/<uuid:wid>/members", api.MemberListApi.as_view(), "workspaces-members"),
    *api_path("workspaces/<uuid:wid>/members/<uuid:user_id>", api.MemberDetailApi.as_view(),
              "workspaces-member-detail"),
    *api_path("workspaces/<uuid:wid>/invitations", api.InvitationListApi.as_view(), "workspaces-invitations"),
    *api_path("workspaces/<uuid:wid>/invitations/<uuid:iid>", api.InvitationDetailApi.as_view(),
              "workspaces-invitation-detail"),
    *api_path("invitations/<str:token>", api.InvitationTokenApi.as_view(), "invitations-detail"),
    *api_path("invitations/<str:token>/accept", api.InvitationAcceptApi.as_view(), "invitations-accept"),
]
