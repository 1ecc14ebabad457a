"""Plans as light as PostgreSQL allows: what ALTER COLUMN … TYPE carries is not rebuilt, and a
view that only gains columns is replaced in place."""
from __future__ import annotations

from schemacode import api

from .conftest import Database

OLD = """
tables:
  people:
    columns:
      id: int primary key
      name: {type: varchar(50), unique: true}
      age: int
    indexes:
      people_name: [name]
      people_name_lower: ["lower(name)"]
      people_adults: {columns: [id], where: age >= 18}
views:
  names: {query: "SELECT id, name FROM people", comment: Names only}
  name_count: SELECT count(*) AS n FROM names
"""


def _relfilenode(db: Database, index: str) -> int:
    return int(db.execute(f"SELECT relfilenode FROM pg_class WHERE relname = '{index}'")[0][0])


def test_widening_a_varchar_keeps_its_indexes_and_keys(db: Database) -> None:
    api.apply(db.load(OLD), db.url)
    db.execute("INSERT INTO people SELECT g, 'p' || g, g % 90 FROM generate_series(1, 1000) g")
    before = {i: _relfilenode(db, i) for i in ("people_name", "people_name_key", "people_pkey")}
    new = db.load(OLD.replace("varchar(50)", "varchar(100)"))
    planned = api.plan(new, db.url).plan
    sql = [s.sql for s in planned.forward]
    assert not [s for s in sql if "people_name " in s or "people_name_key" in s or "people_pkey" in s], sql
    assert "ALTER TABLE public.people ALTER COLUMN name TYPE character varying(100) USING name::character varying(100)" in sql
    assert not planned.hazards("rewrite") and not planned.hazards("data-loss")
    # the view reading the column cannot stay (PostgreSQL refuses), nor the one reading it
    assert "DROP VIEW public.names" in sql and "DROP VIEW public.name_count" in sql
    api.apply(new, db.url)
    assert {i: _relfilenode(db, i) for i in before} == before  # not rebuilt: a catalog change
    assert db.execute("SELECT obj_description('names'::regclass)") == [("Names only",)]
    assert api.plan(new, db.url).plan.is_empty


def test_an_integer_key_made_bigint_is_rebuilt_by_postgres_not_dropped(db: Database) -> None:
    api.apply(db.load(OLD), db.url)
    new = db.load(OLD.replace("id: int primary key", "id: bigint primary key"))
    sql = [s.sql for s in api.plan(new, db.url).plan.forward]
    assert not [s for s in sql if "CONSTRAINT people_pkey" in s], sql
    api.apply(new, db.url)
    assert api.plan(new, db.url).plan.is_empty
    planned_back = api.plan(db.load(OLD), db.url).plan
    assert not [s for s in planned_back.forward if "people_pkey" in s.sql]


def test_a_view_that_gains_a_trailing_column_is_replaced_in_place(db: Database) -> None:
    api.apply(db.load(OLD), db.url)
    oid = db.execute("SELECT 'names'::regclass::oid")
    new = db.load(OLD.replace("SELECT id, name FROM people", "SELECT id, name, age FROM people"))
    planned = api.plan(new, db.url).plan
    assert [c.summary() for c in planned.changes] == ["~ view public.names query"]
    assert planned.forward[0].sql.startswith("CREATE OR REPLACE VIEW public.names AS")
    api.apply(new, db.url)
    assert db.execute("SELECT 'names'::regclass::oid") == oid
    assert api.plan(new, db.url).plan.is_empty
    # Back: a column cannot be taken off a view in place; it is dropped and created again.
    back = [s.sql for s in planned.backward]
    assert "DROP VIEW public.names" in back and "DROP VIEW public.name_count" in back
    db.run_script(planned.backward)
    assert api.plan(db.load(OLD), db.url).plan.is_empty


