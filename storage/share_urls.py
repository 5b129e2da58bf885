"""The public pages of share links, included at `s/` by `omx/urls.py`."""

from django.urls import path

from storage import share_views

app_name = "shares"

urlpatterns = [
    path("<str:token>", share_views.share_page, name="page"),
    path("<str:token>/download", share_views.share_download, name="download"),
    path("<str:token>/upload", share_views.share_upload, name="upload"),
]
