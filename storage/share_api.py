"""The JSON API of share links: the project's side (members create and revoke,
admins read uses and the access log) and the public side, where the token
in the path is the only credential."""

from django.http import StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from omx.api import errors, paginated_response
from omx.net import client_ip
from omx.pagination import PageNumberPagination
from storage import access_log, share_services
from storage.api import STORAGE_ERRORS, StorageApi
from storage.rules import CONTENT_TYPE
from storage.serializers import (
    AccessLogSerializer,
    ShareAccessSerializer,
    ShareCreatedSerializer,
    ShareSerializer,
    signed_url_payload,
)
from workspaces.models import Role

TAG = ["shares"]


def share_link(request, token: str) -> str:
    return request.build_absolute_uri(reverse("shares:page", kwargs={"token": token}))


class ShareListApi(StorageApi):
    need = {"GET": Role.VIEWER, "POST": Role.MEMBER}
    reads_links = frozenset({"POST"})
    pagination_class = PageNumberPagination

    class InputSerializer(serializers.Serializer):
        bucket = serializers.CharField(max_length=222)
        object_name = serializers.CharField(max_length=4096, required=False, trim_whitespace=False)
        prefix = serializers.CharField(max_length=1024, required=False, trim_whitespace=False)
        mode = serializers.ChoiceField(choices=["download", "upload"], default="download")
        expires_in_days = serializers.IntegerField(default=7, help_text="1 to SHARE_MAX_DAYS (default 90).")
        password = serializers.CharField(max_length=128, required=False, allow_blank=True, default="",
                                         trim_whitespace=False)
        max_uses = serializers.IntegerField(min_value=1, max_value=share_services.MAX_USES, required=False,
                                            allow_null=True)

    @extend_schema(tags=TAG, operation_id="storage_shares_list", description="Newest first; never the links.",
                   responses={200: ShareSerializer(many=True), **errors(401, 404)})
    def get(self, request, wid, pid):
        project = self.project(request, wid, pid)
        return paginated_response(self, request, share_services.share_list(project=project), ShareSerializer)

    @extend_schema(tags=TAG, operation_id="storage_shares_create", request=InputSerializer,
                   responses={201: ShareCreatedSerializer, **STORAGE_ERRORS})
    def post(self, request, wid, pid):
        project = self.project(request, wid, pid)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        share, token = share_services.share_create(user=request.user, project=project, **data.validated_data)
        body = ShareSerializer(share).data
        body["url"] = share_link(request, token)
        return Response(body, status=status.HTTP_201_CREATED)


class ShareDetailApi(StorageApi):
    need = {"GET": Role.VIEWER, "DELETE": Role.MEMBER}

    @extend_schema(tags=TAG, operation_id="storage_shares_retrieve",
                   responses={200: ShareSerializer, **errors(401, 404)})
    def get(self, request, wid, pid, sid):
        project = self.project(request, wid, pid)
        return Response(ShareSerializer(share_services.share_get(project=project, share_id=sid)).data)

    @extend_schema(tags=TAG, operation_id="storage_shares_revoke",
                   description="Revoked at once. Members revoke their own links, admins any.",
                   responses={204: None, **errors(401, 403, 404)})
    def delete(self, request, wid, pid, sid):
        project = self.project(request, wid, pid)
        share = share_services.share_get(project=project, share_id=sid)
        share.project = project
        share_services.share_revoke(user=request.user, role=project.role, share=share)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShareAccessesApi(StorageApi):
    need = {"GET": Role.ADMIN}
    pagination_class = PageNumberPagination

    @extend_schema(tags=TAG, operation_id="storage_shares_accesses",
                   responses={200: ShareAccessSerializer(many=True), **errors(401, 403, 404)})
    def get(self, request, wid, pid, sid):
        project = self.project(request, wid, pid)
        share = share_services.share_get(project=project, share_id=sid)
        return paginated_response(self, request, access_log.share_access_list(share=share), ShareAccessSerializer)


