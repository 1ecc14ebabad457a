"""Bad input: one clear message with file, line and YAML path; no database is touched."""
from __future__ import annotations

import pytest

from schemacode.errors import SchemaError
from schemacode.load import load_text

OK_TABLE = """
tables:
  users:
    columns:
      id: serial primary key
      email: text
"""

# (name, yaml, line, path fragment, message fragment, hint fragment or None)
BAD = [
    ("malformed yaml", "tables:\n  users: [a\n  b: 1\n", 3, None, "invalid YAML", None),
    ("a NUL byte", "tables:\n  t:\n    columns: {a: int}\x00\n", 3, None, "control character '\\x00'",
     "binary file"),
    ("a control character", "tables:\n  t:\x07\n", 2, None, "control character", None),
    ("unknown sequence key", "sequences:\n  s: {owned: t.id}\n", 2, "sequences.s.owned", "unknown key", None),
    ("sequence owner missing", "tables:\n  t: {columns: {id: int}}\nsequences:\n  s: {owned_by: t.nope}\n",
     4, "sequences.s.owned_by", "nope", None),
    ("constraint option on the wrong kind", "tables:\n  t:\n    columns: {a: int}\n    unique:\n"
     "      u: {columns: [a], not_valid: true}\n", 5, None, "unknown key 'not_valid'", None),
    ("exclusion element without operator", "tables:\n  t:\n    columns: {a: int}\n    exclude:\n"
     "      x: {elements: [a]}\n", 5, "tables.t.exclude.x.elements[0]", "expression WITH operator", None),
    ("procedure with returns", "functions:\n  p: {kind: procedure, returns: int, body: x}\n", 2,
     "functions.p.returns", "returns nothing", None),
    ("function with two bodies", "functions:\n  f: {returns: int, body: x, sql_body: RETURN 1}\n", 2,
     "functions.f", "both body: and sql_body:", None),
    ("deferrable plain trigger", "functions:\n  f: {returns: trigger, body: x}\ntables:\n  t:\n"
     "    columns: {a: int}\n    triggers:\n      g: {after: insert, execute: f, deferrable: true}\n",
     7, None, "only a constraint trigger", None),
    ("view option on a materialized view", "views:\n  v: {query: SELECT 1 AS a, materialized: true, "
     "check_option: local}\n", 2, None, "not materialized views", None),
    ("duplicate key", "tables:\n  users:\n    columns: {id: int}\n  users:\n    columns: {id: int}\n",
     4, None, "duplicate key 'users'", None),
    ("unknown top-level key", "tabels:\n  users: {}\n", 1, "tabels", "unknown key 'tabels'", "tables"),
    ("unknown column key", "tables:\n  t:\n    columns:\n      id: {type: int, nul: false}\n",
     4, "tables.t.columns.id.nul", "unknown key 'nul'", "'null'"),
    ("unknown table key", "tables:\n  t:\n    colums:\n      id: int\n", 3, "tables.t.colums",
     "unknown key 'colums'", "'columns'"),
    ("unknown type", "tables:\n  t:\n    columns:\n      id: {type: integr}\n", 4,
     "tables.t.columns.id.type", "unknown type 'integr'", "integer"),
    ("unknown type short form", "tables:\n  t:\n    columns:\n      id: timestampz\n", 4,
     "tables.t.columns.id", "unknown type 'timestampz'", "timestamptz"),
    ("extension type without extension", "tables:\n  t:\n    columns:\n      e: citext\n", 4,
     None, "extension citext", None),
    ("fk to missing table", "tables:\n  t:\n    columns:\n      u: {type: int, references: userz.id}\n",
     4, "tables.t.columns.u.references", "references table public.userz", None),
    ("fk to missing column", OK_TABLE + "  posts:\n    columns:\n      u: {type: int, references: users.idd}\n",
     9, "tables.posts.columns.u.references", "column 'idd' does not exist in table public.users",
     "'id'"),
    ("duplicate table", "tables:\n  t: {columns: {a: int}}\n  public.t: {columns: {a: int}}\n", 3,
     "tables.public.t", "declared twice", None),
    ("duplicate index name", "tables:\n  t:\n    columns: {a: int}\n    indexes: {i: [a]}\n"
     "  u:\n    columns: {a: int}\n    indexes: {i: [a]}\n", 7, "tables.u.indexes.i", "declared twice", None),
    ("check does not parse", "tables:\n  t:\n    columns: {a: int}\n    checks:\n      c: a >> > 1\n",
     5, "tables.t.checks.c", "does not parse", None),
    ("default sql does not parse", "tables:\n  t:\n    columns:\n      a: {type: int, default: {sql: '1 +'}}\n",
     4, "tables.t.columns.a.default", "does not parse", None),
    ("function call as literal", "tables:\n  t:\n    columns:\n      a: {type: timestamptz, default: now()}\n",
     4, "tables.t.columns.a.default", "literal", "{sql: now()}"),
    ("check on a missing column", "tables:\n  t:\n    columns: {a: int}\n    checks:\n      c: b > 1\n",
     5, "tables.t.checks.c", "column 'b' does not exist", None),
    ("index on a missing column", "tables:\n  t:\n    columns: {a: int}\n    indexes:\n      i: [b]\n",
     5, "tables.t.indexes.i.columns[0]", "column 'b' does not exist", None),
    ("unknown index method", "tables:\n  t:\n    columns: {a: int}\n    indexes:\n      i: {using: gim, columns: [a]}\n",
     5, "tables.t.indexes.i.using", "unknown index method 'gim'", "gin"),
    ("unknown operator class", "tables:\n  t:\n    columns: {a: jsonb}\n    indexes:\n"
     "      i: {using: gin, columns: [a], opclass: jsonb_pathops}\n", 5, "tables.t.indexes.i.columns[0]",
     "unknown operator class 'jsonb_pathops'", "jsonb_path_ops"),
    ("operator class of an undeclared extension", "tables:\n  t:\n    columns: {a: text}\n    indexes:\n"
     "      i: {using: gin, columns: [{column: a, opclass: gin_trgm_ops}]}\n", 5, None,
     "comes with the extension pg_trgm", "extensions: [pg_trgm]"),
    ("trigger function not declared", "tables:\n  t:\n    columns: {a: int}\n    triggers:\n"
     "      tr: {before: update, execute: touch}\n", 5, "tables.t.triggers.tr.execute",
     "not declared", None),
    ("view that does not parse", "views:\n  v: {query: 'SELEC 1'}\n", 2, "views.v.query",
     "does not parse", None),
    ("on_delete without references", "tables:\n  t:\n    columns:\n      a: {type: int, on_delete: cascade}\n",
     4, "tables.t.columns.a.on_delete", "goes with references", None),
    ("bad fk action", OK_TABLE + "  p:\n    columns:\n      u: {type: int, references: users, on_delete: explode}\n",
     9, "tables.p.columns.u.references", "on_delete is one of", None),
    ("null must be boolean", "tables:\n  t:\n    columns:\n      a: {type: int, null: nope}\n",
     4, "tables.t.columns.a.null", "true or false", None),
    ("reserved schema", "tables:\n  schemacode.t:\n    columns: {a: int}\n", 2, "tables.schemacode.t",
     "reserved", None),
    ("no columns", "tables:\n  t: {comment: x}\n", 2, "tables.t.columns", "needs columns", None),
    ("comma inside a flow mapping", "tables:\n  t:\n    columns:\n      a: {type: numeric(5,2)}\n", 4,
     None, "unknown key '2)'", "quote"),
    ("sql injection in type", "tables:\n  t:\n    columns:\n      a: 'int; drop table x'\n", 4, None,
     "not a type", None),
]


