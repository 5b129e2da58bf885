from omx.routing import api_path
from projects import api

urlpatterns = [
    *api_path("workspaces/<uuid:wid>/projects", api.ProjectListApi.as_view(), "projects-list"),
    *api_path("workspaces/<uuid:wid>/projects/<uuid:pid>", api.ProjectDetailApi.as_view(), "projects-detail"),
    *api_path("workspaces/<uuid:wid>/projects/<uuid:pid>/dashboard", api.ProjectDashboardApi.as_view(),
              "projects-dashboard"),
]
