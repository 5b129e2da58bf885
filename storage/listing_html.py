"""The listing as HTML: the `listing`, `results` and `newfolder` partials of
templates/storage/browser.html, around the rows of storage.rows_html.

Every navigation in the Files page swaps the listing. Through the Django
template language its frame (the path, the toolbar, the forms, the table's
head) cost as much as its hundred rows, about 0.6 ms a request, and copied
the rows' markup once per nested block (bench/README.md). Here it is laid out
as the rows are: each value a user, a bucket or a URL carries is escaped once
with `html.escape` where it is placed; the rest are names and flags of the
page. The new-folder form's fields and a problem's message stay partials of
the template (`render_partial` renders them with the page's context): the
form's fields are Django's. storage/tests/test_listing_html.py renders
hostile values in every state and checks the markup as a browser parses it.

`c` is the page's context (storage.presenters.page_context and listing_load);
missing keys read as the template language reads them.
"""

from collections.abc import Callable, Mapping
from html import escape

from django.template.defaulttags import CsrfTokenNode
from django.utils import translation

from storage.backends import backend_class
from storage.rows_html import HTMX_OPEN, icon, page_rows_html
from storage.rules import SORTS
from storage.search import MAX_QUERY

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
BUCKET_ICON = icon("bucket")
# Django's {% csrf_token %}, for a form a page without JavaScript posts.
_CSRF_TOKEN = CsrfTokenNode()


def status_text(facts: dict) -> str:
    return "".join(phrase.format_map(facts) for when, phrase in STATUS_PARTS if facts.get(when))


def status_line(c: Mapping) -> str:
    """What the listing's first state shows in its status line (plain text)."""
    n = len(c.get("rows") or ())
    more, search = bool(c.get("next_page_token")), c.get("search") or ""
    sort, direction = c.get("sort") or "name", c.get("dir") or "asc"
    return status_text({
        "listing": not search, "found": bool(search), "search": search, "n": n, "s": "" if n == 1 else "s",
        "page_start": bool(c.get("page_start")),
        "q": c.get("q") or "", "matches": c.get("matches", n),
        "more": more and not search, "searching": more and bool(search), "all": not more,
        "sorted": sort != "name" or direction != "asc", "sort_label": SORTS.get(sort, sort),
        "selected": 0,
    })


def _title(c: Mapping, partial: str) -> str:
    # A fragment carries the page's new title; htmx moves it to the document.
    return f'<title>{escape(str(c.get("page_title", "")))} · omX</title>' if c.get("fragment_title") == partial else ""


def _csrf_input(c: Mapping) -> str:
    """The token field, but in a fragment: htmx sends the token in a header."""
    request = c.get("request")
    return "" if request is not None and getattr(request, "htmx", False) else _CSRF_TOKEN.render(c)


def listing_html(c: Mapping, render_partial: Callable[[str], str]) -> str:
    connection = c.get("connection")
    prefix = str(c.get("prefix", ""))
    head = (f'{_title(c, "listing")}\n<div id="fb-listing" class="fb-panel fb-listing" '
            f'data-connection="{escape(str(connection.pk)) if connection else ""}" '
            f'data-bucket="{escape(str(c.get("bucket", "")))}"\n     data-prefix="{escape(prefix)}" '
            f'data-root="{escape(connection.prefix or "") if connection else ""}">\n')
    if connection:
        top = f'{_crumbs(c.get("crumbs") or ())}\n{_search_form(c, connection, prefix)}'
        body = (f'<div class="fb-top">\n{top}\n</div>\n'
                f'{_toolbar(c, connection, prefix, render_partial)}\n{_selection_form(c, connection, prefix)}'
                f'{results_html(c, render_partial)}\n')
    elif c.get("problem"):
        body = f'<div id="fb-results" class="fb-results">{render_partial("problem")}</div>\n'
    else:
        body = _onboarding(c)
    return f"{head}{body}</div>\n"


def _crumbs(crumbs) -> str:
    items, last = [], len(crumbs) - 1
    for i, crumb in enumerate(crumbs):
        label = (BUCKET_ICON if i == 0 else "") + escape(str(crumb["label"]))
        if i == last:
            items.append(f'<li><span aria-current="location">{label}</span></li>')
        else:
            url = escape(str(crumb["url"]))
            up = " data-up" if i == last - 1 else ""
            items.append(f'<li><a href="{url}" hx-get="{url}" {HTMX_OPEN}{up}>{label}</a></li>')
    return f'<nav class="fb-crumbs" aria-label="Folder path">\n<ol>\n{"\n".join(items)}\n</ol>\n</nav>'


