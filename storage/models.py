import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


# A stored prefix is "" or has no leading "/", ends with one "/" and has no
# empty segment: the rule storage.validation.prefix_normalize produces.
_NORMALISED_PREFIX = models.Q(prefix="") | (
    models.Q(prefix__endswith="/") & ~models.Q(prefix__startswith="/") & ~models.Q(prefix__contains="//")
)


class StorageConnection(models.Model):
    """A bucket, or a prefix inside one, linked to a project.

    Unlinking deletes this row only; objects in the bucket are never touched.
    """

    class State(models.TextChoices):
        OK = "ok", "Reachable"
        ERROR = "error", "Error"
        UNCHECKED = "unchecked", "Not checked"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="connections")
    bucket_name = models.CharField(max_length=222)
    gcp_project_id = models.CharField(max_length=100, null=True, blank=True)
    # Normalised: "" for the whole bucket, else no leading "/" and one trailing "/".
    prefix = models.CharField(max_length=1024, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "project_storage_connections"
        ordering = ["bucket_name", "prefix", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "bucket_name", "prefix"], name="storage_connection_unique"
            ),
            models.CheckConstraint(condition=_NORMALISED_PREFIX, name="storage_connection_prefix_normalised"),
        ]

    def __str__(self):
        return self.uri

    @property
    def uri(self) -> str:
        """`gs://bucket/prefix/` in the configured backend's scheme."""
        from storage.backends import uri

        return uri(self.bucket_name, self.prefix)

    @property
    def state(self) -> str:
        if self.last_checked_at is None:
            return self.State.UNCHECKED
        return self.State.ERROR if self.last_error else self.State.OK

    @property
    def root_label(self) -> str:
        return f"{self.bucket_name}/{self.prefix}" if self.prefix else self.bucket_name


