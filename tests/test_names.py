"""Any name, anywhere: a name is written as it is, and a part of a dotted path that holds a dot
(or a bracket, or begins with a double quote) is double-quoted as in SQL (sqltext.path_part);
pull writes what load reads back as the same name; plans and errors quote names as PostgreSQL
does. And PostgreSQL's own namespaces: an index and an enum may share a name.
"""
from __future__ import annotations

import pytest

from schemacode import api, codegen
from schemacode.errors import SchemaError
from schemacode.load import load_text
from schemacode.sqltext import path_part, qualify, split_call, split_path, split_qualified

from .conftest import Database
from .roundtrip import round_trip

ODD = """
    CREATE SCHEMA api;
    CREATE SCHEMA "تست";
    CREATE SCHEMA "a.b";
    CREATE SCHEMA "My Schema";
    CREATE DOMAIN api."application/vnd.api+json" AS jsonb CHECK (jsonb_typeof(VALUE) = 'object');
    COMMENT ON DOMAIN api."application/vnd.api+json" IS 'a JSON:API document';
    CREATE TYPE "a.b"."My Enum" AS ENUM ('x', 'y.z');
    CREATE TYPE "تست"."pair.of" AS ("a.b" int, "x""y" text);
    CREATE TABLE "a.b"."my.table" (
        "id.x" int PRIMARY KEY,
        "x""y" api."application/vnd.api+json",
        "@at" "a.b"."My Enum" DEFAULT 'y.z',
        "#hash" text CONSTRAINT "chk.1" CHECK ("#hash" <> ''),
        "back\\slash" int,
        "Ünïcödé" "تست"."pair.of",
        "with space" int CONSTRAINT "uq""1" UNIQUE
    );
    CREATE SEQUENCE "a.b"."seq+1" OWNED BY "a.b"."my.table"."back\\slash";
    CREATE INDEX "idx.1" ON "a.b"."my.table" ("#hash");
    CREATE INDEX "Idx Space" ON "a.b"."my.table" (("x""y" ->> 'k'));
    CREATE TABLE "تست"."with space" ("ref.id" int REFERENCES "a.b"."my.table" ("id.x"), "Capital" int);
    CREATE TABLE "تست"."child.t" (extra int) INHERITS ("تست"."with space");
    CREATE TABLE "My Schema"."ev.t" (at date NOT NULL, n int) PARTITION BY RANGE (at);
    CREATE TABLE "My Schema"."ev.2024" PARTITION OF "My Schema"."ev.t"
        FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE FUNCTION "a.b"."f.x"(a "a.b"."My Enum") RETURNS text LANGUAGE sql AS $$ SELECT a::text $$;
    CREATE FUNCTION "a.b"."f.x"(a int) RETURNS text LANGUAGE sql AS $$ SELECT a::text $$;
    CREATE FUNCTION public."add+one(x)"(i int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT i + 1 $$;
    CREATE FUNCTION public."tg.fn"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER "trg.1" BEFORE INSERT ON "a.b"."my.table" FOR EACH ROW EXECUTE FUNCTION public."tg.fn"();
    CREATE TRIGGER "Trg 2" BEFORE UPDATE OF "#hash", "with space" ON "a.b"."my.table"
        FOR EACH ROW WHEN (OLD."@at" IS DISTINCT FROM NEW."@at") EXECUTE FUNCTION public."tg.fn"();
    CREATE VIEW "My Schema"."v.1" AS SELECT "id.x", "#hash" FROM "a.b"."my.table";
    ALTER TABLE "a.b"."my.table" ENABLE ROW LEVEL SECURITY;
    CREATE POLICY "pol.1" ON "a.b"."my.table" USING ("#hash" <> 'hidden');
    COMMENT ON TABLE "a.b"."my.table" IS 'dotted';
    COMMENT ON COLUMN "a.b"."my.table"."x""y" IS 'quoted';
    COMMENT ON INDEX "a.b"."idx.1" IS 'an index';
    COMMENT ON SCHEMA "تست" IS 'test';
"""


