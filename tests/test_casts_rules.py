"""Casts (CREATE CAST), rules (CREATE RULE) and a view's INSTEAD OF triggers: pulled from a
database nobody wrote for schemacode, planned both ways, in the order what they use needs."""
from __future__ import annotations

import psycopg
import pytest

from schemacode import api
from schemacode.errors import SchemaError
from schemacode.load import load_text
from schemacode.locks import lock_of

from .acceptance import Case, run_case
from .conftest import Database
from .roundtrip import round_trip
from .test_locks import _held

SOURCE = """
CREATE TYPE money2 AS (amount numeric, currency text);
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE FUNCTION money2_of(numeric) RETURNS money2 LANGUAGE sql IMMUTABLE
    AS $$ SELECT ROW($1, 'EUR')::money2 $$;
CREATE FUNCTION amount_of(money2) RETURNS numeric LANGUAGE sql IMMUTABLE RETURN ($1).amount;
CREATE CAST (numeric AS money2) WITH FUNCTION money2_of(numeric) AS ASSIGNMENT;
CREATE CAST (money2 AS numeric) WITH FUNCTION amount_of(money2) AS IMPLICIT;
CREATE CAST (text AS floatrange) WITH INOUT;
COMMENT ON CAST (numeric AS money2) IS 'in euros';

CREATE TABLE items (id serial PRIMARY KEY, status varchar(20), price numeric, "Note" text);
CREATE TABLE item_log (id int, at timestamptz DEFAULT now(), what text);
CREATE RULE items_keep AS ON DELETE TO items DO INSTEAD NOTHING;
CREATE RULE items_log AS ON UPDATE TO items
    WHERE old.status IS DISTINCT FROM new.status AND new.status IN ('open', 'closed')
    DO ALSO (INSERT INTO item_log (id, what) VALUES (new.id, new.status);
             INSERT INTO item_log (id, what) VALUES (old.id, 'was; ' || old.status));
CREATE RULE "Items Notify" AS ON INSERT TO items DO ALSO NOTIFY items_changed;
ALTER TABLE items DISABLE RULE items_keep;
ALTER TABLE items ENABLE REPLICA RULE "Items Notify";
COMMENT ON RULE items_log ON items IS 'audit trail';

CREATE VIEW open_items AS SELECT id, status, price::money2 AS price FROM items WHERE status IN ('open', 'new');
CREATE RULE open_items_insert AS ON INSERT TO open_items
    DO INSTEAD INSERT INTO items (status) VALUES (new.status) RETURNING items.id, items.status, items.price::money2;
CREATE FUNCTION open_items_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE items SET status = NEW.status WHERE id = OLD.id; RETURN NEW; END $$;
CREATE TRIGGER open_items_update INSTEAD OF UPDATE ON open_items FOR EACH ROW EXECUTE FUNCTION open_items_update();
COMMENT ON TRIGGER open_items_update ON open_items IS 'updates go to items';
"""


def test_casts_rules_and_instead_of_triggers_round_trip(db: Database) -> None:
    rt = round_trip(db, SOURCE, older="CREATE TABLE items (id int, status text);")
    assert "numeric AS money2: {function: money2_of(numeric), context: assignment, comment: in euros}" in rt.text
    assert "money2 AS numeric: {function: amount_of(money2), context: implicit}" in rt.text
    assert "text AS floatrange: {inout: true}" in rt.text
    assert "    rules:\n      Items Notify:\n        event: insert\n        do: NOTIFY items_changed\n" \
           "        enabled: replica\n" in rt.text
    assert "        enabled: false\n" in rt.text  # items_keep
    assert "open_items_update: {instead_of: update, execute: open_items_update, comment: updates go to items}" in rt.text
    assert "#   rule" not in rt.text  # nothing left out
    # the rules work as declared on the database built from schema.yaml
    rt.source.execute("INSERT INTO open_items (status) VALUES ('new'); UPDATE items SET status = 'open'")
    assert rt.source.execute("SELECT what FROM item_log ORDER BY what") == [("open",), ("was; new",)]


