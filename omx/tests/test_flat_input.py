"""FlatInputSerializer: DRF's validation, without a deep copy of the fields per instance."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from omx.api import FlatInputSerializer

FIELDS = {
    "bucket": lambda: serializers.CharField(min_length=3, max_length=10),
    "page_size": lambda: serializers.IntegerField(min_value=1, max_value=100, default=50),
    "kind": lambda: serializers.ChoiceField(choices=["a", "b"], required=False, allow_null=True),
    "media": lambda: serializers.RegexField(r"^\w+/\w+$", required=False, error_messages={"invalid": "Bad."}),
}
Flat = type("Flat", (FlatInputSerializer,), {name: make() for name, make in FIELDS.items()})
Deep = type("Deep", (serializers.Serializer,), {name: make() for name, make in FIELDS.items()})


@pytest.mark.parametrize("data", [
    {"bucket": "abcd"},
    {"bucket": "abcd", "page_size": "7", "kind": "b", "media": "text/plain"},
    {"bucket": "", "page_size": 0, "kind": "c", "media": "no"},
    {"bucket": "x" * 11, "page_size": "many", "kind": None},
    {},
])
def test_it_validates_as_drf_does(data):
    flat, deep = Flat(data=data), Deep(data=data)
    assert flat.is_valid() == deep.is_valid()
    assert flat.errors == deep.errors
    if not deep.errors:
        assert flat.validated_data == deep.validated_data


def test_each_instance_binds_copies_of_its_own():
    one, two = Flat(data={"bucket": "abcd"}), Flat(data={"bucket": "efgh"})
    assert one.fields["bucket"] is not two.fields["bucket"]
    assert one.fields["bucket"].parent is one and two.fields["bucket"].parent is two
    assert Flat._declared_fields["bucket"].parent is None  # the declared field stays unbound
    assert one.is_valid() and two.is_valid() and one.validated_data["bucket"] == "abcd"


@pytest.mark.parametrize("field", [
    lambda: serializers.ListField(child=serializers.CharField()),
    lambda: serializers.DictField(child=serializers.CharField()),
    lambda: Deep(),
])
def test_fields_holding_fields_are_refused(field):
    with pytest.raises(ImproperlyConfigured, match="plain fields only"):
        type("Nested", (FlatInputSerializer,), {"inner": field()})
