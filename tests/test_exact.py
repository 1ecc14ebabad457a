"""Exact on schemas nobody here wrote: what pull reads, apply rebuilds byte for byte.

Each test is one cause: SQL of our own, run through tests/roundtrip.py (pull, apply onto an
empty database and onto an older state, pg_dump identical, re-plan empty both ways, backward SQL
back to the start).
"""
from __future__ import annotations

import pytest

from schemacode import api
from schemacode.sqltext import reproducible

from .conftest import Database
from .roundtrip import other_database, pg_dump, restore, round_trip

# Expressions as people write them in checks; PostgreSQL prints each, and the printed text,
# spelled by reproducible(), must store the same tree again (print the same).
EXPRESSIONS = [
    "status IN ('a', 'b')", "status NOT IN ('a', 'b')", "code IN ('x', 'y')", "label IN ('p', 'q')",
    "n IN (1, 2)", "big IN (1, 2)", "big = ANY ('{1,2}')", "status = ANY ('{a,b}'::varchar[])",
    "amount > 0.5", "n BETWEEN 1 AND 5", "status LIKE 'a%'", "status ~ '^a'", "length(status) < 5",
    "at > now() - interval '1 day'", "(status, n) IS DISTINCT FROM ('a', 1)",
    "coalesce(status, '') <> ''", "tags && ARRAY['x'::varchar]", "doc ? 'k'", "doc->>'k' = 'v'",
    "n::text = '1'", "CASE WHEN n > 0 THEN true ELSE false END", "upper(status) IN ('A', 'B')",
    "date_trunc('day', at) = at", "n % 2 = 0", "NOT (n > 1 AND big < 2)", "status SIMILAR TO 'a%'",
    "at::date > '2020-01-01'", "extract(year FROM at) > 2000", "big = ANY (ARRAY[1, 2]::bigint[])",
    "status COLLATE \"C\" > 'a'", "label = ANY (ARRAY['a', 'b'])", "(ARRAY['a', 'b'])::text[] @> ARRAY[label]",
]
TABLE = ("CREATE TABLE t (status varchar(20), code char(3), label text, n int, big bigint, "
         "amount numeric, at timestamptz, tags varchar[], doc jsonb)")


def test_printed_expressions_run_back_to_themselves(db: Database) -> None:
    db.execute(TABLE)
    for i, expr in enumerate(EXPRESSIONS):
        db.execute(f"ALTER TABLE t ADD CONSTRAINT c{i} CHECK ({expr})")
        printed = db.execute(f"SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'c{i}'")[0][0]
        db.execute(f"ALTER TABLE t ADD CONSTRAINT r{i} {reproducible(printed)}")
        again = db.execute(f"SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'r{i}'")[0][0]
        assert again == printed, f"{expr}: {printed} ran back as {again}"


@pytest.mark.parametrize("sql, expected", [
    ("(ARRAY['a'::character varying, 'b'::character varying])::text[]",
     "(ARRAY['a'::character varying, 'b'::character varying]::character varying[])::text[]"),
    ("x = ANY ((ARRAY[1, 2])::bigint[])", "x = ANY ((ARRAY[1, 2])::bigint[])"),  # element type unknown
    ("'(ARRAY[''a''::t])::x[]' = y", "'(ARRAY[''a''::t])::x[]' = y"),  # inside a string
    ("(ARRAY['q'::\"My T\"])::text[]", "(ARRAY['q'::\"My T\"]::\"My T\"[])::text[]"),
    ("ARRAY['a'::text]", "ARRAY['a'::text]"),
    ("kind::text = ANY (ARRAY['x'::character varying]::text[])",  # pretty
     "kind::text = ANY (ARRAY['x'::character varying]::character varying[]::text[])"),
    ("f(ARRAY['a'::text])::text", "f(ARRAY['a'::text])::text"),  # a call's parenthesis
    ("MYARRAY['a'::text]::text[]", "MYARRAY['a'::text]::text[]"),
])
def test_reproducible_spelling(sql: str, expected: str) -> None:
    assert reproducible(sql) == expected


