"""Name search (`storage/search`), on both backends: case-insensitive, at any
depth, each match on exactly one page even when a page stops mid-scan,
placeholders left out, and the usual containment, grants and validation."""

import pytest
from django.core import signing

from projects.models import Project
from storage.backends.search import _ASCII_EXTRA, _glob_char, fold, match_glob
from storage.models import BucketGrant
from workspaces.models import Membership, Role, Workspace

pytestmark = pytest.mark.django_db

NAMES = [
    "data/README.md",
    "data/a.png",
    "data/docs/",  # a folder placeholder
    "data/docs/readme-2.txt",
    "data/docs/deep/er/Report.PNG",
    "data/docs/zz.txt",
    "data/Ünïcode-Ärger.txt",
    "data/日本/写真.png",
    "data/x-re.bin",
    "data-private/readme.txt",
    "outside-readme.txt",
]


@pytest.fixture
def world(storage_backend, make_user, token_client):
    backend, bucket = storage_backend
    for name in NAMES:
        if name.endswith("/"):
            backend.create_folder(bucket=bucket, prefix=name)
        else:
            backend.upload_bytes(bucket=bucket, name=name, data=b"x", content_type="application/octet-stream")
    owner, viewer, outsider = (make_user(email=f"{who}@acme.test") for who in ("owner", "viewer", "outsider"))
    workspace = Workspace.objects.create(name="Acme", slug="acme")
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    Membership.objects.create(workspace=workspace, user=viewer, role=Role.VIEWER)
    project = Project.objects.create(workspace=workspace, name="Data", slug="data", created_by=owner)
    BucketGrant.objects.create(workspace=workspace, bucket_name=bucket)
    base = f"/api/workspaces/{workspace.id}/projects/{project.id}/storage"
    response = token_client(owner).post(f"{base}/connections", {"bucket_name": bucket, "prefix": "data/"},
                                        format="json")
    assert response.status_code == 201, response.content
    return {"bucket": bucket, "url": f"{base}/search", "viewer": token_client(viewer),
            "outsider": token_client(outsider), "workspace": workspace}