RULES = """
tables:
  items:
    columns:
      id: serial primary key
      status: varchar(20)
  item_log:
    columns:
      id: int
      what: text
"""
LOG_RULE = """    rules:
      items_log:
        event: update
        where: NEW.status <> OLD.status
        do: INSERT INTO item_log (id, what) VALUES (NEW.id, NEW.status)
"""
WITH_RULE = RULES.replace("      status: varchar(20)\n", "      status: varchar(20)\n" + LOG_RULE)
VIEW = """views:
  open_items:
    query: SELECT id, status FROM items WHERE status = 'open'
    rules:
      open_items_insert: {event: insert, instead: true, do: "INSERT INTO items (status) VALUES (NEW.status)"}
"""

CASES = [
    Case("a rule added", RULES, WITH_RULE, expect_summary=("+ rule items_log on public.items",),
         no_hazards=frozenset({"data-loss"})),
    Case("a rule's action changes: replaced in place", WITH_RULE,
         WITH_RULE.replace("VALUES (NEW.id, NEW.status)", "VALUES (NEW.id, 'now ' || NEW.status)"),
         expect_summary=("~ rule items_log on public.items",)),
    Case("a rule disabled, commented", WITH_RULE,
         WITH_RULE.replace("        where: NEW.status", "        enabled: false\n        comment: audit\n"
                           "        where: NEW.status"),
         expect_summary=("rule items_log on public.items disabled", "comment on rule items_log")),
    Case("a rule dropped", WITH_RULE, RULES, expect_summary=("- rule items_log on public.items",)),
    Case("a column the rule writes is retyped: the rule goes and comes back around it", WITH_RULE,
         WITH_RULE.replace("      what: text", "      what: varchar(200)"),
         expect_summary=("- rule items_log on public.items", "+ rule items_log on public.items")),
    Case("a view made again takes its rule along", RULES + VIEW,
         RULES.replace("      status: varchar(20)", "      status: varchar(40)") + VIEW,
         expect_summary=("~ view public.open_items re-added (column public.items.status retyped)",
                         "+ rule open_items_insert on public.open_items")),
    Case("a table its rule writes is dropped: the rule goes first", WITH_RULE.replace(
        "      items_log:", "      items_keep: {event: delete, instead: true, do: nothing}\n      items_log:"),
         RULES.replace("  item_log:\n    columns:\n      id: int\n      what: text\n", "").replace(
             "      status: varchar(20)\n", "      status: varchar(20)\n    rules:\n"
             "      items_keep: {event: delete, instead: true, do: nothing}\n"),
         hazards=frozenset({"data-loss"}), expect_summary=("- rule items_log on public.items", "- table public.item_log")),
]

TRIGGERED_VIEW = """
functions:
  open_items_update:
    returns: trigger
    body: BEGIN UPDATE items SET status = NEW.status WHERE id = OLD.id; RETURN NEW; END;
""" + RULES + VIEW + """    triggers:
      open_items_update: {instead_of: update, execute: open_items_update, comment: to items}
"""
CASES += [
    Case("a view made again keeps its INSTEAD OF trigger, its rule and their comments", TRIGGERED_VIEW,
         TRIGGERED_VIEW.replace("      status: varchar(20)", "      status: text"),
         expect_summary=("~ view public.open_items re-added (column public.items.status retyped)",
                         "+ trigger open_items_update on public.open_items",
                         "+ rule open_items_insert on public.open_items"),
         check="SELECT count(*) = 1 FROM pg_trigger t JOIN pg_description d ON d.objoid = t.oid "
               "WHERE t.tgname = 'open_items_update' AND d.description = 'to items'"),
    Case("a table renamed keeps its rule", WITH_RULE,
         WITH_RULE.replace("  items:\n", "  stock:\n    renamed_from: items\n"),
         expect_summary=("→ table public.items → public.stock",), no_hazards=frozenset({"data-loss"})),
]


def test_a_renamed_table_keeps_its_rules_as_they_are(db: Database) -> None:
    api.apply(load_text(WITH_RULE), db.url)
    planned = api.plan(load_text(WITH_RULE.replace("  items:\n", "  stock:\n    renamed_from: items\n")), db.url).plan
    assert not [c for c in planned.changes if "rule" in c.summary()]

