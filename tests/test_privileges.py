"""Owners and privileges, opt-in: managed on the objects whose schema.yaml entry declares
grants: or owner:, and left alone everywhere else. Roles are never created."""
from __future__ import annotations

import pytest

from schemacode import api
from schemacode.errors import SchemaError
from schemacode.load import load_text

from .conftest import Database
from .roundtrip import other_database


def _roles(db: Database, *names: str) -> list[str]:
    out = [f"{n}_{db.name}" for n in names]
    db.execute("; ".join(f"CREATE ROLE {r}" for r in out))
    return out


def schema(app: str, auditor: str, owner: str) -> str:
    return f"""
schemas:
  app:
    grants: {{{app}: usage}}
tables:
  app.accounts:
    owner: {owner}
    columns:
      id: bigint primary key
      name: text
      secret: text
    grants:
      {app}: [select, insert, "update (name)"]
      {auditor}: {{privileges: [select], grant_option: true}}
  app.notes:
    columns: {{id: int}}
sequences:
  app.counter:
    grants: {{{app}: [usage, select]}}
functions:
  app.add:
    arguments: a integer, b integer
    returns: integer
    language: sql
    body: SELECT a + b
    grants:
      public: []
      {app}: execute
views:
  app.names:
    query: SELECT id, name FROM app.accounts
    grants: {{{auditor}: select}}
"""


ACL = """
SELECT c.relname, c.relacl::text, c.relowner::regrole::text,
       (SELECT array_agg(attname || '=' || attacl::text ORDER BY attnum) FROM pg_attribute
        WHERE attrelid = c.oid AND attacl IS NOT NULL)
FROM pg_class c WHERE c.relnamespace = 'app'::regnamespace ORDER BY 1
"""
FN_ACL = "SELECT proacl::text FROM pg_proc WHERE proname = 'add'"


def test_declared_grants_and_owners_are_applied_and_kept(db: Database) -> None:
    app, auditor, owner = _roles(db, "app", "auditor", "owner")
    text = schema(app, auditor, owner)
    api.apply(db.load(text), db.url)
    assert api.plan(db.load(text), db.url).plan.is_empty
    assert db.execute(f"SELECT has_table_privilege('{app}', 'app.accounts', 'INSERT'), "
                      f"has_column_privilege('{app}', 'app.accounts', 'secret', 'UPDATE'), "
                      f"has_column_privilege('{app}', 'app.accounts', 'name', 'UPDATE'), "
                      f"has_function_privilege('public', 'app.add(integer, integer)', 'EXECUTE'), "
                      f"has_function_privilege('{app}', 'app.add(integer, integer)', 'EXECUTE'), "
                      f"(SELECT relowner::regrole::text FROM pg_class WHERE relname = 'accounts')") == \
        [(True, False, True, False, True, owner)]
    # changed: what goes is revoked (a security hazard), what comes is granted; back restores
    before = (db.execute(ACL), db.execute(FN_ACL))
    changed = text.replace('"update (name)"', '"update (name, secret)"').replace(
        f"{auditor}: {{privileges: [select], grant_option: true}}", f"{auditor}: select")
    planned = api.plan(db.load(changed), db.url).plan
    sql = [s.sql for s in planned.forward]
    assert f"REVOKE UPDATE (name) ON TABLE app.accounts FROM {app}" in sql
    assert f"GRANT UPDATE (name, secret) ON TABLE app.accounts TO {app}" in sql
    assert {h.kind for _, h in planned.hazards()} == {"security"}
    api.apply(db.load(changed), db.url)
    assert api.plan(db.load(changed), db.url).plan.is_empty
    db.run_script(planned.backward)
    assert (db.execute(ACL), db.execute(FN_ACL)) == before


def test_privileges_are_opt_in(db: Database) -> None:
    """Objects whose entry declares no grants: keep what was granted by hand, both ways."""
    app, auditor, owner = _roles(db, "app", "auditor", "owner")
    text = schema(app, auditor, owner)
    api.apply(db.load(text), db.url)
    db.execute(f"GRANT SELECT ON app.notes TO {auditor}; GRANT DELETE ON app.accounts TO {app}")
    planned = api.plan(db.load(text), db.url).plan
    # app.notes declares none: left alone; app.accounts declares its grants: the extra one goes
    assert [s.sql for s in planned.forward] == [f"REVOKE DELETE ON TABLE app.accounts FROM {app}"]


