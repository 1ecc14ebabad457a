"""Schemas the codegen tests (and bench/codegen.py) generate from: one with every feature the
outputs express, and a many-table one made from a seed."""
from __future__ import annotations

import importlib
import random
import sys
from pathlib import Path
from types import ModuleType

from schemacode import api
from schemacode.load import LoadedSchema

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = [ROOT / "schema.yaml", *sorted((ROOT / "examples").glob("*/schema.yaml"))]

RICH = """
schemas:
  billing: {comment: Money}
enums:
  mood: {values: [happy, sad, "so-so"], comment: How it went}
  billing.currency: [eur, usd]
domains:
  positive_int: {type: integer, check: VALUE > 0}
functions:
  touch:
    returns: trigger
    body: BEGIN NEW.updated_at = now(); RETURN NEW; END;
tables:
  people:
    comment: Everyone
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      name: {type: varchar(100), null: false, collation: C}
      email: {type: text, null: false, comment: Their address}
      mood: {type: mood, null: false, default: happy}
      moods: mood[]
      manager_id: {type: bigint, references: people.id, on_delete: set null}
      score: {type: "numeric(5,2)", default: 0}
      height_cm: {type: integer}
      height_in: {type: numeric, generated: height_cm / 2.54}
      seen_at: {type: "timestamp(3) with time zone", default: {sql: now()}}
      wake_up: time
      span: interval
      tags: {type: "text[]", null: false, default: {sql: "'{}'::text[]"}}
      data: jsonb
      doc: json
      raw: bytea
      address: inet
      ref: uuid
      letter: char(1)
      ratio: real
      precise: double precision
      flag: boolean
      day: date
      visits: {type: positive_int}
      updated_at: {type: timestamptz, null: false, default: {sql: now()}}
    unique:
      uq_people_email: [email]
    checks:
      chk_people_score: score BETWEEN 0 AND 100
      chk_people_name: length(name) > 0
    indexes:
      idx_people_lower_email: {columns: ["lower(email)"], unique: true}
      idx_people_seen: {columns: [seen_at desc], include: [name], comment: Latest first}
      idx_people_happy: {columns: [name], where: "mood = 'happy'"}
      idx_people_data: {using: gin, columns: [data], opclass: jsonb_path_ops}
      idx_people_tags: {using: gin, columns: [tags]}
    triggers:
      people_touch: {before: update, execute: touch}
  profiles:
    comment: One per person
    columns:
      person_id: {type: bigint, primary_key: true, references: {to: people.id, on_delete: cascade}}
      bio: text
  billing.accounts:
    comment: Accounts, in a schema of their own
    columns:
      id: {type: integer, identity: by default, primary_key: true}
      owner_id: {type: bigint, null: false, references: {to: people.id, on_delete: restrict, on_update: cascade}}
      backup_owner_id: {type: bigint, references: people.id}
      currency: {type: billing.currency, null: false, default: eur}
      balance: {type: "numeric(12,2)", null: false, default: 0}
      number: {type: varchar(20), null: false}
    unique:
      uq_accounts_number: {columns: [currency, number], nulls_not_distinct: true}
    checks:
      chk_balance: balance >= 0
  billing.entries:
    columns:
      account_id: {type: integer, null: false}
      seq: {type: integer, null: false}
      amount: {type: "numeric(12,2)", null: false}
      note: text
    primary_key: [account_id, seq]
    foreign_keys:
      fk_entries_account: {columns: [account_id], references: {table: billing.accounts, columns: [id]},
                           on_delete: cascade, deferrable: true, initially_deferred: true}
  events:
    comment: No primary key
    columns:
      at: {type: timestamptz, null: false}
      kind: {type: varchar(20), null: false}
      "class": text
      user-id: bigint
      metadata: jsonb
  counters:
    columns:
      id: serial primary key
      ticket: {type: bigserial, null: false}
      n: {type: smallint, null: false, default: 0}
views:
  happy_people: SELECT id, name, email FROM people WHERE mood = 'happy'
  billing.balances:
    materialized: true
    query: SELECT owner_id, sum(balance) AS total FROM billing.accounts GROUP BY owner_id
"""

