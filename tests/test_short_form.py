"""A column's short form is a PostgreSQL column definition: each clause means what its long form
means (one model object, the same catalog after apply), a malformed clause is a located error,
and other tools' words get "did you mean" with ours."""
from __future__ import annotations

import functools
import json
import re
import uuid
from pathlib import Path
from typing import Iterator

import psycopg
import pytest
from hypothesis import given, settings, strategies as st

from schemacode import api
from schemacode.errors import SchemaError
from schemacode.introspect import introspect
from schemacode.load import load_text
from schemacode.load.columndef import ColumnSyntaxError, parse_column
from schemacode.load.habits import DEFINITION_WORDS, WORDS, markdown
from schemacode.model import Catalog
from schemacode.server import with_database

ROOT = Path(__file__).resolve().parent.parent

# What the clauses' tables refer to (the same in both forms).
BASE = """schemas:
  app: {}
tables:
  users:
    columns:
      id: bigint primary key
  app.accounts:
    columns:
      id: bigint primary key
  Users:
    columns:
      Id: {type: bigint, primary_key: true}
"""

# (clause, the column in the short form, the same column in the long form, what the table
# PostgreSQL holds afterwards shows of it). Each is the column `c` of a table of its own,
# beside the columns `price` and `qty`.
CLAUSES = [
    ("type", "numeric(12,2)", '{type: "numeric(12,2)"}', "numeric(12,2)"),
    ("type of several words", "timestamp(3) with time zone", "{type: timestamp(3) with time zone}",
     "timestamp(3) with time zone"),
    ("array type", "text[]", '{type: "text[]"}', "text[]"),
    ("interval with fields", "interval day to second(3) not null", "{type: interval day to second(3), null: false}",
     "interval day to second(3)"),
    ("NOT NULL", "text not null", "{type: text, null: false}", "not_null=True"),
    ("NULL", "text null", "{type: text, null: true}", "not_null=False"),
    ("CONSTRAINT name NOT NULL", "text constraint c_present not null",
     "{type: text, not_null_name: c_present}", "not_null=True"),
    ("DEFAULT a literal", "varchar(20) default 'new'", "{type: varchar(20), default: new}",
     "'new'::character varying"),
    ("DEFAULT an expression", "timestamptz not null default now()",
     "{type: timestamptz, null: false, default: {sql: now()}}", "default='now()'"),
    ("DEFAULT with a cast", "jsonb default '{}'::jsonb", "{type: jsonb, default: {sql: \"'{}'::jsonb\"}}",
     "'{}'::jsonb"),
    ("DEFAULT CASE … END", "int default case when true then null else 1 end not null",
     "{type: int, null: false, default: {sql: case when true then null else 1 end}}", "CASE"),
    ("DEFAULT then COLLATE", "text default 'x' collate \"C\"",
     "{type: text, default: x, collation: C}", "collation='pg_catalog.\"C\"'"),
    ("DEFAULT NULL", "int default null", "{type: int}", "default=None"),
    ("PRIMARY KEY", "bigint primary key", "{type: bigint, primary_key: true}", "PRIMARY KEY (c)"),
    ("CONSTRAINT name PRIMARY KEY", "bigint constraint pk_named primary key",
     "{type: bigint, primary_key: pk_named}", "name='pk_named'"),
    ("PRIMARY KEY DEFERRABLE INITIALLY DEFERRED", "bigint primary key deferrable initially deferred",
     "{type: bigint, primary_key: {deferrable: true, initially_deferred: true}}",
     "PRIMARY KEY (c) DEFERRABLE INITIALLY DEFERRED"),
    ("UNIQUE", "text unique", "{type: text, unique: true}", "UNIQUE (c)"),
    ("CONSTRAINT name UNIQUE", "text constraint uq_named unique", "{type: text, unique: uq_named}",
     "name='uq_named'"),
    ("UNIQUE NULLS NOT DISTINCT", "text unique nulls not distinct",
     "{type: text, unique: {nulls_not_distinct: true}}", "UNIQUE NULLS NOT DISTINCT (c)"),
    ("UNIQUE NULLS DISTINCT", "text unique nulls distinct", "{type: text, unique: true}", "UNIQUE (c)"),
    ("UNIQUE INITIALLY DEFERRED", "text unique initially deferred",
     "{type: text, unique: {deferrable: true, initially_deferred: true}}", "DEFERRABLE INITIALLY DEFERRED"),
    ("UNIQUE NOT DEFERRABLE INITIALLY IMMEDIATE", "text unique not deferrable initially immediate",
     "{type: text, unique: true}", "UNIQUE (c)'"),
    ("CHECK", "int check (c > 0)", "{type: int, check: c > 0}", "CHECK ((c > 0))"),
    ("CHECK ENFORCED", "int check (c > 0) enforced", "{type: int, check: c > 0}", "CHECK ((c > 0))"),
    ("CONSTRAINT name CHECK NO INHERIT", "int constraint c_positive check (c > 0) no inherit",
     "{type: int, check: {expr: c > 0, name: c_positive, no_inherit: true}}", "NO INHERIT"),
    ("two CHECKs", "int check (c > 0) check (c < qty)", "{type: int, check: [c > 0, c < qty]}",
     "CHECK ((c < qty))"),
    ("REFERENCES table", "bigint references users", "{type: bigint, references: users}",
     "REFERENCES public.users(id)"),
    ("REFERENCES table (column)", "bigint references users (id)", "{type: bigint, references: users.id}",
     "REFERENCES public.users(id)"),
    ("REFERENCES table.column (schema.yaml's)", "bigint references users.id",
     "{type: bigint, references: users.id}", "REFERENCES public.users(id)"),
    ("REFERENCES schema.table", "bigint references app.accounts", "{type: bigint, references: app.accounts}",
     "REFERENCES app.accounts(id)"),
    ("REFERENCES schema.table (column)", "bigint references app.accounts(id)",
     "{type: bigint, references: app.accounts.id}", "REFERENCES app.accounts(id)"),
    ("REFERENCES quoted names", 'bigint references "Users" ("Id")', '{type: bigint, references: Users.Id}',
     'REFERENCES public."Users"("Id")'),
    ("REFERENCES ON DELETE ON UPDATE", "bigint not null references users on update cascade on delete set null",
     "{type: bigint, null: false, references: users, on_delete: set null, on_update: cascade}",
     "ON UPDATE CASCADE ON DELETE SET NULL"),
    ("REFERENCES ON DELETE SET DEFAULT, NO ACTION", "bigint default 0 references users on delete set default "
     "on update no action", "{type: bigint, default: 0, references: users, on_delete: set default, on_update: no action}",
     "ON DELETE SET DEFAULT"),
    ("REFERENCES ON DELETE RESTRICT", "bigint references users on delete restrict",
     "{type: bigint, references: users, on_delete: restrict}", "ON DELETE RESTRICT"),
    ("REFERENCES MATCH FULL", "bigint references users match full",
     "{type: bigint, references: users, match: full}", "MATCH FULL"),
    ("REFERENCES MATCH SIMPLE", "bigint references users match simple", "{type: bigint, references: users}",
     "REFERENCES public.users(id)'"),
    ("REFERENCES DEFERRABLE", "bigint references users deferrable initially immediate",
     "{type: bigint, references: users, deferrable: true}", "REFERENCES public.users(id) DEFERRABLE'"),
    ("CONSTRAINT name REFERENCES", "bigint constraint fk_named references users(id) on delete cascade "
     "initially deferred", "{type: bigint, references: {to: users, name: fk_named, on_delete: cascade, "
     "deferrable: true, initially_deferred: true}}", "name='fk_named'"),
    ("GENERATED ALWAYS AS IDENTITY", "bigint generated always as identity", "{type: bigint, identity: always}",
     "identity='always'"),
    ("GENERATED BY DEFAULT AS IDENTITY (options)", "bigint generated by default as identity (start with 100 "
     "increment by 5 minvalue 50 maxvalue 1000000 cache 10 cycle)", "{type: bigint, identity: {generation: "
     "by default, start: 100, increment: 5, min: 50, max: 1000000, cache: 10, cycle: true}}",
     "START WITH 100 INCREMENT BY 5 MINVALUE 50 MAXVALUE 1000000 CACHE 10 CYCLE"),
    ("GENERATED AS IDENTITY, descending", "int generated always as identity (start -1 increment -1 no minvalue "
     "no maxvalue no cycle)", "{type: int, identity: {generation: always, start: -1, increment: -1, "
     "cycle: false}}", "INCREMENT BY -1"),
    ("GENERATED ALWAYS AS (…) STORED", "numeric generated always as (price * qty) stored",
     "{type: numeric, generated: price * qty}", "generated='(price * (qty)::numeric)'"),
    ("COLLATE", 'text collate "C"', "{type: text, collation: C}", "collation='pg_catalog.\"C\"'"),
    ("COLLATE pg_catalog.name", 'text collate pg_catalog."POSIX"', "{type: text, collation: POSIX}",
     "collation='pg_catalog.\"POSIX\"'"),
    ("capitals and comments", "BIGINT /* a note */ NOT NULL DEFAULT 0 -- the rest\n",
     "{type: BIGINT, null: false, default: 0}", "default='0'"),
    ("every clause at once", "bigint not null default 0 constraint c_key unique check (c >= 0) "
     "references users on delete cascade", "{type: bigint, null: false, default: 0, unique: c_key, "
     "check: c >= 0, references: users, on_delete: cascade}", "ON DELETE CASCADE"),
]
IDS = [c[0] for c in CLAUSES]