def test_the_plan_runs_expressions_as_written(db: Database) -> None:
    """The forward SQL carries schema.yaml's text, and builds what the same SQL builds by hand."""
    loaded = db.load("""
tables:
  runs:
    columns:
      id: serial primary key
      status: {type: varchar(20), null: false, default: new}
    checks:
      chk_status: status IN ('new', 'done')
    indexes:
      idx_open: {columns: [id], where: "status NOT IN ('done')"}
views:
  open_runs: SELECT id FROM runs WHERE status IN ('new')
""")
    sql = "\n".join(s.sql for s in api.plan(loaded, db.url).plan.forward)
    assert "CHECK (status IN ('new', 'done'))" in sql
    assert "WHERE (status NOT IN ('done'))" in sql
    assert "WHERE status IN ('new')" in sql
    api.apply(loaded, db.url)
    by_hand = other_database(db, "hand")
    by_hand.execute("""
        CREATE TABLE runs (id serial PRIMARY KEY, status varchar(20) NOT NULL DEFAULT 'new',
                           CONSTRAINT chk_status CHECK (status IN ('new', 'done')));
        CREATE INDEX idx_open ON runs (id) WHERE status NOT IN ('done');
        CREATE VIEW open_runs AS SELECT id FROM runs WHERE status IN ('new');
    """)
    assert pg_dump(db) == pg_dump(by_hand)
    assert api.plan(loaded, by_hand.url).plan.is_empty


def test_varchar_in_lists_round_trip(db: Database) -> None:
    """Checks, a partial index, a view and a default that hold an array coercion."""
    round_trip(db, """
        CREATE TABLE orders (
            id bigint PRIMARY KEY,
            state varchar(20) NOT NULL CHECK (state IN ('open', 'paid')),
            kind varchar NOT NULL,
            tags varchar[] DEFAULT ARRAY['a', 'b']::varchar[],
            CONSTRAINT kind_known CHECK (kind NOT IN ('legacy', 'void'))
        );
        CREATE INDEX orders_open ON orders (id) WHERE state IN ('open');
        CREATE INDEX orders_kind ON orders ((kind IN ('x', 'y')));
        CREATE VIEW paid AS SELECT id FROM orders WHERE state IN ('paid', 'open');
    """, older="""
        CREATE TABLE orders (id bigint PRIMARY KEY, state varchar(20) NOT NULL, kind varchar NOT NULL,
                             tags varchar[]);
    """)


# Every kind of object that holds an expression, each with a varchar IN list: PostgreSQL prints
# what it stores as an array coercion, which parses back as casts of each element (another tree,
# another print). Written either way, by hand, in schema.yaml, or restored from a pg_dump.
IN_LISTS = """
    CREATE DOMAIN code AS varchar(10) CHECK (VALUE IN ('a', 'b'));
    CREATE TABLE orders (
        id int PRIMARY KEY,
        status varchar(20) NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'paid')),
        is_open boolean GENERATED ALWAYS AS (status IN ('new', 'open')) STORED,
        tags varchar[] DEFAULT ARRAY['x', 'y']::varchar[],
        kind code
    );
    CREATE INDEX orders_open ON orders (id) WHERE status IN ('new', 'open');
    CREATE INDEX orders_flag ON orders ((status IN ('x', 'y')));
    CREATE VIEW paid AS SELECT id FROM orders WHERE status IN ('paid', 'refunded');
    CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
    CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW
        WHEN (NEW.status IN ('paid', 'void')) EXECUTE FUNCTION touch();
    ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
    CREATE POLICY visible ON orders USING (status IN ('new', 'paid'));
"""
# The same, as the parser stores the print of the above: casts of each element
CASTS = (IN_LISTS.replace("VALUE IN ('a', 'b')", "VALUE::text = ANY (ARRAY['a'::varchar::text, 'b'::varchar::text])")
         .replace("status IN ('new', 'paid')", "status::text = ANY (ARRAY['new'::varchar::text, 'paid'::varchar::text])")
         .replace("status IN ('new', 'open')", "status::text = ANY (ARRAY['new'::varchar::text, 'open'::varchar::text])")
         .replace("status IN ('x', 'y')", "status::text = ANY (ARRAY['x'::varchar::text, 'y'::varchar::text])")
         .replace("status IN ('paid', 'refunded')",
                  "status::text = ANY (ARRAY['paid'::varchar::text, 'refunded'::varchar::text])")
         .replace("NEW.status IN ('paid', 'void')",
                  "NEW.status::text = ANY (ARRAY['paid'::varchar::text, 'void'::varchar::text])"))


