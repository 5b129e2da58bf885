from omx.routing import api_path
from storage import api, job_api, share_api

BASE = "workspaces/<uuid:wid>/projects/<uuid:pid>/storage"

urlpatterns = [
    *api_path(f"{BASE}/buckets", api.BucketListApi.as_view(), "storage-buckets"),
    *api_path(f"{BASE}/connections", api.ConnectionListApi.as_view(), "storage-connections"),
    *api_path(f"{BASE}/connections/<uuid:cid>", api.ConnectionDetailApi.as_view(), "storage-connection"),
    *api_path(f"{BASE}/objects", api.ObjectsApi.as_view(), "storage-objects"),
    *api_path(f"{BASE}/folders", api.FolderCreateApi.as_view(), "storage-folders"),
    *api_path(f"{BASE}/upload-url", api.UploadUrlApi.as_view(), "storage-upload-url"),
    *api_path(f"{BASE}/download-url", api.DownloadUrlApi.as_view(), "storage-download-url"),
    *api_path(f"{BASE}/search", api.SearchApi.as_view(), "storage-search"),
    *api_path(f"{BASE}/jobs", job_api.JobListApi.as_view(), "storage-jobs"),
    *api_path(f"{BASE}/jobs/<uuid:jid>", job_api.JobDetailApi.as_view(), "storage-job"),
    *api_path(f"{BASE}/jobs/<uuid:jid>/cancel", job_api.JobCancelApi.as_view(), "storage-job-cancel"),
    *api_path(f"{BASE}/shares", share_api.ShareListApi.as_view(), "storage-shares"),
    *api_path(f"{BASE}/shares/<uuid:sid>", share_api.ShareDetailApi.as_view(), "storage-share"),
    *api_path(f"{BASE}/shares/<uuid:sid>/accesses", share_api.ShareAccessesApi.as_view(), "storage-share-accesses"),
    *api_path(f"{BASE}/access-log", share_api.AccessLogApi.as_view(), "storage-access-log"),
    # The public side of share links: the token is the credential.
    *api_path("shares/<str:token>", share_api.PublicShareInfoApi.as_view(), "shares-public-info"),
    *api_path("shares/<str:token>/objects", share_api.PublicShareObjectsApi.as_view(), "shares-public-objects"),
    *api_path("shares/<str:token>/download", share_api.PublicShareDownloadApi.as_view(), "shares-public-download"),
    *api_path("shares/<str:token>/upload", share_api.PublicShareUploadApi.as_view(), "shares-public-upload"),
]