def search_all(client, url, **params):
    """Every page of a search: (names in page order, number of pages)."""
    names, pages, token = [], 0, None
    while True:
        response = client.get(url, {**params, **({"page_token": token} if token else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["bucket"] == params["bucket"] and body["q"] == params["q"]
        names += [o["name"] for o in body["objects"]]
        pages += 1
        token = body["next_page_token"]
        if token is None:
            return names, pages
        assert pages < 100


def utf8_sorted(names):
    return sorted(names, key=lambda n: n.encode())


def test_case_insensitive_at_any_depth_without_placeholders(world):
    client, url, bucket = world["viewer"], world["url"], world["bucket"]
    names, _ = search_all(client, url, bucket=bucket, q="re")
    assert names == utf8_sorted(["data/README.md", "data/docs/readme-2.txt", "data/docs/deep/er/Report.PNG",
                                 "data/x-re.bin"])
    body = client.get(url, {"bucket": bucket, "q": "PNG"}).json()
    assert body["prefix"] == "data/"
    assert [o["name"] for o in body["objects"]] == utf8_sorted(
        ["data/a.png", "data/docs/deep/er/Report.PNG", "data/日本/写真.png"])
    assert set(body["objects"][0]) == {"name", "size", "content_type", "updated", "md5_hash"}
    # "docs" is a folder: its placeholder is not a result, what lies in it is
    names, _ = search_all(client, url, bucket=bucket, q="docs/")
    assert names == ["data/docs/deep/er/Report.PNG", "data/docs/readme-2.txt", "data/docs/zz.txt"]
    # the prefix itself is not searched: "data" matches nothing after "data/"
    assert search_all(client, url, bucket=bucket, q="data")[0] == []


def test_non_ascii_names(world):
    client, url, bucket = world["viewer"], world["url"], world["bucket"]
    assert search_all(client, url, bucket=bucket, q="üNÏ")[0] == ["data/Ünïcode-Ärger.txt"]
    assert search_all(client, url, bucket=bucket, q="日本/写")[0] == ["data/日本/写真.png"]


def test_a_deeper_prefix_searches_below_it_only(world):
    names, _ = search_all(world["viewer"], world["url"], bucket=world["bucket"], prefix="data/docs/", q="E")
    assert names == ["data/docs/deep/er/Report.PNG", "data/docs/readme-2.txt"]


@pytest.mark.parametrize("scan_limit", [1, 2, 3, 5])
@pytest.mark.parametrize("page_size", [1, 2, 50])
def test_each_match_on_exactly_one_page_when_pages_stop_mid_scan(world, settings, scan_limit, page_size):
    settings.STORAGE_SEARCH_SCAN_LIMIT = scan_limit
    client, url, bucket = world["viewer"], world["url"], world["bucket"]
    names, pages = search_all(client, url, bucket=bucket, q=".", page_size=page_size)
    expected = utf8_sorted([n for n in NAMES if n.startswith("data/") and not n.endswith("/")])
    assert names == expected
    # the budget bounds every page: the tree (placeholders included) takes several
    assert pages >= -(-len(NAMES[:9]) // scan_limit)


def test_a_page_may_be_short_or_empty_and_still_go_on(world, settings):
    settings.STORAGE_SEARCH_SCAN_LIMIT = 1
    body = world["viewer"].get(world["url"], {"bucket": world["bucket"], "q": "zz"}).json()
    assert body["objects"] == [] and body["next_page_token"]


@pytest.mark.parametrize("params", [
    {"q": ""}, {"q": "x" * 201}, {}, {"q": "a", "page_size": 0}, {"q": "a", "page_size": 1001},
    {"q": "a", "prefix": "../"},
])
def test_invalid_input_is_400(world, params):
    response = world["viewer"].get(world["url"], {"bucket": world["bucket"], **params})
    assert response.status_code == 400, response.content


def test_200_characters_are_allowed(world):
    response = world["viewer"].get(world["url"], {"bucket": world["bucket"], "q": "é" * 200})
    assert response.status_code == 200 and response.json()["objects"] == []


def test_tampered_or_foreign_page_tokens_are_400(world, settings):
    settings.STORAGE_SEARCH_SCAN_LIMIT = 1
    client, url, bucket = world["viewer"], world["url"], world["bucket"]
    token = client.get(url, {"bucket": bucket, "q": "re"}).json()["next_page_token"]
    assert token
    forged = signing.dumps({"b": bucket, "p": "data/", "q": "re", "c": "zzz"}, salt="another salt")
    for bad, q in ((token[:-2] + "xx", "re"), ("not-a-token", "re"), (forged, "re"), (token, "other")):
        response = client.get(url, {"bucket": bucket, "q": q, "page_token": bad})
        assert response.status_code == 400 and "page_token" in response.json(), (bad, q)
    assert client.get(url, {"bucket": bucket, "q": "re", "page_token": token}).status_code == 200


def test_containment_and_access(world):
    client, url, bucket = world["viewer"], world["url"], world["bucket"]
    for prefix in ("", "data-private/", "other/"):
        assert client.get(url, {"bucket": bucket, "prefix": prefix, "q": "readme"}).status_code == 403, prefix
    assert client.get(url, {"bucket": "omx-not-linked-here", "q": "readme"}).status_code == 403
    assert world["outsider"].get(url, {"bucket": bucket, "q": "readme"}).status_code == 404
    BucketGrant.objects.filter(workspace=world["workspace"]).delete()
    refused = client.get(url, {"bucket": bucket, "q": "readme"})
    assert refused.status_code == 403 and refused.json()["code"] == "bucket_not_granted"


# --- the GCS glob never hides a match ------------------------------------------


def _glob_accepts(piece: str, ch: str) -> bool:
    return piece == "?" or piece == ch or (piece.startswith("[") and ch in piece[1:-1])


def test_the_glob_of_each_character_accepts_everything_folding_alike():
    import sys

    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        folded = fold(ch)
        if folded != ch and len(folded) == 1:
            assert _glob_accepts(_glob_char(folded), ch), hex(code)
            assert _glob_accepts(_glob_char(ch), ch), hex(code)
            if folded.isascii():
                assert ch in _ASCII_EXTRA.get(folded, "") or ch.isascii(), hex(code)


def test_glob_escapes_metacharacters_and_keeps_the_prefix():
    assert match_glob("a*b/", "Re[1]") == "a?b/**[rR][eE]?1?**"
