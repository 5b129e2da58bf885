"""Rules the Files page shares between Python and its JavaScript.

Python is their one source: the page embeds `page_rules()` as JSON
(`{% browser_rules %}`) and the ES modules read it, so a sort key, a label
or the media-type pattern is never written twice.
"""

from storage.validation import MAX_OBJECT_NAME_BYTES

PAGE_SIZE = 100  # items per storage call on the Files page
MAX_NAMES = 1000  # names one request may act on (delete, upload pre-flight)
VIEWS = ("list", "grid")
SORTS = {"name": "name", "size": "size", "modified": "last modified"}  # key -> label
FIRST_DIR = {"name": "asc", "size": "desc", "modified": "desc"}  # a column's first click: A→Z, biggest, newest

# A media type: type/subtype, printable ASCII. It is signed into upload URLs
# and sent back by browsers as a header, so nothing else is accepted.
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
MEDIA_TYPE = rf"{_TOKEN}/{_TOKEN}"
# With optional parameters, as the upload-url API accepts it.
CONTENT_TYPE = (rf'^{MEDIA_TYPE}( ?; ?[A-Za-z0-9._-]+=("[\x20\x21\x23-\x5b\x5d-\x7e]*"|[A-Za-z0-9._-]+))*\Z')


def page_rules(*, scheme: str) -> dict:
    return {
        "scheme": scheme,
        "sorts": SORTS,
        "first_dir": FIRST_DIR,
        "views": list(VIEWS),
        "media_type": f"^{MEDIA_TYPE}$",
        "max_names": MAX_NAMES,
        "max_object_name_bytes": MAX_OBJECT_NAME_BYTES,
    }
