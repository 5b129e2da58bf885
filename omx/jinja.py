"""The Jinja2 environment of the few partials rendered by Jinja2 (settings.TEMPLATES)."""

from jinja2 import Environment, StrictUndefined


def environment(**options) -> Environment:
    # A missing value is a bug to see, not an empty string to ship; block tags
    # take their own line's whitespace with them, so the markup stays compact.
    return Environment(**{**options, "undefined": StrictUndefined, "trim_blocks": True, "lstrip_blocks": True})
