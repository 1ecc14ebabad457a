"""Row-level security: enable / force per table, and policies (permissive or restrictive, FOR a
command, TO roles, USING, WITH CHECK), changed in place where PostgreSQL allows."""
from __future__ import annotations

import pytest

from schemacode import api
from schemacode.errors import SchemaError

from .acceptance import Case, run_case
from .conftest import Database
from .roundtrip import round_trip

BASE = """
tables:
  documents:
    columns:
      id: bigint primary key
      tenant_id: int
      owner: text
      body: text
"""

RLS = BASE + """
    row_security: enabled
    policies:
      tenant_isolation:
        using: tenant_id = current_setting('app.tenant_id')::int
        comment: Each tenant sees its own rows
      owner_writes:
        for: update
        using: owner = current_user
        with_check: owner = current_user
"""

CASES = [
    Case("row security and policies added", BASE, RLS, hazards=frozenset({"security"}),
         expect_summary=("+ policy tenant_isolation on public.documents",
                         "~ row-level security on public.documents enabled"),
         check="SELECT relrowsecurity AND NOT relforcerowsecurity FROM pg_class WHERE relname = 'documents'"),
    Case("policies dropped and security disabled", RLS, BASE, hazards=frozenset({"security"}),
         expect_summary=("- policy owner_writes on public.documents",)),
    Case("forced", RLS, RLS.replace("row_security: enabled", "row_security: forced"),
         expect_summary=("row-level security on public.documents forced",),
         check="SELECT relforcerowsecurity FROM pg_class WHERE relname = 'documents'"),
    Case("a policy's USING changes in place", RLS,
         RLS.replace("using: owner = current_user", "using: owner = session_user"),
         expect_summary=("~ policy owner_writes on public.documents",)),
    Case("a policy made restrictive is created again", RLS,
         RLS.replace("        for: update\n", "        for: update\n        as: restrictive\n"),
         expect_summary=("- policy owner_writes", "+ policy owner_writes")),
    Case("a column a policy reads is retyped: the policy goes and comes back", RLS,
         RLS.replace("tenant_id: int", "tenant_id: bigint").replace("::int", "::bigint"),
         hazards=frozenset({"rewrite"}),
         expect_summary=("~ policy tenant_isolation on public.documents re-added (column tenant_id retyped)",)),
    Case("a column a policy reads is dropped with the policy", RLS,
         RLS.replace("      owner: text\n", "").replace(
             "      owner_writes:\n        for: update\n        using: owner = current_user\n"
             "        with_check: owner = current_user\n", ""),
         hazards=frozenset({"data-loss", "security"})),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_policy_case(db: Database, case: Case) -> None:
    run_case(db, case)


def test_policies_to_roles(db: Database) -> None:
    role = f"app_{db.name}"
    db.execute(f"CREATE ROLE {role}; CREATE ROLE \"Auditors_{db.name}\"")
    text = RLS + f"""
      app_reads:
        for: select
        to: [{role}, Auditors_{db.name}]
        using: "true"
"""
    api.apply(db.load(text), db.url)
    assert db.execute("SELECT ARRAY(SELECT r::regrole::text FROM unnest(polroles) r) FROM pg_policy "
                      "WHERE polname = 'app_reads'") == \
        [([role, f'"Auditors_{db.name}"'],)]
    assert api.plan(db.load(text), db.url).plan.is_empty
    # the roles change in place
    other = text.replace(f"to: [{role}, Auditors_{db.name}]", f"to: {role}")
    planned = api.plan(db.load(other), db.url).plan
    assert [s.sql for s in planned.forward] == [f"ALTER POLICY app_reads ON public.documents TO {role}"]


def test_a_role_that_does_not_exist_is_an_error_naming_it_and_its_line(db: Database) -> None:
    text = RLS + """
      nobody_reads:
        for: select
        to: no_such_role_here
        using: "true"
"""
    with pytest.raises(SchemaError) as e:
        api.plan(db.load(text), db.url)
    assert "role no_such_role_here does not exist" in str(e.value)
    assert e.value.line == text.splitlines().index("      nobody_reads:") + 1
    assert db.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'documents'") == [(0,)]


@pytest.mark.parametrize("text,error", [
    (BASE + "    row_security: sometimes\n", "row_security is enabled, forced"),
    (BASE + "    policies:\n      p: {for: upsert, using: 'true'}\n", "for: 'upsert' is not a command"),
    (BASE + "    policies:\n      p: {for: select, with_check: 'true'}\n", "a policy for select has no with_check"),
    (BASE + "    policies:\n      p: {as: lenient, using: 'true'}\n", "as: is permissive or restrictive"),
    (BASE + "    policies:\n      p: {usin: 'true'}\n", "unknown key 'usin'"),
])
def test_bad_policies_are_located_errors(db: Database, text: str, error: str) -> None:
    with pytest.raises(SchemaError) as e:
        db.load(text)
    assert error in str(e.value) and e.value.line is not None


def test_row_level_security_round_trips(db: Database) -> None:
    role = f"reader_{db.name}"
    db.execute(f"CREATE ROLE {role}")
    rt = round_trip(db, f"""
        CREATE TABLE accounts (id int PRIMARY KEY, tenant int NOT NULL, name text);
        CREATE TABLE members (tenant int, who name);
        ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
        ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
        CREATE POLICY tenant_rows ON accounts AS PERMISSIVE FOR ALL TO {role}, public
            USING (tenant IN (SELECT m.tenant FROM members m WHERE m.who = current_user))
            WITH CHECK (tenant > 0);
        CREATE POLICY no_deletes ON accounts AS RESTRICTIVE FOR DELETE USING (false);
        CREATE POLICY adds ON accounts FOR INSERT WITH CHECK (name IS NOT NULL);
        COMMENT ON POLICY adds ON accounts IS 'who may add';
        CREATE TABLE odd (id int);
        ALTER TABLE odd FORCE ROW LEVEL SECURITY;
    """, older="CREATE TABLE accounts (id int PRIMARY KEY, tenant int NOT NULL, name text);")
    assert "row_security: forced" in rt.text and "as: restrictive" in rt.text
    assert "row_security: {enabled: false, forced: true}" in rt.text
