"""Indexes, functions, triggers, enums, extensions, views, sequences, generated columns, domains:
each object kind and each change kind, forward and backward, and the dependency order around them."""
from __future__ import annotations

import pytest

from .acceptance import Case, run_case
from .conftest import Database

FN = """
functions:
  touch_updated_at:
    returns: trigger
    language: plpgsql
    body: |
      BEGIN
        NEW.updated_at = now();
        RETURN NEW;
      END;
"""

T = """
tables:
  items:
    columns:
      id: serial primary key
      email: text
      status: {type: varchar(20), null: false, default: new}
      data: {type: jsonb, null: false, default: {sql: "'{}'::jsonb"}}
      tags: text[]
      score: integer
      during: tstzrange
      created_at: {type: timestamptz, default: {sql: now()}}
      updated_at: {type: timestamptz, default: {sql: now()}}
"""


def idx(text: str) -> str:
    return T + "    indexes:\n" + text


CASES = [
    # -- indexes -------------------------------------------------------------------------
    Case("btree index with order and nulls", T, idx("""      idx_a: [created_at desc nulls last, id]
      idx_b: {columns: [{column: score, order: desc, nulls: first}]}
"""), hazards=frozenset({"lock"})),
    Case("unique, hash, brin, gist indexes", T, idx("""      idx_email_unique: {unique: true, columns: [email]}
      idx_hash: {using: hash, columns: [status]}
      idx_brin: {using: brin, columns: [created_at]}
      idx_gist: {using: gist, columns: [during]}
""")),
    Case("gin indexes with operator classes", T, idx("""      idx_data: {using: gin, columns: [data]}
      idx_data_path: {using: gin, columns: [data], opclass: jsonb_path_ops}
      idx_tags: {using: gin, columns: [tags]}
""")),
    Case("trigram index needs its extension", T, "extensions: [pg_trgm]\n" + idx(
        """      idx_email_trgm: {using: gin, columns: [{column: email, opclass: gin_trgm_ops}]}
""")),
    Case("expression and partial indexes on JSONB", T, idx("""      idx_lower_email: {unique: true, columns: ["lower(email)"]}
      idx_errors:
        columns: [id]
        where: "(data->>'has_errors')::boolean = true"
      idx_review: {columns: ["((data->>'requires_review')::boolean)"]}
      idx_open: {columns: [created_at desc], where: "status = 'open'", include: [score]}
""")),
    Case("changed index is dropped and created, nothing else", T + "    indexes:\n      idx_s: [status]\n"
         "      idx_keep: [score]\n",
         T + "    indexes:\n      idx_s: {columns: [status], where: \"status <> 'done'\"}\n"
         "      idx_keep: [score]\n",
         expect_summary=("- index public.idx_s", "+ index public.idx_s")),
    Case("drop index", idx("      idx_s: [status]\n"), T),
    Case("index comment", idx("      idx_s: [status]\n"),
         idx("      idx_s: {columns: [status], comment: Finds rows by status}\n"),
         expect_summary=("comment on index public.idx_s",)),
    # -- functions and triggers ----------------------------------------------------------
    Case("updated_at trigger, one line per table", T, FN + T + """    triggers:
      items_touch: {before: update, execute: touch_updated_at}
""", expect_summary=("+ function public.touch_updated_at()", "+ trigger items_touch on public.items")),
    Case("function body change is CREATE OR REPLACE", FN + T + """    triggers:
      items_touch: {before: update, execute: touch_updated_at}
""", FN.replace("NEW.updated_at = now();", "NEW.updated_at = clock_timestamp();") + T + """    triggers:
      items_touch: {before: update, execute: touch_updated_at}
""", expect_summary=("~ function public.touch_updated_at() body",)),
    Case("functions with arguments, volatility, security, search_path", T, T + """
functions:
  add_points:
    arguments: "a integer, b integer DEFAULT 1"
    returns: integer
    language: sql
    volatility: immutable
    strict: true
    body: SELECT a + b
  item_count:
    returns: bigint
    language: sql
    volatility: stable
    security: definer
    search_path: [public]
    comment: How many items there are
    body: SELECT count(*) FROM items
"""),
    Case("changed return type drops and creates, recreating its trigger", FN + """  helper:
    returns: integer
    language: sql
    body: SELECT 1
""" + T + """    triggers:
      items_touch: {before: update, execute: touch_updated_at}
""", FN + """  helper:
    returns: bigint
    language: sql
    body: SELECT 1::bigint
""" + T + """    triggers:
      items_touch: {before: update, execute: touch_updated_at}
""", expect_summary=("- function public.helper()", "+ function public.helper()")),
    Case("trigger function volatility change replaces it in place", FN + T + """    triggers:
      items_touch: {before: update, execute: touch_updated_at}
""", FN.replace("returns: trigger", "returns: trigger\n    volatility: stable") + T + """    triggers:
      items_touch: {before: update, execute: touch_updated_at}
"""),
    Case("changed return type recreates the check, index and view calling it", """
functions:
  norm:
    arguments: t text
    returns: varchar
    language: sql
    volatility: immutable
    body: SELECT lower(t)
""" + T + """    checks:
      chk_norm: norm(email) <> 'x'
    indexes:
      idx_norm: ["norm(email)"]
views:
  normed: SELECT norm(email) AS e FROM items
""", """
functions:
  norm:
    arguments: t text
    returns: text
    language: sql
    volatility: immutable
    body: SELECT lower(t)
""" + T + """    checks:
      chk_norm: norm(email) <> 'x'
    indexes:
      idx_norm: ["norm(email)"]
views:
  normed: SELECT norm(email) AS e FROM items
"""),
    Case("trigger options: after, events, update of, statement, when, disabled", FN + T, FN + T + """    triggers:
      t_after: {after: [insert, delete], execute: touch_updated_at, for_each: statement}
      t_update_of: {before: "update of status, score", execute: touch_updated_at}
      t_when:
        before: update
        execute: touch_updated_at
        when: "OLD.status IS DISTINCT FROM NEW.status"
        comment: Only when the status moves
      t_disabled: {before: insert or update, execute: touch_updated_at, enabled: false}
"""),
    Case("trigger disabled and enabled", FN + T + """    triggers:
      t: {before: update, execute: touch_updated_at}
""", FN + T + """    triggers:
      t: {before: update, execute: touch_updated_at, enabled: false}
""", expect_summary=("trigger t on public.items disabled",)),
    Case("trigger definition change", FN + T + """    triggers:
      t: {before: update, execute: touch_updated_at}
""", FN + T + """    triggers:
      t: {before: insert or update, execute: touch_updated_at}
"""),
    # -- enums -------------------------------------------------------------------------------
    Case("enum created and used", "tables: {}\n", """
enums:
  run_status: {values: [initialized, processing, completed, failed], comment: Run states}
tables:
  runs:
    columns:
      id: serial primary key
      status: {type: run_status, null: false, default: initialized}
      history: run_status[]
"""),
    Case("enum value added in position", """
enums:
  run_status: [initialized, completed]
tables:
  runs: {columns: {id: serial primary key, status: run_status}}
""", """
enums:
  run_status: [initialized, processing, completed, failed]
tables:
  runs: {columns: {id: serial primary key, status: run_status}}
""", expect_summary=("+ enum value public.run_status.processing",)),
    Case("enum value renamed", """
enums:
  run_status: [initialized, done]
tables:
  runs: {columns: {id: serial primary key, status: run_status}}
""", """
enums:
  run_status: [initialized, {completed: {renamed_from: done}}]
tables:
  runs: {columns: {id: serial primary key, status: run_status}}
""", data="INSERT INTO runs (status) VALUES ('done')", expect_summary=("→ enum value",)),
    Case("enum value removed rebuilds the type and its columns", """
enums:
  run_status: [initialized, processing, failed]
tables:
  runs:
    columns:
      id: serial primary key
      status: {type: run_status, null: false, default: initialized}
      past: run_status[]
    indexes:
      idx_failed: {columns: [id], where: "status = 'failed'"}
""", """
enums:
  run_status: [initialized, failed]
tables:
  runs:
    columns:
      id: serial primary key
      status: {type: run_status, null: false, default: initialized}
      past: run_status[]
    indexes:
      idx_failed: {columns: [id], where: "status = 'failed'"}
""", hazards=frozenset({"data-loss"}), data="INSERT INTO runs (status) VALUES ('failed')",
         expect_summary=("values removed: processing",)),
    Case("enum dropped with its column", """
enums:
  mood: [ok, sad]
tables:
  t: {columns: {id: serial primary key, m: mood}}
""", "tables:\n  t: {columns: {id: serial primary key}}\n"),
    # -- extensions ----------------------------------------------------------------------------
    Case("extensions with schema and version", "tables: {}\n", """
schemas:
  ext: {}
extensions:
  - citext
  - btree_gin
  - {name: vector, schema: ext}
  - {name: hstore, version: "1.8"}
tables:
  users:
    columns:
      id: serial primary key
      email: citext
      embedding: ext.vector(3)
      attrs: hstore
"""),
    # -- views ---------------------------------------------------------------------------------
    Case("views and a materialized view with an index", T, T + """
views:
  open_items: "SELECT id, email FROM items WHERE status = 'open'"
  open_emails:
    query: SELECT email FROM open_items
    comment: reads another view
  item_stats:
    materialized: true
    query: SELECT status, count(*) AS n FROM items GROUP BY status
    indexes:
      idx_item_stats_status: {unique: true, columns: [status]}
"""),
    Case("changed view query", T + "\nviews:\n  v: SELECT id FROM items\n",
         T + "\nviews:\n  v: SELECT id, email FROM items\n"),
    Case("retyping a column recreates the views, index, check and trigger on it", FN + T + """    checks:
      chk_score: score >= 0
    indexes:
      idx_score: {columns: [score], where: "score > 10"}
    triggers:
      t_score: {before: "update of score", execute: touch_updated_at}
views:
  scores: SELECT id, score FROM items
  top_scores: SELECT id FROM scores WHERE score > 100
""", FN + T.replace("score: integer", "score: bigint") + """    checks:
      chk_score: score >= 0
    indexes:
      idx_score: {columns: [score], where: "score > 10"}
    triggers:
      t_score: {before: "update of score", execute: touch_updated_at}
views:
  scores: SELECT id, score FROM items
  top_scores: SELECT id FROM scores WHERE score > 100
""", data="INSERT INTO items (email, score) VALUES ('a', 5), ('b', 500)"),
    Case("dropping a column drops the view that reads it first", T + "\nviews:\n  v: SELECT id, score FROM items\n",
         T.replace("      score: integer\n", "") + "\nviews:\n  v: SELECT id FROM items\n",
         hazards=frozenset({"data-loss"})),
    # -- sequences, generated columns, identity, domains -----------------------------------------
    Case("sequences", "tables: {}\n", """
sequences:
  order_numbers: {start: 1000, increment: 10, cache: 5, comment: Order numbers}
  small: {type: integer, cycle: true, max: 9999}
tables:
  orders:
    columns:
      id: bigserial primary key
      number: {type: bigint, default: {sql: "nextval('order_numbers')"}}
"""),
    Case("sequence options changed", "sequences:\n  s: {start: 1}\n",
         "sequences:\n  s: {start: 1, increment: 5, cache: 10}\n"),
    Case("identity options", T, T + """      ticket: {type: bigint, identity: {generation: always, start: 1000, increment: 5}}
"""),
    Case("identity options changed", T + "      ticket: {type: bigint, identity: {generation: always, start: 1000}}\n",
         T + "      ticket: {type: bigint, identity: {generation: always, start: 1000, increment: 2, cache: 10}}\n",
         expect_summary=("identity options",)),
    Case("identity column retyped", T + "      ticket: {type: integer, identity: always}\n",
         T + "      ticket: {type: bigint, identity: always}\n", hazards=frozenset({"rewrite"})),
    Case("view with an INSTEAD OF trigger", FN + T, FN + """  insert_open_item:
    returns: trigger
    body: |
      BEGIN
        INSERT INTO items (email, status) VALUES (NEW.email, 'open');
        RETURN NEW;
      END;
""" + T + """
views:
  open_items:
    query: "SELECT DISTINCT id, email FROM items WHERE status = 'open'"
    triggers:
      open_items_insert: {instead_of: insert, execute: insert_open_item}
""", check="WITH i AS (INSERT INTO open_items (email) VALUES ('v') RETURNING email) "
           "SELECT count(*) = 1 FROM i"),  # DISTINCT: only the trigger makes it insertable
    Case("generated column added and changed", T, T + """      score_x2: {type: integer, generated: score * 2}
""", hazards=frozenset({"rewrite"})),
    Case("generated expression changed", T + "      g: {type: integer, generated: score * 2}\n",
         T + "      g: {type: integer, generated: score * 3}\n"),
    Case("domains", "tables: {}\n", """
domains:
  email_address: {type: text, check: "VALUE LIKE '%@%'", comment: An e-mail address}
  positive: {type: integer, null: false, default: 1, checks: {positive_check: VALUE > 0}}
tables:
  contacts:
    columns:
      id: serial primary key
      email: email_address
      n: positive
"""),
    Case("domain constraint changed", """
domains:
  positive: {type: integer, checks: {positive_check: VALUE > 0}}
""", """
domains:
  positive: {type: integer, default: 5, checks: {positive_check: VALUE >= 0}}
"""),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(db: Database, case: Case) -> None:
    run_case(db, case)