class BucketGrant(models.Model):
    """The operator's permission for a workspace to link a bucket, or a prefix
    inside one (and anything deeper). One service account serves every
    workspace, so this, not the workspace's admins, decides what is reachable."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="bucket_grants")
    bucket_name = models.CharField(max_length=222)
    # Normalised as StorageConnection.prefix: "" for the whole bucket.
    prefix = models.CharField(max_length=1024, blank=True, default="")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["workspace", "bucket_name", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "bucket_name", "prefix"], name="storage_grant_unique"),
            models.CheckConstraint(condition=_NORMALISED_PREFIX, name="storage_grant_prefix_normalised"),
        ]

    def __str__(self):
        return f"{self.workspace_id}: {self.uri}"

    @property
    def uri(self) -> str:
        from storage.backends import uri

        return uri(self.bucket_name, self.prefix)


class StorageJob(models.Model):
    """Work on many objects (delete, copy, move) that a `db_worker` runs in the
    background. The row is the job's whole state: what to do, how far it got
    (`cursor`, `pending`), who runs it (`lease_token`, `heartbeat_at`) and what
    came of it, so any worker can pick it up where another stopped."""

    class Kind(models.TextChoices):
        DELETE = "delete"
        COPY = "copy"
        MOVE = "move"

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class OnConflict(models.TextChoices):
        SKIP = "skip"
        OVERWRITE = "overwrite"

    FINISHED = (State.SUCCEEDED, State.FAILED, State.CANCELLED)
    MAX_ERRORS = 100

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="storage_jobs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    bucket = models.CharField(max_length=222)
    sources = models.JSONField(default=list)
    # {"bucket", "prefix"} (into a folder) or {"bucket", "name"} (rename); null for a delete.
    destination = models.JSONField(null=True, blank=True)
    on_conflict = models.CharField(max_length=16, choices=OnConflict.choices, default=OnConflict.SKIP)
    done = models.PositiveBigIntegerField(default=0)
    skipped = models.PositiveBigIntegerField(default=0)
    failed = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)  # null until the sources are listed
    errors = models.JSONField(default=list, blank=True)  # the first MAX_ERRORS [{"name", "detail"}]
    cancel_requested = models.BooleanField(default=False)
    # Where the request that started the job came from, for the access log
    # rows of the objects it deletes.
    created_via = models.CharField(max_length=8, default="api")
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Execution state: the worker holding the job renews `heartbeat_at` with
    # every progress write; `cursor` is how far the listing was read and
    # `pending` the names read but not yet counted, so a worker taking over
    # redoes at most those.
    lease_token = models.CharField(max_length=64, blank=True, default="")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cursor = models.JSONField(default=dict, blank=True)
    pending = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="storage_job_project_recent"),
            models.Index(fields=["state", "heartbeat_at"], name="storage_job_state_heartbeat"),
        ]

    def __str__(self):
        return f"{self.kind} {self.bucket} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in self.FINISHED


class Share(models.Model):
    """A link that gives people outside the workspace one object, one folder
    (download) or one drop folder (upload). Only a hash of its token is kept;
    each use hands out a fresh short-lived signed URL, so revoking the row
    ends the link at once."""

    class Mode(models.TextChoices):
        DOWNLOAD = "download"
        UPLOAD = "upload"

    class State(models.TextChoices):
        ACTIVE = "active"
        EXPIRED = "expired"
        REVOKED = "revoked"
        EXHAUSTED = "exhausted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="shares")
    bucket = models.CharField(max_length=222)
    object_name = models.CharField(max_length=1024, null=True, blank=True)
    prefix = models.CharField(max_length=1024, null=True, blank=True)  # normalised, never "" (the bucket root)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.DOWNLOAD)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    password_hash = models.CharField(max_length=256, blank=True, default="", editable=False)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    use_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-created_at"], name="storage_share_project_recent")]
        constraints = [
            # Exactly one of object_name and prefix; a drop folder is a folder.
            models.CheckConstraint(
                condition=(models.Q(object_name__isnull=False, prefix__isnull=True)
                           | models.Q(object_name__isnull=True, prefix__isnull=False)),
                name="storage_share_one_target"),
            models.CheckConstraint(condition=~models.Q(mode="upload", prefix__isnull=True),
                                   name="storage_share_upload_is_folder"),
        ]

    def __str__(self):
        return f"{self.mode} {self.bucket}/{self.object_name or self.prefix} ({self.state})"

    @property
    def kind(self) -> str:
        if self.mode == self.Mode.UPLOAD:
            return "drop"
        return "object" if self.object_name is not None else "folder"

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        if self.max_uses is not None and self.use_count >= self.max_uses:
            return self.State.EXHAUSTED
        return self.State.ACTIVE


class AccessLogEntry(models.Model):
    """One signed URL handed out, or one object deleted, through any door.
    Kept when the share or the person goes (their columns become null), and
    pruned by age with `manage.py prune_access_log`."""

    class Via(models.TextChoices):
        API = "api"
        PAGE = "page"
        SHARE = "share"

    class Action(models.TextChoices):
        DOWNLOAD_URL = "download_url"
        UPLOAD_URL = "upload_url"
        DELETE = "delete"
        SHARE_DOWNLOAD = "share_download"
        SHARE_UPLOAD = "share_upload"

    # Sequential id: rows are never exposed by id, and it orders rows of one instant.
    id = models.BigAutoField(primary_key=True)
    # No single-column indexes on project and share: the composite indexes
    # below lead with them. Each index is work on every row written, and this
    # table takes a row per signed URL.
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+", db_index=False)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=8, choices=Via.choices)
    action = models.CharField(max_length=16, choices=Action.choices)
    bucket = models.CharField(max_length=222)
    object_name = models.CharField(max_length=1024)
    share = models.ForeignKey(Share, null=True, blank=True, on_delete=models.SET_NULL, related_name="accesses",
                              db_index=False)
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["project", "-at"], name="storage_access_project_recent"),
            models.Index(fields=["share", "-at"], name="storage_access_share_recent"),
            models.Index(fields=["at"], name="storage_access_at"),  # pruning by age
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.bucket}/{self.object_name}"


class FolderStats(models.Model):
    """How many objects a folder holds and their total size, counted by a
    worker on request (the details panel's "Count objects and size"). One row
    per folder of a project, overwritten by each new count; in the database
    so that every app server shows the same answer."""

    class State(models.TextChoices):
        COUNTING = "counting"
        DONE = "done"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="folder_stats")
    bucket = models.CharField(max_length=222)
    prefix = models.CharField(max_length=1024, blank=True, default="")
    state = models.CharField(max_length=16, choices=State.choices, default=State.COUNTING)
    object_count = models.PositiveBigIntegerField(default=0)
    total_bytes = models.PositiveBigIntegerField(default=0)
    # False when the count stopped at its limit: "at least `object_count`".
    complete = models.BooleanField(default=False)
    error = models.TextField(blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)  # each page counted moves it on
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "bucket", "prefix"], name="folder_stats_unique"),
        ]

    def __str__(self):
        return f"{self.bucket}/{self.prefix} ({self.state})"
