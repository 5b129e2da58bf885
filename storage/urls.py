from django.urls import path

from storage import access_log_views, stats_views, views

app_name = "storage"

FILES = "w/<str:workspace>/p/<str:project>/files/"

urlpatterns = [
    path(FILES, views.browser, name="browser"),
    path(f"{FILES}download", views.object_download, name="download"),
    path(f"{FILES}link", views.object_link, name="link"),
    path(f"{FILES}folders", views.folder_create, name="folder-create"),
    path(f"{FILES}delete", views.objects_delete, name="delete"),
    path(f"{FILES}upload-check", views.upload_check, name="upload-check"),
    path(f"{FILES}folder-stats", stats_views.folder_stats, name="folder-stats"),
    path(f"{FILES}buckets", views.bucket_choices, name="buckets"),
    path(f"{FILES}connections", views.connection_create, name="connection-create"),
    path(f"{FILES}connections/<uuid:connection_id>/unlink", views.connection_delete, name="connection-delete"),
    path("w/<str:workspace>/p/<str:project>/access-log", access_log_views.access_log_page, name="access-log"),
    path("w/<str:workspace>/p/<str:project>/access-log.csv", access_log_views.access_log_csv, name="access-log-csv"),
]