def _place_inputs(c: Mapping, connection, prefix: str, *, order: bool = False) -> str:
    """The hidden fields that keep a GET form's answer at this place and view."""
    view = c.get("view")
    inputs = [f'<input type="hidden" name="c" value="{escape(str(connection.pk))}">']
    if prefix != connection.prefix:
        inputs.append(f'<input type="hidden" name="prefix" value="{escape(prefix)}">')
    if view != "list":
        inputs.append(f'<input type="hidden" name="view" value="{escape(str(view))}">')
    if order:
        if c.get("sort") != "name":
            inputs.append(f'<input type="hidden" name="sort" value="{escape(str(c.get("sort")))}">')
        if c.get("dir") != "asc":
            inputs.append(f'<input type="hidden" name="dir" value="{escape(str(c.get("dir")))}">')
        if c.get("search"):
            inputs.append(f'<input type="hidden" name="search" value="{escape(str(c.get("search")))}">')
    return "\n".join(inputs)


def _search_form(c: Mapping, connection, prefix: str) -> str:
    base = escape(str(c["state"].base))
    return (
        f'<form class="fb-search" role="search" method="get" action="{base}">\n'
        f'{_place_inputs(c, connection, prefix)}\n'
        '<label for="fb-search" class="visually-hidden">Search this folder and its subfolders</label>\n'
        f'{icon("search", " fb-filter-icon")}\n'
        f'<input id="fb-search" type="search" name="search" value="{escape(str(c.get("search", "")))}" '
        f'maxlength="{MAX_QUERY}" autocomplete="off" spellcheck="false"\n'
        f'       placeholder="Search in {escape(str(c.get("here_label", "")))}" hx-sync="#fb-main:replace" '
        'aria-keyshortcuts="/">\n</form>'
    )


def _tool(action: str, sprite: str, label: str, *, extra: str = "", title: str = "") -> str:
    """A toolbar button the page's script drives, disabled until something is
    selected; with a title, its label may hide in a narrow window."""
    text = f'<span class="fb-tool-label">{label}</span>' if title else label
    title = f' title="{title}"' if title else ""
    return (f'<button type="button" class="button secondary small fb-needs-js" data-action="{action}"{extra}{title} '
            f'disabled>\n  {icon(sprite)}{text}</button>')


WRITE_TOOLS = "\n".join([
    '<button type="button" class="button small fb-needs-js" data-action="upload-files" '
    f'aria-label="Upload files to this folder">\n  {icon("upload")}Upload</button>',
    '<button type="button" class="button secondary small fb-square fb-needs-js" data-action="upload-folder" '
    f'aria-label="Upload a whole folder" title="Upload a whole folder">\n  {icon("folder-upload")}</button>',
    '<input type="file" id="fb-upload-files" class="visually-hidden" multiple tabindex="-1" aria-hidden="true" '
    'aria-label="Files to upload">',
    '<input type="file" id="fb-upload-folder" class="visually-hidden" multiple webkitdirectory tabindex="-1" '
    'aria-hidden="true" aria-label="Folder to upload">',
])
SELECTION_TOOLS = "\n".join([
    '<button type="submit" form="fb-selection" id="fb-delete" class="button danger small" '
    f'aria-label="Delete the selected items">\n  {icon("trash")}Delete'
    '<span class="fb-count" aria-hidden="true"></span></button>',
    _tool("rename", "rename", "Rename", extra=' aria-keyshortcuts="F2"', title="Rename (F2)"),
    _tool("move-to", "move", "Move to…", extra=' aria-haspopup="dialog"', title="Move to…"),
    _tool("copy-to", "copy", "Copy to…", extra=' aria-haspopup="dialog"'),
    _tool("share", "share", "Share…", extra=' aria-haspopup="dialog"', title="Share…"),
])
FILE_TOOLS = (
    '<span class="fb-file-actions fb-needs-js" role="group" aria-label="The selected files">\n'
    '<button type="button" class="button secondary small fb-square" data-action="download-selected" '
    f'aria-label="Download the selected files" title="Download" disabled>\n  {icon("download")}'
    '<span class="fb-count" aria-hidden="true"></span></button>\n'
    '<button type="button" class="button secondary small fb-square" data-action="copy-path" '
    f'aria-label="Copy the selected file\'s path" title="Copy path" disabled>\n  {icon("copy")}</button>\n'
    '<button type="button" class="button secondary small fb-square" data-action="copy-link" '
    f'aria-label="Copy a signed link to the selected file" title="Copy link" disabled>\n  {icon("link")}</button>\n'
    '</span>\n<span class="spacer"></span>'
)
SHARES_BUTTON = ('<button type="button" class="button secondary small fb-needs-js" data-action="shares" '
                 'aria-haspopup="dialog"\n        title="The project\'s share links">Shares</button>')


