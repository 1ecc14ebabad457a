"""Dependency order across kinds: what a signature, a default, a check or a SQL-standard body
names is created first and dropped last, whatever the phases (plan.order, Change.needs).

Names are chosen so that the order of names and the order of phases are both wrong; each SQL
runs through tests/roundtrip.py, whose backward SQL drops everything again in the right order.
"""
from __future__ import annotations

from schemacode import api, plan
from schemacode import changes as ch
from schemacode.model import Column, Function, Table

from .conftest import Database
from .roundtrip import round_trip

BASE = """
    CREATE TABLE customer (id int PRIMARY KEY, first text, last text);
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customer, total numeric);
"""


def test_functions_on_row_types_round_trip(db: Database) -> None:
    """PostgREST's computed columns and set-returning functions: signatures that name tables'
    and views' row types, argument defaults calling functions named later, a table whose
    default calls such a function, an index and views over them."""
    rt = round_trip(db, BASE + """
        CREATE FUNCTION full_name(c customer) RETURNS text LANGUAGE sql IMMUTABLE
            AS $$ SELECT c.first || ' ' || c.last $$;
        CREATE FUNCTION customer_orders(c customer) RETURNS SETOF orders LANGUAGE sql STABLE
            AS $$ SELECT * FROM orders WHERE customer_id = c.id $$;
        CREATE FUNCTION all_customers() RETURNS SETOF customer LANGUAGE sql AS $$ SELECT * FROM customer $$;
        CREATE FUNCTION z_prefix() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT '#' $$;
        CREATE FUNCTION a_label(o orders, prefix text DEFAULT z_prefix()) RETURNS text LANGUAGE sql
            AS $$ SELECT prefix || o.id $$;
        CREATE FUNCTION blank_customer() RETURNS customer LANGUAGE sql AS $$ SELECT NULL::customer $$;
        CREATE TABLE archive (id int, snapshot customer DEFAULT blank_customer());
        CREATE INDEX customer_full_name ON customer ((full_name(customer.*)));
        CREATE VIEW customer_names AS SELECT full_name(c) AS name FROM all_customers() c;
        CREATE FUNCTION named() RETURNS SETOF customer_names LANGUAGE sql AS $$ SELECT * FROM customer_names $$;
        CREATE VIEW b_named_count AS SELECT count(*) AS n FROM named();
    """, older=BASE)
    assert "snapshot: customer default public.blank_customer()" in rt.text, rt.text


def test_domains_over_domains_row_types_and_functions_round_trip(db: Database) -> None:
    """A domain over a domain declared after it, over a table's row type, with a check that
    calls a function whose body calls one named later; the tables, composite types and
    signatures that use them."""
    rt = round_trip(db, """
        CREATE TABLE z_point (x int, y int);
        CREATE FUNCTION z_normalize(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(t) $$;
        CREATE FUNCTION is_email(t text) RETURNS boolean LANGUAGE sql IMMUTABLE
            AS $$ SELECT z_normalize(t) LIKE '%@%' $$;
        CREATE DOMAIN z_nonempty AS text CHECK (VALUE <> '');
        CREATE DOMAIN a_code AS z_nonempty CHECK (length(VALUE) < 10);
        CREATE DOMAIN email AS text CONSTRAINT email_valid CHECK (is_email(VALUE));
        CREATE DOMAIN m_point AS z_point CHECK ((VALUE).x IS NOT NULL);
        CREATE TYPE a_pair AS (corner z_point, code a_code);
        CREATE TABLE a_shape (id int PRIMARY KEY, corner m_point, code a_code, contact email, pair a_pair);
        CREATE FUNCTION a_check(p m_point) RETURNS boolean LANGUAGE sql AS $$ SELECT (p).y > 0 $$;
    """, older="CREATE TABLE z_point (x int, y int);")
    assert "a_code: {type: z_nonempty, check: '(length((VALUE)::text) < 10)'}" in rt.text
    assert "m_point: {type: z_point, check: ((VALUE).x IS NOT NULL)}" in rt.text