def test_a_role_that_does_not_exist_is_a_located_error(db: Database) -> None:
    text = "tables:\n  t:\n    columns: {id: int}\n    grants: {nobody_at_all: select}\n"
    with pytest.raises(SchemaError) as e:
        api.plan(db.load(text), db.url)
    assert "role nobody_at_all does not exist" in str(e.value) and e.value.line == 2


@pytest.mark.parametrize("text,error", [
    ("tables:\n  t:\n    columns: {id: int}\n    grants: {app: fly}\n", "'fly' is not a privilege of a table"),
    ("tables:\n  t:\n    columns: {id: int}\n    grants: {app: 'update (nope)'}\n", "column 'nope' does not exist"),
    ("functions:\n  f:\n    returns: int\n    language: sql\n    body: SELECT 1\n    grants: {app: select}\n",
     "'select' is not a privilege of a function"),
    ("tables:\n  t:\n    columns: {id: int}\n    grants: [app]\n", "grants is a mapping of roles"),
])
def test_bad_grants_are_located_errors(text: str, error: str) -> None:
    with pytest.raises(SchemaError) as e:
        load_text(text)
    assert error in str(e.value) and e.value.line is not None


def test_pull_privileges_writes_owners_and_grants_that_come_back(db: Database) -> None:
    app, auditor, owner = _roles(db, "app", "auditor", "owner")
    api.apply(db.load(schema(app, auditor, owner)), db.url)
    db.execute(f"GRANT SELECT ON app.notes TO {auditor}")
    plain = api.pull(db.url).text
    assert "grants:" not in plain and "owner:" not in plain  # opt-in
    pulled = api.pull(db.url, privileges=True)
    assert f"owner: {owner}" in pulled.text and not pulled.warnings
    target = other_database(db, "priv")
    api.apply(load_text(pulled.text), target.url)
    assert target.execute(ACL) == db.execute(ACL)
    assert target.execute(FN_ACL) == db.execute(FN_ACL)
    assert api.plan(load_text(pulled.text), target.url).plan.is_empty


