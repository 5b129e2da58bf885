from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ReadsBearerWithLookup
from omx.api import FlatInputSerializer, errors, paginated_response
from omx.net import client_ip
from omx.pagination import PageNumberPagination
from projects.selectors import project_get_for_user
from storage import search, selectors, services
from storage.rules import CONTENT_TYPE
from storage.serializers import (
    BucketSerializer,
    ConnectionSerializer,
    ListingSerializer,
    ObjectSerializer,
    signed_url_payload,
)
from workspaces.models import Role

TAG = ["storage"]

STORAGE_ERRORS = errors(400, 401, 403, 404, 502, 503)


class StorageApi(ReadsBearerWithLookup, APIView):
    """Each view resolves the project once, with the role its HTTP method
    needs. A method missing from `need` is refused, never let through.

    A bearer token's user is read in that same query (PendingUser): every
    handler looks the project up before anything else."""

    need: dict[str, Role] = {}  # method -> Role
    # Methods that check names against the project's links and change none:
    # the links come with the project, in its query.
    reads_links: frozenset[str] = frozenset()

    def project(self, request, wid, pid):
        method = "GET" if request.method == "HEAD" else request.method
        role = self.need.get(method)
        if role is None:
            raise ImproperlyConfigured(f"{type(self).__name__}.need names no role for {request.method}.")
        # Storage calls need the access check and the workspace, not the counts.
        return project_get_for_user(user=request.user, workspace_id=wid, project_id=pid, need=role, counts=False,
                                    connections=method in self.reads_links)


class BucketListApi(StorageApi):
    need = {"GET": Role.ADMIN}

    OutputSerializer = inline_serializer("BucketList", {
        "gcp_project_id": serializers.CharField(allow_null=True), "buckets": BucketSerializer(many=True),
    })

    @extend_schema(tags=TAG, operation_id="storage_buckets_list",
                   description="The buckets this workspace may link. With STORAGE_GRANTS=required (the "
                               "default): exactly the workspace's grants. With `open`: every bucket the "
                               "service account lists in `gcp_project_id`.",
                   parameters=[OpenApiParameter("gcp_project_id", str, required=False,
                                                description="Only with STORAGE_GRANTS=open; defaults to "
                                                            "GCS_PROJECT_ID.")],
                   responses={200: OutputSerializer, **STORAGE_ERRORS})
    def get(self, request, wid, pid):
        project = self.project(request, wid, pid)
        gcp_project_id = request.query_params.get("gcp_project_id", "").strip()[:100] or None
        gcp_project_id, buckets = selectors.buckets_list(workspace=project.workspace, gcp_project_id=gcp_project_id)
        return Response({"gcp_project_id": gcp_project_id,
                         "buckets": BucketSerializer(buckets, many=True).data})


class ConnectionListApi(StorageApi):
    need = {"GET": Role.VIEWER, "POST": Role.ADMIN}
    pagination_class = PageNumberPagination

    class InputSerializer(serializers.Serializer):
        bucket_name = serializers.CharField(min_length=3, max_length=222)
        gcp_project_id = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)
        prefix = serializers.CharField(max_length=1024, required=False, allow_blank=True, default="",
                                       trim_whitespace=False)

    @extend_schema(tags=TAG, operation_id="storage_connections_list",
                   responses={200: ConnectionSerializer(many=True), **errors(401, 404)})
    def get(self, request, wid, pid):
        project = self.project(request, wid, pid)
        return paginated_response(self, request, selectors.connection_list(project=project), ConnectionSerializer)

    @extend_schema(tags=TAG, operation_id="storage_connections_create", request=InputSerializer,
                   responses={201: ConnectionSerializer, **STORAGE_ERRORS})
    def post(self, request, wid, pid):
        project = self.project(request, wid, pid)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        connection = services.connection_create(user=request.user, project=project, **data.validated_data)
        return Response(ConnectionSerializer(connection).data, status=status.HTTP_201_CREATED)