CASTS = """
types:
  money2:
    attributes: {amount: numeric, currency: text}
  floatrange: {range: double precision}
functions:
  money2_of:
    arguments: n numeric
    returns: money2
    language: sql
    volatility: immutable
    sql_body: RETURN ROW(n, 'EUR')::money2
casts:
  numeric AS money2: {function: money2_of(numeric), context: assignment}
  text AS floatrange: {inout: true}
"""
CASES += [
    Case("casts added", "tables:\n  t:\n    columns: {a: int}\n", CASTS,
         expect_summary=("+ cast (numeric AS public.money2)", "+ cast (text AS public.floatrange)")),
    Case("a cast's context changes: made again", CASTS, CASTS.replace("context: assignment", "context: implicit"),
         expect_summary=("- cast (numeric AS public.money2)", "+ cast (numeric AS public.money2)")),
    Case("a cast commented, then dropped", CASTS, CASTS.replace("  text AS floatrange: {inout: true}\n", "").replace(
        "context: assignment}", "context: assignment, comment: euros}"),
         expect_summary=("- cast (text AS public.floatrange)", "comment on cast (numeric AS public.money2)")),
    Case("a range type made again takes its cast along", CASTS,
         CASTS.replace("floatrange: {range: double precision}", "floatrange: {range: double precision, subtype_diff: float8mi}"),
         expect_summary=("- cast (text AS public.floatrange)", "+ cast (text AS public.floatrange)")),
    Case("a cast uses a function created in the same plan, in a SQL-standard body that reads a table",
         "tables:\n  rates:\n    columns: {currency: text, rate: numeric}\n",
         CASTS.replace("sql_body: RETURN ROW(n, 'EUR')::money2",
                       "sql_body: RETURN ROW(n * (SELECT rate FROM rates LIMIT 1), 'EUR')::money2")
         + "tables:\n  rates:\n    columns: {currency: text, rate: numeric}\n",
         expect_summary=("+ cast (numeric AS public.money2)",)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_and_cast_case(db: Database, case: Case) -> None:
    run_case(db, case)


def test_a_rule_reading_a_column_dropped_elsewhere_goes_and_comes_back(db: Database) -> None:
    """The rule is on item_log and reads items.status: retyping it (PostgreSQL refuses while a
    rule reads it) takes the rule down and back, in one transaction."""
    text = RULES + """  archive:
    columns:
      id: int
    rules:
      copy_status:
        event: insert
        do: UPDATE items SET status = 'archived' WHERE items.id = NEW.id AND items.status <> 'x'
"""
    api.apply(load_text(text), db.url)
    planned = api.plan(load_text(text.replace("varchar(20)", "varchar(30)")), db.url).plan
    summary = [c.summary() for c in planned.changes]
    assert "- rule copy_status on public.archive" in summary and "+ rule copy_status on public.archive" in summary
    api.apply(load_text(text.replace("varchar(20)", "varchar(30)")), db.url)
    assert api.plan(load_text(text.replace("varchar(20)", "varchar(30)")), db.url).plan.is_empty


@pytest.mark.parametrize("text,error", [
    ("tables:\n  t:\n    columns: {a: int}\n    rules:\n      r: {do: nothing}\n", "needs event:"),
    ("tables:\n  t:\n    columns: {a: int}\n    rules:\n      r: {event: select, do: nothing}\n",
     "insert, update or delete"),
    ("tables:\n  t:\n    columns: {a: int}\n    rules:\n      r: {event: insert, where: a > 0, do: nothing}\n",
     "reads NEW and OLD only"),
    ("tables:\n  t:\n    columns: {a: int}\n    rules:\n      r: {event: insert, where: NEW.b > 0, do: nothing}\n",
     "column 'b' does not exist"),
    ("tables:\n  t:\n    columns: {a: int}\n    rules:\n      r: {event: insert, do: DROP TABLE t}\n",
     "one SELECT, INSERT, UPDATE, DELETE or NOTIFY"),
    ("tables:\n  t:\n    columns: {a: int}\n    rules:\n      r: {event: insert, do: 'INSERT INTO t VALUS (1'}\n",
     "does not parse"),
    ("tables:\n  t:\n    columns: {a: int}\n    rules:\n      r: {event: insert, do: nothing, enabled: sometimes}\n",
     "true, false, replica or always"),
    ("tables:\n  t:\n    columns: {a: int}\nviews:\n  v:\n    query: SELECT a FROM t\n    rules:\n"
     "      r: {event: insert, do: nothing, enabled: false}\n", "a view's rules always fire"),
    ("functions:\n  f: {returns: trigger, body: BEGIN RETURN NEW; END;}\ntables:\n  t:\n    columns: {a: int}\n"
     "views:\n  v:\n    query: SELECT a FROM t\n    triggers:\n"
     "      g: {instead_of: insert, execute: f, enabled: false}\n", "INSTEAD OF triggers always fire"),
    ("casts:\n  text: {inout: true}\n", "keyed source AS target"),
    ("casts:\n  text AS int: {inout: true, binary: true}\n", "needs one of function"),
    ("casts:\n  text AS int: {inout: true, context: sometimes}\n", "explicit, assignment or implicit"),
])
def test_bad_rules_and_casts_are_located(text: str, error: str) -> None:
    with pytest.raises(SchemaError) as e:
        load_text(text)
    assert error in e.value.message and e.value.line is not None


def test_a_rule_that_postgres_refuses_points_at_its_line(db: Database) -> None:
    text = RULES + """    rules:
      bad:
        event: insert
        where: NEW.id > 0
        do: NOTIFY items_changed
"""
    with pytest.raises(SchemaError) as e:
        api.plan(load_text(text), db.url)
    assert e.value.line == text.splitlines().index("      bad:") + 1
    assert "rules with WHERE conditions" in e.value.message


@pytest.mark.parametrize("sql,level", [
    ("CREATE RULE r AS ON INSERT TO public.items DO ALSO INSERT INTO public.item_log (id) VALUES (new.id)",
     "ACCESS EXCLUSIVE"),
    ("CREATE OR REPLACE RULE keep AS ON DELETE TO public.items DO INSTEAD NOTHING", "ACCESS EXCLUSIVE"),
    ("DROP RULE keep ON public.items", "ACCESS EXCLUSIVE"),
    ("ALTER TABLE public.items DISABLE RULE keep", "ACCESS EXCLUSIVE"),
    ("COMMENT ON RULE keep ON public.items IS 'x'", "ACCESS SHARE"),
])
def test_the_lock_a_rule_statement_takes(db: Database, sql: str, level: str) -> None:
    db.execute("CREATE TABLE items (id int); CREATE TABLE item_log (id int);"
               "CREATE RULE keep AS ON DELETE TO items DO INSTEAD NOTHING")
    lock = lock_of(sql)
    assert lock is not None and lock.level == level and lock.relations == ("public.items",)
    with psycopg.connect(db.url) as conn:
        conn.execute(sql.encode())
        assert _held(conn, "public.items") == level
        conn.rollback()
    assert lock_of("CREATE CAST (text AS public.money2) WITH INOUT") is None


def test_postgrest_domain_representations_round_trip(db: Database) -> None:
    """PostgREST's domain representations: casts to and from a domain, each with a function named
    like the domain (PostgreSQL warns that it ignores casts on domains; PostgREST reads them)."""
    round_trip(db, """
        CREATE SCHEMA api;
        CREATE DOMAIN api.color AS int CHECK (VALUE >= 0 AND VALUE <= 16777215);
        CREATE FUNCTION api.color(json) RETURNS api.color LANGUAGE sql IMMUTABLE
            AS $$ SELECT ('x' || lpad($1 #>> '{}', 8, '0'))::bit(32)::int $$;
        CREATE FUNCTION api.json(api.color) RETURNS json LANGUAGE sql IMMUTABLE
            AS $$ SELECT to_json(lpad(to_hex($1), 6, '0')) $$;
        CREATE CAST (json AS api.color) WITH FUNCTION api.color(json) AS IMPLICIT;
        CREATE CAST (api.color AS json) WITH FUNCTION api.json(api.color) AS IMPLICIT;
        CREATE TABLE api.items (id int PRIMARY KEY, color api.color);
    """)