def test_expressions_spelled_as_their_print_parses_round_trip(db: Database) -> None:
    """Written as casts of each element (what a restored pg_dump holds): pull writes what builds
    that tree again, not an IN list (which builds the other one)."""
    assert CASTS != IN_LISTS
    rt = round_trip(db, CASTS, older="CREATE TABLE orders (id int PRIMARY KEY, status varchar(20))")
    assert " IN (" not in rt.text


def test_a_plan_compares_expressions_whatever_spelling_built_them(db: Database) -> None:
    """Both sides are compared after the same number of print → parse rounds: schema.yaml written
    with IN lists plans empty against a database built with the casts, against its own pg_dump
    restored, and the other way round; a real difference is still one, and the statements run
    each side's own text."""
    source = other_database(db, "in")
    source.execute(IN_LISTS)
    in_lists = db.load(api.pull(source.url).text)
    casts_db = other_database(db, "casts")
    casts_db.execute(CASTS)
    casts = db.load(api.pull(casts_db.url).text)
    assert in_lists.text_hash != casts.text_hash
    assert pg_dump(source) != pg_dump(casts_db)
    assert api.plan(in_lists, casts_db.url).plan.is_empty
    assert api.plan(casts, source.url).plan.is_empty
    restored = other_database(db, "restored")  # pg_dump | psql, as a backup is restored
    import subprocess

    from schemacode.server import postgres_bin
    restore(restored, subprocess.run([str(postgres_bin() / "pg_dump"), "--schema-only", "-d", source.url],
                                     capture_output=True, text=True, check=True).stdout)
    assert pg_dump(restored) == pg_dump(casts_db)  # the restored copy holds the other trees
    assert api.plan(in_lists, restored.url).plan.is_empty
    changed = db.load(api.pull(source.url).text.replace(", 'refunded'::character varying", ""))
    plan = api.plan(changed, casts_db.url).plan
    assert [c.summary() for c in plan.changes] == ["~ view public.paid query"]
    assert "(ARRAY['paid'::character varying]::character varying[])" in plan.forward[0].sql  # schema.yaml's
    assert "('refunded'::character varying)::text" in plan.backward[0].sql  # the database's own


def test_function_bodies_round_trip_byte_for_byte(db: Database) -> None:
    """Leading newlines, trailing spaces, SQL-standard bodies, procedures, overloads, settings,
    and standard bodies that call each other (created in dependency order)."""
    rt = round_trip(db, """
        CREATE TABLE items (id int PRIMARY KEY, price numeric);
        CREATE FUNCTION spaced() RETURNS int LANGUAGE plpgsql AS $$
  BEGIN   
    RETURN 1;
  END;  $$;
        CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE RETURN a + b;
        CREATE FUNCTION add(a numeric, b numeric) RETURNS numeric LANGUAGE sql RETURN a + b;
        CREATE FUNCTION zz_twice(a int) RETURNS int LANGUAGE sql RETURN add(a, a);
        CREATE FUNCTION aa_four(a int) RETURNS int LANGUAGE sql RETURN zz_twice(zz_twice(a));
        CREATE FUNCTION total() RETURNS numeric LANGUAGE sql STABLE PARALLEL SAFE LEAKPROOF COST 5
        BEGIN ATOMIC
            SELECT sum(price) FROM items;
        END;
        CREATE FUNCTION tuned(x int) RETURNS SETOF int LANGUAGE sql ROWS 10
            SET work_mem = '64MB' AS 'SELECT x';
        CREATE PROCEDURE reprice(factor numeric) LANGUAGE sql
        BEGIN ATOMIC
            UPDATE items SET price = price * factor;
        END;
        CREATE PROCEDURE noop() LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
    """, older="""
        CREATE TABLE items (id int PRIMARY KEY, price numeric);
        CREATE FUNCTION spaced() RETURNS int LANGUAGE plpgsql AS $$BEGIN RETURN 1; END$$;
        CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql RETURN a - b;
    """)
    assert "kind: procedure" in rt.text and "sql_body: |" in rt.text
    assert "parallel: safe" in rt.text and "set: {work_mem: 64MB}" in rt.text


