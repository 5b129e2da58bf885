"""The public pages of share links, at `/s/<token>`: no login, the same look
as the app, downloads without JavaScript (a form POST answered with a
redirect to a fresh signed URL), and nothing above the shared item shown.

A link's password, once given on the password page, unlocks the link for
this browser's session; the drop page's script asks this view (not the
API) for its upload URLs, so the password never sits in the page.
"""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_http_methods, require_POST

from omx.errors import error_body
from omx.exceptions import ApplicationError
from omx.net import client_ip
from storage import share_services
from storage.backends import StorageError
from storage.models import Share

TEMPLATE = "shares/page.html"
SESSION_KEY = "shares_unlocked"
# The download form's answer redirects to the signed URL (storage's origin),
# and browsers hold a form's redirects to the page's form-action.
PAGE_CSP = {**settings.SECURE_CSP, "form-action": [CSP.SELF, "https:", "http:"]}


def _private(response):
    """The token is in the address: keep it out of Referer headers sent
    elsewhere (storage's origin included), caches and search engines. Not
    `no-referrer`: browsers then send `Origin: null` with the page's own
    forms, which CSRF protection refuses."""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


def _problem(request, status: int, title: str, detail: str, *, share=None):
    context = {"problem": {"status": status, "title": title, "detail": detail}, "share": share}
    return _private(render(request, TEMPLATE, context, status=status))


def _answer_error(request, exc, share=None):
    """A failure as a page (or JSON for the drop page's script), with its status."""
    if isinstance(exc, Http404):
        status, title, detail, code = 404, "No such link", "This link does not exist. Check that you copied all of it.", "not_found"
    elif isinstance(exc, share_services.ShareGone):
        status, title, detail, code = 410, "This link has ended", (
            "It has expired, was revoked, or was used as often as it may be. Ask whoever sent it for a new one."), exc.code
    elif isinstance(exc, ApplicationError):
        status, title, detail, code = exc.status_code, "Not available", exc.detail, exc.code
    elif isinstance(exc, ValidationError):
        status, title, code = 400, "Not possible", "invalid"
        detail = " ".join(m for msgs in getattr(exc, "message_dict", {"": exc.messages}).values() for m in msgs)
    else:
        status, title, detail, code = 403, "Not allowed", str(exc) or "Not allowed.", "permission_denied"
    if request.headers.get("Accept", "").startswith("application/json"):
        response = JsonResponse(error_body(detail, code), status=status)
        for name, value in getattr(exc, "headers", {}).items():
            response[name] = value
        return _private(response)
    response = _problem(request, status, title, detail, share=share)
    for name, value in getattr(exc, "headers", {}).items():
        response[name] = value
    return response


def _unlocked(request, share: Share) -> bool:
    return not share.has_password or str(share.pk) in request.session.get(SESSION_KEY, [])


def public_share(view):
    """Resolve the live share (404, 410), require its password for this
    session, and turn the service's errors into pages of their own."""

    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        share = None
        try:
            share = share_services.share_open(token=token)
            if not _unlocked(request, share):
                if view.__name__ == "share_page":
                    return view(request, share, *args, **kwargs)  # it shows the password form
                raise share_services.SharePassword()
            return view(request, share, *args, **kwargs)
        except (Http404, ApplicationError, PermissionDenied, ValidationError, StorageError) as exc:
            return _answer_error(request, exc, share)

    return wrapper


@csp_override(PAGE_CSP)
@require_http_methods(["GET", "HEAD", "POST"])
@public_share
def share_page(request, share: Share):
    if not _unlocked(request, share):
        return _password_page(request, share)
    token = request.resolver_match.kwargs["token"]
    context = {"share": share, "info": share_services.share_info(share),
               "download_url": reverse("shares:download", kwargs={"token": token}),
               "upload_url": reverse("shares:upload", kwargs={"token": token})}
    if share.kind == "object":
        if (context["info"]["content_type"] or "").startswith("image/"):
            signed = share_services.share_preview(share=share, client_ip=client_ip(request))
            context["preview_url"] = _absolute(request, signed.url) if signed else None
    elif share.kind == "folder":
        path = request.GET.get("path", "")
        context["listing"] = share_services.share_objects(
            share=share, path=path, page_token=request.GET.get("page_token") or None)
        context["crumbs"] = _crumbs(context["info"]["name"], path)
        token = context["listing"]["next_page_token"]
        context["next_url"] = f"?{urlencode({'path': path, 'page_token': token})}" if token else None
    else:
        context["max_bytes"] = settings.SHARE_MAX_UPLOAD_BYTES
    return _private(render(request, TEMPLATE, context))


def _password_page(request, share: Share):
    status, error = 200, None
    if request.method == "POST":
        try:
            share_services.share_unlock(share=share, password=request.POST.get("password", ""),
                                        ip=client_ip(request))
        except share_services.SharePassword as exc:
            status, error = 403, exc.detail
        else:
            request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-50:], str(share.pk)]
            return _private(redirect(request.path))
    response = render(request, TEMPLATE, {"share": share, "password_form": True, "password_error": error},
                      status=status)
    return _private(response)


def _crumbs(root: str, path: str) -> list[dict]:
    crumbs, walked = [{"label": root, "url": "?"}], ""
    for segment in [s for s in path.split("/") if s]:
        walked += segment + "/"
        crumbs.append({"label": segment, "url": f"?{urlencode({'path': walked})}"})
    return crumbs


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if url.startswith("/") else url


@require_POST
@public_share
def share_download(request, share: Share):
    signed = share_services.share_download(share=share, path=request.POST.get("path", "")[:1024],
                                           client_ip=client_ip(request))
    return _private(redirect(_absolute(request, signed.url)))


@require_POST
@public_share
def share_upload(request, share: Share):
    """The drop page's script: a signed upload URL as JSON (the session holds the password)."""
    signed = share_services.share_upload(share=share, name=request.POST.get("name", "")[:1024],
                                         content_type=request.POST.get("content_type", "")[:255] or None,
                                         client_ip=client_ip(request))
    return _private(JsonResponse({"url": _absolute(request, signed.url), "method": signed.method,
                                  "headers": signed.headers, "expires_at": signed.expires_at.isoformat()}))
