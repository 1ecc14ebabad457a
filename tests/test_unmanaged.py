"""What schemacode cannot express it never drops (nor what that depends on)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemacode import api
from schemacode.cli import main
from schemacode.errors import UnmanagedError
from schemacode.load import load_text

from .conftest import Database

BASE = """
CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance int,
                       doubled int GENERATED ALWAYS AS (balance * 2) VIRTUAL);
"""
# Each: SQL that builds something schema.yaml cannot declare (on top of BASE), and how it is named.
UNMANAGED = {
    "user mapping": ("CREATE EXTENSION IF NOT EXISTS postgres_fdw; CREATE SERVER um FOREIGN DATA WRAPPER postgres_fdw;"
                     "CREATE USER MAPPING FOR PUBLIC SERVER um OPTIONS (user 'app', password 'hunter2');",
                     "user mapping for PUBLIC on server um"),
    "ordered-set aggregate": ("CREATE FUNCTION pct_step(float8, float8) RETURNS float8 LANGUAGE sql IMMUTABLE "
                              "RETURN $1 + $2; CREATE AGGREGATE pct(float8 ORDER BY float8) (SFUNC = pct_step, "
                              "STYPE = float8, FINALFUNC_EXTRA);",
                              "ordered-set aggregate public.pct(double precision ORDER BY double precision)"),
    "internal function": ("CREATE FUNCTION my_abs(int) RETURNS int LANGUAGE internal IMMUTABLE AS 'int4abs';",
                          "function in language internal public.my_abs(integer)"),
    "foreign partition": ("CREATE EXTENSION IF NOT EXISTS postgres_fdw; CREATE SERVER parts FOREIGN DATA WRAPPER "
                          "postgres_fdw; CREATE TABLE events (id int, at date) PARTITION BY RANGE (at); "
                          "CREATE FOREIGN TABLE events_old PARTITION OF events FOR VALUES FROM ('2000-01-01') "
                          "TO ('2020-01-01') SERVER parts;", "foreign table public.events_old"),
    "operator": ("CREATE OPERATOR public.=== (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq);",
                 "operator public.===(integer, integer)"),
}
VIRTUAL = "virtual generated column public.accounts.doubled"


def base(db: Database) -> str:
    """BASE, whose virtual generated column (unmanaged) needs PostgreSQL 18: a plain one before."""
    return BASE if db.major >= 18 else BASE.replace(" GENERATED ALWAYS AS (balance * 2) VIRTUAL", "")


def test_pull_then_plan_touches_nothing_it_cannot_express(db: Database) -> None:
    db.execute(base(db) + "".join(sql for sql, _ in UNMANAGED.values()))
    pulled = api.pull(db.url)
    for _, name in UNMANAGED.values():
        assert f"#   {name}" in pulled.text, name
    assert "hunter2" not in pulled.text  # (a user mapping's options are never read)
    virtual = db.major >= 18
    assert (f"#   {VIRTUAL}" in pulled.text) == virtual
    loaded = load_text(pulled.text, "pulled.yaml")
    planned = api.plan(loaded, db.url).plan
    assert planned.is_empty, "\n".join(c.summary() for c in planned.changes)
    assert len(planned.unmanaged) >= len(UNMANAGED) + virtual

    path = db.write(pulled.text)
    r = CliRunner().invoke(main, ["plan", "--schema", str(path), "--database-url", db.url])
    assert r.exit_code == 0 and "schemacode does not manage are left as they are (--verbose" in r.stdout
    r = CliRunner().invoke(main, ["plan", "--schema", str(path), "--database-url", db.url, "-v"])
    assert "  ordered-set aggregate public.pct(double precision ORDER BY double precision) " \
           "(schema.yaml cannot declare ordered-set aggregates)" in r.stdout
    r = CliRunner().invoke(main, ["plan", "--schema", str(path), "--database-url", db.url,
                                  "--format", "json"])
    listed = json.loads(r.stdout)["unmanaged"]
    assert (f"{VIRTUAL} (schema.yaml cannot declare virtual generated columns)" in listed) == virtual


@pytest.mark.parametrize("kind", sorted(UNMANAGED))
def test_each_unmanaged_kind_is_left_alone(db: Database, kind: str) -> None:
    sql, name = UNMANAGED[kind]
    db.execute(base(db) + sql)
    loaded = load_text(api.pull(db.url).text, "pulled.yaml")
    planned = api.plan(loaded, db.url).plan
    assert planned.is_empty, "\n".join(c.summary() for c in planned.changes)
    assert any(u.startswith(name) for u in planned.unmanaged)
    assert api.apply(loaded, db.url).applied is False


def test_what_an_unmanaged_object_depends_on_is_not_dropped(db: Database) -> None:
    db.execute(base(db) + UNMANAGED["ordered-set aggregate"][0])
    text = api.pull(db.url).text
    step = text[text.index("  pct_step:"):text.index("tables:")]
    without_step = text.replace(step, "")
    assert without_step != text
    with pytest.raises(UnmanagedError) as e:
        api.plan(load_text(without_step), db.url)
    assert "- function public.pct_step(double precision, double precision): ordered-set aggregate public.pct(" \
           "double precision ORDER BY double precision) depends on function public.pct_step(double precision, " \
           "double precision)" in str(e.value)
    with pytest.raises(UnmanagedError):
        api.apply(load_text(without_step), db.url, allow_destructive=True)
    assert db.execute("SELECT count(*) FROM pg_proc WHERE proname = 'pct_step'") == [(1,)]
    r = CliRunner().invoke(main, ["plan", "--schema", str(db.write(without_step)), "--database-url", db.url])
    assert r.exit_code == 1 and "Traceback" not in r.output and "depends on" in r.stderr


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(kinds=st.sets(st.sampled_from(sorted(UNMANAGED)), min_size=1),
       extra_tables=st.integers(min_value=0, max_value=3))
def test_property_pull_then_plan_drops_nothing(pg_admin: str, tmp_path_factory: pytest.TempPathFactory,
                                               kinds: set[str], extra_tables: int) -> None:
    """For random databases holding objects the loader cannot express, pull then plan drops
    nothing (and changes nothing)."""
    import uuid

    import psycopg

    name = "u_" + uuid.uuid4().hex[:10]
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = Database(pg_admin, name, tmp_path_factory.mktemp("prop"))
    try:
        tables = "".join(f"CREATE TABLE t{i} (id serial PRIMARY KEY, ref int REFERENCES accounts, "
                         f"note text CHECK (note <> ''));" for i in range(extra_tables))
        db.execute(base(db) + tables + "".join(UNMANAGED[k][0] for k in sorted(kinds)))
        planned = api.plan(load_text(api.pull(db.url).text, "pulled.yaml"), db.url).plan
        assert not [c.summary() for c in planned.changes if c.symbol == "-"]
        assert planned.is_empty
    finally:
        with psycopg.connect(pg_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_plan_against_a_canonical_copy_keeps_the_live_databases_unmanaged_objects(db: Database) -> None:
    """When the live catalog is compared in its canonical form (a copy built in the scratch
    database, which holds none of the unmanaged objects), the pins and the count are the live
    database's."""
    from dataclasses import replace

    from schemacode.plan import make_plan

    db.execute(base(db) + UNMANAGED["ordered-set aggregate"][0])
    live = db.catalog()
    canonical = replace(live, unmanaged={})
    plan = make_plan(canonical, canonical, live=live)
    assert any(u.startswith("ordered-set aggregate public.pct(") for u in plan.unmanaged)
    without_step = replace(canonical, functions={k: f for k, f in canonical.functions.items() if f.name != "pct_step"})
    with pytest.raises(UnmanagedError):
        make_plan(canonical, without_step, live=live)