_TYPES = ["text", "varchar(100)", "integer", "bigint", "boolean", "numeric(12,2)", "jsonb",
          "timestamptz", "date", "uuid", "text[]", "smallint", "mood", "double precision"]


def many_tables(n: int, seed: int = 11) -> str:
    """``n`` tables of 6 to 14 columns: every type above, defaults, keys onto earlier tables
    (some twice onto the same one), unique and check constraints, DESC, partial, expression and
    GIN indexes, comments."""
    out = ["enums:", "  mood: [happy, sad]", "tables:"]
    for i in range(n):
        r = random.Random(seed * 1_000_003 + i)
        cols = ["      id: bigserial primary key"]
        checks, indexes, unique = [], [], []
        for j in range(r.randint(5, 13)):
            t = r.choice(_TYPES)
            spec = [f"type: {t!r}" if "(" in t or "[" in t else f"type: {t}"]
            if r.random() < 0.4:
                spec.append("null: false")
            if r.random() < 0.3:
                spec.append({"text": "default: x", "varchar(100)": "default: new", "integer": "default: 0",
                             "bigint": "default: 1", "boolean": "default: false",
                             "numeric(12,2)": "default: 0", "jsonb": "default: {sql: \"'{}'::jsonb\"}",
                             "timestamptz": "default: {sql: now()}", "date": "default: {sql: CURRENT_DATE}",
                             "uuid": "default: {sql: gen_random_uuid()}",
                             "text[]": "default: {sql: \"'{}'::text[]\"}", "smallint": "default: 2",
                             "mood": "default: happy", "double precision": "default: 0.5"}[t])
            if r.random() < 0.3:
                spec.append(f"comment: column {j} of t{i}")
            cols.append(f"      c{j}: {{{', '.join(spec)}}}")
            if t in ("integer", "numeric(12,2)", "smallint") and r.random() < 0.3:
                checks.append(f"      chk_t{i}_c{j}: c{j} >= 0")
            if t in ("text", "varchar(100)") and r.random() < 0.3:
                checks.append(f"      chk_t{i}_c{j}_len: length(c{j}) > 0")
            if r.random() < 0.15:
                indexes.append(f"      idx_t{i}_c{j}: [c{j} desc]")
            elif t == "jsonb" and r.random() < 0.5:
                indexes.append(f"      idx_t{i}_c{j}_gin: {{using: gin, columns: [c{j}]}}")
            elif t == "text" and r.random() < 0.3:
                indexes.append(f"      idx_t{i}_c{j}_lower: ['lower(c{j})']")
            elif t == "boolean" and r.random() < 0.5:
                indexes.append(f"      idx_t{i}_c{j}_on: {{columns: [id], where: c{j}}}")
            elif t == "bigint" and r.random() < 0.3:
                unique.append(f"      uq_t{i}_c{j}: [c{j}, id]")
        if i and r.random() < 0.6:
            parent = r.randrange(i)
            cols.append(f"      parent_id: {{type: bigint, references: t{parent}.id, on_delete: cascade}}")
            indexes.append(f"      idx_t{i}_parent: [parent_id]")
            if r.random() < 0.3:
                cols.append(f"      other_id: {{type: bigint, null: false, references: t{parent}.id}}")
        out.append(f"  t{i}:")
        if r.random() < 0.5:
            out.append(f"    comment: Table number {i}")
        out.append("    columns:")
        out += cols
        for key, block in (("checks", checks), ("indexes", indexes), ("unique", unique)):
            if block:
                out.append(f"    {key}:")
                out += block
    return "\n".join(out) + "\n"


def generate_package(loaded: LoadedSchema, where: Path, name: str, outputs: list[str],
                     dev_url: str | None = None) -> ModuleType:
    """Generate the package ``name`` under ``where`` and import it (as a fresh module)."""
    api.generate(loaded, where / name, dev_url, models=outputs)
    for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[mod]
    sys.path.insert(0, str(where))
    try:
        package = importlib.import_module(name)
        for module in sorted((where / name).glob("*.py")):  # every module of it, as attributes
            importlib.import_module(f"{name}.{module.stem}")
        return package
    finally:
        sys.path.remove(str(where))


def import_module(where: Path, name: str) -> ModuleType:
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(where))