class ConnectionDetailApi(StorageApi):
    need = {"GET": Role.VIEWER, "DELETE": Role.ADMIN}

    @extend_schema(tags=TAG, operation_id="storage_connections_retrieve",
                   responses={200: ConnectionSerializer, **errors(401, 404)})
    def get(self, request, wid, pid, cid):
        project = self.project(request, wid, pid)
        connection = selectors.connection_get(project=project, connection_id=cid)
        return Response(ConnectionSerializer(connection).data)

    @extend_schema(tags=TAG, operation_id="storage_connections_destroy",
                   responses={204: None, **errors(401, 403, 404)})
    def delete(self, request, wid, pid, cid):
        project = self.project(request, wid, pid)
        connection = selectors.connection_get(project=project, connection_id=cid)
        services.connection_delete(user=request.user, connection=connection)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ObjectsApi(StorageApi):
    need = {"GET": Role.VIEWER, "DELETE": Role.MEMBER}
    reads_links = frozenset({"GET", "DELETE"})
    delete_has_body = True  # names as a JSON body, or as query parameters (omx.schema)

    class ListInputSerializer(FlatInputSerializer):
        bucket = serializers.CharField(min_length=3, max_length=222)
        prefix = serializers.CharField(
            max_length=1024, required=False, allow_blank=True, trim_whitespace=False,
            help_text="Omitted: the linked prefix (if the bucket has one connection). Empty: the bucket root.")
        page_token = serializers.CharField(max_length=4096, required=False, allow_blank=True)
        page_size = serializers.IntegerField(min_value=1, max_value=1000, default=100)
        starts_with = serializers.CharField(
            max_length=1024, required=False, allow_blank=True, default="", trim_whitespace=False,
            help_text="Only names in this folder that start with this text.")

    class DeleteInputSerializer(serializers.Serializer):
        bucket = serializers.CharField(max_length=222)
        object_names = serializers.ListField(
            child=serializers.CharField(max_length=4096, trim_whitespace=False), min_length=1, max_length=1000)

    DeleteOutputSerializer = inline_serializer("ObjectsDeleted", {
        "deleted": serializers.ListField(child=serializers.CharField()),
        "not_found": serializers.ListField(child=serializers.CharField()),
    })

    @extend_schema(
        tags=TAG, operation_id="storage_objects_list",
        parameters=[ListInputSerializer],
        responses={200: ListingSerializer, **STORAGE_ERRORS},
    )
    def get(self, request, wid, pid):
        project = self.project(request, wid, pid)
        data = self.ListInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        args = data.validated_data
        prefix, listing = selectors.objects_list(
            project=project, bucket=args["bucket"],
            prefix=args["prefix"] if "prefix" in request.query_params else None,
            page_token=args.get("page_token"), page_size=args["page_size"], starts_with=args["starts_with"],
        )
        return Response(ListingSerializer({
            "bucket": args["bucket"], "prefix": prefix, "folders": listing.folders,
            "objects": listing.objects, "next_page_token": listing.next_page_token,
        }).data)

    @extend_schema(
        tags=TAG, operation_id="storage_objects_delete", request=DeleteInputSerializer,
        description="Names as a JSON body `{\"bucket\", \"object_names\"}`, or, for clients that cannot send "
                    "a body, as query parameters `?bucket=…&object_name=…` (repeatable).",
        parameters=[OpenApiParameter("bucket", str, description="Without a body."),
                    OpenApiParameter("object_name", str, many=True, explode=True, description="Without a body; repeatable.")],
        responses={200: DeleteOutputSerializer, **STORAGE_ERRORS},
    )
    def delete(self, request, wid, pid):
        project = self.project(request, wid, pid)
        if request.data:
            payload = request.data
        else:
            payload = {"bucket": request.query_params.get("bucket", ""),
                       "object_names": request.query_params.getlist("object_name")}
        data = self.DeleteInputSerializer(data=payload)
        data.is_valid(raise_exception=True)
        deleted, not_found = services.objects_delete(
            user=request.user, project=project, bucket=data.validated_data["bucket"],
            names=data.validated_data["object_names"], via="api", client_ip=client_ip(request),
        )
        return Response({"deleted": deleted, "not_found": not_found})


class FolderCreateApi(StorageApi):
    need = {"POST": Role.MEMBER}
    reads_links = frozenset({"POST"})

    class InputSerializer(serializers.Serializer):
        bucket = serializers.CharField(max_length=222)
        prefix = serializers.CharField(max_length=1024, trim_whitespace=False)

    OutputSerializer = inline_serializer("FolderCreated", {
        "bucket": serializers.CharField(), "prefix": serializers.CharField()})

    @extend_schema(tags=TAG, operation_id="storage_folders_create", request=InputSerializer,
                   responses={201: OutputSerializer, **STORAGE_ERRORS})
    def post(self, request, wid, pid):
        project = self.project(request, wid, pid)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        prefix = services.folder_create(user=request.user, project=project, **data.validated_data)
        return Response({"bucket": data.validated_data["bucket"], "prefix": prefix}, status=status.HTTP_201_CREATED)


