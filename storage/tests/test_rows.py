"""The listing's rows are built once per page rather than per row through
template filters and urlencode, and laid out without a template engine
(bench/README.md): they must read exactly as those would, and escape
everything a bucket's names can carry."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import quote_plus, urlencode

import pytest
from django.http import QueryDict
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from storage.browse import Browse, quote_value
from storage.presenters import RowText, file_kind
from storage.rows_html import rows_html


class _Connection:
    pk = "5eed0000-0000-0000-0000-000000000001"
    prefix = "data/"
    bucket_name = "b"


SIZES = [0, 1, 2, 1023, 1024, 1025, 1536, 10 * 1024 - 1, 1024 * 1024 - 1, 1024 * 1024, 5 * 1024 ** 3 + 123,
         1024 ** 4 * 3 // 2, 1024 ** 5, 7 * 1024 ** 5 + 99, 1024 ** 6, -1, -2048, 123_456_789, 999_999]


@pytest.mark.parametrize("size", SIZES)
def test_size_reads_as_filesizeformat(size):
    assert RowText().size(size) == filesizeformat(size)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns", "Asia/Kathmandu"])
def test_times_read_as_the_date_filter(zone):
    text = RowText.__new__(RowText)
    with timezone.override(zone):
        text.__init__()
        for when in (datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=UTC), datetime(2026, 7, 1, 0, 0, tzinfo=UTC),
                     datetime(2024, 2, 29, 12, 30, 15, 5, tzinfo=UTC), datetime(2026, 12, 1, 9, 5, tzinfo=UTC)):
            row = text.fill({"size": 1, "updated": when})
            local = timezone.localtime(when)
            assert row["updated_label"] == date_filter(local, "j M Y, H:i")
            assert row["updated_iso"] == date_filter(local, "c")
    assert text.fill({"size": None, "updated": None}) == {
        "size": None, "updated": None, "size_attr": "", "size_label": "", "updated_iso": "", "updated_label": ""}


STATES = [
    {},
    {"q": "a b&c", "view": "grid", "sort": "size", "dir": "desc"},
    {"search": "ünïcode/?#&=+", "sort": "modified"},
    {"q": "%00\x00", "search": "x"},
]
VALUES = ["data/sub/", "data/a b+c&d=e?#.txt", "data/ünï/çødé/", "data/%2F%00", "data/"]


@pytest.mark.parametrize("params", STATES)
@pytest.mark.parametrize(("key", "changes"), [("object", {}), ("prefix", {"q": ""}), ("object", {"view": "list"})])
def test_url_each_builds_what_url_builds(params, key, changes):
    state = Browse(base="/w/x/p/y/files/", connections=[], connection=_Connection(), prefix="data/sub/",
                   **params)
    url = state.url_each(key, **changes)
    for value in [*VALUES, ""]:
        assert url(value) == state.url(**changes, **{key: value})
        assert QueryDict(url(value).partition("?")[2]).get(key, "") == ("" if key == "prefix" and value == "data/"
                                                                          else value)


def test_url_each_with_no_other_parameter():
    state = Browse(base="/files/", connections=[])
    assert state.url_each("object")("a b") == "/files/?object=a+b" == state.url(object="a b")
    assert urlencode({"object": "a b"}) == "object=a+b"


# --- The rows' HTML ---------------------------------------------------------------

HOSTILE = ['a"b\'c<d>&e.txt', "<script>alert(1)</script>", "x\" onmouseover=\"alert(1)", "&amp; already.txt"]


class _Parsed(HTMLParser):
    """Elements as a browser's tokenizer sees them: (tag, attributes) and the text."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.elements, self.text = [], []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _rows(names, *, kind="file"):
    text = RowText()
    return [text.fill({
        "kind": kind, "icon": "folder" if kind == "folder" else "text",
        "name": f"in/{name}/" if kind == "folder" else f"in/{name}", "label": name,
        "size": None if kind == "folder" else 12, "type": "Folder" if kind == "folder" else f"text/{name}",
        "updated": None if kind == "folder" else datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        "url": f"/files/?object=in/{name}", "details_url": f"/files/?d={name}", "download": f"/dl?n={name}",
        "thumb": None if kind == "folder" else f"https://img/{name}", "folder": f"in/{name}/", "hidden": False,
    }) for name in names]


