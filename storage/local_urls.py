"""Signed-URL endpoints of the local storage backend.

Included at `storage/local/` by `omx/urls.py`; the token is the last path
segment (django.core.signing tokens hold no "/").
"""

from django.urls import path

from storage.local_views import LocalObjectApi

app_name = "storage_local"

urlpatterns = [
    path("<str:token>", LocalObjectApi.as_view(), name="object"),
]
