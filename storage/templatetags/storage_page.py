"""Template tags of the Files page (templates/storage/browser.html).

`{% browser_rules %}` hands the page's ES modules the rules Python owns
(among them the parts of the status line, which storage.listing_html writes
first and the modules rewrite once rows are scrolled in, sorted or
selected); `{% file_listing %}`, `{% file_results %}`, `{% file_rows %}` and
`{% file_newfolder %}` write the listing, its results, its rows and the New
folder popover.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.utils.html import json_script
from django.utils.safestring import mark_safe

from storage.backends import backend_class
from storage.listing_html import STATUS_PARTS, listing_html, newfolder_html, results_html
from storage.rows_html import page_rows_html
from storage.rules import page_rules
from storage.share_services import MAX_USES as SHARE_MAX_USES

register = template.Library()


@register.simple_tag
def storage_scheme() -> str:
    """How the configured backend writes a location: 'gs' in gs://bucket/name."""
    return backend_class().scheme


@register.simple_tag
def browser_rules():
    return _rules_script(backend_class().scheme, settings.SHARE_MAX_DAYS)


@lru_cache(maxsize=8)
def _rules_script(scheme: str, share_max_days: int) -> str:
    """The rules as a <script> element: the same for every page of a
    configuration, so written once."""
    rules = page_rules(scheme=scheme)
    rules["status"] = [list(part) for part in STATUS_PARTS]
    # The share dialog's bounds: the same limits the share API enforces.
    rules["share_max_days"] = share_max_days
    rules["share_max_uses"] = SHARE_MAX_USES
    return json_script(rules, "fb-rules")


@register.simple_tag(takes_context=True)
def file_rows(context) -> str:
    """The rows of a listing page (storage.rows_html: escaped there)."""
    return mark_safe(page_rows_html(context))  # noqa: S308


def _written(write, context) -> str:
    """What a storage.listing_html writer makes of the page's context, the
    page's other partials rendered with that context (escaped there)."""
    engine = context.template.engine

    def render_partial(name: str) -> str:
        return engine.get_template(f"storage/browser.html#{name}").render(context)

    return mark_safe(write(context, render_partial))  # noqa: S308


@register.simple_tag(takes_context=True)
def file_listing(context) -> str:
    """The listing around its rows."""
    return _written(listing_html, context)


@register.simple_tag(takes_context=True)
def file_results(context) -> str:
    """The results of a listing or a search."""
    return _written(results_html, context)


@register.simple_tag(takes_context=True)
def file_newfolder(context) -> str:
    """The New folder popover."""
    return _written(newfolder_html, context)
