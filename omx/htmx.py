"""How every app's HTML views answer: the whole page, or for htmx one of its
`{% partialdef %}` sections, and redirects that htmx can follow."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

PAGE_SIZE = 25


def redirect_htmx(request, to, *args, **kwargs):
    """A redirect that also works for an htmx request (which would otherwise
    follow it inside the XHR and swap a whole page into a fragment)."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(resolve_url(to, *args, **kwargs))
    return redirect(to, *args, **kwargs)


def paginate(request, object_list, *, param="page", total=None, per_page=PAGE_SIZE):
    """A page of `object_list` (still lazy: one query when iterated). Pass
    `total` when the count is already known, to skip the COUNT query."""
    paginator = Paginator(object_list, per_page)
    if total is not None:
        paginator.count = total  # a cached_property: set, it is never queried
    page = paginator.get_page(request.GET.get(param))
    query = request.GET.copy()

    def url(number):
        query[param] = number
        return "?" + query.urlencode()

    page.prev_url = url(page.previous_page_number()) if page.has_previous() else None
    page.next_url = url(page.next_page_number()) if page.has_next() else None
    return page


def render_page(request, template, context, *, partials=(), partial=None, status=200, fragment=False,
                volatile=False):
    """The whole page, or for htmx one of its partials plus the pending
    messages (swapped out of band into the page's #messages).

    An htmx request gets `partial`, or else the partial named like its
    HX-Target when that is one of `partials`; a history restore always gets
    the whole page. `fragment=True` answers with `partial` whoever asks (the
    caller has already decided). `volatile=True` is for pages holding signed
    URLs: never cached, varying on the htmx headers, and fragments marked
    `X-Omx-Fragment` so the page's script swaps them even with an error
    status (the message is the content).
    """
    if not fragment:
        if not request.htmx or request.htmx.history_restore_request:
            partial = None
        elif partial is None and request.htmx.target in partials:
            partial = request.htmx.target
    if partial:
        html = render_to_string(f"{template}#{partial}", context, request)
        if request.method == "POST":
            html += render_to_string("workspaces/messages_oob.html", {}, request)
        response = HttpResponse(html, status=status)
    else:
        response = render(request, template, context, status=status)
    if volatile:
        if partial:
            response["X-Omx-Fragment"] = "1"
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        add_never_cache_headers(response)
    return response
