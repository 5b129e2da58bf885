"""Queries compiled once (omx.sqlcache): the same rows as the ORM gives, and
on PostgreSQL run as prepared statements, still logged and counted."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omx.sqlcache import CompiledQuery, PreparedInsert, statement_cursor
from projects.models import Project
from storage.models import AccessLogEntry
from workspaces.tests.factories import make_project, make_user, make_workspace

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")

_names = CompiledQuery(lambda workspace: Project.objects.filter(workspace=workspace).order_by("name").values("name"),
                       workspace=Project._meta.pk)


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def workspace():
    owner = make_user()
    workspace = make_workspace(owner)
    for name in ("Gamma", "Alpha", "Beta"):
        make_project(workspace, owner, name=name)
    return workspace


def test_rows_and_pages_match_the_orm(workspace):
    other = make_workspace(make_user(), name="Other")
    make_project(other, name="Elsewhere")
    expected = list(Project.objects.filter(workspace=workspace).order_by("name").values("name"))
    for _ in range(8):  # past the prepare threshold on PostgreSQL: the answers stay the same
        assert _names.rows(workspace=workspace.pk) == expected
        assert _names.rows(workspace=workspace.pk, offset=1, limit=1) == expected[1:2]
    assert _names.rows(workspace=other.pk) == [{"name": "Elsewhere"}]


def test_each_run_is_one_logged_query(workspace):
    with CaptureQueriesContext(connection) as queries:
        for _ in range(7):
            _names.rows(workspace=workspace.pk)
    assert len(queries) == 7
    assert all('"projects_project"' in q["sql"] for q in queries.captured_queries)


@on_postgres
def test_postgres_prepares_a_statement_run_again_and_again(workspace):
    for _ in range(6):
        _names.rows(workspace=workspace.pk)
    assert any('"projects_project"."name"' in sql and "$1" in sql for sql in _prepared_statements())


@on_postgres
@pytest.mark.django_db(transaction=True)  # a connection closed in the middle: no test transaction around it
def test_a_new_connection_prepares_anew(workspace):
    for _ in range(6):
        _names.rows(workspace=workspace.pk)
    connection.close()  # as after a restart of the database: the old statements are gone with it
    for _ in range(6):
        assert [r["name"] for r in _names.rows(workspace=workspace.pk)] == ["Alpha", "Beta", "Gamma"]
    assert any('"projects_project"."name"' in sql for sql in _prepared_statements())


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_without_a_prepare_threshold_nothing_is_prepared(workspace, monkeypatch):
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {**connection.settings_dict["OPTIONS"],
                                                              "prepare_threshold": None})
    try:
        for _ in range(8):
            assert len(_names.rows(workspace=workspace.pk)) == 3
        assert _prepared_statements() == []
    finally:
        connection.close()  # the next test connects with the usual options


def test_statement_cursor_is_the_usual_cursor_off_postgres(workspace):
    with statement_cursor(connection) as cursor:
        cursor.execute("SELECT COUNT(*) FROM projects_project WHERE workspace_id = %s",
                       [Project._meta.pk.get_db_prep_value(workspace.pk, connection, prepared=False)])
        assert cursor.fetchone()[0] == 3


def test_prepared_insert_writes_what_save_would(workspace):
    project = workspace.projects.first()
    insert = PreparedInsert(AccessLogEntry)
    for i in range(7):
        insert.insert(project_id=project.pk, actor_id=None, via="api", action="upload_url", bucket="b",
                      object_name=f"n{i}", share=None, client_ip="192.0.2.7" if i % 2 else None)
    rows = list(AccessLogEntry.objects.filter(project=project).order_by("object_name")
                .values_list("object_name", "client_ip", "actor_id"))
    assert rows == [(f"n{i}", "192.0.2.7" if i % 2 else None, None) for i in range(7)]
    assert all(entry.at is not None for entry in AccessLogEntry.objects.filter(project=project))