class UploadUrlApi(StorageApi):
    need = {"POST": Role.MEMBER}
    reads_links = frozenset({"POST"})

    class InputSerializer(FlatInputSerializer):
        bucket = serializers.CharField(max_length=222)
        object_name = serializers.CharField(max_length=4096, trim_whitespace=False)
        content_type = serializers.RegexField(CONTENT_TYPE, max_length=255, required=False, allow_blank=True,
                                              error_messages={"invalid": "Not a valid media type."})

    OutputSerializer = inline_serializer("UploadUrl", {
        "url": serializers.URLField(), "method": serializers.ChoiceField(choices=["PUT"]),
        "headers": serializers.DictField(child=serializers.CharField()),
        "expires_at": serializers.DateTimeField(),
    })

    @extend_schema(tags=TAG, operation_id="storage_upload_url", request=InputSerializer,
                   responses={200: OutputSerializer, **STORAGE_ERRORS})
    def post(self, request, wid, pid):
        project = self.project(request, wid, pid)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signed = services.upload_url_issue(user=request.user, project=project, via="api",
                                           client_ip=client_ip(request), **data.validated_data)
        return Response(signed_url_payload(request, signed, with_headers=True))


class DownloadUrlApi(StorageApi):
    need = {"POST": Role.VIEWER}
    reads_links = frozenset({"POST"})

    class InputSerializer(FlatInputSerializer):
        bucket = serializers.CharField(max_length=222)
        object_name = serializers.CharField(max_length=4096, trim_whitespace=False)
        disposition = serializers.ChoiceField(choices=["attachment", "inline"], required=False, allow_null=True)

    OutputSerializer = inline_serializer("DownloadUrl", {
        "url": serializers.URLField(), "method": serializers.ChoiceField(choices=["GET"]),
        "expires_at": serializers.DateTimeField(),
    })

    @extend_schema(tags=TAG, operation_id="storage_download_url", request=InputSerializer,
                   responses={200: OutputSerializer, **STORAGE_ERRORS})
    def post(self, request, wid, pid):
        project = self.project(request, wid, pid)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signed = services.download_url_issue(user=request.user, project=project, via="api",
                                             client_ip=client_ip(request), **data.validated_data)
        return Response(signed_url_payload(request, signed, with_headers=False))


class SearchResultsSerializer(serializers.Serializer):
    bucket = serializers.CharField()
    prefix = serializers.CharField(allow_blank=True)
    q = serializers.CharField()
    objects = ObjectSerializer(many=True)
    next_page_token = serializers.CharField(allow_null=True)


class SearchApi(StorageApi):
    need = {"GET": Role.VIEWER}
    reads_links = frozenset({"GET"})

    class InputSerializer(serializers.Serializer):
        bucket = serializers.CharField(min_length=3, max_length=222)
        prefix = serializers.CharField(
            max_length=1024, required=False, allow_blank=True, trim_whitespace=False,
            help_text="Omitted: the linked prefix (if the bucket has one connection). Empty: the bucket root.")
        q = serializers.CharField(min_length=1, max_length=200, trim_whitespace=False,
                                  help_text="Text the name after the prefix contains (case-insensitive).")
        page_token = serializers.CharField(max_length=4096, required=False, allow_blank=True)
        page_size = serializers.IntegerField(min_value=1, max_value=1000, default=100)

    OutputSerializer = SearchResultsSerializer

    @extend_schema(
        tags=TAG, operation_id="storage_search", parameters=[InputSerializer],
        description="Every object below the prefix, at any depth, whose name after the prefix contains `q` "
                    "case-insensitively, in name order; folder placeholders left out. A page reads a "
                    "bounded number of names, so it may hold fewer than `page_size` objects while "
                    "`next_page_token` is not null.",
        responses={200: OutputSerializer, **STORAGE_ERRORS},
    )
    def get(self, request, wid, pid):
        project = self.project(request, wid, pid)
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        args = data.validated_data
        prefix, page, next_token = search.objects_search(
            project=project, bucket=args["bucket"],
            prefix=args["prefix"] if "prefix" in request.query_params else None,
            q=args["q"], page_token=args.get("page_token") or None, page_size=args["page_size"],
        )
        return Response(self.OutputSerializer({
            "bucket": args["bucket"], "prefix": prefix, "q": args["q"], "objects": page.objects,
            "next_page_token": next_token,
        }).data)
