"""Foreign servers and foreign tables (postgres_fdw, file_fdw): pulled, planned both ways, changed
in place where PostgreSQL can; user mappings and secrets never read, never dropped."""
from __future__ import annotations

import psycopg
import pytest

from schemacode import api
from schemacode.errors import SchemaError, UnmanagedError
from schemacode.load import load_text
from schemacode.locks import lock_of

from .acceptance import Case, run_case
from .conftest import Database
from .roundtrip import other_database, round_trip
from .test_locks import _held


def needs(db: Database, *extensions: str) -> None:
    have = {r[0] for r in db.execute("SELECT name FROM pg_available_extensions")}
    if set(extensions) - have:
        pytest.skip(f"the test server lacks extension(s) {', '.join(sorted(set(extensions) - have))}")


SOURCE = """
CREATE EXTENSION postgres_fdw;
CREATE EXTENSION file_fdw;
CREATE SERVER warehouse FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host 'db.internal', port '5432', dbname 'sales', fetch_size '500');
COMMENT ON SERVER warehouse IS 'the sales warehouse';
CREATE SERVER "Old Archive" TYPE 'archive' VERSION '9.6' FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'archive');
CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
CREATE SERVER spare FOREIGN DATA WRAPPER postgres_fdw;
CREATE FOREIGN DATA WRAPPER pg2 HANDLER postgres_fdw_handler VALIDATOR postgres_fdw_validator;
COMMENT ON FOREIGN DATA WRAPPER pg2 IS 'made by hand, as Supabase makes its wrappers';
CREATE SERVER other FOREIGN DATA WRAPPER pg2 OPTIONS (host 'elsewhere');
CREATE FOREIGN DATA WRAPPER plain OPTIONS (mode 'test');
CREATE SCHEMA remote;
CREATE TYPE remote.state AS ENUM ('open', 'paid');
CREATE FUNCTION remote.stamp() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE FOREIGN TABLE remote.orders (
    id bigint OPTIONS (column_name 'order_id') NOT NULL,
    state remote.state,
    total numeric(12,2) DEFAULT 0 CHECK (total >= 0),
    note text OPTIONS (column_name 'Note') COLLATE "C",
    CONSTRAINT orders_id_positive CHECK (id > 0)
) SERVER warehouse OPTIONS (schema_name 'public', table_name 'orders', use_remote_estimate 'true');
COMMENT ON FOREIGN TABLE remote.orders IS 'orders, read from the warehouse';
COMMENT ON COLUMN remote.orders.total IS 'in euros';
COMMENT ON CONSTRAINT orders_id_positive ON remote.orders IS 'ids start at 1';
CREATE TRIGGER orders_stamp BEFORE INSERT ON remote.orders FOR EACH ROW EXECUTE FUNCTION remote.stamp();
CREATE FOREIGN TABLE "Old Orders" (id bigint, "When" date) SERVER "Old Archive";
CREATE FOREIGN TABLE hostname (line text) SERVER files OPTIONS (filename '/etc/hostname', format 'text');
CREATE VIEW paid AS SELECT id, total FROM remote.orders WHERE state = 'paid';
"""


def test_foreign_servers_and_tables_round_trip(db: Database) -> None:
    needs(db, "postgres_fdw", "file_fdw")
    rt = round_trip(db, SOURCE, older="CREATE EXTENSION postgres_fdw; CREATE SERVER warehouse "
                                      "FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'old');")
    assert "  warehouse:\n    wrapper: postgres_fdw\n    options: {host: db.internal, port: 5432, dbname: sales, " \
           "fetch_size: 500}\n    comment: the sales warehouse\n" in rt.text
    assert "  Old Archive:\n    wrapper: postgres_fdw\n    type: archive\n    version: '9.6'\n" in rt.text
    assert "      id: {type: bigint, null: false, options: {column_name: order_id}}\n" in rt.text
    assert "orders_id_positive: {expr: id > 0, comment: ids start at 1}" in rt.text
    assert "  pg2: {handler: postgres_fdw_handler, validator: postgres_fdw_validator, comment: 'made by hand, " \
           "as Supabase makes its wrappers'}\n  plain: {options: {mode: test}}\n" in rt.text
    assert "#   " not in rt.text  # nothing left out
    planned = api.plan(load_text(rt.text), other_database(db, "empty").url).plan
    creates = [s.sql for s in planned.forward]
    assert creates.index(next(s for s in creates if s.startswith("CREATE SERVER warehouse"))) < \
        creates.index(next(s for s in creates if s.startswith("CREATE FOREIGN TABLE remote.orders")))
    # nothing in a foreign table is data: dropping it is no data-loss
    assert not [h for s in planned.backward if "FOREIGN TABLE" in s.sql for h in s.hazards if h.kind == "data-loss"]


FDW = """
extensions: [postgres_fdw]
foreign_servers:
  warehouse:
    wrapper: postgres_fdw
    options: {host: db.internal, dbname: sales}
foreign_tables:
  orders:
    server: warehouse
    options: {table_name: orders}
    columns:
      id: {type: bigint, null: false, options: {column_name: order_id}}
      total: numeric(12,2)
      note: text
views:
  big_orders: SELECT id, total FROM orders WHERE total > 100
"""

