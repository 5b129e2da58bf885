"""The listing's frame is laid out without a template engine
(storage/listing_html.py): it must escape every value a user, a bucket or a
URL carries, in every state the page can be in, and keep the page's own
partials where they belong."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from storage.listing_html import listing_html, results_html, status_line
from storage.tests.test_rows import HOSTILE, _Parsed, _rows

EVIL = 'x" onmouseover="alert(1)<script>alert(2)</script>&amp;\''


def _context(*, can_write=True, view="list", search="", q=EVIL, problem=None, connection=True, htmx=True, **extra):
    conn = SimpleNamespace(pk=f"pk-{EVIL}", prefix=f"root{EVIL}/") if connection else None
    context = {
        "request": SimpleNamespace(htmx=htmx), "csrf_token": f"token{EVIL}",
        "fragment_title": "listing", "page_title": f"title {EVIL}",
        "workspace": SimpleNamespace(name=f"ws {EVIL}"), "state": SimpleNamespace(base=f"/files/{EVIL}"),
        "connection": conn, "bucket": f"bucket{EVIL}", "prefix": f"root{EVIL}/sub{EVIL}/",
        "crumbs": [{"label": f"bucket{EVIL}", "url": f"/files/?c=1&a={EVIL}"},
                   {"label": f"root{EVIL}", "url": f"/files/?c=1&b={EVIL}"},
                   {"label": f"sub{EVIL}", "url": f"/files/?c=1&here={EVIL}"}],
        "here_label": f"sub{EVIL}", "view": view, "sort": "size", "dir": "desc", "search": search, "q": q,
        "selected_name": f"in/{HOSTILE[0]}", "can_write": can_write, "is_admin": True,
        "delete_url": f"/delete?{EVIL}", "view_urls": {"list": f"/l?{EVIL}", "grid": f"/g?{EVIL}"},
        "sort_urls": {"name": f"/n?{EVIL}", "size": f"/s?{EVIL}", "modified": f"/m?{EVIL}"},
        "problem": problem, "rows": _rows(HOSTILE), "matches": 0, "more_url": f"/more?{EVIL}",
        "next_page_token": "t", "page_start": False,
    }
    context.update(extra)
    return context


def _partial(name: str) -> str:
    return f'<i data-partial="{name}"></i>'


def _safe(parsed: _Parsed) -> None:
    """Nothing a value carries became markup."""
    assert "script" not in [tag for tag, _ in parsed.elements]
    assert not any("onmouseover" in attrs for _, attrs in parsed.elements)


def _inputs(parsed: _Parsed, form: str) -> list[dict]:
    """The inputs of the form whose class or id is `form` (the parser sees no end tags: a form's
    elements run up to the first that no form here holds)."""
    inside, found = False, []
    for tag, attrs in parsed.elements:
        if tag == "form":
            inside = form in (attrs.get("class") or attrs.get("id") or "")
        elif tag not in ("input", "label", "svg", "use"):
            inside = False
        elif tag == "input" and inside:
            found.append(attrs)
    return found


@pytest.mark.parametrize("view", ["list", "grid"])
@pytest.mark.parametrize("search", ["", f"find{EVIL}"])
@pytest.mark.parametrize("can_write", [True, False])
@pytest.mark.parametrize("htmx", [True, False])
def test_the_listing_escapes_every_value(view, search, can_write, htmx):
    context = _context(view=view, search=search, can_write=can_write, htmx=htmx)
    parsed = _Parsed(listing_html(context, _partial))
    _safe(parsed)
    by_id = {attrs["id"]: attrs for _, attrs in parsed.elements if "id" in attrs}
    listing = by_id["fb-listing"]
    assert (listing["data-connection"], listing["data-bucket"], listing["data-prefix"], listing["data-root"]) == (
        context["connection"].pk, context["bucket"], context["prefix"], context["connection"].prefix)
    assert "".join(parsed.text).count(f"title {EVIL} · omX") == 1
    crumbs = [attrs for tag, attrs in parsed.elements if tag == "a" and "hx-push-url" in attrs
              and attrs.get("href", "").startswith("/files/?c=1")]
    assert [a["href"] for a in crumbs] == [a["hx-get"] for a in crumbs] == [c["url"] for c in context["crumbs"][:-1]]
    assert ["data-up" in a for a in crumbs] == [False, True]
    for label in (c["label"] for c in context["crumbs"]):
        assert label in parsed.text
    assert by_id["fb-search"]["value"] == search
    assert by_id["fb-search"]["placeholder"] == f"Search in sub{EVIL}"
    assert by_id["fb-q"]["value"] == EVIL
    search_form = {a["name"]: a["value"] for a in _inputs(parsed, "fb-search") if a.get("type") == "hidden"}
    assert search_form == {"c": context["connection"].pk, "prefix": context["prefix"], **(
        {"view": "grid"} if view == "grid" else {})}
    filter_form = {a["name"]: a["value"] for a in _inputs(parsed, "fb-filter") if a.get("type") == "hidden"}
    assert filter_form == {**search_form, "sort": "size", "dir": "desc", **({"search": search} if search else {})}
    views = [attrs for _, attrs in parsed.elements if "fb-view" in (attrs.get("class") or "").split()]
    assert [(a["href"], a["aria-pressed"]) for a in views] == [
        (f"/l?{EVIL}", str(view == "list").lower()), (f"/g?{EVIL}", str(view == "grid").lower())]
    partials = [attrs["data-partial"] for _, attrs in parsed.elements if "data-partial" in attrs]
    selection = _inputs(parsed, "fb-selection")
    if can_write:
        assert partials == ["folder_fields"]
        assert by_id["fb-selection"]["action"] == by_id["fb-selection"]["hx-post"] == f"/delete?{EVIL}"
        expected = [] if htmx else [("csrfmiddlewaretoken", f"token{EVIL}")]
        assert [(a["name"], a["value"]) for a in selection] == [
            *expected, ("c", context["connection"].pk), ("prefix", context["prefix"])]
    else:
        assert partials == [] and "fb-selection" not in by_id and "fb-delete" not in by_id
        badge = next(attrs for _, attrs in parsed.elements if attrs.get("class") == "badge")
        assert badge["title"] == f"Your role in ws {EVIL} is viewer: you can browse and download."


@pytest.mark.parametrize("view", ["list", "grid"])
@pytest.mark.parametrize("search", ["", f"find{EVIL}"])
def test_the_results_escape_every_value(view, search):
    context = _context(view=view, search=search, fragment_title="results")
    parsed = _Parsed(results_html(context, _partial))
    _safe(parsed)
    results = next(attrs for _, attrs in parsed.elements if attrs.get("id") == "fb-results")
    assert (results["data-view"], results["data-q"], results["data-search"], results["data-object"]) == (
        view, EVIL, search, f"in/{HOSTILE[0]}")
    assert results["class"].split() == ["fb-results", f"view-{view}", *(["is-search"] if search else [])]
    text = "".join(parsed.text)
    assert status_line(context) in text and f"title {EVIL} · omX" in text
    assert "".join(parsed.text).count(f"contains “{EVIL}”") == 1  # the no-match line: nothing loaded matches
    rows = [attrs["data-name"] for _, attrs in parsed.elements if "data-name" in attrs]
    assert rows == [r["name"] for r in context["rows"]]
    if view == "list":
        headers = {attrs["data-sort"]: attrs["href"] for tag, attrs in parsed.elements if "data-sort" in attrs
                   and tag == "a"}
        assert headers == context["sort_urls"]
        sorts = [attrs["aria-sort"] for tag, attrs in parsed.elements if tag == "th" and "aria-sort" in attrs]
        assert sorts == ["none", "descending", "none"]
        assert f"bucket{EVIL}/root{EVIL}/sub{EVIL}/" in text  # the caption names the place
    assert bool([a for _, a in parsed.elements if a.get("id") == "fb-stop-search"]) == bool(search)


@pytest.mark.parametrize("search", ["", f"find{EVIL}"])
@pytest.mark.parametrize("more", [True, False])
def test_an_empty_folder_or_search_says_so(search, more):
    context = _context(search=search, rows=[], more_url=f"/more?{EVIL}" if more else None)
    parsed = _Parsed(results_html(context, _partial))
    _safe(parsed)
    text = " ".join(parsed.text)
    if more:  # still loading, or searching further
        assert "fb-rows" in {attrs.get("id") for _, attrs in parsed.elements}
    elif search:
        assert f"No file in this folder or below has “{search}” in its name." in text
    else:
        assert "This folder is empty." in text and "Drop files here, or use Upload." in text


def test_a_problem_is_the_page_partial():
    problem = {"title": "T", "detail": "D", "retry": True}
    parsed = _Parsed(listing_html(_context(problem=problem), _partial))
    assert [a["data-partial"] for _, a in parsed.elements if "data-partial" in a] == ["folder_fields", "problem"]
    parsed = _Parsed(listing_html(_context(problem=problem, connection=False), _partial))
    assert [(tag, a.get("id") or a.get("data-partial")) for tag, a in parsed.elements] == [
        ("title", None), ("div", "fb-listing"), ("div", "fb-results"), ("i", "problem")]


@pytest.mark.parametrize(("is_admin", "required", "granted", "says"), [
    (True, True, False, "This workspace has no bucket granted yet"),
    (True, True, True, f"Link a bucket granted to ws {EVIL} (or a folder inside one)"),
    (True, False, False, "Link one of the service account's buckets (or a folder inside one)"),
    (False, True, False, f"An admin of ws {EVIL} can link a Cloud Storage bucket to this project."),
])
def test_a_project_with_no_bucket_says_who_can_link_one(is_admin, required, granted, says):
    asked = []

    def has_grants():
        asked.append(True)
        return granted

    context = _context(connection=False, is_admin=is_admin, grants_required=required, has_grants=has_grants)
    parsed = _Parsed(listing_html(context, _partial))
    _safe(parsed)
    assert says in " ".join(parsed.text)
    assert bool(asked) == (is_admin and required)  # the grants are read only where the words depend on them


def test_the_new_folder_popover_renders_a_blank_form_once_and_a_bound_one_each_time():
    from storage.forms import FolderForm
    from storage.listing_html import newfolder_html

    asked = []

    def fields(name):
        asked.append(name)
        form = context["folder_form"]
        return f'<i data-fields="{"bound" if form.is_bound else "blank"}"></i>'

    context = _context(folder_form=FolderForm(), folder_url=f"/folders?{EVIL}", htmx=False)
    first, second = newfolder_html(context, fields), newfolder_html(context, fields)
    assert first == second and len(asked) <= 1  # the blank fields may be remembered from an earlier page
    parsed = _Parsed(first)
    _safe(parsed)
    details = parsed.elements[0][1]
    assert details["id"] == "fb-newfolder" and "open" not in details
    form = next(attrs for tag, attrs in parsed.elements if tag == "form")
    assert form["action"] == form["hx-post"] == f"/folders?{EVIL}"
    assert [(a["name"], a["value"]) for t, a in parsed.elements if t == "input" and a["type"] == "hidden"] == [
        ("csrfmiddlewaretoken", f"token{EVIL}"), ("c", context["connection"].pk), ("prefix", context["prefix"])]
    assert f"{context['prefix']}name/" in "".join(parsed.text)
    asked.clear()
    context["folder_form"] = FolderForm(data={"name": " / "})
    assert not context["folder_form"].is_valid()
    for _ in range(2):
        parsed = _Parsed(newfolder_html(context, fields))
        assert "open" in parsed.elements[0][1]
        assert [a["data-fields"] for _, a in parsed.elements if "data-fields" in a] == ["bound"]
    assert asked == ["folder_fields", "folder_fields"]
