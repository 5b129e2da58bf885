"""What every app's HTML forms share."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form's fields (or at the top)."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


# --- Rendering <input> widgets -------------------------------------------------

# Django's widget templates that are nothing but input.html (a test checks
# that they still are): the HTML below is what that template writes.
INPUT_TEMPLATES = frozenset(f"django/forms/widgets/{name}.html" for name in (
    "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number", "password", "search", "tel",
    "text", "time", "url"))


def _formatted(value) -> str:
    """`{{ value|stringformat:'s' }}` with autoescaping."""
    try:
        text = str(value)  # what "%s" makes of it (the filter turns a tuple into its str first)
    except (ValueError, TypeError):
        return ""
    return text if isinstance(value, SafeData) else escape(text)


def input_html(widget: dict) -> str:
    """django/forms/widgets/input.html (with attrs.html) for this widget context."""
    parts = [f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"']
    if widget["value"] != None:  # noqa: E711 (the template's own test)
        parts.append(f' value="{_formatted(widget["value"])}"')
    for name, value in widget["attrs"].items():
        if value is not False:
            parts.append(f" {conditional_escape(name)}" if value is True
                         else f' {conditional_escape(name)}="{_formatted(value)}"')
    parts.append(">")
    return "".join(parts)


class FormRenderer(DjangoTemplates):
    """Django's form renderer, but an <input> widget is written here rather than
    through three nested templates: about 110 µs a field, five fields on some
    pages (bench/README.md). Everything else renders as before."""

    def render(self, template_name, context, request=None):
        if template_name in INPUT_TEMPLATES:
            return input_html(context["widget"])
        return super().render(template_name, context, request)
