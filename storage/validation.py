"""Input rules for bucket names, object names and prefixes, checked before
any network call. Pure functions: they raise Django's ValidationError."""

import ipaddress
import re
from urllib.parse import unquote

from django.core.exceptions import ValidationError

MAX_OBJECT_NAME_BYTES = 1024
_BUCKET_CHARS = re.compile(r"^[a-z0-9][a-z0-9._-]*[a-z0-9]$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def bucket_name_validate(name: str, field: str = "bucket") -> str:
    """GCS bucket naming rules (cloud.google.com/storage/docs/buckets#naming)."""
    problem = None
    if not isinstance(name, str) or not name:
        problem = "A bucket name is required."
    elif not _BUCKET_CHARS.match(name):
        problem = ("Bucket names use lowercase letters, digits, '-', '_' and '.', "
                   "and start and end with a letter or digit.")
    elif len(name) < 3 or (len(name) > 63 and "." not in name) or len(name) > 222:
        problem = "Bucket names are 3 to 63 characters long (up to 222 with dots)."
    elif any(not 1 <= len(part) <= 63 for part in name.split(".")):
        problem = "Each dot-separated part of a bucket name is 1 to 63 characters long."
    elif name.startswith("goog") or "google" in name or "g00gle" in name:
        problem = "Bucket names cannot start with 'goog' or contain 'google'."
    elif ".." in name or ".-" in name or "-." in name:
        problem = "Bucket names cannot contain '..', '.-' or '-.'."
    else:
        try:
            ipaddress.ip_address(name)
            problem = "Bucket names cannot be IP addresses."
        except ValueError:
            pass
    if problem:
        raise ValidationError({field: [problem]})
    return name


def _segments_problem(value: str) -> str | None:
    if _CONTROL.search(value):
        return "Names cannot contain control characters (such as NUL, carriage return or line feed)."
    if value.startswith("/"):
        return "Names cannot start with '/'."
    decoded = unquote(value)
    for candidate in {value, decoded}:
        if any(seg in (".", "..") for seg in candidate.split("/")):
            return "Names cannot contain '.' or '..' path segments."
    if "\\" in value:
        return "Names cannot contain backslashes."
    return None


def object_name_validate(name: str, field: str = "object_name") -> str:
    """GCS object naming rules plus ours: 1–1024 bytes of UTF-8, no control
    characters, no '.' or '..' segment, no leading '/'."""
    if not isinstance(name, str) or not name:
        raise ValidationError({field: ["An object name is required."]})
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValidationError({field: ["Object names must be valid UTF-8."]}) from None
    if size > MAX_OBJECT_NAME_BYTES:
        raise ValidationError({field: [f"Object names are at most {MAX_OBJECT_NAME_BYTES} bytes of UTF-8."]})
    if problem := _segments_problem(name):
        raise ValidationError({field: [problem]})
    return name


def prefix_normalize(prefix: str | None, field: str = "prefix", *, strict: bool = True) -> str:
    """'' for the bucket root, else no leading '/' and exactly one trailing '/'.

    Linking a bucket is forgiving (strict=False: '/data' becomes 'data/');
    browsing is strict, so a leading '/' is an error there as in object names.
    """
    if prefix is None:
        return ""
    if not isinstance(prefix, str):
        raise ValidationError({field: ["A prefix is a string."]})
    if _CONTROL.search(prefix):
        raise ValidationError({field: ["Names cannot contain control characters (such as NUL, carriage return or line feed)."]})
    if strict and prefix.startswith("/"):
        raise ValidationError({field: ["Names cannot start with '/'."]})
    stripped = prefix.lstrip("/").rstrip("/")
    if not stripped:
        return ""
    if "//" in stripped:
        raise ValidationError({field: ["A prefix cannot contain empty segments ('//')."]})
    normalized = stripped + "/"
    if len(normalized.encode("utf-8")) > MAX_OBJECT_NAME_BYTES:
        raise ValidationError({field: [f"Prefixes are at most {MAX_OBJECT_NAME_BYTES} bytes of UTF-8."]})
    if problem := _segments_problem(normalized):
        raise ValidationError({field: [problem]})
    return normalized


def is_within(name: str, prefix: str) -> bool:
    """Segment-wise containment: prefix 'data/' admits 'data/x', not 'data-private/x'.

    Safe with a prefix that skipped normalisation ('data' or '/data/'): it
    still only admits what lies below the folder 'data/'.
    """
    prefix = prefix.strip("/")
    return prefix == "" or name.startswith(prefix + "/")