CASES = [
    Case("a server and a foreign table added", "extensions: [postgres_fdw]\n", FDW,
         expect_summary=("+ server warehouse", "+ foreign table public.orders", "+ view public.big_orders")),
    Case("a server's options set, added, dropped; a version given", FDW,
         FDW.replace("options: {host: db.internal, dbname: sales}",
                     "version: '16'\n    options: {host: db.example, port: 6432}"),
         expect_summary=("~ server warehouse",), no_hazards=frozenset({"data-loss"})),
    Case("a server of another type is made again with its foreign tables and their views", FDW,
         FDW.replace("    wrapper: postgres_fdw\n", "    wrapper: postgres_fdw\n    type: replica\n"),
         expect_summary=("- server warehouse", "+ server warehouse", "- foreign table public.orders",
                         "+ foreign table public.orders", "- view public.big_orders")),
    Case("a foreign table's columns added, dropped, retyped, defaulted: in place, its view made again", FDW,
         FDW.replace("      note: text\n", "      placed: {type: date, default: {sql: CURRENT_DATE}, comment: day}\n")
            .replace("total: numeric(12,2)", "total: {type: 'numeric(14,2)', null: false}"),
         expect_summary=("~ foreign table public.orders columns", "- view public.big_orders", "+ view public.big_orders"),
         no_hazards=frozenset({"data-loss", "rewrite"})),
    Case("a foreign table's options and a column's options change: in place, its view kept", FDW,
         FDW.replace("options: {table_name: orders}", "options: {table_name: orders_2024, fetch_size: 100}")
            .replace("options: {column_name: order_id}", "options: {column_name: id}"),
         expect_summary=("~ foreign table public.orders columns, options",)),
    Case("checks and comments on a foreign table", FDW,
         FDW.replace("      note: text\n", "      note: {type: text, comment: free text}\n    checks:\n"
                                           "      positive: {expr: total >= 0, comment: no refunds}\n"
                                           "    comment: orders in the warehouse\n"),
         expect_summary=("~ foreign table public.orders checks", "comment on foreign table public.orders",
                         "comment on column public.orders.note")),
    Case("a foreign table moved to another server is made again", FDW,
         FDW.replace("foreign_tables:", "  archive:\n    wrapper: postgres_fdw\nforeign_tables:")
            .replace("    server: warehouse", "    server: archive"),
         expect_summary=("+ server archive", "- foreign table public.orders", "+ foreign table public.orders")),
    Case("a foreign table and its server dropped: no data is lost", FDW, "extensions: [postgres_fdw]\n",
         expect_summary=("- foreign table public.orders", "- server warehouse"), no_hazards=frozenset({"data-loss"})),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_foreign_case(db: Database, case: Case) -> None:
    needs(db, "postgres_fdw")
    run_case(db, case)


def test_a_user_mapping_is_never_read_and_its_server_never_dropped(db: Database) -> None:
    needs(db, "postgres_fdw")
    api.apply(load_text(FDW), db.url)
    db.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER warehouse OPTIONS (user 'reader', password 'hunter2')")
    pulled = api.pull(db.url)
    assert "hunter2" not in pulled.text and "hunter2" not in " ".join(pulled.warnings)
    assert "#   user mapping for postgres on server warehouse\n" in pulled.text
    planned = api.plan(load_text(pulled.text), db.url).plan
    assert planned.is_empty and "user mapping for postgres on server warehouse (schema.yaml cannot declare " \
                                "user mappings)" in planned.unmanaged
    with pytest.raises(UnmanagedError) as e:  # the server goes: its user mapping would be lost
        api.plan(load_text("extensions: [postgres_fdw]\n"), db.url)
    assert "- server warehouse: user mapping for postgres on server warehouse depends on server warehouse" \
        in str(e.value)
    assert db.execute("SELECT count(*) FROM pg_user_mappings WHERE srvname = 'warehouse'") == [(1,)]


def test_secret_options_are_never_read_written_or_planned(db: Database) -> None:
    """A wrapper with no validator takes any option, as third-party wrappers' api_key."""
    setup = "CREATE FOREIGN DATA WRAPPER anything OPTIONS (mode 'x', token 't_{k}'); CREATE SERVER api " \
            "FOREIGN DATA WRAPPER anything OPTIONS (endpoint '{e}', api_key '{k}', client_secret 'shh-{k}');"
    source, target = other_database(db, "a"), other_database(db, "b")
    source.execute(setup.format(e="https://api.example", k="sk_live_1"))
    target.execute(setup.format(e="https://old.example", k="sk_live_2"))
    catalog = source.catalog()
    assert catalog.servers["api"].options == ("endpoint=https://api.example",)
    assert catalog.servers["api"].secrets == ("api_key", "client_secret")
    assert catalog.wrappers["anything"].options == ("mode=x",)
    pulled = api.pull(source.url)
    assert "sk_live" not in pulled.text and "options: {endpoint: 'https://api.example'}" in pulled.text
    assert "option api_key of server api (a secret: it stays on the database, never in schema.yaml)" in pulled.warnings
    assert "option token of foreign data wrapper anything (a secret: it stays on the database, never in " \
           "schema.yaml)" in pulled.warnings
    assert not [w for w in pulled.warnings if w.startswith("not exact")], pulled.warnings
    loaded = load_text(pulled.text)
    assert api.plan(loaded, source.url).plan.is_empty
    plan = api.plan(loaded, target.url).plan
    sql = "\n".join(s.sql for s in (*plan.forward, *plan.backward))
    assert [s.sql for s in plan.forward] == ["ALTER SERVER api OPTIONS (SET endpoint 'https://api.example')"]
    assert "sk_live" not in sql and "api_key" not in sql and "secret" not in sql
    api.apply(loaded, target.url)
    assert target.execute("SELECT srvoptions FROM pg_foreign_server") == [
        (["endpoint=https://api.example", "api_key=sk_live_2", "client_secret=shh-sk_live_2"],)]


@pytest.mark.parametrize("text,error", [
    ("foreign_servers:\n  s: {options: {host: x}}\n", "needs wrapper"),
    ("foreign_servers:\n  s: {wrapper: postgres_fdw, options: {password: x}}\n", "holds a secret"),
    ("foreign_data_wrappers:\n  w: {options: {secret_key: x}}\n", "holds a secret"),
    ("foreign_data_wrappers:\n  w: {handelr: f}\n", "unknown key 'handelr'"),
    ("foreign_servers:\n  s: {wrapper: postgres_fdw, options: {host: [a, b]}}\n", "takes one value"),
    ("foreign_tables:\n  t: {server: nowhere, columns: {a: int}}\n", "server nowhere is not declared"),
    ("foreign_servers:\n  s: {wrapper: postgres_fdw}\nforeign_tables:\n  t: {server: s}\n", "needs columns"),
    ("foreign_servers:\n  s: {wrapper: postgres_fdw}\nforeign_tables:\n  t: {server: s, columns: {a: int primary key}}\n",
     "a foreign table has no keys"),
    ("foreign_servers:\n  s: {wrapper: postgres_fdw}\nforeign_tables:\n  t: {server: s, columns: {a: {type: int, identity: always}}}\n",
     "unknown key 'identity'"),
    ("foreign_servers:\n  s: {wrapper: postgres_fdw}\nforeign_tables:\n  t: {server: s, columns: {a: int}}\n"
     "tables:\n  t: {columns: {a: int}}\n", "declared twice"),
])
def test_bad_foreign_objects_are_located(text: str, error: str) -> None:
    with pytest.raises(SchemaError) as e:
        load_text(text)
    assert error in e.value.message and e.value.line is not None


def test_grants_on_foreign_tables_and_servers_are_pulled_and_planned(db: Database) -> None:
    needs(db, "postgres_fdw")
    db.execute("DO $$BEGIN CREATE ROLE fdw_reader; EXCEPTION WHEN duplicate_object THEN NULL; END$$")
    api.apply(load_text(FDW), db.url)
    db.execute("GRANT USAGE ON FOREIGN SERVER warehouse TO fdw_reader; GRANT SELECT ON orders TO fdw_reader")
    text = api.pull(db.url, privileges=True).text
    usage, select = "    grants:\n      fdw_reader: usage\n", "    grants:\n      fdw_reader: select\n"
    assert usage in text and select in text
    assert api.plan(load_text(text), db.url).plan.is_empty
    revoked = api.plan(load_text(text.replace(usage, "    grants: {}\n")), db.url).plan
    assert [s.sql for s in revoked.forward] == ["REVOKE USAGE ON FOREIGN SERVER warehouse FROM fdw_reader"]


@pytest.mark.parametrize("sql,level", [
    ("ALTER FOREIGN TABLE public.orders OPTIONS (SET table_name 'x')", "ACCESS EXCLUSIVE"),
    ("ALTER FOREIGN TABLE public.orders ADD COLUMN extra text", "ACCESS EXCLUSIVE"),
    ("DROP FOREIGN TABLE public.orders", "ACCESS EXCLUSIVE"),
    ("COMMENT ON FOREIGN TABLE public.orders IS 'x'", "SHARE UPDATE EXCLUSIVE"),
])
def test_the_lock_a_foreign_table_statement_takes(db: Database, sql: str, level: str) -> None:
    needs(db, "postgres_fdw")
    api.apply(load_text(FDW.split("views:")[0]), db.url)
    lock = lock_of(sql)
    assert lock is not None and lock.level == level and lock.relations == ("public.orders",)
    with psycopg.connect(db.url) as conn:
        oid = conn.execute("SELECT 'public.orders'::regclass::oid").fetchone()
        conn.execute(sql.encode())
        assert oid and _held(conn, str(oid[0])) == level
        conn.rollback()
    assert lock_of("CREATE FOREIGN TABLE public.t (a int) SERVER warehouse") is None
    assert lock_of("ALTER SERVER warehouse OPTIONS (SET host 'x')") is None
