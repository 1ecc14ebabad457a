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


# every relation's grants in app, each ACL's items sorted (a grant given back comes last)
SORTED_ACL = ("SELECT c.relname, (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(c.relacl) x) "
              "FROM pg_class c WHERE c.relnamespace = 'app'::regnamespace ORDER BY 1")


def test_with_privileges_managed_a_grant_removed_is_revoked(db: Database) -> None:
    """`privileges: {roles: [...]}` (what pull --privileges writes): on every object schema.yaml
    declares, the grants to those roles are exactly the declared ones, none where it declares
    none; grants to other roles are left alone. A serial's and an identity's own sequences'
    grants (with and without the grant option) come back, and go when their line goes."""
    app, auditor, other = _roles(db, "app", "auditor", "other")
    db.execute(f"""
        CREATE SCHEMA app;
        GRANT USAGE ON SCHEMA app TO {app};
        CREATE TABLE app.orders (id serial PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY, note text);
        CREATE TABLE app.archive (id int);
        CREATE VIEW app.recent AS SELECT id FROM app.orders;
        CREATE FUNCTION app.total() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM app.orders';
        REVOKE EXECUTE ON FUNCTION app.total() FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION app.total() TO {auditor};
        GRANT SELECT, INSERT ON app.orders TO {app};
        GRANT SELECT ON app.archive TO {app};
        GRANT SELECT ON app.recent TO {auditor} WITH GRANT OPTION;
        GRANT USAGE ON SEQUENCE app.orders_id_seq TO {app};
        GRANT USAGE, SELECT ON SEQUENCE app.orders_n_seq TO {auditor} WITH GRANT OPTION;
    """)
    pulled = api.pull(db.url, privileges=True)
    assert not pulled.warnings
    assert f"privileges: {{roles: [{app}, {auditor}, public]}}" in pulled.text
    assert f"id: {{type: serial, primary_key: true, sequence_grants: {{{app}: usage}}}}" in pulled.text
    assert f"sequence_grants: {{{auditor}: {{privileges: [select, usage], grant_option: true}}}}" in pulled.text
    loaded = load_text(pulled.text)
    assert api.plan(loaded, db.url).plan.is_empty
    target = other_database(db, "managed")
    api.apply(loaded, target.url)
    assert target.execute(SORTED_ACL) == db.execute(SORTED_ACL)
    assert target.execute(FN_ACL) == db.execute(FN_ACL)
    # a hand-made grant to a role schema.yaml does not manage stays; the lines removed are revoked
    db.execute(f"GRANT SELECT ON app.archive TO {other}")
    before = db.execute(SORTED_ACL)
    fewer = (pulled.text.replace(f"    grants:\n      {app}: select\n", "")
             .replace(f", sequence_grants: {{{app}: usage}}", ""))
    assert fewer.count("grants") == pulled.text.count("grants") - 2
    planned = api.plan(load_text(fewer), db.url).plan
    assert sorted((s.sql, tuple(s.hazard_kinds())) for s in planned.forward) == [
        (f"REVOKE SELECT ON TABLE app.archive FROM {app}", ("security",)),
        (f"REVOKE USAGE ON SEQUENCE app.orders_id_seq FROM {app}", ("security",))]
    api.apply(load_text(fewer), db.url)
    assert api.plan(load_text(fewer), db.url).plan.is_empty
    assert db.execute(f"SELECT has_table_privilege('{other}', 'app.archive', 'SELECT')") == [(True,)]
    db.run_script(planned.backward)
    assert db.execute(SORTED_ACL) == before
    # roles: all — every role's grants on what schema.yaml declares
    every = fewer.replace(f"privileges: {{roles: [{app}, {auditor}, public]}}", "privileges: {roles: all}")
    sql = [s.sql for s in api.plan(load_text(every), db.url).plan.forward]
    assert f"REVOKE SELECT ON TABLE app.archive FROM {other}" in sql


@pytest.mark.parametrize("text,error,line", [
    ("privileges: {roles: [app]}\ntables:\n  t:\n    columns: {id: int}\n    grants: {reporting: select}\n",
     "table public.t grants to reporting, which privileges: roles does not name", 3),
    ("privileges: {roles: []}\n", "roles is all, or a list of the roles", 1),
    ("privileges: {roles: everyone}\n", "roles is all, or a list of the roles", 1),
    ("tables:\n  t:\n    columns:\n      n: {type: int, sequence_grants: {app: usage}}\n",
     "column n has no sequence of its own", 4),
    ("tables:\n  t:\n    columns:\n      n: {type: serial, sequence_grants: {app: execute}}\n",
     "'execute' is not a privilege of a sequence", 4),
])
def test_managed_privileges_errors_are_located(text: str, error: str, line: int) -> None:
    with pytest.raises(SchemaError) as e:
        load_text(text)
    assert error in str(e.value) and e.value.line == line


def test_with_privileges_managed_foreign_servers_and_tables_lose_a_removed_grant(db: Database) -> None:
    """`privileges: {roles: [...]}` reaches foreign servers and foreign tables as every other
    object: one that declares no grants grants those roles nothing."""
    app, other = _roles(db, "app", "other")
    db.execute(f"""
        CREATE FOREIGN DATA WRAPPER w;
        CREATE SERVER s FOREIGN DATA WRAPPER w;
        CREATE FOREIGN TABLE ft (id int) SERVER s;
        GRANT USAGE ON FOREIGN SERVER s TO {app}, {other};
        GRANT SELECT ON ft TO {app}, {other};
    """)
    text = f"""
privileges: {{roles: [{app}]}}
foreign_data_wrappers:
  w: {{}}
foreign_servers:
  s: {{wrapper: w}}
foreign_tables:
  ft: {{server: s, columns: {{id: int}}}}
"""
    planned = api.plan(load_text(text), db.url).plan
    revokes = sorted(s.sql for s in planned.forward)
    assert revokes == [f"REVOKE SELECT ON TABLE public.ft FROM {app}",
                       f"REVOKE USAGE ON FOREIGN SERVER s FROM {app}"], revokes
    assert all(tuple(s.hazard_kinds()) == ("security",) for s in planned.forward)
    api.apply(load_text(text), db.url)
    assert db.execute(f"SELECT has_server_privilege('{app}', 's', 'USAGE'), "
                      f"has_table_privilege('{app}', 'ft', 'SELECT'), "
                      f"has_server_privilege('{other}', 's', 'USAGE'), "
                      f"has_table_privilege('{other}', 'ft', 'SELECT')") == [(False, False, True, True)]
    assert api.plan(load_text(text), db.url).plan.is_empty
