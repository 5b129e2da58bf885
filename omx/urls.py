from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from omx import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/", include("omx.api_urls")),
    path("docs", views.docs_view(SpectacularSwaggerView, url_name="schema"), name="swagger-ui"),
    path("redoc", views.docs_view(SpectacularRedocView, url_name="schema"), name="redoc"),
    path("accounts/", include("accounts.urls")),
    path("storage/local/", include("storage.local_urls")),
    path("s/", include("storage.share_urls")),
    path("", include("workspaces.urls")),
    path("", include("projects.urls")),
    path("", include("storage.urls")),
]

handler404 = "omx.views.page_not_found"
handler500 = "omx.views.server_error"
