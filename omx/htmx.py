from django.shortcuts import redirect, resolve_url
from django_htmx.http import HttpResponseClientRedirect


def redirect_htmx(request, to, *args, **kwargs):
    """A redirect that also works for an htmx request (which would otherwise
    follow it inside the XHR and swap a whole page into a fragment)."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(resolve_url(to, *args, **kwargs))
    return redirect(to, *args, **kwargs)
