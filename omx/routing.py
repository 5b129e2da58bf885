"""URL helpers: routes that answer with and without a trailing slash, and
`reverse` with a memo.

Django's `reverse` walks the resolver's candidates and converts and checks
every argument on each call: 10 to 60 µs, and a Files page asks for about
twenty URLs (bench/README.md). A URL depends only on the view name, its
arguments, the current application, the URL configuration in force, the
script prefix and the language (for translated routes), so the answer for
each such combination is kept, in a bounded LRU per process. The `{% url %}`
tag of every template goes through it too (`url_tag`, installed as a
template builtin in settings).
"""

from functools import lru_cache
from uuid import UUID

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Library
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url_tag
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, path
from django.urls import reverse as django_reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

# Values whose text is a function of their equality: anything else (a model,
# a lazy string) goes to Django's reverse every time.
_KEYABLE = (str, int, UUID)


def api_path(route: str, view, name: str):
    """Route `route` and `route/` to the same view, so clients may use either
    without a redirect (which would drop a POST body)."""
    route = route.rstrip("/")
    return [path(route, view, name=name), path(route + "/", view)]


@lru_cache(maxsize=4096)
def _reverse(viewname: str, args: tuple, kwargs: tuple, current_app, urlconf, script_prefix: str, language) -> str:
    # script_prefix and language are part of the key only: django_reverse
    # reads the same thread-locals itself.
    return django_reverse(viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)


def reverse(viewname, urlconf=None, args=None, kwargs=None, current_app=None) -> str:
    """django.urls.reverse, remembered: same arguments, same answer (and the
    same NoReverseMatch, which is not remembered)."""
    args = tuple(args) if args else ()
    kwargs = tuple(sorted(kwargs.items())) if kwargs else ()
    keyable = type(viewname) is str
    for value in args:
        keyable = keyable and type(value) in _KEYABLE
    for _, value in kwargs:
        keyable = keyable and type(value) in _KEYABLE
    if not keyable:
        return django_reverse(viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)
    return _reverse(viewname, args, kwargs, current_app, urlconf or get_urlconf(), get_script_prefix(),
                    get_language())


@receiver(setting_changed)
def _urls_changed(*, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _reverse.cache_clear()


# --- {% url %} -------------------------------------------------------------------

register = Library()


class CachedURLNode(URLNode):
    """Django's URLNode, with `reverse` above."""

    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag("url")
def url_tag(parser, token):
    """{% url %} as Django parses it, rendered through the memo."""
    node = django_url_tag(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
