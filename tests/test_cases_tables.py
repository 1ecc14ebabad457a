"""Tables, columns, keys, constraints and comments: every change kind, forward and backward."""
from __future__ import annotations

import pytest

from .acceptance import Case, run_case
from .conftest import Database

BASE = """
tables:
  users:
    columns:
      id: bigserial primary key
      email: {type: text, null: false}
"""

ALL_TYPES = """
tables:
  everything:
    columns:
      a_smallint: smallint
      a_integer: integer
      a_bigint: bigint
      a_serial: serial
      a_bigserial: bigserial
      a_identity: {type: bigint, identity: always}
      a_numeric: numeric(12,2)
      a_real: real
      a_double: double precision
      a_bool: boolean
      a_text: text
      a_varchar: varchar(50)
      a_char: char(3)
      a_uuid: uuid
      a_json: json
      a_jsonb: jsonb
      a_date: date
      a_time: time
      a_timestamp: timestamp
      a_timestamptz: timestamptz
      a_interval: interval
      a_bytea: bytea
      a_inet: inet
      a_text_array: text[]
      a_int_array: "integer[]"
      a_uuid_array: uuid[]
      a_tstz_array: timestamptz[]
"""

CASES = [
    Case("add table", BASE, BASE + """
  posts:
    comment: Blog posts
    columns:
      id: serial primary key
      title: {type: varchar(200), null: false, comment: The title}
""", expect_summary=("+ table public.posts",)),
    Case("drop table", BASE + """
  posts:
    columns:
      id: serial primary key
""", BASE, hazards=frozenset({"data-loss"}), data="INSERT INTO posts DEFAULT VALUES",
         expect_summary=("- table public.posts",)),
    Case("every common type", BASE, BASE + ALL_TYPES.replace("tables:\n", "")),
    Case("add column with default", BASE, BASE + """      status: {type: varchar(50), null: false, default: initialized}
      created_at: {type: timestamptz, default: {sql: now()}}
      score: {type: integer, default: 0}
      active: {type: boolean, default: true}
      tags: {type: "text[]", default: {sql: "'{}'::text[]"}}
""", data="INSERT INTO users (email) VALUES ('a@b.c')"),
    Case("drop column", BASE.replace("null: false}", "null: false}\n      name: text"), BASE,
         hazards=frozenset({"data-loss"}), expect_summary=("- column public.users.name",)),
    Case("type change text to jsonb (USING)", BASE + "      prefs: text\n",
         BASE + "      prefs: jsonb\n", hazards=frozenset({"rewrite"}),
         data="""INSERT INTO users (email, prefs) VALUES ('a', '{"x": 1}')""",
         expect_summary=("type text → jsonb",), check="SELECT prefs->>'x' = '1' FROM users"),
    Case("type change integer to bigint", BASE + "      n: integer\n", BASE + "      n: bigint\n",
         hazards=frozenset({"rewrite"}), no_hazards=frozenset({"data-loss"})),
    Case("narrowing bigint to integer", BASE + "      n: bigint\n", BASE + "      n: integer\n",
         hazards=frozenset({"data-loss"})),
    Case("varchar widening is free", BASE + "      n: varchar(10)\n", BASE + "      n: varchar(100)\n",
         no_hazards=frozenset({"rewrite", "data-loss"})),
    Case("text to varchar narrows", BASE + "      n: text\n", BASE + "      n: varchar(10)\n",
         hazards=frozenset({"data-loss"})),
    Case("type change with a default", BASE + "      n: {type: integer, default: 1}\n",
         BASE + "      n: {type: text, default: one}\n"),
    Case("type change with explicit using", BASE + "      flag: text\n",
         BASE + "      flag: {type: boolean, using: \"flag = 'yes'\"}\n",
         data="INSERT INTO users (email, flag) VALUES ('a', 'yes'), ('b', 'no')",
         check="SELECT array_agg(flag ORDER BY email) = '{t,f}' FROM users"),
    Case("serial to bigserial", BASE.replace("bigserial", "serial"), BASE),
    Case("set default", BASE + "      n: integer\n", BASE + "      n: {type: integer, default: 5}\n",
         expect_summary=("default none → 5",)),
    Case("drop default", BASE + "      n: {type: integer, default: 5}\n", BASE + "      n: integer\n"),
    Case("change default expression", BASE + "      t: {type: timestamptz, default: {sql: now()}}\n",
         BASE + "      t: {type: timestamptz, default: {sql: \"now() + interval '1 day'\"}}\n"),
    Case("set not null", BASE + "      n: integer\n", BASE + "      n: {type: integer, null: false}\n",
         hazards=frozenset({"lock"})),
    Case("drop not null", BASE + "      n: {type: integer, null: false}\n", BASE + "      n: integer\n"),
    Case("identity added and removed", BASE + "      n: {type: integer, null: false}\n",
         BASE + "      n: {type: integer, identity: by default}\n"),
    Case("identity always to by default", BASE + "      n: {type: integer, identity: always}\n",
         BASE + "      n: {type: integer, identity: by default}\n"),
    Case("composite primary key", """
tables:
  memberships:
    columns:
      user_id: {type: bigint, null: false}
      group_id: {type: bigint, null: false}
""", """
tables:
  memberships:
    primary_key: [user_id, group_id]
    columns:
      user_id: {type: bigint, null: false}
      group_id: {type: bigint, null: false}
""", hazards=frozenset({"lock"})),
    Case("replace primary key", """
tables:
  m:
    primary_key: [a]
    columns: {a: {type: int, null: false}, b: {type: int, null: false}}
""", """
tables:
  m:
    primary_key: {columns: [a, b], name: m_pk}
    columns: {a: {type: int, null: false}, b: {type: int, null: false}}
"""),
    Case("add foreign key with actions", BASE + """
  posts:
    columns:
      id: serial primary key
      author_id: bigint
""", BASE + """
  posts:
    columns:
      id: serial primary key
      author_id: {type: bigint, references: users.id, on_delete: set null, on_update: cascade}
""", hazards=frozenset({"lock"}), expect_summary=("+ foreign key posts_author_id_fkey",)),
    Case("drop foreign key", BASE + """
  posts:
    columns:
      id: serial primary key
      author_id: {type: bigint, references: users}
""", BASE + """
  posts:
    columns:
      id: serial primary key
      author_id: bigint
"""),
    Case("replace foreign key action", BASE + """
  posts:
    columns:
      id: serial primary key
      author_id: {type: bigint, references: users.id}
""", BASE + """
  posts:
    columns:
      id: serial primary key
      author_id: {type: bigint, references: users.id, on_delete: cascade}
"""),
    Case("composite deferrable foreign key", """
tables:
  parent:
    primary_key: [a, b]
    columns: {a: {type: int, null: false}, b: {type: int, null: false}}
  child:
    columns: {id: serial primary key, pa: int, pb: int}
""", """
tables:
  parent:
    primary_key: [a, b]
    columns: {a: {type: int, null: false}, b: {type: int, null: false}}
  child:
    columns: {id: serial primary key, pa: int, pb: int}
    foreign_keys:
      fk_child_parent:
        columns: [pa, pb]
        references: {table: parent, columns: [a, b]}
        on_delete: cascade
        deferrable: true
        initially_deferred: true
"""),
    Case("tables referencing each other (a cycle)", "tables: {}\n", """
tables:
  a:
    columns:
      id: serial primary key
      b_id: {type: integer, references: b.id}
  b:
    columns:
      id: serial primary key
      a_id: {type: integer, references: a.id}
"""),
    Case("drop tables referencing each other", """
tables:
  keep: {columns: {id: serial primary key}}
  a:
    columns:
      id: serial primary key
      b_id: {type: integer, references: b.id}
  b:
    columns:
      id: serial primary key
      a_id: {type: integer, references: a.id}
""", "tables:\n  keep: {columns: {id: serial primary key}}\n", hazards=frozenset({"data-loss"})),
    Case("multi-column unique", BASE + "      org: text\n", """
tables:
  users:
    columns:
      id: bigserial primary key
      email: {type: text, null: false}
      org: text
    unique:
      uq_users_org_email: [org, email]
"""),
    Case("unique column flag and replace", BASE + "      handle: {type: text, unique: true}\n",
         BASE + "      handle: {type: text, unique: uq_handle}\n"),
    Case("check constraints add, replace, drop", """
tables:
  runs:
    columns:
      id: serial primary key
      status: {type: varchar(50), null: false, default: initialized}
      n: integer
    checks:
      chk_status: status IN ('initialized', 'processing')
      chk_n: n > 0
""", """
tables:
  runs:
    columns:
      id: serial primary key
      status: {type: varchar(50), null: false, default: initialized}
      n: integer
    checks:
      chk_status: status IN ('initialized', 'processing', 'completed', 'failed')
      chk_other: "n IS NULL OR n < 1000"
"""),
    Case("comments on table and column", BASE, """
tables:
  users:
    comment: People who sign in
    columns:
      id: {type: bigserial, primary_key: true, comment: "Surrogate key; it's 'stable'"}
      email: {type: text, null: false, comment: Login e-mail}
""", expect_summary=("comment on table public.users", "comment on column public.users.email")),
    Case("comment changed and removed", """
tables:
  users:
    comment: old
    columns:
      id: {type: bigserial, primary_key: true, comment: old id}
""", """
tables:
  users:
    comment: new
    columns:
      id: {type: bigserial, primary_key: true}
"""),
    Case("awkward identifiers", "tables: {}\n", """
schemas:
  My App: {comment: a schema with a space}
tables:
  My App.User Accounts:
    comment: capitals and spaces
    columns:
      "Id": serial primary key
      "select": text
      'say "hi"': {type: text, default: "it's"}
      user: {type: text, unique: true}
    checks:
      "Check It": "length(\\"select\\") > 0"
    indexes:
      "Idx Select": ['"select"']
"""),
    Case("new schema with tables", "tables: {}\n", """
schemas:
  app: {comment: The application}
tables:
  app.runs:
    columns:
      id: serial primary key
  app.items:
    columns:
      id: serial primary key
      run_id: {type: integer, references: app.runs.id}
"""),
    Case("rename column keeps its data", BASE + "      name: text\n",
         BASE + "      full_name: {type: text, renamed_from: name}\n",
         no_hazards=frozenset({"data-loss"}), data="INSERT INTO users (email, name) VALUES ('a', 'Ann')",
         expect_summary=("→ column public.users.name → full_name",),
         check="SELECT full_name = 'Ann' FROM users"),
    Case("rename table keeps its data", BASE + "      handle: {type: text, unique: true}\n    indexes:\n"
         "      users_email_idx: [email]\n      by_email: [email, id]\n",
         BASE.replace("  users:\n", "  people:\n    renamed_from: users\n")
         + "      handle: {type: text, unique: true}\n    indexes:\n      people_email_idx: [email]\n"
           "      by_email: [email, id]\n",
         no_hazards=frozenset({"data-loss", "lock"}), data="INSERT INTO users (email) VALUES ('a')",
         expect_summary=("→ table public.users → public.people",
                         "→ constraint users_pkey → people_pkey on public.people",
                         "→ constraint users_handle_key → people_handle_key on public.people",
                         "→ index public.users_email_idx → people_email_idx"),
         check="SELECT count(*) = 1 FROM people"),
    Case("rename a referenced table: its foreign keys follow, nothing is rebuilt", BASE + """
  posts:
    columns:
      id: serial primary key
      author_id: {type: bigint, references: users.id}
""", BASE.replace("  users:\n", "  people:\n    renamed_from: users\n") + """
  posts:
    columns:
      id: serial primary key
      author_id: {type: bigint, references: people.id}
""", no_hazards=frozenset({"lock", "data-loss"}),
         expect_summary=("→ table public.users → public.people",)),
    Case("retyping a key column recreates the foreign keys on it", """
tables:
  parent: {columns: {id: {type: integer, primary_key: true}}}
  child:
    columns:
      id: serial primary key
      parent_id: {type: integer, references: parent.id}
""", """
tables:
  parent: {columns: {id: {type: bigint, primary_key: true}}}
  child:
    columns:
      id: serial primary key
      parent_id: {type: bigint, references: parent.id}
"""),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(db: Database, case: Case) -> None:
    run_case(db, case)