def _table(i: int, column: str) -> str:
    if "\n" in column:  # a comment to the end of the line: a block scalar keeps the line's end
        column = "|\n        " + column.rstrip("\n") + "\n"
    return f"  t{i}:\n    columns:\n      price: numeric\n      qty: int\n      c: {column}\n"


SHORT = BASE + "".join(_table(i, c[1]) for i, c in enumerate(CLAUSES))
LONG = BASE + "".join(_table(i, c[2]) for i, c in enumerate(CLAUSES))


@functools.cache
def _loaded(text: str) -> Catalog:
    return load_text(text).catalog


@pytest.mark.parametrize("i", range(len(CLAUSES)), ids=IDS)
def test_one_model_object_either_way(i: int) -> None:
    short, long = _loaded(SHORT), _loaded(LONG)
    assert short.tables[f"public.t{i}"] == long.tables[f"public.t{i}"]


@pytest.fixture(scope="module")
def applied(pg_admin: str) -> Iterator[tuple[Catalog, Catalog]]:
    """Both forms applied, each in a database of its own, read back."""
    out = []
    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    try:
        for name, text in zip(names, (SHORT, LONG)):
            with psycopg.connect(pg_admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            url = with_database(pg_admin, name)
            loaded = load_text(text)
            api.apply(loaded, url)
            assert api.plan(loaded, url).plan.is_empty
            with psycopg.connect(url) as conn:
                out.append(introspect(conn, ["public", "app"]))
        yield out[0], out[1]
    finally:
        with psycopg.connect(pg_admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("i", range(len(CLAUSES)), ids=IDS)
def test_the_same_catalog_after_apply(applied: tuple[Catalog, Catalog], i: int) -> None:
    short, long = (c.tables[f"public.t{i}"] for c in applied)
    assert short == long
    assert CLAUSES[i][3] in repr(short), f"{CLAUSES[i][0]}: {CLAUSES[i][3]!r} not in the table PostgreSQL holds"


# (clause, the short form, message, where the caret points: the text from there on, hint or None)
MALFORMED = [
    ("type missing", "not null", "starts with its type", "not null", None),
    ("unknown type", "integr not null", "unknown type 'integr'", None, "integer"),
    ("a word after the type", "int autoincrement", '"autoincrement" is not a column constraint',
     "autoincrement", "generated by default as identity"),
    ("MySQL's unsigned", "int unsigned not null", '"unsigned" is not a column constraint', "unsigned",
     "check (column >= 0)"),
    ("unterminated string", "text default 'abc", "unterminated quoted string", "'abc", None),
    ("unterminated identifier", 'text collate "C', "unterminated quoted identifier", '"C', None),
    ("an unknown character", "text default \\x", "unexpected character", "\\x", None),
    ("NOT without NULL", "int not nul", "expected a column constraint", "not nul", None),
    ("NULL and NOT NULL", "int not null null", "conflicting NULL/NOT NULL", "null", None),
    ("NULL on a key", "int primary key null", "conflicting NULL/NOT NULL", "null", None),
    ("NOT NULL NO INHERIT", "int not null no inherit", "NO INHERIT is not declared", "no inherit", None),
    ("CONSTRAINT without a name", "int constraint", "expected the constraint's name", "", None),
    ("CONSTRAINT with a reserved word", "int constraint check check (c > 0)", "reserved word",
     "check check", '"check"'),
    ("CONSTRAINT before nothing it names", "int constraint x collate \"C\"", "CONSTRAINT x: expected NOT NULL",
     'collate', None),
    ("CONSTRAINT on DEFAULT", "int constraint d default 1", "keeps no name for DEFAULT", "default 1", None),
    ("DEFAULT without an expression", "int default", "DEFAULT: expected an expression", "", None),
    ("DEFAULT twice", "int default 1 default 2", "multiple default values", "default 2", None),
    ("DEFAULT not closed", "int default (1 + 2", "not closed", "(1 + 2", None),
    ("DEFAULT that does not parse", "int default 1 +", "does not parse", None, None),
    ("DEFAULT beside an identity", "int generated always as identity default 1",
     "both default and identity", "default 1", None),
    ("CHECK without brackets", "int check c > 0", "CHECK: expected ( the condition )", "c > 0", None),
    ("CHECK not closed", "int check (c > 0", "never closed", "(c > 0", None),
    ("CHECK empty", "int check ()", "the condition is empty", "()", None),
    ("CHECK that does not parse", "int check (c >>> )", "does not parse", None, None),
    ("CHECK DEFERRABLE", "int check (c > 0) deferrable", "misplaced DEFERRABLE clause", "deferrable", None),
    ("CHECK NOT ENFORCED", "int check (c > 0) not enforced", "NOT ENFORCED", "not enforced", None),
    ("NOT VALID", "int references users not valid", "NOT VALID is ALTER TABLE's", "not valid", "not_valid: true"),
    ("ENFORCED on a key", "int unique enforced", "misplaced ENFORCED clause", "enforced", None),
    ("UNIQUE twice", "int unique unique", "UNIQUE twice", "unique", None),
    ("UNIQUE NULLS without DISTINCT", "int unique nulls first", "expected DISTINCT", "first", None),
    ("UNIQUE INCLUDE", "int unique include (c)", "INCLUDE (index parameters of a key)", "include", None),
    ("PRIMARY without KEY", "int primary", "PRIMARY KEY: expected KEY", "", None),
    ("PRIMARY KEY twice", "int primary key primary key", "multiple primary keys", "primary key", None),
    ("PRIMARY KEY WITH", "int primary key with (fillfactor = 70)", "WITH (index parameters", "with", None),
    ("DEFERRABLE twice", "int unique deferrable deferrable", "multiple DEFERRABLE", "deferrable", None),
    ("INITIALLY DEFERRED, NOT DEFERRABLE", "int unique not deferrable initially deferred",
     "INITIALLY DEFERRED must be DEFERRABLE", "initially", None),
    ("INITIALLY without its word", "int unique initially later", "expected DEFERRED or IMMEDIATE", "later", None),
    ("DEFERRABLE before any constraint", "int deferrable unique", "misplaced DEFERRABLE", "deferrable", None),
    ("REFERENCES without a table", "int references (id)", "expected the referenced table's name", "(id)", None),
    ("REFERENCES two columns", "int references users (id, x)", "one column references one column", "(id, x)",
     "foreign_keys"),
    ("REFERENCES catalog.schema.table", "int references a.b.c", "a table is table or schema.table",
     "references", None),
    ("REFERENCES MATCH PARTIAL", "int references users match partial", "MATCH PARTIAL not yet implemented",
     "partial", None),
    ("REFERENCES MATCH after ON", "int references users on delete cascade match full",
     "MATCH comes before ON DELETE", "match", None),
    ("REFERENCES ON what", "int references users on insert cascade", "expected DELETE or UPDATE", "insert", None),
    ("REFERENCES ON DELETE twice", "int references users on delete cascade on delete restrict",
     "ON DELETE twice", "on delete restrict", None),
    ("REFERENCES an unknown action", "int references users on delete explode", "expected NO ACTION",
     "explode", None),
    ("REFERENCES SET NULL (columns)", "int references users on delete set null (c)",
     "SET NULL (columns) is not declared", "(c)", None),
    ("REFERENCES twice", "int references users references users", "REFERENCES twice", "references users",
     "foreign_keys"),
    ("REFERENCES an undeclared table", "int references userz", "references table public.userz", None, None),
    ("GENERATED without ALWAYS", "int generated as identity", "expected ALWAYS or BY DEFAULT", "as identity",
     None),
    ("GENERATED ALWAYS without AS", "int generated always identity", "expected AS", "identity", None),
    ("GENERATED … AS neither", "int generated always as stored", "expected IDENTITY or ( expression )",
     "stored", None),
    ("GENERATED without STORED", "int generated always as (qty * 2)", "VIRTUAL generated column",
     "generated", "STORED"),
    ("GENERATED VIRTUAL", "int generated always as (qty * 2) virtual", "VIRTUAL generated column", "virtual",
     None),
    ("GENERATED BY DEFAULT AS (…)", "int generated by default as (qty) stored", "expected AS IDENTITY",
     "generated", None),
    ("GENERATED twice", "int generated always as (qty) stored generated always as (qty) stored",
     "multiple generation clauses", "generated always as (qty) stored", None),
    ("GENERATED beside a DEFAULT", "int default 1 generated always as (qty) stored",
     "both default and generation expression", "generated", None),
    ("IDENTITY beside GENERATED", "int generated always as (qty) stored generated always as identity",
     "both identity and generation expression", "generated always as identity", None),
    ("IDENTITY twice", "int generated always as identity generated always as identity",
     "multiple identity specifications", "generated always as identity", None),
    ("IDENTITY on text", "text generated always as identity", "smallint, integer or bigint", None, None),
    ("IDENTITY option unknown", "int generated always as identity (begin 1)", "expected START WITH",
     "begin", None),
    ("IDENTITY option twice", "int generated always as identity (start 1 start 2)",
     "conflicting or redundant options", "start 2", None),
    ("IDENTITY option not a number", "int generated always as identity (increment by x)",
     "INCREMENT BY: expected a whole number", "x", None),
    ("IDENTITY AS type", "int generated always as identity (as bigint)", "AS is not declared", "as bigint", None),
    ("IDENTITY options not closed", "int generated always as identity (start 1", "never closed", "(start 1",
     None),
    ("COLLATE without a name", "text collate", "expected a collation's name", "", None),
    ("COLLATE C unquoted", "text collate C", 'collation "c" does not exist', "collate C", 'COLLATE "C"'),
    ("COLLATE twice", 'text collate "C" collate "POSIX"', "multiple COLLATE clauses", 'collate "POSIX"', None),
    ("COLLATE of another schema", "text collate app.mine", "another schema", "collate app.mine", None),
    ("STORAGE", "text storage external", "STORAGE: a column's storage is not declared", "storage", None),
    ("COMPRESSION", "text compression lz4", "COMPRESSION", "compression", None),
]


@pytest.mark.parametrize("clause,short,message,at,hint", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_clause_is_a_located_error(clause: str, short: str, message: str, at: str | None,
                                               hint: str | None) -> None:
    text = BASE + f"  t:\n    columns:\n      qty: int\n      c: {short}\n"
    with pytest.raises(SchemaError) as e:
        load_text(text)
    err = e.value
    assert (err.file, err.line) == ("schema.yaml", text.count("\n")), str(err)
    assert (err.path or "").startswith("tables.t.columns.c"), str(err)
    assert message in err.message, str(err)
    if at is not None:  # the caret under the definition points at the clause that is wrong
        shown, caret = err.message.splitlines()[-2:]
        assert shown.strip() == short.strip()
        assert shown[caret.index("^"):].startswith(at), str(err)
    if hint is not None:
        assert hint in (err.hint or ""), str(err)


_WORDS = ["int", "text", "not", "null", "default", "check", "unique", "primary", "key", "references",
          "users", "on", "delete", "cascade", "generated", "always", "as", "identity", "stored", "by",
          "collate", "constraint", "deferrable", "initially", "deferred", "match", "full", "(", ")", "'a'",
          '"C"', "1", "-", "::", ",", ".", "case", "end", "now()", "/*", "$$", "'", '"']


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=12))
def test_any_text_is_a_column_or_a_located_error(words: list[str]) -> None:
    text = " ".join(words)
    try:
        spec = parse_column(text, lambda t: t in ("int", "text"))
    except ColumnSyntaxError as e:
        assert 0 <= e.position <= len(text)
    else:
        assert isinstance(spec["type"], str)
    doc = BASE + f"  t:\n    columns:\n      c: {{type: int}}\n      d: {json.dumps(text)}\n"
    try:
        load_text(doc)
    except SchemaError as e:
        assert e.line is not None


# -- other tools' words ------------------------------------------------------------------------

# Where each kind's keys are: {key} and {value} are filled in.
PLACES = {
    "schema.yaml": "{key}: {value}\n",
    "table": "tables:\n  t:\n    columns: {{a: int}}\n    {key}: {value}\n",
    "column": "tables:\n  t:\n    columns:\n      a: {{type: int, {key}: {value}}}\n",
    "index": "tables:\n  t:\n    columns: {{a: int}}\n    indexes:\n      i: {{columns: [a], {key}: {value}}}\n",
    "foreign key": "tables:\n  u: {{columns: {{id: int primary key}}}}\n  t:\n    columns: {{a: int}}\n"
                   "    foreign_keys:\n      f: {{columns: [a], references: u, {key}: {value}}}\n",
    "references": "tables:\n  u: {{columns: {{id: int primary key}}}}\n  t:\n"
                  "    columns:\n      a: {{type: int, references: {{to: u, {key}: {value}}}}}\n",
    "check": "tables:\n  t:\n    columns: {{a: int}}\n    checks:\n      c: {{expr: a > 0, {key}: {value}}}\n",
    "trigger": "functions:\n  f: {{returns: trigger, body: x}}\ntables:\n  t:\n    columns: {{a: int}}\n"
               "    triggers:\n      g: {{after: insert, execute: f, {key}: {value}}}\n",
    "function": "functions:\n  f: {{returns: int, body: select 1, {key}: {value}}}\n",
    "sequence": "sequences:\n  s: {{{key}: {value}}}\n",
    "view": "views:\n  v: {{query: select 1 as a, {key}: {value}}}\n",
    "enum": "enums:\n  e: {{values: [a], {key}: {value}}}\n",
    "identity": "tables:\n  t:\n    columns:\n      a: {{type: int, identity: {{{key}: {value}}}}}\n",
}
THEIR_WORDS = [(kind, word, w.ours, w.note, w.invert) for kind, words in WORDS.items()
               if kind != "partition" for w in words for word in w.theirs]  # (a partition's are a table's)


def test_every_kind_has_a_place() -> None:
    assert set(WORDS) - {"partition"} == set(PLACES)


@pytest.mark.parametrize("kind,word,ours,note,invert", THEIR_WORDS,
                         ids=[f"{k}.{w}" for k, w, *_ in THEIR_WORDS])
def test_their_word_gets_ours(kind: str, word: str, ours: str | None, note: str, invert: bool) -> None:
    text = PLACES[kind].format(key=word, value="false")
    with pytest.raises(SchemaError) as e:
        load_text(text)
    assert f"unknown key {word!r}" in e.value.message, str(e.value)
    hint = e.value.hint or ""
    if ours is None:
        assert hint == note
    else:
        assert hint.startswith(f"did you mean `{ours}: {'true' if invert else 'false'}`?"), hint
    assert e.value.line is not None


def test_their_words_spelled_as_ours() -> None:
    cases = {
        "tables:\n  t:\n    columns:\n      a: {type: int, nullable: false}\n": "did you mean `null: false`?",
        "tables:\n  t:\n    columns:\n      a: {type: int, not_null: true}\n": "did you mean `null: false`?",
        "tables:\n  t:\n    columns: {a: jsonb}\n    indexes:\n      i: {columns: [a], method: gin}\n":
            "did you mean `using: gin`?",
        "tables:\n  t:\n    columns: {a: int}\n    indices:\n      i: [a]\n": "did you mean `indexes:`?",
        "tables:\n  t:\n    columns:\n      a: {type: int, pk: true}\n": "did you mean `primary_key: true`?",
        "tables:\n  t:\n    columns:\n      a: {type: int, fk: users.id}\n": "did you mean `references: users.id`?",
        "tables:\n  t:\n    columns:\n      a: {type: int, foreign_key: users.id}\n":
            "did you mean `references: users.id`?",
        "tables:\n  t:\n    columns:\n      a: {type: int, server_default: '0'}\n":
            "did you mean `default: 0`? (an SQL expression is written default: {sql: …})",
    }
    for text, hint in cases.items():
        with pytest.raises(SchemaError) as e:
            load_text(text)
        assert e.value.hint == hint, text


def test_a_misspelling_still_gets_the_closest_key() -> None:
    with pytest.raises(SchemaError) as e:
        load_text("tables:\n  t:\n    columns:\n      a: {type: int, nul: false}\n")
    assert e.value.hint == "did you mean 'null'?"


@pytest.mark.parametrize("word", sorted(DEFINITION_WORDS))
def test_their_word_in_a_column_definition(word: str) -> None:
    for short in (f"int {word}", f"int not null {word}"):  # after the type, after a constraint
        with pytest.raises(SchemaError) as e:
            load_text(f"tables:\n  t:\n    columns:\n      c: {short}\n")
        assert e.value.hint == DEFINITION_WORDS[word], short
        assert e.value.message.splitlines()[-1].index("^") == e.value.message.splitlines()[-2].index(word)


def test_the_docs_list_the_words() -> None:
    doc = (ROOT / "docs" / "schema-yaml.md").read_text()
    assert markdown() in doc, "docs/schema-yaml.md: paste schemacode.load.habits.markdown()"
    for word in DEFINITION_WORDS:
        assert f"| `{word}` |" in doc


# -- a bare default that reads as SQL -----------------------------------------------------------

BARE = [  # (type, default, refused: the hint, or None where the text is the literal)
    ("timestamptz", "now()", "{sql: now()}"),
    ("text", "now()", "{sql: now()}"),
    ("uuid", "gen_random_uuid()", "{sql: gen_random_uuid()}"),
    ("text", "current_user", "{sql: current_user}"),
    ("date", "CURRENT_DATE", "{sql: CURRENT_DATE}"),
    ("jsonb", "'{}'::jsonb", "{sql: \"'{}'::jsonb\"}"),
    ("bigint", "0::bigint", '{sql: "0::bigint"}'),
    ("varchar(20)", "'new'", "written default: new"),
    ("timestamptz", "now", "{sql: now()}"),
    ("date", "today", "{sql: current_date}"),
    ("text", "now", None),
    ("text", "today", None),
    ("timestamptz", "infinity", None),
    ("text", "std::string", None),
    ("text", "user", None),
    ("text", "it's (nearly) done", None),
    ("text", "a 'quoted' word", None),
]


@pytest.mark.parametrize("type_,value,hint", BARE, ids=[f"{t} {v}" for t, v, _ in BARE])
def test_a_bare_default_is_a_literal_or_refused(type_: str, value: str, hint: str | None) -> None:
    text = f"tables:\n  t:\n    columns:\n      a:\n        type: {type_}\n        default: {value!r}\n"
    if hint is None:
        column = load_text(text).catalog.tables["public.t"].columns["a"]
        assert column.default == "'" + value.replace("'", "''") + "'"
        return
    with pytest.raises(SchemaError) as e:
        load_text(text)
    assert e.value.line == 6 and e.value.path == "tables.t.columns.a.default"
    assert hint in (e.value.hint or ""), e.value.hint


def test_in_the_short_form_a_default_is_sql() -> None:
    column = load_text("tables:\n  t:\n    columns:\n      a: timestamptz default now()\n").catalog \
        .tables["public.t"].columns["a"]
    assert column.default == "now()"


def test_the_issue_s_columns() -> None:
    """The lines a new user writes from memory (issue 31) all load."""
    text = """tables:
  users:
    columns:
      id: bigint generated always as identity primary key
  orders:
    columns:
      created_at: timestamptz not null default now()
      status: varchar(20) not null default 'new' check (status in ('new', 'done'))
      user_id: bigint not null references users(id) on delete cascade
      price: numeric(12,2)
      qty: int
      total: numeric(12,2) generated always as (price * qty) stored
      name: text collate "C"
"""
    orders = load_text(text).catalog.tables["public.orders"]
    assert re.search(r"REFERENCES public\.users \(id\) ON DELETE CASCADE", repr(orders))
    assert orders.columns["total"].generated == "price * qty"
    assert orders.columns["name"].collation == '"C"'


def test_a_named_key_on_a_column_is_that_column_s() -> None:
    with pytest.raises(SchemaError) as e:
        load_text("tables:\n  t:\n    columns:\n      a: int constraint t_pk primary key\n"
                  "      b: {type: int, primary_key: true}\n")
    assert e.value.line == 4 and "has several" in e.value.message
    assert "primary_key: {columns: [a, b], …}" in (e.value.hint or "")