def test_odd_names_of_every_kind_round_trip(db: Database) -> None:
    """Dots, quotes, slashes, pluses, @, #, backslashes, spaces, capitals and Arabic letters in
    schema, type, domain, table, column, index, sequence, function, constraint, trigger,
    policy, view and partition names; references, owned_by, inherits, execute: and overloads."""
    rt = round_trip(db, ODD, older='CREATE SCHEMA "a.b"; CREATE TABLE "a.b"."my.table" ("id.x" int PRIMARY KEY)')
    text = rt.text
    assert 'api."application/vnd.api+json": {type: jsonb' in text
    assert "'\"a.b\".\"my.table\"':" in text  # YAML quotes a key that begins with a double quote
    assert "references: '\"a.b\".\"my.table\".\"id.x\"'" in text
    assert "owned_by: '\"a.b\".\"my.table\".back\\slash'" in text
    assert "execute: '\"tg.fn\"'" in text
    assert "'\"add+one(x)\"':" in text
    assert '"a.b"."f.x"(a integer)' in text


ODD_CHARACTERS = ["/", "+", ".", '"', "@", "#", "\\", " ", "Ä", "ت", "(", "$"]


def _every_kind_with(i: int, c: str) -> str:
    """A schema, enum, domain, composite type, table, column, index, function (with an
    overload), constraint and view whose names hold ``c``, each naming the others."""
    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    s, e, d, t, col = q(f"S{c}{i}"), q(f"e{c}"), q(f"d{c}"), q(f"t{c}"), q(f"c{c}")
    return f"""
        CREATE SCHEMA {s};
        CREATE TYPE {s}.{e} AS ENUM ('v{c}');
        CREATE DOMAIN {s}.{d} AS text CONSTRAINT {q(f"dk{c}")} CHECK (VALUE <> '{c.replace("'", "''")}');
        CREATE TYPE {s}.{q(f"p{c}")} AS ({col} {s}.{e});
        CREATE TABLE {s}.{t} ({col} int CONSTRAINT {q(f"pk{c}")} PRIMARY KEY, {q(f"E{c}")} {s}.{e},
                              {q(f"D{c}")} {s}.{d} CONSTRAINT {q(f"k{c}")} CHECK ({q(f"D{c}")} <> 'x'));
        CREATE INDEX {q(f"i{c}")} ON {s}.{t} ({q(f"E{c}")});
        CREATE TABLE {s}.{q(f"r{c}")} ({q(f"ref{c}")} int REFERENCES {s}.{t});
        CREATE FUNCTION {s}.{q(f"f{c}")}(x {s}.{d}) RETURNS {s}.{t} LANGUAGE sql
            AS $f$ SELECT * FROM {s}.{t} LIMIT 1 $f$;
        CREATE FUNCTION {s}.{q(f"f{c}")}(x int) RETURNS int LANGUAGE sql AS $f$ SELECT x $f$;
        CREATE VIEW {s}.{q(f"v{c}")} AS SELECT {col} FROM {s}.{t};
        COMMENT ON TABLE {s}.{t} IS 'table {c.replace("'", "''")}';
    """


def test_every_odd_character_in_every_kind_round_trips(db: Database) -> None:
    rt = round_trip(db, "".join(_every_kind_with(i, c) for i, c in enumerate(ODD_CHARACTERS)))
    for name, source in codegen.render(rt.loaded.catalog).items():  # and typed Python of them
        compile(source, name, "exec")


def test_a_policys_roles_are_names_not_paths() -> None:
    loaded = load_text("tables:\n  t:\n    columns: {a: int}\n    policies:\n"
                       "      p: {to: [app.user, Weird Role, public], using: 'true'}\n")
    assert loaded.catalog.tables["public.t"].policies["p"].roles == ('"app.user"', '"Weird Role"', "public")