def test_standard_bodies_go_before_the_tables_calling_them_and_after_the_tables_they_read(db: Database) -> None:
    """A SQL-standard body is parsed when it is created: one a column's default, generated
    expression or check calls comes before its table; one that reads a table (or calls a body
    that does) after it. What PostgreSQL recorded decides for a database; for schema.yaml, the
    relations the body names."""
    rt = round_trip(db, """
        CREATE FUNCTION twice(i int) RETURNS int LANGUAGE sql IMMUTABLE RETURN i * 2;
        CREATE FUNCTION positive(i int) RETURNS boolean LANGUAGE sql IMMUTABLE RETURN i > 0;
        CREATE FUNCTION start_at() RETURNS int LANGUAGE sql STABLE RETURN twice(21);
        CREATE TABLE items (id int PRIMARY KEY DEFAULT start_at(), price int CHECK (positive(price)),
                            doubled int GENERATED ALWAYS AS (twice(price)) STORED);
        CREATE FUNCTION total() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT sum(price) FROM items; END;
        CREATE FUNCTION total_twice() RETURNS bigint LANGUAGE sql STABLE RETURN total() * 2;
    """, older="CREATE TABLE items (id int PRIMARY KEY);")
    order = [s.sql.split("(")[0].strip() for s in api.plan(rt.loaded, other_database(db, "empty").url).plan.forward]
    assert order.index("CREATE OR REPLACE FUNCTION public.twice") < order.index("CREATE TABLE public.items")
    assert order.index("CREATE OR REPLACE FUNCTION public.total_twice") > order.index("CREATE TABLE public.items")


def test_a_procedure_declared_in_yaml(db: Database) -> None:
    loaded = db.load("""
functions:
  archive:
    kind: procedure
    arguments: days int
    language: sql
    sql_body: BEGIN ATOMIC SELECT days; END
""")
    api.apply(loaded, db.url)
    assert db.execute("SELECT prokind FROM pg_proc WHERE proname = 'archive'") == [("p",)]
    assert api.plan(loaded, db.url).plan.is_empty


def test_triggers_round_trip(db: Database) -> None:
    """WHEN on the whole row, built-in trigger functions, constraint triggers (deferred)."""
    rt = round_trip(db, """
        CREATE TABLE docs (id int PRIMARY KEY, title text, body text, search tsvector, version int);
        CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
        CREATE TRIGGER docs_changed BEFORE UPDATE ON docs
            FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION bump();
        CREATE TRIGGER docs_search BEFORE INSERT OR UPDATE ON docs FOR EACH ROW
            EXECUTE FUNCTION tsvector_update_trigger(search, 'pg_catalog.english', title, body);
        CREATE TRIGGER docs_same BEFORE UPDATE ON docs FOR EACH ROW
            EXECUTE FUNCTION suppress_redundant_updates_trigger();
        CREATE CONSTRAINT TRIGGER docs_version AFTER UPDATE ON docs
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump();
        CREATE CONSTRAINT TRIGGER docs_check AFTER INSERT ON docs
            FOR EACH ROW EXECUTE FUNCTION bump();
    """, older="""
        CREATE TABLE docs (id int PRIMARY KEY, title text, body text, search tsvector, version int);
        CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
        CREATE TRIGGER docs_version AFTER UPDATE ON docs FOR EACH ROW EXECUTE FUNCTION bump();
    """)
    assert "execute: pg_catalog.tsvector_update_trigger" in rt.text
    assert "constraint: true, initially_deferred: true" in rt.text


def test_a_table_with_no_columns_round_trips(db: Database) -> None:
    round_trip(db, "CREATE TABLE marker (); COMMENT ON TABLE marker IS 'only its name matters';",
               older="CREATE TABLE marker (id int);")


def test_constraint_options_round_trip(db: Database) -> None:
    """NOT VALID, NO INHERIT, MATCH FULL, DEFERRABLE on keys, unique, foreign keys and
    exclusion constraints; exclusion constraints with expressions, operators and WHERE."""
    rt = round_trip(db, """
        CREATE EXTENSION IF NOT EXISTS btree_gist;
        CREATE TABLE rooms (id int PRIMARY KEY, code text, CONSTRAINT rooms_code UNIQUE (code) DEFERRABLE);
        CREATE TABLE slots (id int, CONSTRAINT slots_pkey PRIMARY KEY (id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TABLE bookings (
            id int PRIMARY KEY, room_id int, starts_at timestamptz, ends_at timestamptz,
            cancelled boolean NOT NULL DEFAULT false, amount int,
            CONSTRAINT no_overlap EXCLUDE USING gist (room_id WITH =,
                tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (NOT cancelled) DEFERRABLE,
            CONSTRAINT positive CHECK (amount > 0) NO INHERIT
        );
        ALTER TABLE bookings ADD CONSTRAINT bookings_room FOREIGN KEY (room_id) REFERENCES rooms (id)
            MATCH FULL ON DELETE CASCADE NOT VALID;
        ALTER TABLE bookings ADD CONSTRAINT ordered CHECK (starts_at < ends_at) NOT VALID;
    """, older="""
        CREATE TABLE rooms (id int PRIMARY KEY, code text);
        CREATE TABLE slots (id int PRIMARY KEY);
        CREATE TABLE bookings (id int PRIMARY KEY, room_id int REFERENCES rooms, starts_at timestamptz,
            ends_at timestamptz, cancelled boolean NOT NULL DEFAULT false, amount int,
            CONSTRAINT ordered CHECK (starts_at < ends_at), CONSTRAINT positive CHECK (amount > 0));
    """)
    assert "no_overlap: {elements: [room_id WITH =" in rt.text
    assert "not_valid: true" in rt.text and "match: full" in rt.text


