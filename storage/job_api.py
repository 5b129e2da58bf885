"""Storage jobs over the API: start (202), list, read and cancel background
work on many objects. The work runs in `manage.py db_worker` processes."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from omx.api_docs import ERRORS
from omx.net import client_ip
from omx.pagination import PageNumberPagination
from storage import job_selectors, job_services
from storage.api import TAG, StorageApi
from storage.job_services import MAX_SOURCES
from storage.serializers import JobSerializer
from workspaces.models import Role

_NAME = serializers.CharField(max_length=4096, trim_whitespace=False)


class JobDestinationSerializer(serializers.Serializer):
    bucket = serializers.CharField(max_length=222, required=False, help_text="Default: the source bucket.")
    prefix = serializers.CharField(max_length=1024, required=False, allow_blank=True, trim_whitespace=False,
                                   help_text="Copy or move into this folder.")
    name = serializers.CharField(max_length=4096, required=False, trim_whitespace=False,
                                 help_text="Rename (a move of one source) to this full name.")

    def validate(self, attrs):
        if ("prefix" in attrs) == ("name" in attrs):
            raise serializers.ValidationError('Give "prefix" (into a folder) or "name" (rename), not both.')
        return attrs


class JobListApi(StorageApi):
    need = {"GET": Role.VIEWER, "POST": Role.MEMBER}
    reads_links = frozenset({"POST"})
    pagination_class = PageNumberPagination

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=["delete", "copy", "move"])
        bucket = serializers.CharField(max_length=222)
        sources = serializers.ListField(child=_NAME, min_length=1, max_length=MAX_SOURCES,
                                        help_text="Object names; a name ending in '/' is a folder and all below it.")
        destination = JobDestinationSerializer(required=False, allow_null=True)
        on_conflict = serializers.ChoiceField(choices=["skip", "overwrite"], default="skip")

    @extend_schema(tags=TAG, operation_id="storage_jobs_list",
                   responses={200: JobSerializer(many=True), 401: ERRORS[401], 404: ERRORS[404]})
    def get(self, request, wid, pid):
        project = self.project(request, wid, pid)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(job_selectors.job_list(project=project), request, view=self)
        return paginator.get_paginated_response(JobSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG, operation_id="storage_jobs_create",
        request=InputSerializer,
        description="Delete, copy or move (rename) objects and folders in the background. `destination` is "
                    '`{"bucket"?, "prefix"}` for a copy or move into a folder, `{"name"}` for a rename, absent '
                    "for a delete.",
        responses={202: JobSerializer, 400: ERRORS[400], 401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]},
    )
    def post(self, request, wid, pid):
        project = self.project(request, wid, pid)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = job_services.job_create(user=request.user, project=project, via="api", client_ip=client_ip(request),
                                      **data.validated_data)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class JobDetailApi(StorageApi):
    need = {"GET": Role.VIEWER}

    @extend_schema(tags=TAG, operation_id="storage_jobs_retrieve",
                   responses={200: JobSerializer, 401: ERRORS[401], 404: ERRORS[404]})
    def get(self, request, wid, pid, jid):
        project = self.project(request, wid, pid)
        return Response(JobSerializer(job_selectors.job_get(project=project, job_id=jid)).data)


class JobCancelApi(StorageApi):
    need = {"POST": Role.MEMBER}

    @extend_schema(tags=TAG, operation_id="storage_jobs_cancel",
                   request={"application/json": {"type": "object", "description": "No fields: send {} or nothing."}},
                   description="A queued job is cancelled at once; a running one stops after the object in "
                               "hand. Someone else's job needs the admin role.",
                   responses={200: JobSerializer, 401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404],
                              409: ERRORS[409]})
    def post(self, request, wid, pid, jid):
        project = self.project(request, wid, pid)
        job = job_selectors.job_get(project=project, job_id=jid)
        job = job_services.job_cancel(user=request.user, project=project, job=job)
        return Response(JobSerializer(job).data)