def test_plans_and_errors_quote_names_as_postgresql_does(db: Database) -> None:
    loaded = load_text("""
schemas: [api]
domains:
  api."application/vnd.api+json": jsonb
tables:
  '"my.table"':
    columns:
      Id: integer primary key
      a.b: {type: api."application/vnd.api+json"}
    indexes:
      i.x: [a.b]
""")
    assert set(loaded.catalog.tables) == {'public."my.table"'}
    summaries = [c.summary() for c in api.plan(loaded, db.url).plan.changes]
    assert '+ domain api."application/vnd.api+json" jsonb' in summaries
    assert '+ table public."my.table"' in summaries
    assert '+ index public."i.x" on public."my.table"' in summaries
    api.apply(loaded, db.url)
    assert db.execute("""SELECT attname FROM pg_attribute WHERE attrelid = 'public."my.table"'::regclass
                         AND attnum > 0 ORDER BY attnum""") == [("Id",), ("a.b",)]
    with pytest.raises(SchemaError) as e:
        load_text("tables:\n  '\"my.table\"': {columns: {a: int}}\n  t:\n    columns:\n"
                  "      r: {type: int, references: '\"my.table\"'}\n")
    assert 'public."my.table" has no primary key' in str(e.value) and e.value.line == 5


@pytest.mark.parametrize("yaml, line, message", [
    ("domains:\n  api.application/vnd.api+json: jsonb\n", 2,
     "'api.application/vnd.api+json' is not a name"),
    ("tables:\n  a:\n    columns:\n      id: {type: int, references: 'a.b.c.d'}\n", 4, "write table, table.column"),
    ("tables:\n  '\"unclosed': {columns: {a: int}}\n", 2, "is not a name"),
    ("tables:\n  a: {columns: {x: int}}\nsequences:\n  s: {owned_by: 'x'}\n", 4, "write table.column"),
])
def test_a_dotted_name_unquoted_is_a_located_error(yaml: str, line: int, message: str) -> None:
    with pytest.raises(SchemaError) as e:
        load_text(yaml)
    assert message in str(e.value) and e.value.line == line
    if "not a name" in message:
        assert 'double-quoted, as in SQL: api."my.table"' in str(e.value)


def test_paths_split_one_way() -> None:
    for schema, name in [("public", "t"), ("a.b", "c"), ("x", 'y"z'), ('"q', "r(s"), ("تست", "my table")]:
        q = qualify(schema, name)
        assert split_qualified(q) == (schema, name)
        assert split_path(f"{q}.{path_part('col.1')}") == [schema, name, "col.1"]
    assert qualify("public", "plain") == "public.plain"  # names without dots: as before
    assert split_call('api."f(x)"(a integer)') == ('api."f(x)"', "a integer")
    assert split_path('a."b""c".d') == ["a", 'b"c', "d"] and split_path("a..b") is None


def test_the_same_name_in_two_kinds_round_trips(db: Database) -> None:
    """Relations and types are two namespaces (an index and an enum named alike), functions go
    by their arguments, constraints, triggers and policies by their table: each with its own
    comment."""
    round_trip(db, """
        CREATE TYPE foo AS ENUM ('a', 'b');
        COMMENT ON TYPE foo IS 'the enum';
        CREATE TABLE t (foo foo, n int CONSTRAINT same CHECK (n > 0));
        CREATE INDEX foo ON t (foo);
        COMMENT ON INDEX foo IS 'the index';
        CREATE SEQUENCE ident;
        COMMENT ON SEQUENCE ident IS 'the sequence';
        CREATE DOMAIN ident AS int;
        COMMENT ON DOMAIN ident IS 'the domain';
        CREATE FUNCTION t() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
        COMMENT ON FUNCTION t() IS 'the function';
        CREATE TABLE u (n int CONSTRAINT same CHECK (n < 0));
        COMMENT ON CONSTRAINT same ON t IS 'on t';
        COMMENT ON CONSTRAINT same ON u IS 'on u';
    """)