def test_validating_a_not_valid_constraint_is_one_light_statement(db: Database) -> None:
    old = db.load("""
tables:
  t:
    columns: {a: int}
    checks:
      a_positive: {expr: a > 0, not_valid: true}
""")
    new = db.load("""
tables:
  t:
    columns: {a: int}
    checks:
      a_positive: a > 0
""")
    api.apply(old, db.url)
    planned = api.plan(new, db.url).plan
    assert [s.sql for s in planned.forward] == ["ALTER TABLE public.t VALIDATE CONSTRAINT a_positive"]
    assert [s.sql for s in planned.backward] == [
        "ALTER TABLE public.t DROP CONSTRAINT a_positive",
        "ALTER TABLE public.t ADD CONSTRAINT a_positive CHECK ((a > 0)) NOT VALID"]
    api.apply(new, db.url)
    assert api.plan(new, db.url).plan.is_empty


def test_sequences_round_trip(db: Database) -> None:
    """Stand-alone sequences with every option and OWNED BY (set, changed, removed); a serial
    column beside a sequence of the serial's name that is not the serial's."""
    round_trip(db, """
        CREATE SEQUENCE "order numbers" AS integer INCREMENT BY 2 MINVALUE 5 MAXVALUE 100
            START WITH 10 CACHE 5 CYCLE;
        CREATE TABLE "some table" ("some id" bigint, other bigint);
        ALTER SEQUENCE "order numbers" OWNED BY "some table"."some id";
        CREATE SEQUENCE test_id_seq;
        CREATE TABLE test (id integer NOT NULL DEFAULT nextval('test_id_seq'::regclass) PRIMARY KEY);
        CREATE TABLE test2 (id serial PRIMARY KEY);
        CREATE TABLE commented (id serial);
        COMMENT ON SEQUENCE commented_id_seq IS 'not what serial makes';
        CREATE TABLE big (id bigserial);
        ALTER SEQUENCE big_id_seq INCREMENT BY 10;
    """, older="""
        CREATE SEQUENCE "order numbers" AS integer INCREMENT BY 2 MINVALUE 5 MAXVALUE 100
            START WITH 10 CACHE 5 CYCLE;
        CREATE TABLE "some table" ("some id" bigint, other bigint);
        ALTER SEQUENCE "order numbers" OWNED BY "some table".other;
        CREATE TABLE test (id serial PRIMARY KEY);
        CREATE TABLE commented (id serial);
        CREATE TABLE big (id bigserial);
    """)


def test_sequences_and_identities_counting_down_round_trip(db: Database) -> None:
    """Negative increments, limits and starts, PostgreSQL's defaults for a sequence counting down
    (the type's smallest value to -1) left out; from sequences and identities counting up."""
    rt = round_trip(db, """
        CREATE SEQUENCE countdown INCREMENT BY -5;
        CREATE SEQUENCE small_down AS smallint INCREMENT BY -3 CACHE 10 CYCLE;
        CREATE SEQUENCE int_down AS integer INCREMENT BY -1;
        CREATE SEQUENCE "bounded down" AS integer INCREMENT BY -2 MINVALUE -1000 MAXVALUE -10 START WITH -20;
        CREATE SEQUENCE from_below START WITH -100 MINVALUE -1000;
        CREATE TABLE tickets (
            id int GENERATED BY DEFAULT AS IDENTITY (INCREMENT BY -5 MINVALUE -500 MAXVALUE -1 START WITH -3)
                PRIMARY KEY,
            serial_no bigint GENERATED ALWAYS AS IDENTITY (INCREMENT BY -1),
            low smallint GENERATED ALWAYS AS IDENTITY (START WITH -7 MINVALUE -10)
        );
    """, older="""
        CREATE SEQUENCE countdown;
        SELECT nextval('countdown');
        CREATE SEQUENCE int_down AS integer INCREMENT BY -1 MINVALUE -50;
        CREATE SEQUENCE from_below;
        CREATE TABLE tickets (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                              serial_no bigint GENERATED ALWAYS AS IDENTITY, low smallint NOT NULL);
        INSERT INTO tickets (low) VALUES (1), (2);
    """)
    assert "countdown: {increment: -5}" in rt.text and "int_down: {type: integer, increment: -1}" in rt.text
    assert "serial_no: bigint generated always as identity (increment by -1)" in rt.text, rt.text