def test_a_standard_body_reads_a_view_and_returns_a_row_type(db: Database) -> None:
    """SQL-standard bodies are parsed when created: after the views they read, the tables whose
    row types they return, and the standard bodies they call (named before them)."""
    round_trip(db, BASE + """
        CREATE VIEW z_big AS SELECT * FROM orders WHERE total > 100;
        CREATE FUNCTION z_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM z_big; END;
        CREATE FUNCTION a_twice() RETURNS bigint LANGUAGE sql RETURN z_count() * 2;
        CREATE FUNCTION a_first() RETURNS customer LANGUAGE sql BEGIN ATOMIC SELECT * FROM customer LIMIT 1; END;
    """)


def test_dropping_what_a_domain_and_a_function_need(db: Database) -> None:
    """Going from a schema with a domain whose check calls a function, and a function on a
    table's row type, to one without either: the domain goes before the function, the function
    before the table."""
    db.execute("""
        CREATE TABLE keep (id int);
        CREATE TABLE gone (id int);
        CREATE FUNCTION a_valid(t text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT t <> '' $$;
        CREATE DOMAIN z_checked AS text CHECK (a_valid(VALUE));
        CREATE FUNCTION z_of(g gone) RETURNS int LANGUAGE sql AS $$ SELECT g.id $$;
    """)
    loaded = db.load("tables:\n  keep:\n    columns: {id: integer}\n")
    result = api.plan(loaded, db.url).plan
    summaries = [c.summary() for c in result.changes]
    assert summaries.index("- domain public.z_checked") < summaries.index("- function public.a_valid(t text)")
    assert summaries.index("- function public.z_of(g public.gone)") < summaries.index("- table public.gone")
    api.apply(loaded, db.url, allow_destructive=True)
    assert api.plan(loaded, db.url).plan.is_empty


def _table(name: str, **columns: str) -> Table:
    return Table("public", name, {c: Column(c, t) for c, t in columns.items()}, {}, {}, {})


def _function(name: str, arguments: str, returns: str) -> Function:
    return Function("public", name, arguments, returns,
                    f"CREATE OR REPLACE FUNCTION public.{name}({arguments}) RETURNS {returns}\n"
                    " LANGUAGE sql\nAS $function$ SELECT NULL $function$")


def test_a_change_moved_runs_next_to_what_it_waits_for() -> None:
    """The rest keeps the phases' order; a circle of needs (found broadly, in the text) falls
    back to it rather than failing."""
    a, z = _table("a", id="integer"), _table("z", id="integer")
    on_z = ch.CreateFunction(_function("on_z", "r z", "integer"))
    plain = ch.CreateFunction(_function("plain", "", "integer"))
    ordered = plan.order([ch.CreateTable(z), on_z, ch.CreateTable(a), plain])
    assert [c.describe() for c in ordered] == [
        "function public.plain()", "table public.z", "function public.on_z(r z)", "table public.a"]
    circle = _table("c", v="text")
    uses = replace_default(circle, "v", "f_c(NULL::c)")
    f_c = ch.CreateFunction(_function("f_c", "x c", "text"))
    assert plan.order([ch.CreateTable(uses), f_c]) == [f_c, ch.CreateTable(uses)]


def replace_default(t: Table, column: str, default: str) -> Table:
    from dataclasses import replace

    return replace(t, columns={**t.columns, column: replace(t.columns[column], default=default)})


def test_a_domain_put_over_another_domain(db: Database) -> None:
    """A domain's base type changes to a domain declared after it: dropped, then created again
    after its new base."""
    db.execute("CREATE DOMAIN code AS text")
    loaded = db.load("domains:\n  code: z_base\n  z_base: {type: text, check: VALUE <> ''}\n")
    result = api.plan(loaded, db.url).plan
    assert [c.summary() for c in result.changes][:3] == [  # (then its grants, as they were)
        "- domain public.code", "+ domain public.z_base text", "+ domain public.code public.z_base"]
    api.apply(loaded, db.url)
    assert api.plan(loaded, db.url).plan.is_empty
