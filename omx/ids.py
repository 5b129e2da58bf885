"""IDs arrive from URLs and request bodies as strings: one parser for all."""

import uuid


def as_uuid(value) -> uuid.UUID | None:
    """`value` as a UUID, or None when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None
