"""Template tags of the Files page (templates/storage/browser.html).

`{% browser_rules %}` hands the page's ES modules the rules Python owns, and
`{% status_line %}` renders the line that says what is loaded from the same
parts the modules use once rows are scrolled in, sorted or selected, and
`{% file_rows %}` the listing's rows.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.utils.html import json_script
from django.utils.safestring import mark_safe

from storage.backends import backend_class
from storage.rows_html import rows_html
from storage.rules import SORTS, page_rules
from storage.share_services import MAX_USES as SHARE_MAX_USES

register = template.Library()

# The status line, in order: each part shows when its condition holds and is
# filled in with the facts of the moment ({n} rows loaded, {s} the plural
# ending, {search} what is searched for, {q} the filter and the {matches} it
# leaves, {sort_label}, {selected}). The server renders the
# first state (also what a page without JavaScript shows); after that only
# the page knows what is loaded and selected, so static/js/browser/sort.js
# composes the same parts, read from the rules blob, and never its own words.
STATUS_PARTS = (
    ("listing", "{n} item{s} loaded"),
    ("found", "{n} found for “{search}” in this folder and below"),
    ("page_start", " (a later page)"),
    ("q", " · {matches} contain “{q}”"),
    ("more", " · more load as you scroll"),
    ("searching", " · searching…"),
    ("stopped", " · search stopped"),
    ("all", " · that is all"),
    ("sorted", " · sorted by {sort_label} within the {n} loaded item{s}"),
    ("selected", " · {selected} selected"),
)


def status_text(facts: dict) -> str:
    return "".join(phrase.format_map(facts) for when, phrase in STATUS_PARTS if facts.get(when))


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
def status_line(context) -> str:
    n = len(context.get("rows") or ())
    more, search = bool(context.get("next_page_token")), context.get("search") or ""
    sort, direction = context.get("sort") or "name", context.get("dir") or "asc"
    return status_text({
        "listing": not search, "found": bool(search), "search": search, "n": n, "s": "" if n == 1 else "s",
        "page_start": bool(context.get("page_start")),
        "q": context.get("q") or "", "matches": context.get("matches", n),
        "more": more and not search, "searching": more and bool(search), "all": not more,
        "sorted": sort != "name" or direction != "asc", "sort_label": SORTS.get(sort, sort),
        "selected": 0,
    })


@register.simple_tag(takes_context=True)
def file_rows(context) -> str:
    """The rows of a listing page (storage.rows_html: escaped there)."""
    return mark_safe(rows_html(  # noqa: S308
        rows=context.get("rows") or (), view=context.get("view"), selected_name=context.get("selected_name"),
        search=context.get("search"), can_write=context.get("can_write"), more_url=context.get("more_url")))
