"""The listing's rows are built once per page rather than per row through
template filters and urlencode (bench/README.md): they must read exactly
as those would."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from storage.browse import Browse
from storage.presenters import RowText


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
