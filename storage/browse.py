"""Where the Files page is: the state its URL carries (connection, prefix,
search, filter, view, sort), resolved through the storage selectors, and the URLs
that change one part of it."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote_plus, urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404

from omx.ids import as_uuid
from omx.routing import reverse
from storage import selectors
from storage.problems import page_problem, problem
from storage.rules import SORTS, VIEWS
from storage.search import MAX_QUERY
from storage.validation import is_within


# What quote_plus leaves as it is (with "/" safe): most object names.
_PLAIN = re.compile(r"[A-Za-z0-9_.~/-]*")


def quote_value(value: str, safe: str = "") -> str:
    """quote_plus(value, safe), without its work for names that need none
    (a page of rows quotes two names a row)."""
    if _PLAIN.fullmatch(value):
        return value if "/" in safe else value.replace("/", "%2F")
    return quote_plus(value, safe=safe)


def project_kwargs(project) -> dict:
    return {"workspace": project.workspace.slug, "project": project.slug}


@dataclass
class Browse:
    """The state a browser URL carries: which connection, which prefix, whether
    it is searched below that prefix, and how the rows are filtered, viewed and
    sorted."""

    base: str
    connections: list
    connection: object = None
    prefix: str = ""
    q: str = ""
    search: str = ""
    view: str = "list"
    sort: str = "name"
    dir: str = "asc"
    problem: dict | None = None
    links: list | None = None  # the bucket's links (selectors.bucket_links), read with `connections`

    @property
    def bucket(self) -> str:
        return self.connection.bucket_name if self.connection else ""

    @property
    def root(self) -> str:
        return self.connection.prefix if self.connection else ""

    def params(self, **changes) -> dict:
        values = {
            "c": str(self.connection.pk) if self.connection else None,
            "prefix": self.prefix if self.connection and self.prefix != self.root else None,
            "search": self.search, "q": self.q, "view": self.view if self.view != "list" else None,
            "sort": self.sort if self.sort != "name" else None, "dir": self.dir if self.dir != "asc" else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}

    def url(self, **changes) -> str:
        params = self.params(**changes)
        if "prefix" in changes and changes["prefix"] == self.root:
            params.pop("prefix", None)
        query = urlencode(params, safe="/")
        return f"{self.base}?{query}" if query else self.base

    def url_each(self, key: str, **changes) -> Callable[[str], str]:
        """`lambda value: self.url(**changes, **{key: value})`, with the rest of
        the query encoded once: a page of rows asks for one URL per row."""
        items = list(self.params(**changes, **{key: "-"}).items())
        at = next(i for i, (k, _) in enumerate(items) if k == key)
        before, after = urlencode(items[:at], safe="/"), urlencode(items[at + 1:], safe="/")
        head = f"{self.base}?{before}&{key}=" if before else f"{self.base}?{key}="
        tail = f"&{after}" if after else ""

        def url(value: str) -> str:
            if not value or (key == "prefix" and value == self.root):
                return self.url(**changes, **{key: value})
            return f"{head}{quote_value(value, safe='/')}{tail}"

        return url


NOT_LINKED = problem("No such bucket link", "This bucket is not (or no longer) linked to the project.", 404)


def browse(project, params) -> Browse:
    """The state `params` (a QueryDict) ask for; what cannot be shown is the
    state's `problem`, never an exception."""
    base = reverse("storage:browser", kwargs=project_kwargs(project))
    connections = selectors.connection_objects(project=project)
    state = Browse(
        base=base, connections=connections,
        q=params.get("q", "")[:1024],
        search=params.get("search", "")[:MAX_QUERY],
        view=params.get("view") if params.get("view") in VIEWS else "list",
        sort=params.get("sort") if params.get("sort") in SORTS else "name",
        dir="desc" if params.get("dir") == "desc" else "asc",
    )
    with page_problem(title="Outside the linked folders", status=403, invalid=("Not a valid path", 400),
                      missing=NOT_LINKED) as caught:
        _locate(project, state, prefix=params.get("prefix"), bucket=params.get("bucket"), cid=params.get("c"))
    state.problem = caught.problem
    return state


def _locate(project, state: Browse, *, prefix, bucket, cid) -> None:
    connections = state.connections
    if cid:
        connection = next((c for c in connections if c.pk == as_uuid(cid)), None)
        if connection is None:
            raise Http404("No such connection.")
    elif bucket:
        candidates = [c for c in connections if c.bucket_name == bucket]
        if not candidates:
            raise PermissionDenied(selectors.NOT_LINKED)
        inside = [c for c in candidates if prefix is None or is_within(prefix, c.prefix)]
        connection = max(inside or candidates, key=lambda c: len(c.prefix))
    else:
        connection = connections[0] if connections else None
    if connection is None:
        return
    state.connection = connection
    state.prefix = connection.prefix
    state.links = selectors.bucket_links(connections=connections, bucket=connection.bucket_name)
    resolved = selectors.prefix_resolve(
        project=project, bucket=connection.bucket_name, prefix=connection.prefix if prefix is None else prefix,
        links=state.links,
    )
    if not is_within(resolved, connection.prefix):
        # Inside another link of the same bucket: show it under that one.
        state.connection = max(
            (c for c in connections if c.bucket_name == connection.bucket_name and is_within(resolved, c.prefix)),
            key=lambda c: len(c.prefix),
        )
    state.prefix = resolved


def crumbs(state: Browse) -> list[dict]:
    root = state.connection.prefix
    trail = [{"label": state.connection.root_label, "url": state.url(prefix=root, q="", search="")}]
    walked = root
    for segment in state.prefix[len(root):].rstrip("/").split("/") if state.prefix != root else []:
        walked += segment + "/"
        trail.append({"label": segment, "url": state.url(prefix=walked, q="", search="")})
    return trail
