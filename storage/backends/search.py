"""What both backends share for searching names: the match rule, the GCS
`matchGlob` that narrows a listing without ever hiding a match, and the page
a search answers.

A name matches when the text after the listed prefix contains `q`, each
character compared through `fold` (its lower case, when that is one
character). Folding character by character keeps the rule expressible as a
glob: each character of `q` becomes a class holding every character that
folds to the same thing (or `?`, any one character, where that class is
long).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from storage.backends.base import ObjectInfo

# Characters with a meaning in GCS globs. A literal one becomes `?` (any one
# character but "/"): wider than needed, and the exact filter narrows it.
_GLOB_META = set("*?[]{},\\!^-")


@dataclass(frozen=True)
class SearchPage:
    objects: list[ObjectInfo]
    cursor: str | None  # where the scan stopped (backend-specific), None when it is done


def fold(text: str) -> str:
    return "".join(_fold_char(ch) for ch in text)


@functools.cache
def _fold_char(ch: str) -> str:
    lower = ch.lower()
    return lower if len(lower) == 1 else ch


def name_matches(rest: str, folded_q: str) -> bool:
    """Whether `rest` (a name after the prefix) contains the folded query."""
    return folded_q in fold(rest)


# Characters outside ASCII that fold to an ASCII letter (the Kelvin sign);
# test_search checks this table against every code point.
_ASCII_EXTRA = {"k": "\u212a"}


def _glob_char(ch: str) -> str:
    if ch in _GLOB_META:
        return "?"
    if ch.isascii():
        if not ch.isalpha():
            return ch
        return "[" + ch.lower() + ch.upper() + _ASCII_EXTRA.get(ch.lower(), "") + "]"
    if ch.lower() == ch and ch.upper() == ch:
        return ch  # no case: only itself folds to it
    return "?"  # a cased letter outside ASCII: any one character, the filter decides


def match_glob(prefix: str, q: str) -> str:
    """A GCS glob matching every name under `prefix` whose rest contains `q`
    (and possibly more: callers still filter with `name_matches`)."""
    literal_prefix = "".join("?" if ch in _GLOB_META else ch for ch in prefix)
    return f"{literal_prefix}**{''.join(_glob_char(ch) for ch in q)}**"
