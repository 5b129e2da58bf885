"""Names and slugs of workspaces and projects: the same rules for both."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from omx.exceptions import Conflict
from omx.ids import as_uuid

NAME_MAX = 100
DESCRIPTION_MAX = 2000


def clean_name_and_description(*, name=None, description=None) -> dict:
    """Validate the `name` (1–100) and `description` (≤ 2000) every
    workspace and project shares; None means "not given"."""
    errors, cleaned = {}, {}
    if name is not None:
        name = str(name).strip()
        if not name:
            errors["name"] = ["This field may not be blank."]
        elif len(name) > NAME_MAX:
            errors["name"] = [f"Ensure this field has no more than {NAME_MAX} characters."]
        cleaned["name"] = name
    if description is not None:
        description = str(description).strip()
        if len(description) > DESCRIPTION_MAX:
            errors["description"] = [f"Ensure this field has no more than {DESCRIPTION_MAX} characters."]
        cleaned["description"] = description
    if errors:
        raise ValidationError(errors)
    return cleaned


def slug_base(name: str, *, fallback: str, max_length: int = 100) -> str:
    base = slugify(name)[:max_length].strip("-") or fallback
    # Pages accept a slug or an id in the same place: a slug never looks like an id.
    if as_uuid(base) is not None:
        base = f"{fallback[0]}-{base}"
    return base


def create_with_unique_slug(*, queryset, name: str, fallback: str, create, attempts: int = 8):
    """Create an object whose slug is derived from `name`, numbered on collision
    (`acme`, `acme-2`, `acme-3`, ...) among `queryset`'s slugs.

    Two concurrent creations may pick the same free slug; the unique constraint
    refuses the second, which retries with a fresh look (inside a savepoint, so
    the caller's transaction survives).
    """
    base = slug_base(name, fallback=fallback)
    for _ in range(attempts):
        taken = set(
            queryset.filter(slug__startswith=base).values_list("slug", flat=True)
        )
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        try:
            with transaction.atomic():
                return create(slug)
        except IntegrityError:
            if not queryset.filter(slug=slug).exists():
                raise  # another constraint: not ours to retry
    raise Conflict("Could not allocate a unique address for this name; try again.", "slug_conflict")
