"""The listing's rows as HTML: the `rows` partial of templates/storage/browser.html.

A page holds up to 100 rows of about twenty values each. Through the Django
template language they cost about twenty times the request floor, and
through Jinja2 with autoescaping still a sixth of the whole page, most of
it escaping each value into a Markup object (bench/README.md). Here every
row is one f-string; each value a user or a bucket controls (names, labels,
content types, URLs) is escaped once with `html.escape` before it is placed,
and the rest (kinds, icons, sizes, ISO times) are made by
storage.presenters from closed sets or numbers. storage/tests/test_rows.py
renders hostile names in every view and checks the markup as a browser
parses it.

`rows` are storage.presenters' row dicts (RowText.fill has run on each).
"""

from functools import lru_cache
from html import escape

HTMX_OPEN = 'hx-target="#fb-listing" hx-swap="outerHTML" hx-sync="#fb-main:replace" hx-push-url="true"'


def icon(name: str, extra: str = "") -> str:
    """One of the page's SVG sprites (templates/storage/browser.html), inline with text."""
    return f'<svg class="fb-icon{extra}" aria-hidden="true"><use href="#i-{name}"/></svg>'


DOWNLOAD_ICON = icon("download")
# A page's content types are mostly a few repeated ones.
_escape_type = lru_cache(maxsize=256)(escape)


def page_rows_html(c) -> str:
    """The rows of the page whose context (a Mapping) is `c`."""
    return rows_html(rows=c.get("rows") or (), view=c.get("view"), selected_name=c.get("selected_name"),
                     search=c.get("search"), can_write=c.get("can_write"), more_url=c.get("more_url"))


def rows_html(*, rows, view: str, selected_name: str, search: str, can_write: bool, more_url: str | None) -> str:
    grid = view == "grid"
    row_html = _tile if grid else _table_row
    parts = [row_html(row, row["name"] == selected_name, bool(search), can_write) for row in rows]
    if more_url:
        parts.append(_more(escape(more_url), grid, bool(search), can_write))
    elif search:
        # The search's last page may find nothing: this row is what htmx
        # settles, so the page hears that it ended.
        parts.append('<li class="fb-end" hidden></li>' if grid else '<tr class="fb-end" hidden></tr>')
    return "\n".join(parts)


def _item_attributes(row: dict, selected: bool, search: bool, name: str, label: str, url: str) -> str:
    return (f'tabindex="{"0" if selected else "-1"}"{" hidden" if row["hidden"] else ""}'
            f'{" data-result" if search else ""}\n'
            f'    data-kind="{row["kind"]}" data-name="{name}" data-label="{label}"\n'
            f'    data-size="{row["size_attr"]}" data-modified="{row["updated_iso"]}"'
            # A file's details are at its own link: the page's script falls back to its href.
            + ("" if row["details_url"] is row["url"] else f' data-details-url="{escape(row["details_url"])}"'))


def _pick(name: str, label: str, selected: bool) -> str:
    return (f'<input type="checkbox" class="fb-pick" name="name" value="{name}" form="fb-selection" '
            f'aria-label="Select {label}"{" checked" if selected else ""}>')


def _open_attributes(url: str, row: dict, search: bool) -> str:
    return f'href="{url}" hx-get="{url}" {HTMX_OPEN}' if row["kind"] == "folder" or search else f'href="{url}"'


def _table_row(row: dict, selected: bool, search: bool, can_write: bool) -> str:
    name, label, url = escape(row["name"]), escape(row["label"]), escape(row["url"])
    folder = escape(row["folder"] or "this folder") if search else ""
    icon = row["icon"]
    # Below a kilobyte the label is already exact.
    size_title = "" if row["size"] is None or row["size"] < 1024 else f' title="{row["size"]} bytes"'
    return (
        f'<tr class="fb-item{" is-selected" if selected else ""}" '
        f'{_item_attributes(row, selected, search, name, label, url)}>\n'
        + (f'<td class="fb-check">{_pick(name, label, selected)}</td>' if can_write else "")
        + f'<td class="fb-col-name">\n<a class="fb-open" {_open_attributes(url, row, search)}'
        + (f' title="Open {folder} with {label} selected"' if search else "")
        + f'>\n<svg class="fb-icon icon-{icon}" aria-hidden="true"><use href="#i-{icon}"/></svg>'
          f'<span class="fb-label">{label}</span></a>\n'
        + (f'<span class="fb-where">in <span class="mono">{folder}</span></span>' if search else "")
        + '</td>\n'
          f'<td class="fb-col-size num"{size_title}>'
          f'{"—" if row["kind"] == "folder" else row["size_label"]}</td>\n'
          f'<td class="fb-col-type">{_escape_type(row["type"])}</td>\n'
          '<td class="fb-col-modified">'
        + (f'<time datetime="{row["updated_iso"]}">{row["updated_label"]}</time>' if row["updated"] else "—")
        + '</td>\n<td class="fb-col-actions">'
        + (f'<a class="fb-icon-button" href="{escape(row["download"])}" aria-label="Download {label}" '
           f'title="Download">{DOWNLOAD_ICON}</a>' if row["kind"] == "file" else "")
        + '</td>\n</tr>'
    )


def _tile(row: dict, selected: bool, search: bool, can_write: bool) -> str:
    name, label, url = escape(row["name"]), escape(row["label"]), escape(row["url"])
    icon = row["icon"]
    if search:
        meta = f'in {escape(row["folder"] or "this folder")}'
    else:
        meta = "Folder" if row["kind"] == "folder" else row["size_label"]
    return (
        f'<li class="fb-item fb-tile{" is-selected" if selected else ""}" '
        f'{_item_attributes(row, selected, search, name, label, url)}>\n'
        + (_pick(name, label, selected) if can_write else "")
        + f'\n<a class="fb-open" {_open_attributes(url, row, search)}>\n'
          f'<span class="fb-thumb"><svg class="fb-big-icon icon-{icon}" aria-hidden="true"><use href="#i-{icon}"/></svg>'
        + (f'<img src="{escape(row["thumb"])}" alt="" loading="lazy" decoding="async">' if row["thumb"] else "")
        + f'</span>\n<span class="fb-tile-name">{label}</span>\n</a>\n'
          f'<span class="fb-tile-meta">{meta}</span>\n</li>'
    )


def _more(url: str, grid: bool, search: bool, can_write: bool) -> str:
    if search:
        inside = ('<span class="fb-search-going"><span class="spinner" aria-hidden="true"></span> Searching…</span>\n'
                  f'<span class="fb-search-stopped">Search stopped. <a href="{url}" hx-get="{url}" '
                  'hx-target="#fb-more" hx-swap="outerHTML">Search further</a></span>')
    else:
        inside = (f'<a href="{url}" hx-get="{url}" hx-target="#fb-more" hx-swap="outerHTML">Load the next 100</a> '
                  '<span class="spinner" aria-hidden="true"></span>')
    attributes = (f'id="fb-more" class="fb-more{" fb-searching" if search else ""}" hx-get="{url}" '
                  'hx-trigger="revealed" hx-target="this" hx-swap="outerHTML"')
    if grid:
        return f'<li {attributes}>\n{inside}\n</li>'
    return f'<tr {attributes}>\n<td colspan="{6 if can_write else 5}">\n{inside}\n</td></tr>'
