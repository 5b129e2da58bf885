from django.contrib import admin
from django.urls import include, path
from django.shortcuts import redirect
from django.templatetags.static import static
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from omx import views
from omx.docs import OfflineRedocView, redoc_bundle

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/", include("omx.api_urls")),
    path("docs", views.docs_view(SpectacularSwaggerView, url_name="schema"), name="swagger-ui"),
    path("redoc", views.docs_view(OfflineRedocView, url_name="schema"), name="redoc"),
    path("redoc/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's own, files opened directly).
    path("favicon.ico", lambda request: redirect(static("img/favicon.svg")), name="favicon"),
    path("accounts/", include("accounts.urls")),
    path("storage/local/", include("storage.local_urls")),
    path("s/", include("storage.share_urls")),
    path("", include("workspaces.urls")),
    path("", include("projects.urls")),
    path("", include("storage.urls")),
]

handler404 = "omx.views.page_not_found"
handler500 = "omx.views.server_error"
