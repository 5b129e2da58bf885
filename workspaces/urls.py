from django.urls import path

from workspaces import views

app_name = "workspaces"

urlpatterns = [
    path("w/", views.workspace_list, name="list"),
    path("w/<str:ref>/", views.workspace_detail, name="detail"),
    path("w/<str:ref>/settings", views.workspace_update, name="update"),
    path("w/<str:ref>/delete", views.workspace_delete, name="delete"),
    path("w/<str:ref>/leave", views.workspace_leave, name="leave"),
    path("w/<str:ref>/join-link/rotate", views.join_code_rotate, name="join-code-rotate"),
    path("w/<str:ref>/join-link/disable", views.join_code_disable, name="join-code-disable"),
    path("w/<str:ref>/members/<uuid:user_id>/role", views.member_role, name="member-role"),
    path("w/<str:ref>/members/<uuid:user_id>/remove", views.member_remove, name="member-remove"),
    path("w/<str:ref>/invitations/", views.invitation_create, name="invitation-create"),
    path("w/<str:ref>/invitations/<uuid:invitation_id>/revoke", views.invitation_revoke,
         name="invitation-revoke"),
    path("join/<str:code>", views.join, name="join"),
    path("join/<str:code>/", views.join),
    path("invitations/<str:token>", views.invitation, name="invitation"),
    path("invitations/<str:token>/", views.invitation),
]