@pytest.mark.parametrize("view", ["list", "grid"])
@pytest.mark.parametrize("search", ["", 'q"<>'])
@pytest.mark.parametrize("can_write", [True, False])
def test_rows_html_escapes_every_value(view, search, can_write):
    rows = _rows(HOSTILE) + _rows(HOSTILE, kind="folder")
    markup = rows_html(rows=rows, view=view, selected_name=f"in/{HOSTILE[0]}", search=search, can_write=can_write,
                       more_url='/files/?page_token="<x>&y')
    parsed = _Parsed(markup)
    tags = [tag for tag, _ in parsed.elements]
    assert "script" not in tags and not any("onmouseover" in attrs for _, attrs in parsed.elements)
    items = [attrs for tag, attrs in parsed.elements if "data-name" in attrs]
    assert [a["data-name"] for a in items] == [r["name"] for r in rows]
    assert [a["data-label"] for a in items] == [r["label"] for r in rows]
    assert [a["data-details-url"] for a in items] == [r["details_url"] for r in rows]
    assert [a.get("tabindex") for a in items] == ["0"] + ["-1"] * (len(rows) - 1)
    links = [attrs for tag, attrs in parsed.elements if attrs.get("class") == "fb-open"]
    assert [a["href"] for a in links] == [r["url"] for r in rows]
    picks = [attrs["value"] for tag, attrs in parsed.elements if attrs.get("class") == "fb-pick"]
    assert picks == ([r["name"] for r in rows] if can_write else [])
    more = [attrs for tag, attrs in parsed.elements if attrs.get("id") == "fb-more"]
    assert [a["hx-get"] for a in more] == ['/files/?page_token="<x>&y']
    shown = "".join(parsed.text)
    for name in HOSTILE:
        assert name in shown
    if view == "list":
        downloads = [attrs["href"] for tag, attrs in parsed.elements if attrs.get("class") == "fb-icon-button"]
        assert downloads == [r["download"] for r in rows if r["kind"] == "file"]
        for name in HOSTILE:
            assert f"text/{name}" in shown
    else:
        images = [attrs["src"] for tag, attrs in parsed.elements if tag == "img"]
        assert images == [r["thumb"] for r in rows if r["thumb"]]


def test_rows_html_ends_a_search_without_more():
    assert rows_html(rows=[], view="list", selected_name="", search="x", can_write=True, more_url=None) == \
        '<tr class="fb-end" hidden></tr>'
    assert rows_html(rows=[], view="grid", selected_name="", search="", can_write=True, more_url=None) == ""


@pytest.mark.parametrize("safe", ["", "/"])
def test_quote_value_is_quote_plus(safe):
    names = ["", "plain.txt", "a/b/c.txt", "a b.txt", "ü/ñ.txt", "x+y=z?&#.txt", "%41", "~-_.", "tab\there",
             "a//b", "/", "line\nbreak", "emoji 😀/", "quote\"'<>"]
    for name in names:
        assert quote_value(name, safe=safe) == quote_plus(name, safe=safe), name


def test_a_file_row_names_its_details_url_only_when_it_is_not_its_link():
    rows = _rows(["a.txt", "b.txt"])
    rows[0]["details_url"] = rows[0]["url"]  # as the listing builds a file's row
    rows[1]["size"], rows[1]["size_label"] = 2048, RowText().size(2048)
    parsed = _Parsed(rows_html(rows=rows, view="list", selected_name="", search="", can_write=False, more_url=None))
    items = [attrs for tag, attrs in parsed.elements if "data-name" in attrs]
    assert "data-details-url" not in items[0] and items[1]["data-details-url"] == rows[1]["details_url"]
    sizes = [attrs for tag, attrs in parsed.elements if "fb-col-size" in (attrs.get("class") or "")]
    assert [s.get("title") for s in sizes] == [None, "2048 bytes"]  # 12 bytes reads exactly already


@pytest.mark.parametrize(("content_type", "name", "kind"), [
    ("image/png", "notes.txt", "image"), ("IMAGE/PNG; q=1", "x", "image"), ("application/pdf", "x.txt", "pdf"),
    ("audio/mpeg", "x", "audio"), ("video/mp4", "x", "video"), ("application/zip", "a.txt", "archive"),
    ("text/plain", "a.bin", "text"), ("application/json", "a", "text"), ("application/vnd.api+json", "a", "text"),
    ("application/x-unknown", "notes.md", "text"), ("application/x-unknown", "blob.bin", "file"),
    ("application/octet-stream", "photo.JPG", "image"), ("application/octet-stream", "a.zip", "archive"),
    ("", "report.pdf", "pdf"), ("", "data.csv", "text"), ("binary/octet-stream", "x.tar", "archive"),
    ("application/octet-stream", "noext", "file"), ("application/octet-stream", "README.MD", "text"),
])
def test_file_kind_reads_the_type_then_the_name(content_type, name, kind):
    assert file_kind(content_type, name) == kind
    assert file_kind(content_type, name) == kind  # the type's kind is remembered, the name's is not