def test_default_privileges_in_a_schema(db: Database) -> None:
    app, auditor, owner = _roles(db, "app", "auditor", "owner")
    text = f"""
schemas:
  app:
    default_privileges:
      {owner}:
        tables: {{{app}: [select, insert], {auditor}: select}}
        sequences: {{{app}: usage}}
        functions: {{{app}: execute}}
"""
    api.apply(db.load(text), db.url)
    assert api.plan(db.load(text), db.url).plan.is_empty
    db.execute(f"GRANT CREATE ON SCHEMA app TO {owner}")
    with __import__("psycopg").connect(db.url, autocommit=True) as conn:
        conn.execute(f"SET ROLE {owner}")
        conn.execute("CREATE TABLE app.later (id int)")
    assert db.execute(f"SELECT has_table_privilege('{auditor}', 'app.later', 'SELECT'), "
                      f"has_table_privilege('{auditor}', 'app.later', 'INSERT')") == [(True, False)]
    db.execute(f"DROP TABLE app.later; REVOKE CREATE ON SCHEMA app FROM {owner}")
    fewer = text.replace(f", {auditor}: select", "")
    planned = api.plan(db.load(fewer), db.url).plan
    assert [s.sql for s in planned.forward] == [
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA app REVOKE SELECT ON TABLES FROM {auditor}"]
    assert planned.hazards("security")
    api.apply(db.load(fewer), db.url)
    assert api.plan(db.load(fewer), db.url).plan.is_empty
    pulled = api.pull(db.url, privileges=True).text
    assert f"default_privileges: {{{owner}: {{functions: {{{app}: execute}}, sequences: {{{app}: usage}}, " \
           f"tables: {{{app}: [insert, select]}}}}}}" in pulled


def test_privileges_on_types_and_domains(db: Database) -> None:
    app, auditor, owner = _roles(db, "app", "auditor", "owner")
    text = f"""
enums:
  mood: {{values: [ok, sad], grants: {{public: [], {app}: usage}}, owner: {owner}}}
domains:
  positive: {{type: int, check: VALUE > 0, grants: {{public: [], {auditor}: usage}}}}
types:
  pair: {{attributes: {{a: int, b: int}}, grants: {{public: [], {app}: usage}}}}
"""
    api.apply(db.load(text), db.url)
    assert api.plan(db.load(text), db.url).plan.is_empty
    assert db.execute(f"SELECT has_type_privilege('{app}', 'mood', 'USAGE'), "
                      f"has_type_privilege('{auditor}', 'mood', 'USAGE'), "
                      f"has_type_privilege('{auditor}', 'positive', 'USAGE'), "
                      f"(SELECT typowner::regrole::text FROM pg_type WHERE typname = 'mood')") == \
        [(True, False, True, owner)]
    pulled = api.pull(db.url, privileges=True).text
    target = other_database(db, "types")
    api.apply(load_text(pulled), target.url)
    acl = "SELECT typname, typacl::text, typowner::regrole::text FROM pg_type WHERE typname IN ('mood', 'positive', 'pair') ORDER BY 1"
    assert target.execute(acl) == db.execute(acl)


GLOBAL_ACL = ("SELECT pg_get_userbyid(defaclrole), defaclobjtype, defaclacl::text FROM pg_default_acl "
              "WHERE defaclnamespace = 0 ORDER BY 1, 2")


def test_default_privileges_in_every_schema(db: Database) -> None:
    """Top-level default_privileges: ALTER DEFAULT PRIVILEGES without IN SCHEMA; `public: []`
    takes PostgreSQL's built-in EXECUTE on functions away. Managed only where declared."""
    reader, owner = _roles(db, "reader", "owner")
    untouched = "tables:\n  t:\n    columns: {id: int}\n"
    db.execute(f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} GRANT SELECT ON SEQUENCES TO {reader}")
    before = db.execute(GLOBAL_ACL)
    assert api.plan(db.load(untouched), db.url).plan.is_empty or all(
        "DEFAULT PRIVILEGES" not in s.sql for s in api.plan(db.load(untouched), db.url).plan.forward)
    text = f"""
default_privileges:
  {owner}:
    tables: {{{reader}: select}}
    functions: {{public: []}}
"""
    planned = api.plan(db.load(text), db.url).plan
    assert sorted(s.sql for s in planned.forward) == sorted([
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} GRANT SELECT ON TABLES TO {reader}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} REVOKE ALL ON FUNCTIONS FROM PUBLIC",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} REVOKE SELECT ON SEQUENCES FROM {reader}"])
    assert planned.hazards("security")
    api.apply(db.load(text), db.url)
    assert api.plan(db.load(text), db.url).plan.is_empty
    with __import__("psycopg").connect(db.url, autocommit=True) as conn:
        conn.execute(f"GRANT CREATE ON SCHEMA public TO {owner}")
        conn.execute(f"SET ROLE {owner}")
        conn.execute("CREATE TABLE later (id int); CREATE FUNCTION later_f() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        conn.execute("RESET ROLE")
        assert conn.execute(f"SELECT has_table_privilege('{reader}', 'later', 'SELECT'), "
                            f"has_function_privilege('{reader}', 'later_f()', 'EXECUTE')").fetchone() == (True, False)
        conn.execute(f"DROP TABLE later; DROP FUNCTION later_f(); REVOKE CREATE ON SCHEMA public FROM {owner}")
    pulled = api.pull(db.url, privileges=True).text
    assert f"default_privileges: {{{owner}: {{functions: {{public: []}}, tables: {{{reader}: select}}}}}}" in pulled
    target = other_database(db, "globalacl")
    api.apply(load_text(pulled), target.url)
    assert target.execute(GLOBAL_ACL) == db.execute(GLOBAL_ACL)
    db.run_script(planned.backward)
    assert db.execute(GLOBAL_ACL) == before
