"""omx.routing.reverse and the {% url %} tag that uses it: the same answers as
Django's reverse, remembered only where that cannot go wrong."""

import uuid

import pytest
from django.template import Context, Engine, engines
from django.template.defaulttags import URLNode
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, set_script_prefix
from django.urls import reverse as django_reverse

from omx import routing

WID, PID = uuid.uuid4(), uuid.uuid4()
CASES = [
    ("home", (), {}),
    ("workspaces:list", (), {}),
    ("storage:delete", (), {"workspace": "acme-co", "project": "genomics"}),
    ("projects:detail", (), {"ref": "acme-co", "slug": "genomics"}),
    ("api:storage-jobs", (WID, PID), {}),
    ("api:storage-jobs", (str(WID), str(PID)), {}),
]


@pytest.fixture(autouse=True)
def _fresh_memo():
    routing._reverse.cache_clear()
    yield
    routing._reverse.cache_clear()


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES)
def test_the_same_url_as_django_first_and_second_time(name, args, kwargs):
    expected = django_reverse(name, args=args, kwargs=kwargs)
    assert routing.reverse(name, args=args, kwargs=kwargs) == expected
    hits = routing._reverse.cache_info().hits
    assert routing.reverse(name, args=list(args), kwargs=dict(kwargs)) == expected
    assert routing._reverse.cache_info().hits == hits + 1


def test_a_name_that_does_not_reverse_raises_each_time():
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            routing.reverse("storage:delete", kwargs={"workspace": "acme-co"})
    assert routing._reverse.cache_info().currsize == 0


def test_the_script_prefix_is_part_of_the_answer():
    plain = routing.reverse("workspaces:list")
    set_script_prefix("/omx/")
    try:
        assert routing.reverse("workspaces:list") == "/omx" + plain == django_reverse("workspaces:list")
    finally:
        clear_script_prefix()
    assert routing.reverse("workspaces:list") == plain


def test_values_without_a_stable_text_are_not_remembered():
    class Slug:
        def __init__(self, text):
            self.text = text

        def __str__(self):
            return self.text

    slug = Slug("acme-co")
    first = routing.reverse("workspaces:detail", args=[slug])
    slug.text = "other-co"
    assert routing.reverse("workspaces:detail", args=[slug]) == django_reverse("workspaces:detail", args=["other-co"])
    assert first == django_reverse("workspaces:detail", args=["acme-co"])
    assert routing._reverse.cache_info().currsize == 0


@override_settings(ROOT_URLCONF="omx.tests.urls_alt")
def test_a_new_url_configuration_forgets_the_old_answers():
    assert routing.reverse("alt-home") == "/elsewhere/"


def test_url_configuration_change_clears_the_memo():
    routing.reverse("workspaces:list")
    assert routing._reverse.cache_info().currsize == 1
    with override_settings(ROOT_URLCONF="omx.tests.urls_alt"):
        assert routing._reverse.cache_info().currsize == 0
        with pytest.raises(NoReverseMatch):
            routing.reverse("workspaces:list")


def test_the_url_tag_renders_as_djangos():
    source = ("{% url 'storage:delete' workspace=w project=p %}|{% url 'api:storage-jobs' wid pid %}|"
              "{% url 'workspaces:detail' slug %}|{% url 'nowhere' as missing %}[{{ missing }}]|"
              "{% url 'workspaces:detail' 'a&b' as there %}{{ there }}")
    context = {"w": "acme-co", "p": "genomics", "wid": WID, "pid": PID, "slug": "a<b"}
    template = engines["django"].from_string(source)
    assert type(template.template.nodelist[0]) is routing.CachedURLNode
    ours = template.render(context)
    djangos = Engine().from_string(source).render(Context(context))  # Django's own builtins only
    assert type(Engine().from_string(source).nodelist[0]) is URLNode
    assert ours == djangos
    assert f"/api/workspaces/{WID}/projects/{PID}/storage/jobs" in ours
    assert "a%3Cb" in ours and "[]" in ours