@pytest.mark.parametrize("yaml, message", [
    ("tables:\n  t:\n    columns: {a: int}\n    indexes:\n      t: [a]\n",
     "index public.t is declared twice (also at line 2, as a table: tables, views, sequences, indexes"),
    ("types:\n  p: {attributes: {a: int}}\ntables:\n  t:\n    columns: {a: int}\n    indexes:\n      p: [a]\n",
     "index public.p is declared twice (also at line 2, as a composite type"),
    ("enums:\n  e: [a]\ndomains:\n  e: int\n", "domain public.e is declared twice (also at line 2, as a enum: enums"),
    ("tables:\n  v: {columns: {a: int}}\nviews:\n  v: SELECT 1 AS a\n", "view public.v is declared twice (also at line 2, as a table"),
])
def test_names_that_collide_in_postgresql_collide_in_schema_yaml(yaml: str, message: str) -> None:
    with pytest.raises(SchemaError) as e:
        load_text(yaml)
    assert message in str(e.value)


def test_a_table_renamed_from_a_dotted_name(db: Database) -> None:
    db.execute('CREATE SCHEMA "a.b"; CREATE TABLE "a.b"."old.t" (id int)')
    loaded = db.load("""
schemas: [a.b]
tables:
  '"a.b"."new.t"':
    renamed_from: '"a.b"."old.t"'
    columns: {id: integer}
""")
    result = api.plan(loaded, db.url).plan
    assert [s.sql for s in result.forward] == ['ALTER TABLE "a.b"."old.t" RENAME TO "new.t"']
    assert result.changes[0].summary() == '→ table "a.b"."old.t" → "a.b"."new.t"'
    api.apply(loaded, db.url)
    assert api.plan(loaded, db.url).plan.is_empty


def test_odd_names_in_rules_casts_wrappers_servers_and_foreign_tables_round_trip(db: Database) -> None:
    """The kinds of issue 26's cause 9 read names as their parts too: a rule on a dotted table
    writing another, a cast through a dotted function between dotted types, a wrapper, a server
    and a foreign table whose names hold dots, quotes and spaces."""
    rt = round_trip(db, """
        CREATE SCHEMA "a.b";
        CREATE TABLE "a.b"."my.table" ("id.x" int PRIMARY KEY, "#n" int);
        CREATE TABLE "a.b"."log+1" ("id.x" int, "at.@" timestamptz DEFAULT now());
        CREATE RULE "rule.1" AS ON INSERT TO "a.b"."my.table"
            DO ALSO INSERT INTO "a.b"."log+1" ("id.x") VALUES (NEW."id.x");
        COMMENT ON RULE "rule.1" ON "a.b"."my.table" IS 'logged';
        CREATE DOMAIN "a.b"."cents.v" AS bigint;
        CREATE TYPE "a.b"."Money x" AS (amount numeric);
        CREATE FUNCTION "a.b"."to.cents"(m "a.b"."Money x") RETURNS "a.b"."cents.v" LANGUAGE sql IMMUTABLE
            AS $$ SELECT (m.amount * 100)::bigint $$;
        CREATE CAST ("a.b"."Money x" AS bigint) WITH FUNCTION "a.b"."to.cents"("a.b"."Money x");
        CREATE FOREIGN DATA WRAPPER "w.1";
        CREATE SERVER "s 1.x" FOREIGN DATA WRAPPER "w.1" OPTIONS (host 'h');
        CREATE FOREIGN TABLE "a.b"."f.t" ("c.1" int, "Ünï" text) SERVER "s 1.x" OPTIONS (table_name 'x');
        COMMENT ON FOREIGN TABLE "a.b"."f.t" IS 'remote';
    """, older='CREATE SCHEMA "a.b"; CREATE TABLE "a.b"."my.table" ("id.x" int PRIMARY KEY, "#n" int)')
    assert "rule.1" in rt.text and "w.1" in rt.text and "f.t" in rt.text