def test_a_view_created_again_gets_back_its_grants_and_owner(db: Database) -> None:
    role = f"reader_{db.name}"
    owner = f"owner_{db.name}"
    db.execute(f"CREATE ROLE {role}; CREATE ROLE {owner}")
    try:
        api.apply(db.load(OLD), db.url)
        db.execute(f"GRANT SELECT ON names TO {role} WITH GRANT OPTION; GRANT SELECT ON names TO PUBLIC;"
                   f"ALTER VIEW name_count OWNER TO {owner}")
        acl = "SELECT relname, relacl::text, relowner::regrole::text FROM pg_class WHERE relname IN ('names', 'name_count') ORDER BY 1"
        before = db.execute(acl)
        new = db.load(OLD.replace("varchar(50)", "varchar(100)"))
        planned = api.plan(new, db.url).plan
        sql = [s.sql for s in planned.forward]
        assert f"GRANT SELECT ON TABLE public.names TO {role} WITH GRANT OPTION" in sql
        assert f"ALTER VIEW public.name_count OWNER TO {owner}" in sql
        api.apply(new, db.url)
        assert db.execute(acl) == before
        assert db.execute("SELECT obj_description('names'::regclass)") == [("Names only",)]
        # and the backward plan gives them back as well
        db.run_script(planned.backward)
        assert db.execute(acl) == before
    finally:
        db.execute(f"DROP OWNED BY {role}, {owner}; DROP ROLE {role}; DROP ROLE {owner}")


CHECKED = """
tables:
  people:
    columns:
      id: int primary key
      name: {type: varchar(50), check: "name IN ('a', 'b')"}
"""


def test_a_check_on_a_widened_column_is_validated_without_blocking_writes_online(db: Database) -> None:
    """ALTER COLUMN … TYPE re-adds a check on the column itself (a new constraint, validated by a
    scan under ACCESS EXCLUSIVE): online, the plan re-adds it NOT VALID and validates it after,
    under SHARE UPDATE EXCLUSIVE."""
    api.apply(db.load(CHECKED), db.url)
    db.execute("INSERT INTO people SELECT g, 'a' FROM generate_series(1, 100) g")
    new = db.load(CHECKED.replace("varchar(50)", "varchar(100)"))
    online = api.plan(new, db.url, online=True).plan
    assert [s.sql for s in online.forward if s.lock and s.lock.stalls_writes] == []
    assert any(s.sql.endswith("NOT VALID") for s in online.forward)
    validate = [s for s in online.forward if "VALIDATE CONSTRAINT" in s.sql]
    assert validate and validate[0].stage == "post" and validate[0].lock
    assert validate[0].lock.level == "SHARE UPDATE EXCLUSIVE"
    api.apply(new, db.url, online=True)
    assert db.execute("SELECT convalidated FROM pg_constraint WHERE conname = 'people_name_check'") == [(True,)]
    assert api.plan(new, db.url).plan.is_empty


def test_a_narrower_limit_is_a_rewrite_and_a_wider_one_is_not(db: Database) -> None:
    api.apply(db.load(CHECKED), db.url)
    node = "SELECT pg_relation_filenode('people')"
    for type_, rewrites in [("varchar(100)", False), ("text", False), ("varchar(20)", True)]:
        before = db.execute(node)
        new = db.load(CHECKED.replace("varchar(50)", type_))
        planned = api.plan(new, db.url).plan
        assert bool(planned.hazards("rewrite")) == rewrites, type_
        api.apply(new, db.url, allow_destructive=True)
        assert (db.execute(node) != before) == rewrites, type_


KEYLESS = """
tables:
  orgs:
    columns:
      id: int primary key
      code: {type: text, null: false}
      region: text
"""


def test_online_a_new_unique_key_is_built_concurrently_and_then_taken_over(db: Database) -> None:
    api.apply(db.load(KEYLESS), db.url)
    db.execute("INSERT INTO orgs SELECT g, 'c' || g, 'r' FROM generate_series(1, 500) g")
    new = db.load(KEYLESS.replace("code: {type: text, null: false}",
                                  "code: {type: text, null: false, unique: true}") + """
  teams:
    columns:
      id: int primary key
      org_code: {type: text, references: orgs.code}
""")
    online = api.plan(new, db.url, online=True).plan
    sql = [(s.stage, s.sql) for s in online.forward]
    build = ("post", "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orgs_code_key ON public.orgs USING btree (code)")
    take = ("post", "ALTER TABLE public.orgs ADD CONSTRAINT orgs_code_key UNIQUE USING INDEX orgs_code_key")
    assert build in sql and take in sql and sql.index(build) < sql.index(take)
    fk = [i for i, (_, s) in enumerate(sql) if "FOREIGN KEY" in s]
    assert fk and all(sql[i][0] == "post" and i > sql.index(take) for i in fk)  # after the key
    assert [s.sql for s in online.forward if s.lock and s.lock.stalls_writes] == []
    api.apply(new, db.url, online=True)
    assert api.plan(new, db.url).plan.is_empty
