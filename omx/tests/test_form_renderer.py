"""omx.forms.FormRenderer writes <input> widgets itself: byte for byte what
Django's own renderer writes, for every kind of input and awkward values."""

from datetime import date, datetime, time
from pathlib import Path

import django
import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from omx.forms import INPUT_TEMPLATES, FormRenderer

WIDGETS = [forms.TextInput, forms.EmailInput, forms.PasswordInput, forms.NumberInput, forms.URLInput,
           forms.SearchInput, forms.TelInput, forms.HiddenInput, forms.ColorInput, forms.DateInput,
           forms.DateTimeInput, forms.TimeInput, forms.FileInput, forms.CheckboxInput]
VALUES = [None, "", "plain", 'a "quoted" <b>&amp;</b> \'x\'', mark_safe("<i>safe</i>"), 0, 12.5, 10**6,
          True, False, date(2026, 12, 1), datetime(2026, 12, 1, 9, 30), time(9, 30), ("a", "b"), ("one",)]
ATTRS = {"id": "f-1", "class": "a&b", "required": True, "disabled": False, "maxlength": 200,
         "data-x": '"><script>', "placeholder": mark_safe("&lt;name&gt;"), "step": 0.5, "tuple": ("p", "q")}


def test_the_templates_written_here_are_still_only_input_html():
    widgets = Path(django.__file__).parent / "forms" / "templates"
    for name in INPUT_TEMPLATES:
        assert (widgets / name).read_text().strip() == '{% include "django/forms/widgets/input.html" %}', name
    assert {widget.template_name for widget in WIDGETS} == INPUT_TEMPLATES


@pytest.mark.parametrize("widget_class", WIDGETS, ids=lambda w: w.__name__)
def test_every_input_widget_renders_as_django_renders_it(widget_class):
    ours, djangos = FormRenderer(), DjangoTemplates()
    for value in VALUES:
        for attrs in (None, ATTRS, {"value": "attr wins?", "type": "other"}):
            widget = widget_class(attrs=attrs)
            expected = widget.render("field<name>", value, attrs={"id": "id_x"}, renderer=djangos)
            assert widget.render("field<name>", value, attrs={"id": "id_x"}, renderer=ours) == expected, (
                widget_class.__name__, value, attrs)


def test_other_widgets_still_go_through_their_templates():
    field = forms.ChoiceField(choices=[("a", "A <1>"), ("b", "B")])
    expected = field.widget.render("pick", "b", renderer=DjangoTemplates())
    assert field.widget.render("pick", "b", renderer=FormRenderer()) == expected
    assert "<select" in expected and "A &lt;1&gt;" in expected


def test_forms_of_the_site_use_it():
    class Form(forms.Form):
        name = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"}))

    html = str(Form(data={"name": 'x"y'})["name"])
    assert html == ('<input type="text" name="name" value="x&quot;y" autocomplete="off" maxlength="20" required '
                    'id="id_name">')
    assert isinstance(Form().renderer, FormRenderer)
