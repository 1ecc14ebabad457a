"""Owners and privileges: ALTER … OWNER TO, GRANT and REVOKE, on what schema.yaml manages them for
(see model.Acl): an object's grants are then exactly the ones declared (and its defaults)."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Acl, split_grant
from .base import Change, Hazard, Phase, Statement

# What GRANT and ALTER … OWNER call each kind
GRANT_ON = {"schema": "SCHEMA", "table": "TABLE", "view": "TABLE", "materialized view": "TABLE",
            "sequence": "SEQUENCE", "function": "ROUTINE", "type": "TYPE", "domain": "DOMAIN",
            "foreign table": "TABLE", "foreign server": "FOREIGN SERVER"}
ALTER = {"schema": "SCHEMA", "table": "TABLE", "view": "VIEW", "materialized view": "MATERIALIZED VIEW",
         "sequence": "SEQUENCE", "function": "ROUTINE", "type": "TYPE", "domain": "DOMAIN",
         "foreign table": "FOREIGN TABLE", "foreign server": "SERVER"}
# What a new object of each kind grants by itself (besides its owner's own)
DEFAULT_GRANTS = {"function": ("EXECUTE TO PUBLIC",), "type": ("USAGE TO PUBLIC",),
                  "domain": ("USAGE TO PUBLIC",)}


@dataclass(frozen=True)
class SetPrivileges(Change):
    kind: str  # schema, table, view, materialized view, sequence, function
    name: str  # as SQL names it: public.accounts, public.add(integer, integer)
    label: str  # as the plan says it: table public.accounts
    before: Acl | None  # None: the object is new
    after: Acl
    roles: tuple[str, ...] | None = None  # whose grants are managed (None: every role's)
    phase = Phase.PRIVILEGES

    def describe(self) -> str:
        what = []
        if self.after.owner and (self.before is None or self.before.owner != self.after.owner):
            what.append(f"owner {self.after.owner}")
        if self.after.grants is not None:
            what.append("privileges")
        return f"{self.label} {', '.join(what)}"

    def statements(self) -> list[Statement]:
        out = []
        a, b = self.before, self.after
        if b.owner and (a is None or a.owner != b.owner):
            out.append(Statement(f"ALTER {ALTER[self.kind]} {self.name} OWNER TO {b.owner}"))
        if b.grants is not None:
            have = set(a.grants or ()) if a is not None else set(DEFAULT_GRANTS.get(self.kind, ()))
            want = {g for g in b.grants if not g.startswith("NONE TO ")}
            if self.roles is not None:  # grants to the other roles are left as they are
                have = {g for g in have if split_grant(g)[1] in self.roles}
                want = {g for g in want if split_grant(g)[1] in self.roles}
            on = f"{GRANT_ON[self.kind]} {self.name}"
            for g in sorted(g for g in b.grants if g.startswith("NONE TO ")):  # as declared: [] revokes
                out.append(Statement(f"REVOKE ALL ON {on} FROM {g[len('NONE TO '):]}"))
            kept = {split_grant(g)[:2] for g in want}
            for g in sorted(have - want):
                privilege, grantee, _ = split_grant(g)
                loss = (f"{grantee} keeps {privilege} on {self.label} without the grant option"
                        if (privilege, grantee) in kept else f"{grantee} loses {privilege} on {self.label}")
                out.append(Statement(f"REVOKE {privilege} ON {on} FROM {grantee}",
                                     (Hazard("security", loss),) if a is not None else ()))
            for g in sorted(want - have):
                privilege, grantee, option = split_grant(g)
                out.append(Statement(f"GRANT {privilege} ON {on} TO {grantee}"
                                     + (" WITH GRANT OPTION" if option else "")))
        return out

    @property
    def is_empty(self) -> bool:
        return not self.statements()


@dataclass(frozen=True)
class SetDefaultPrivileges(Change):
    """ALTER DEFAULT PRIVILEGES FOR ROLE creator [IN SCHEMA …] GRANT / REVOKE … ON TABLES | …:
    what objects that role creates in the schema (``schema`` None: in any schema) will grant.
    In any schema, "NONE TO grantee" is PostgreSQL's built-in default taken away (REVOKE ALL);
    the line gone gives it back."""

    schema: str | None
    before: tuple[str, ...]  # "creator|TABLES|SELECT TO reader"
    after: tuple[str, ...]
    phase = Phase.PRIVILEGES

    def describe(self) -> str:
        return f"schema {self.schema} default privileges" if self.schema else "default privileges (every schema)"

    def statements(self) -> list[Statement]:
        from ..sqltext import ident

        where = f" IN SCHEMA {ident(self.schema)}" if self.schema else ""
        place = f"in {self.schema}" if self.schema else "anywhere"
        out = []
        for line in sorted(set(self.before) - set(self.after)):
            creator, objects, grant = line.split("|", 2)
            privilege, grantee, _ = split_grant(grant)
            head = f"ALTER DEFAULT PRIVILEGES FOR ROLE {creator}{where}"
            if privilege == "NONE":  # the built-in default back
                out.append(Statement(f"{head} GRANT {_BUILTIN[objects]} ON {objects} TO {grantee}"))
                continue
            out.append(Statement(f"{head} REVOKE {privilege} ON {objects} FROM {grantee}",
                                 (Hazard("security", f"{objects.lower()} {creator} creates {place} "
                                                     f"no longer grant {privilege} to {grantee}"),)))
        for line in sorted(set(self.after) - set(self.before)):
            creator, objects, grant = line.split("|", 2)
            privilege, grantee, option = split_grant(grant)
            head = f"ALTER DEFAULT PRIVILEGES FOR ROLE {creator}{where}"
            if privilege == "NONE":
                out.append(Statement(f"{head} REVOKE ALL ON {objects} FROM {grantee}",
                                     (Hazard("security", f"{objects.lower()} {creator} creates {place} no longer "
                                                         f"grant {grantee} what PostgreSQL grants by default"),)))
                continue
            out.append(Statement(f"{head} GRANT {privilege} ON {objects} TO {grantee}"
                                 + (" WITH GRANT OPTION" if option else "")))
        return out


# What PostgreSQL grants by default on what a role creates (acldefault): to its owner all of it;
# to PUBLIC, EXECUTE on functions and USAGE on types.
_BUILTIN = {"TABLES": "ALL", "SEQUENCES": "ALL", "FUNCTIONS": "EXECUTE", "TYPES": "USAGE"}