def _toolbar(c: Mapping, connection, prefix: str, render_partial: Callable[[str], str]) -> str:
    if c.get("can_write"):
        tools = f'{WRITE_TOOLS}\n{newfolder_html(c, render_partial)}\n{SELECTION_TOOLS}'
    else:
        workspace = escape(str(c["workspace"].name))
        tools = (f'<span class="badge" title="Your role in {workspace} is viewer: you can browse and download.">'
                 'View only</span>')
    return (f'<div class="fb-toolbar" role="toolbar" aria-label="File actions">\n{tools}\n{FILE_TOOLS}\n'
            f'{_filter_form(c, connection, prefix)}\n{_views(c)}\n{SHARES_BUTTON}\n</div>')


def newfolder_html(c: Mapping, render_partial: Callable[[str], str]) -> str:
    """The New folder popover; its fields are the page's `folder_fields` partial."""
    form, connection = c.get("folder_form"), c.get("connection")
    bound = form is not None and form.is_bound
    fields = render_partial("folder_fields") if bound or form is None or form.initial else _blank_fields(
        form, render_partial)
    url, prefix = escape(str(c.get("folder_url", ""))), escape(str(c.get("prefix", "")))
    return (
        f'<details id="fb-newfolder" class="fb-newfolder"{" open" if bound and form.errors else ""}>\n'
        f'<summary class="button secondary small">{icon("folder-plus")}New folder</summary>\n'
        f'<form method="post" action="{url}" hx-post="{url}" hx-target="#fb-newfolder" hx-swap="outerHTML" '
        f'class="fb-popover" novalidate>\n{_csrf_input(c)}\n'
        f'<input type="hidden" name="c" value="{escape(str(connection.pk)) if connection else ""}">\n'
        f'<input type="hidden" name="prefix" value="{prefix}">\n{fields}\n'
        f'<p class="help">Creates an empty placeholder object <code>{prefix}<var>name</var>/</code>; '
        'in GCS a folder is just a name prefix.</p>\n'
        '<div class="row"><button type="submit" class="button small">Create folder</button>'
        '<span class="spinner" aria-hidden="true"></span></div>\n</form>\n</details>'
    )


_BLANK_FIELDS: dict[tuple, str] = {}


def _blank_fields(form, render_partial: Callable[[str], str]) -> str:
    """A form with no data and no initial values writes the same fields on
    every page (no value, no error): rendered once a process and language."""
    key = (type(form), translation.get_language())
    fields = _BLANK_FIELDS.get(key)
    if fields is None:
        fields = _BLANK_FIELDS[key] = render_partial("folder_fields")
    return fields


def _filter_form(c: Mapping, connection, prefix: str) -> str:
    return (
        f'<form class="fb-filter" role="search" method="get" action="{escape(str(c["state"].base))}">\n'
        f'{_place_inputs(c, connection, prefix, order=True)}\n'
        '<label for="fb-q" class="visually-hidden">Filter the loaded items by name</label>\n'
        f'{icon("filter", " fb-filter-icon")}\n'
        f'<input id="fb-q" type="search" name="q" value="{escape(str(c.get("q", "")))}" '
        'placeholder="Filter loaded items" autocomplete="off" spellcheck="false">\n</form>'
    )


def _views(c: Mapping) -> str:
    urls, current = c.get("view_urls") or {}, c.get("view")
    links = []
    for view, label in (("list", "List view"), ("grid", "Grid view")):
        url, on = escape(str(urls.get(view, ""))), view == current
        links.append(f'<a href="{url}" hx-get="{url}" {HTMX_OPEN}\n   class="fb-view{" active" if on else ""}" '
                     f'aria-label="{label}" aria-pressed="{"true" if on else "false"}" role="button">\n'
                     f'  {icon(view)}</a>')
    return f'<div class="fb-views" role="group" aria-label="View as">\n{"\n".join(links)}\n</div>'


def _selection_form(c: Mapping, connection, prefix: str) -> str:
    # htmx posts this form and the new-folder form with the X-CSRFToken header
    # of base.html: a fragment, which only htmx asks for, leaves out their token.
    if not c.get("can_write"):
        return ""
    url = escape(str(c.get("delete_url", "")))
    return (f'<form id="fb-selection" method="post" action="{url}" hx-post="{url}" hx-target="#fb-dialog-body" '
            f'hx-swap="innerHTML">\n{_csrf_input(c)}\n'
            f'<input type="hidden" name="c" value="{escape(str(connection.pk))}">\n'
            f'<input type="hidden" name="prefix" value="{escape(prefix)}">\n</form>\n')