@pytest.mark.parametrize("name,text,line,path,message,hint", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_located(name: str, text: str, line: int, path: str | None, message: str,
                              hint: str | None) -> None:
    with pytest.raises(SchemaError) as info:
        load_text(text, "schema.yaml")
    e = info.value
    assert e.file == "schema.yaml"
    assert e.line == line, str(e)
    if path:
        assert e.path == path, str(e)
    assert message in str(e)
    if hint:
        assert hint in (e.hint or ""), str(e)
    assert "Traceback" not in str(e)


def test_short_forms_and_long_forms_mean_the_same() -> None:
    short = load_text("""
tables:
  users:
    columns:
      id: serial primary key
      email: text not null unique
""").catalog
    long = load_text("""
tables:
  users:
    columns:
      id: {type: serial, primary_key: true}
      email: {type: text, null: false, unique: true}
""").catalog
    assert short == long


def test_null_key_is_not_yaml_null() -> None:
    col = load_text("tables:\n  t:\n    columns:\n      a: {type: int, null: false}\n").catalog \
        .tables["public.t"].columns["a"]
    assert col.not_null


def test_bare_default_is_a_literal_and_sql_is_marked() -> None:
    t = load_text("""
tables:
  t:
    columns:
      s: {type: text, default: "it's"}
      n: {type: int, default: 3}
      b: {type: boolean, default: false}
      ts: {type: timestamptz, default: {sql: now()}}
""").catalog.tables["public.t"]
    assert t.columns["s"].default == "'it''s'"
    assert t.columns["n"].default == "3"
    assert t.columns["b"].default == "false"
    assert t.columns["ts"].default == "now()"