def test_new_limits_restart_a_sequence_only_where_its_value_falls_outside(db: Database) -> None:
    """PostgreSQL refuses limits that leave out a sequence's current value ("RESTART value (2)
    cannot be greater than MAXVALUE (-1)"): such a sequence restarts at its new start; one whose
    value fits keeps it, and one whose new range holds its old one gets a plain ALTER."""
    db.execute("""
        CREATE SEQUENCE up; SELECT nextval('up'), nextval('up');
        CREATE SEQUENCE keep AS integer INCREMENT BY -1 MINVALUE -50; SELECT nextval('keep'), nextval('keep');
        CREATE SEQUENCE narrowed; SELECT nextval('narrowed');
        CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY, n int);
        INSERT INTO t (n) VALUES (1), (2);
    """)
    loaded = db.load("""
sequences:
  up: {increment: -1}
  keep: {type: integer, increment: -1}
  narrowed: {max: 100}
tables:
  t:
    columns:
      id: {type: integer, identity: {generation: always, increment: -1}}
      n: integer
""")
    plan = api.plan(loaded, db.url).plan
    by_change = {s.change: s for s in plan.forward}
    assert by_change["~ sequence public.keep options"].sql.startswith("ALTER SEQUENCE public.keep AS integer")
    for change in ("~ sequence public.up options", "~ sequence public.narrowed options",
                   "~ column public.t.id identity options"):
        s = by_change[change]
        assert s.sql.startswith("DO $$") and " RESTART; END IF;" in s.sql
        assert s.hazard_kinds() == {"irreversible"}
    lock = by_change["~ column public.t.id identity options"].lock
    assert lock is not None and (lock.level, lock.relations) == ("ACCESS EXCLUSIVE", ("public.t",))
    api.apply(loaded, db.url)
    assert db.execute("SELECT nextval('up'), nextval('keep'), nextval('narrowed')") == [(-1, -3, 2)]
    assert db.execute("INSERT INTO t (n) VALUES (3) RETURNING id") == [(-1,)]
    assert api.plan(loaded, db.url).plan.is_empty


def test_a_sequence_owned_by_a_dropped_table_is_kept(db: Database) -> None:
    round_trip(db, """
        CREATE SEQUENCE numbers;
        CREATE TABLE keeper (n bigint);
        ALTER SEQUENCE numbers OWNED BY keeper.n;
    """, older="""
        CREATE SEQUENCE numbers;
        CREATE TABLE gone (n bigint);
        CREATE TABLE keeper (n bigint);
        ALTER SEQUENCE numbers OWNED BY gone.n;
    """)


def test_renaming_a_table_renames_its_serial_sequence(db: Database) -> None:
    """The sequences after a rename are those of a database built with the new names. (The
    names of NOT NULL constraints, which PostgreSQL 18 keeps through a rename, are not yet.)"""
    old = db.load("tables:\n  users:\n    columns:\n      id: bigserial primary key\n      n: serial\n")
    new = db.load("tables:\n  people:\n    renamed_from: users\n    columns:\n      id: bigserial primary key\n"
                  "      m: {type: serial, renamed_from: n}\n")
    api.apply(old, db.url)
    planned = api.plan(new, db.url).plan
    assert "ALTER SEQUENCE public.users_id_seq RENAME TO people_id_seq" in [s.sql for s in planned.forward]
    api.apply(new, db.url)
    built = other_database(db, "built")
    api.apply(new, built.url)
    assert [s for s in pg_dump(db) if "SEQUENCE" in s] == [s for s in pg_dump(built) if "SEQUENCE" in s]


