from omx.routing import api_path
from storage import api, job_api

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
]