class _JsonOnly(BaseContentNegotiation):
    """`?format=csv` is this view's own switch, not DRF's renderer override:
    errors stay JSON whatever the query says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def csv_response(rows, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(access_log.csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class AccessLogApi(StorageApi):
    need = {"GET": Role.ADMIN}
    pagination_class = PageNumberPagination
    content_negotiation_class = _JsonOnly

    @extend_schema(tags=TAG, operation_id="storage_access_log",
                   description="Newest first: one row per signed URL handed out and per object deleted. "
                               "`?format=csv` streams every row as CSV, with a header row of all field names.",
                   parameters=[OpenApiParameter("format", str, enum=["json", "csv"], required=False)],
                   responses={(200, "application/json"): AccessLogSerializer(many=True),
                              (200, "text/csv"): OpenApiTypes.STR, **errors(401, 403, 404)})
    def get(self, request, wid, pid):
        project = self.project(request, wid, pid)
        rows = access_log.access_list(project=project)
        if request.query_params.get("format") == "csv":
            return csv_response(rows, f"access-log-{project.slug}.csv")
        return paginated_response(self, request, rows, AccessLogSerializer)


# --- The public side ----------------------------------------------------------------


def _output(schema_serializer, data) -> dict:
    """Serialize with the class of an `inline_serializer` (which is an instance, for the schema)."""
    return type(schema_serializer)(data).data


PUBLIC_ERRORS = errors(400, 403, 404, 410, 429, 502, 503)
PASSWORD = OpenApiParameter("password", str, required=False, description="When the link has one.")


class PublicShareApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def share(self, request, token, serializer=None):
        """The live, unlocked share; then the body, validated (in API.md's order of checks)."""
        share = share_services.share_open(token=token)
        data = {}
        if serializer is not None:
            body = serializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
        password = data.get("password") or request.query_params.get("password", "")
        share_services.share_unlock(share=share, password=password, ip=client_ip(request))
        return share, data


class PublicShareInfoApi(PublicShareApi):
    OutputSerializer = inline_serializer("PublicShare", {
        "kind": serializers.ChoiceField(choices=["object", "folder", "drop"]),
        "name": serializers.CharField(), "size": serializers.IntegerField(allow_null=True),
        "expires_at": serializers.DateTimeField(), "password_required": serializers.BooleanField(),
    })

    @extend_schema(tags=TAG, operation_id="shares_public_info", auth=[], parameters=[PASSWORD],
                   responses={200: OutputSerializer, **PUBLIC_ERRORS})
    def get(self, request, token):
        share, _ = self.share(request, token)
        info = share_services.share_info(share)
        return Response(_output(self.OutputSerializer, {**info, "password_required": share.has_password}))


class PublicShareObjectsApi(PublicShareApi):
    Folders = inline_serializer("PublicShareFolder", many=True, fields={
        "name": serializers.CharField(), "path": serializers.CharField()})
    Objects = inline_serializer("PublicShareObject", many=True, fields={
        "name": serializers.CharField(), "path": serializers.CharField(), "size": serializers.IntegerField(),
        "content_type": serializers.CharField(), "updated": serializers.DateTimeField(allow_null=True)})

    OutputSerializer = inline_serializer("PublicShareListing", {
        "path": serializers.CharField(allow_blank=True), "folders": Folders, "objects": Objects,
        "next_page_token": serializers.CharField(allow_null=True)})

    @extend_schema(tags=TAG, operation_id="shares_public_objects", auth=[],
                   parameters=[OpenApiParameter("path", str, required=False,
                                                description="Relative to the shared folder; ends with '/'."),
                               OpenApiParameter("page_token", str, required=False), PASSWORD],
                   responses={200: OutputSerializer, **PUBLIC_ERRORS})
    def get(self, request, token):
        share, _ = self.share(request, token)
        listing = share_services.share_objects(
            share=share, path=request.query_params.get("path", "")[:1024],
            page_token=request.query_params.get("page_token", "")[:4096] or None)
        return Response(_output(self.OutputSerializer, listing))


class PublicShareDownloadApi(PublicShareApi):
    class InputSerializer(serializers.Serializer):
        path = serializers.CharField(max_length=1024, required=False, allow_blank=True, default="",
                                     trim_whitespace=False)
        password = serializers.CharField(max_length=128, required=False, allow_blank=True, trim_whitespace=False)

    OutputSerializer = inline_serializer("PublicShareDownload", {
        "url": serializers.URLField(), "expires_at": serializers.DateTimeField()})

    @extend_schema(tags=TAG, operation_id="shares_public_download", auth=[], request=InputSerializer,
                   responses={200: OutputSerializer, **PUBLIC_ERRORS})
    def post(self, request, token):
        share, data = self.share(request, token, self.InputSerializer)
        signed = share_services.share_download(share=share, path=data["path"],
                                               client_ip=client_ip(request))
        body = signed_url_payload(request, signed, with_headers=False)
        return Response({"url": body["url"], "expires_at": body["expires_at"]})


class PublicShareUploadApi(PublicShareApi):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=1024, trim_whitespace=False)
        content_type = serializers.RegexField(CONTENT_TYPE, max_length=255, required=False, allow_blank=True,
                                              error_messages={"invalid": "Not a valid media type."})
        password = serializers.CharField(max_length=128, required=False, allow_blank=True, trim_whitespace=False)

    OutputSerializer = inline_serializer("PublicShareUpload", {
        "url": serializers.URLField(), "method": serializers.ChoiceField(choices=["PUT"]),
        "headers": serializers.DictField(child=serializers.CharField()), "expires_at": serializers.DateTimeField()})

    @extend_schema(tags=TAG, operation_id="shares_public_upload", auth=[], request=InputSerializer,
                   description="A URL that can only create the file (never overwrite). A name that exists "
                               "answers 409 (code `exists`).",
                   responses={200: OutputSerializer, **errors(400, 403, 404, 409, 410, 429, 502, 503)})
    def post(self, request, token):
        share, data = self.share(request, token, self.InputSerializer)
        signed = share_services.share_upload(share=share, name=data["name"],
                                             content_type=data.get("content_type") or None,
                                             client_ip=client_ip(request))
        return Response(signed_url_payload(request, signed, with_headers=True))
