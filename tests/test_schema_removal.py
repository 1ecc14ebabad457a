"""Schemas schema.yaml stops declaring: dropped with what they hold where the last apply's
schema.yaml declared them (schemacode managed them), left alone and listed where none did."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from schemacode import api
from schemacode.apply import RefusedError
from schemacode.cli import main
from schemacode.errors import UnmanagedError

from .conftest import Database
from .roundtrip import pg_dump

BOTH = """
tables:
  app.accounts: {columns: {id: int primary key}}
  legacy.orders: {columns: {id: serial primary key, account: {type: int, references: app.accounts}}}
sequences:
  legacy.numbers: {}
views:
  legacy.recent: SELECT id FROM legacy.orders
"""
APP_ONLY = "tables:\n  app.accounts: {columns: {id: int primary key}}\n"


def test_a_schema_the_last_apply_declared_is_dropped_with_what_it_holds(db: Database) -> None:
    db.execute("CREATE SCHEMA handmade; CREATE TABLE handmade.notes (id int)")
    api.apply(db.load(BOTH), db.url)
    before = pg_dump(db)
    plan = api.plan(db.load(APP_ONLY), db.url).plan
    assert [c.summary() for c in plan.changes] == [
        "- view legacy.recent", "- table legacy.orders", "- sequence legacy.numbers", "- schema legacy"]
    drop = plan.forward[-1]
    assert drop.sql == "DROP SCHEMA legacy" and drop.hazard_kinds() == {"data-loss"}
    assert "schema handmade (no applied schema.yaml declared it: left alone)" in plan.unmanaged
    with pytest.raises(RefusedError):
        api.apply(db.load(APP_ONLY), db.url)
    api.apply(db.load(APP_ONLY), db.url, allow_destructive=True)
    assert db.execute("SELECT nspname FROM pg_namespace WHERE nspname IN ('app', 'legacy', 'handmade') "
                      "ORDER BY 1") == [("app",), ("handmade",)]
    assert api.plan(db.load(APP_ONLY), db.url).plan.is_empty
    db.run_script(plan.backward)
    assert pg_dump(db) == before


def test_a_schema_no_apply_declared_is_left_alone_and_listed(db: Database) -> None:
    db.execute("CREATE SCHEMA legacy; CREATE TABLE legacy.orders (id int)")
    api.apply(db.load(APP_ONLY), db.url)
    path = db.write(APP_ONLY)
    r = CliRunner().invoke(main, ["plan", "--schema", str(path), "--database-url", db.url, "--verbose"])
    assert r.exit_code == 0 and "No changes." in r.stdout
    assert "  schema legacy (no applied schema.yaml declared it: left alone)" in r.stdout


def test_after_a_rollback_the_apply_before_it_says_what_is_managed(db: Database) -> None:
    api.apply(db.load(APP_ONLY), db.url)
    api.apply(db.load(BOTH), db.url)  # legacy created, and managed
    api.rollback(db.load(BOTH), db.url, allow_destructive=True)  # legacy gone again
    db.execute("CREATE SCHEMA legacy")  # by hand: the apply that declared it was rolled back
    assert api.plan(db.load(APP_ONLY), db.url).plan.is_empty


def test_a_schema_holding_what_schemacode_does_not_manage_is_not_dropped(db: Database) -> None:
    api.apply(db.load(BOTH), db.url)
    db.execute("CREATE FUNCTION legacy.same(a int, b int) RETURNS boolean LANGUAGE sql AS 'SELECT a = b';"
               "CREATE OPERATOR legacy.=== (LEFTARG = int, RIGHTARG = int, FUNCTION = legacy.same)")
    with pytest.raises(UnmanagedError) as e:
        api.plan(db.load(APP_ONLY), db.url)
    assert "- schema legacy: it holds operator legacy.===(integer, integer)" in str(e.value)


def test_a_role_that_may_not_read_the_history_plans_as_if_none_was_recorded(db: Database) -> None:
    """A read-only role checking for drift: nothing it cannot see is dropped, nothing fails."""
    from psycopg.conninfo import make_conninfo

    api.apply(db.load(BOTH), db.url)
    role = f"reader_{db.name}"
    db.execute(f"CREATE ROLE {role} LOGIN")
    # (the desired schema built as the server's owner: on a target of another major than the
    # embedded server's it is built on the target's server, where the reader may not create
    # the temporary database: --dev-url, as docs/deploying.md says)
    plan = api.plan(db.load(APP_ONLY), make_conninfo(db.url, user=role), dev_url=db.admin).plan
    assert plan.is_empty and "schema legacy (no applied schema.yaml declared it: left alone)" in plan.unmanaged