def results_html(c: Mapping, render_partial: Callable[[str], str]) -> str:
    view, search = str(c.get("view", "")), str(c.get("search", "") or "")
    head = (f'{_title(c, "results")}\n<div id="fb-results" class="fb-results view-{escape(view)}'
            f'{" is-search" if search else ""}" data-view="{escape(view)}" '
            f'data-sort="{escape(str(c.get("sort", "")))}" '
            f'data-dir="{escape(str(c.get("dir", "")))}"\n     data-q="{escape(str(c.get("q", "")))}" '
            f'data-search="{escape(search)}" data-object="{escape(str(c.get("selected_name", "")))}">\n')
    if c.get("problem"):
        return f"{head}{render_partial('problem')}\n</div>"
    rows, more_url = c.get("rows"), c.get("more_url")
    status = (f'<div class="fb-statusbar">\n<p id="fb-status" class="fb-status" role="status" aria-live="polite"'
              f'{" data-page-start" if c.get("page_start") else ""}>{escape(status_line(c))}</p>\n'
              + (f'<button type="button" id="fb-stop-search" class="button secondary small fb-needs-js" '
                 f'data-action="stop-search"{"" if more_url else " hidden"}>Stop searching</button>\n'
                 if search else "")
              + '</div>\n'
              f'<p id="fb-nomatch" class="fb-nomatch"{" hidden" if not rows or c.get("matches") else ""}>'
              f'Nothing loaded here contains “<span class="fb-nomatch-q">{escape(str(c.get("q", "")))}</span>”.</p>\n')
    if rows or more_url:
        body = _rows_frame(c, view, search)
    else:
        body = _empty(c, search, more_url)
    return f"{head}{status}{body}\n</div>"


def _rows_frame(c: Mapping, view: str, search: str) -> str:
    rows = page_rows_html(c)
    if view == "grid":
        return f'<ul id="fb-rows" class="fb-grid" aria-label="Files and folders">{rows}</ul>'
    what = f"Files whose name contains “{escape(search)}” in " if search else "Files and folders in "
    where = f'{backend_class().scheme}://{escape(str(c.get("bucket", "")))}/{escape(str(c.get("prefix", "")))}'
    check = ('<th class="fb-check" scope="col"><input type="checkbox" id="fb-select-all" class="fb-needs-js" '
             'aria-label="Select all loaded items"></th>' if c.get("can_write") else "")
    return (f'<table class="fb-table">\n<caption class="visually-hidden">{what}{where}</caption>\n<thead>\n<tr>\n'
            f'{check}\n{_sort_header(c, "name", "Name", "fb-col-name")}\n'
            f'{_sort_header(c, "size", "Size", "fb-col-size num")}\n'
            '<th scope="col" class="fb-col-type">Type</th>\n'
            f'{_sort_header(c, "modified", "Last modified", "fb-col-modified")}\n'
            '<th scope="col" class="fb-col-actions"><span class="visually-hidden">Download</span></th>\n'
            f'</tr>\n</thead>\n<tbody id="fb-rows">{rows}</tbody>\n</table>')


def _sort_header(c: Mapping, key: str, label: str, css: str) -> str:
    order = ("ascending" if c.get("dir") == "asc" else "descending") if c.get("sort") == key else "none"
    url = escape(str((c.get("sort_urls") or {}).get(key, "")))
    return (f'<th scope="col" class="{css}" aria-sort="{order}">\n'
            f'  <a href="{url}" data-sort="{key}" class="fb-sort">{label}</a></th>')


def _empty(c: Mapping, search: str, more_url) -> str:
    if search:
        found = escape(search)
        text = (f"<p>Nothing found yet for “{found}”.</p>" if more_url
                else f"<p>No file in this folder or below has “{found}” in its name.</p>")
    else:
        text = "<p>This folder is empty.</p>" + (
            '\n<p class="muted small fb-needs-js">Drop files here, or use Upload.</p>' if c.get("can_write") else "")
    icon = '<svg class="fb-empty-icon" aria-hidden="true"><use href="#i-folder"/></svg>'
    return f'<div class="fb-empty">\n{icon}\n{text}\n</div>'


def _onboarding(c: Mapping) -> str:
    workspace = escape(str(c["workspace"].name))
    is_admin, required = c.get("is_admin"), c.get("grants_required")
    has_grants = c.get("has_grants")
    if is_admin and required and not (has_grants() if callable(has_grants) else has_grants):
        text = ("This workspace has no bucket granted yet: an omX operator grants buckets to workspaces. "
                "Once one is granted, link it here.")
    elif is_admin:
        which = f"a bucket granted to {workspace}" if required else "one of the service account's buckets"
        text = f"Link {which} (or a folder inside one) with <strong>Link a bucket</strong> on the left."
    else:
        text = f"An admin of {workspace} can link a Cloud Storage bucket to this project."
    return ('<div class="fb-empty fb-onboarding">\n'
            '<svg class="fb-empty-icon" aria-hidden="true"><use href="#i-bucket"/></svg>\n'
            f'<h2>No bucket linked yet</h2>\n<p class="muted">{text}</p>\n</div>\n')
