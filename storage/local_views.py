"""The endpoints behind the local backend's signed URLs.

The token in the path is the only credential: no session, no CSRF token (a
browser `fetch` PUTs the bytes exactly as it would to a GCS signed URL). These
are DRF views because DRF applies CSRF only with SessionAuthentication, which
these views do not use; no view here opts out of CSRF by hand.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from storage.backends import StorageError, get_backend
from storage.backends.base import ObjectInfo, content_disposition
from storage.backends.local import LocalBackend
from storage.backends.local_fs import CHUNK_SIZE, ObjectExists, ObjectTooLarge, SignedURLRefused

# The only types served as themselves: a browser shows them but never runs
# anything in them. Everything else (HTML, SVG, scripts, style sheets, XML,
# types nobody has heard of) is served as an opaque download, so an uploaded
# file can never act as a page or a script of the app's origin.
_INERT_IMAGES = {
    "image/png", "image/apng", "image/jpeg", "image/pjpeg", "image/gif", "image/webp", "image/avif",
    "image/bmp", "image/tiff", "image/x-icon", "image/vnd.microsoft.icon",
}
_INERT_TYPES = _INERT_IMAGES | {"application/pdf", "text/plain"}
OPAQUE_TYPE = "application/octet-stream"
SANDBOX_CSP = (
    "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; "
    "style-src 'unsafe-inline'; frame-ancestors 'none'"
)
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def byte_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """The (first, last) byte a single-range `Range` header asks for; None
    when there is no usable header (the whole object is sent, as RFC 9110
    allows for several ranges or a header we do not understand); False when
    the range lies outside the object (416)."""
    match = _RANGE.fullmatch(header.strip().replace(" ", "")) if header else None
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    first = int(first)
    last = min(int(last), size - 1) if last else size - 1
    if first >= size or last < first:
        return False
    return first, last


def _stream(fh, length: int):
    with fh:
        while length > 0:
            chunk = fh.read(min(CHUNK_SIZE, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


def _error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def is_inert(content_type: str) -> bool:
    essence = content_type.split(";", 1)[0].strip().lower()
    return essence in _INERT_TYPES or essence.startswith(("audio/", "video/"))


class _JsonWhateverTheAccept(BaseContentNegotiation):
    """Errors are JSON even for an `<img>` asking for `image/*`: never a 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema(exclude=True)  # a transport for signed URLs, not part of the JSON API
class LocalObjectApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    parser_classes = []  # the body is streamed by hand, never parsed
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _JsonWhateverTheAccept
    http_method_names = ["get", "head", "put"]

    def handle_exception(self, exc):
        if isinstance(exc, StorageError):
            return _error(exc.detail, exc.code, exc.status_code)
        return super().handle_exception(exc)

    @staticmethod
    def _backend() -> LocalBackend:
        backend = get_backend()
        if not isinstance(backend, LocalBackend):
            # Tokens only mean something while the local backend is in use.
            raise SignedURLRefused("This link is not valid.", code="invalid_signature")
        return backend

    def _download_headers(self, response: HttpResponse, info: ObjectInfo, payload: dict) -> None:
        inert = is_inert(info.content_type)
        response["Content-Type"] = info.content_type if inert else OPAQUE_TYPE
        response["X-Content-Type-Options"] = "nosniff"
        # The token is in the path: keep it out of Referer headers.
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "private, no-cache"
        disposition = payload.get("d") if inert else "attachment"
        if disposition:
            response["Content-Disposition"] = content_disposition(disposition, info.name)
        elif "Content-Disposition" in response:
            del response["Content-Disposition"]
        if not inert:
            # Downloaded, never rendered; and should a browser render it anyway,
            # the sandbox keeps its script away from the app's origin.
            response["Content-Security-Policy"] = SANDBOX_CSP
        else:
            # Images, PDFs and media may be previewed in a frame of omX's own pages.
            response["Content-Security-Policy"] = "frame-ancestors 'self'"
            response["X-Frame-Options"] = "SAMEORIGIN"

    def get(self, request, token: str):
        """The object, or the one byte range asked for (206): previews read
        the head of a file, players seek, as they do on GCS."""
        payload = LocalBackend.read_token(token, method="GET")
        info, fh = self._backend().open_object(bucket=payload["b"], name=payload["o"])
        wanted = byte_range(request.headers.get("Range", ""), info.size)
        if wanted is False:
            fh.close()
            response = HttpResponse(status=416, content_type=OPAQUE_TYPE)
            response["Content-Range"] = f"bytes */{info.size}"
        elif wanted is None:
            response = FileResponse(fh, content_type=OPAQUE_TYPE)
        else:
            first, last = wanted
            fh.seek(first)
            response = StreamingHttpResponse(_stream(fh, last - first + 1), status=206, content_type=OPAQUE_TYPE)
            response["Content-Range"] = f"bytes {first}-{last}/{info.size}"
            response["Content-Length"] = str(last - first + 1)
        response["Accept-Ranges"] = "bytes"
        self._download_headers(response, info, payload)
        return response

    def head(self, request, token: str):
        payload = LocalBackend.read_token(token, method="GET")
        info = self._backend().get_object(bucket=payload["b"], name=payload["o"])
        response = HttpResponse(content_type=OPAQUE_TYPE)
        response["Content-Length"] = str(info.size)
        response["Accept-Ranges"] = "bytes"
        self._download_headers(response, info, payload)
        return response

    def put(self, request, token: str):
        payload = LocalBackend.read_token(token, method="PUT")
        sent_type = request.META.get("CONTENT_TYPE", "")
        if sent_type != payload.get("ct"):
            raise SignedURLRefused(
                "The Content-Type header differs from the one this link was signed for.",
                code="content_type_mismatch",
            )
        max_bytes = int(settings.STORAGE_LOCAL_MAX_UPLOAD_BYTES)
        if payload.get("mx") is not None:  # a drop folder's own cap
            max_bytes = min(max_bytes, int(payload["mx"]))
        if_absent = bool(payload.get("ne"))
        if if_absent:
            try:
                self._backend().get_object(bucket=payload["b"], name=payload["o"])
            except StorageError:
                pass
            else:  # refused before any byte is read; write_stream checks again atomically
                raise ObjectExists()
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > max_bytes:
            raise ObjectTooLarge(
                f"The upload is larger than {max_bytes} bytes, the most this server accepts."
            )
        raw = request._request  # the Django request: its body is read in chunks, never whole
        chunks = iter(lambda: raw.read(CHUNK_SIZE), b"")
        self._backend().write_stream(
            bucket=payload["b"],
            name=payload["o"],
            chunks=chunks,
            content_type=sent_type,
            max_bytes=max_bytes,
            if_absent=if_absent,
        )
        return HttpResponse(status=200)
