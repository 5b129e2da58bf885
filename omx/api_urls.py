from django.urls import include, re_path

from omx import views

app_name = "api"

urlpatterns = [
    re_path(r"", include("accounts.api_urls")),
    re_path(r"", include("workspaces.api_urls")),
    re_path(r"", include("projects.api_urls")),
    re_path(r"", include("storage.api_urls")),
    # Anything else under /api/ is a JSON 404, never Django's HTML page.
    re_path(r"^.*$", views.api_not_found),
]