def test_table_and_view_options_round_trip(db: Database) -> None:
    """Storage parameters, UNLOGGED ↔ LOGGED, REPLICA IDENTITY, view check options, security
    barrier and invoker, a materialized view's storage parameters; all changed in place."""
    round_trip(db, """
        CREATE TABLE hot (id int PRIMARY KEY, v text) WITH (fillfactor = 70, autovacuum_enabled = false);
        CREATE UNLOGGED TABLE scratch (id int);
        CREATE TABLE events (id int NOT NULL, at timestamptz);
        CREATE UNIQUE INDEX events_id ON events (id);
        ALTER TABLE events REPLICA IDENTITY USING INDEX events_id;
        ALTER TABLE hot REPLICA IDENTITY FULL;
        CREATE VIEW hot_checked WITH (security_barrier) AS SELECT id, v FROM hot WHERE id > 0
            WITH CASCADED CHECK OPTION;
        CREATE VIEW hot_mine WITH (security_invoker = true) AS SELECT id FROM hot;
        CREATE MATERIALIZED VIEW hot_copy WITH (fillfactor = 50) AS SELECT id FROM hot;
    """, older="""
        CREATE TABLE hot (id int PRIMARY KEY, v text) WITH (fillfactor = 90);
        CREATE TABLE scratch (id int);
        CREATE TABLE events (id int NOT NULL, at timestamptz);
        CREATE UNIQUE INDEX events_id ON events (id);
        CREATE VIEW hot_checked AS SELECT id, v FROM hot WHERE id > 0 WITH LOCAL CHECK OPTION;
        CREATE VIEW hot_mine AS SELECT id FROM hot;
        CREATE MATERIALIZED VIEW hot_copy AS SELECT id FROM hot;
    """)


def test_view_options_change_in_place(db: Database) -> None:
    old = db.load("tables:\n  t: {columns: {id: int}}\nviews:\n  v: {query: SELECT id FROM t}\n")
    new = db.load("tables:\n  t: {columns: {id: int}}\n"
                  "views:\n  v: {query: SELECT id FROM t, check_option: local, security_barrier: true}\n")
    api.apply(old, db.url)
    oid = db.execute("SELECT 'v'::regclass::oid")
    planned = api.plan(new, db.url).plan
    assert [s.sql for s in planned.forward] == [
        "ALTER VIEW public.v SET (check_option='local', security_barrier='true')"]
    api.apply(new, db.url)
    assert db.execute("SELECT 'v'::regclass::oid") == oid
    assert api.plan(new, db.url).plan.is_empty


def test_a_type_change_with_no_cast(db: Database) -> None:
    """enum → another enum converts through the labels; bigint → timestamp has no cast: without
    using: the plan names the column and the line, and nothing runs; with using: it applies."""
    from schemacode.errors import SchemaError

    db.execute("""
        CREATE TYPE mood AS ENUM ('ok', 'sad'); CREATE TYPE feeling AS ENUM ('ok', 'sad', 'glad');
        CREATE TABLE t (id int PRIMARY KEY, m mood, at bigint);
        INSERT INTO t VALUES (1, 'sad', 1700000000);
    """)
    enums = "enums:\n  mood: [ok, sad]\n  feeling: [ok, sad, glad]\n"
    no_cast = db.write(enums + "tables:\n  t:\n    columns:\n      id: int primary key\n"
                       "      m: feeling\n      at: timestamptz\n", "no_cast.yaml")
    with pytest.raises(SchemaError) as e:
        api.plan(str(no_cast), db.url)
    assert e.value.line == 9 and "t.at cannot change from bigint to timestamp with time zone" in str(e.value)
    assert "using:" in (e.value.hint or "")
    with pytest.raises(SchemaError):
        api.apply(str(no_cast), db.url)
    assert db.execute("SELECT m::text, at FROM t") == [("sad", 1700000000)]  # nothing ran
    fixed = db.write(enums + "tables:\n  t:\n    columns:\n      id: int primary key\n"
                     "      m: feeling\n      at: {type: timestamptz, using: to_timestamp(at)}\n", "fixed.yaml")
    api.apply(str(fixed), db.url, allow_destructive=True)
    assert db.execute("SELECT m::text, extract(epoch FROM at)::bigint FROM t") == [("sad", 1700000000)]
    assert api.plan(str(fixed), db.url).plan.is_empty


def test_names_with_quotes_spaces_and_capitals_round_trip(db: Database) -> None:
    round_trip(db, '''
        CREATE SCHEMA "My Schema";
        CREATE TABLE "My Schema"."Odd ""Table""" ("col""1" int, "Col 2" text COLLATE "C", "select" int);
        CREATE INDEX "idx ""q""" ON "My Schema"."Odd ""Table""" ("col""1", lower("Col 2"));
        CREATE UNIQUE INDEX "Upper_Idx" ON "My Schema"."Odd ""Table""" ("select") WHERE "col""1" > 0;
        ALTER TABLE "My Schema"."Odd ""Table""" ADD CONSTRAINT "chk ""x""" CHECK ("col""1" <> 3);
        COMMENT ON COLUMN "My Schema"."Odd ""Table"""."col""1" IS 'it''s quoted';
    ''')


def test_an_extension_in_another_schema_round_trips(db: Database) -> None:
    round_trip(db, """
        CREATE SCHEMA ext;
        CREATE EXTENSION pg_trgm WITH SCHEMA ext;
        CREATE TABLE words (w text);
        CREATE INDEX words_trgm ON words USING gin (w ext.gin_trgm_ops);
    """, older="CREATE TABLE words (w text);")


SQL = __import__("pathlib").Path(__file__).resolve().parent / "sql"


@pytest.mark.parametrize("files", [
    ["add_task_management_tables.sql"], ["agent_logs_postgres.sql"],
    sorted(p.name for p in (SQL / "project_contexts_alembic").glob("*.sql")),
], ids=["S0-task-management", "S3-agent-logs", "S4-project-contexts"])
def test_our_users_schemas_round_trip(db: Database, files: list[str]) -> None:
    """The schemas our users wrote by hand (../shared/seeds), as their SQL builds them."""
    base = SQL / "project_contexts_alembic" if len(files) > 1 else SQL
    sql = "\n".join((base / f).read_text() for f in files)
    sql = "\n".join(line for line in sql.splitlines()  # roles are the cluster's, not the schema's
                    if not line.lstrip().upper().startswith(("GRANT", "ALTER TABLE TEMPLATES OWNER")))
    round_trip(db, sql)


def test_index_key_collations_and_transition_tables_round_trip(db: Database) -> None:
    """Options of supported objects that pull once left out, so that a plan rebuilt them."""
    round_trip(db, """
        CREATE TABLE names (id int, name text, code text COLLATE "C");
        CREATE INDEX names_c ON names (name COLLATE "C");
        CREATE INDEX names_code ON names (code, lower(name) COLLATE "POSIX" DESC);
        CREATE FUNCTION count_rows() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
        CREATE TRIGGER names_batch AFTER INSERT ON names REFERENCING NEW TABLE AS added
            FOR EACH STATEMENT EXECUTE FUNCTION count_rows();
        CREATE TRIGGER names_changes AFTER UPDATE ON names REFERENCING OLD TABLE AS before NEW TABLE AS after
            FOR EACH STATEMENT EXECUTE FUNCTION count_rows();
    """, older="""
        CREATE TABLE names (id int, name text, code text COLLATE "C");
        CREATE INDEX names_c ON names (name);
    """)


def test_pull_names_what_it_could_not_write_exactly(db: Database) -> None:
    """pull builds what it wrote and plans it against what it read: a check NOT ENFORCED
    (which schema.yaml cannot say yet) is named, with what a plan would do to it."""
    if db.major < 18:
        pytest.skip("NOT ENFORCED checks are new in PostgreSQL 18")
    db.execute("CREATE TABLE t (a int, CONSTRAINT a_positive CHECK (a > 0) NOT ENFORCED);"
               "CREATE TABLE fine (id int PRIMARY KEY);")
    pulled = api.pull(db.url)
    assert [w for w in pulled.warnings if w.startswith("not exact:")] == [
        "not exact: a plan with the pulled schema.yaml against this database would "
        "- check a_positive on public.t",
        "not exact: a plan with the pulled schema.yaml against this database would "
        "+ check a_positive on public.t"]
    assert not [w for w in api.pull(db.url, verify=False).warnings if w.startswith("not exact:")]
    db.execute("ALTER TABLE t DROP CONSTRAINT a_positive")
    assert api.pull(db.url).warnings == []
