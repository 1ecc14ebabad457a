"""Owners and grants (pull --privileges), default privileges."""
from __future__ import annotations

from typing import Any

from ..changes.privileges import DEFAULT_GRANTS
from ..model import Acl, split_grant
from ..sqltext import unquote_ident
from .core import DumperBase, Flow, FlowList


class PrivilegeDumper(DumperBase):
    def privileges_section(self) -> dict[str, Any]:
        """privileges: {roles: [...]} (pull --privileges): every role that holds a grant on what is
        pulled, and public, managed from then on (a grant's line removed: revoked). A role that
        holds none now is left alone until schema.yaml names it there."""
        if self.privileges_of is None:
            return {}
        c = self.c
        acls = [o.acl for group in (c.tables, c.views, c.sequences, c.functions, c.enums, c.domains,
                                    c.composites, c.ranges, c.foreign_tables, c.servers) for o in group.values()]
        acls += [n.acl for k, n in c.schemas.items() if k != "public"]
        acls += [col.sequence_acl[1] for t in c.tables.values() for col in t.columns.values() if col.sequence_acl]
        roles = {split_grant(g)[1] for a in acls if a is not None for g in a.grants or ()} - {"PUBLIC"}
        return {"privileges": Flow({"roles": FlowList(sorted(unquote_ident(r) for r in roles) + ["public"])})}

    def default_acl(self, lines: tuple[str, ...] | None) -> dict[str, Any]:
        """default_privileges: of a schema, or of schema.yaml's top level (every schema), where
        `role: []` is a built-in default taken away (pull --privileges)."""
        if self.privileges_of is None or not lines:
            return {}
        out: dict[str, dict[str, dict[str, list[str]]]] = {}
        for line in lines:
            creator, objects, grant = line.split("|", 2)
            privilege, grantee, _ = split_grant(grant)
            role = "public" if grantee == "PUBLIC" else unquote_ident(grantee)
            privileges = out.setdefault(unquote_ident(creator), {}).setdefault(objects.lower(), {}).setdefault(role, [])
            if privilege != "NONE":
                privileges.append(privilege.lower())
        return {"default_privileges": Flow({
            c: Flow({k: Flow({r: (p[0] if len(p) == 1 else FlowList(sorted(p))) for r, p in g.items()})
                      for k, g in sorted(kinds.items())})
            for c, kinds in out.items()})}

    def acl(self, kind: str, what: str, acl: Acl | None) -> dict[str, Any]:
        """owner: and grants: of an object (pull --privileges)."""
        if self.privileges_of is None or acl is None:
            return {}
        out: dict[str, Any] = {}
        if acl.owner and acl.owner != self.privileges_of:
            out["owner"] = unquote_ident(acl.owner)
        defaults = set(DEFAULT_GRANTS.get(kind, ()))
        grants = set(acl.grants or ())
        if grants == defaults:
            return out
        by_role: dict[str, list[tuple[str, bool]]] = {}
        for g in sorted(acl.grants or ()):
            privilege, grantee, option = split_grant(g)
            by_role.setdefault(grantee, []).append((privilege, option))
        for g in sorted(defaults - grants):  # a default taken away
            by_role.setdefault(split_grant(g)[1], [])
        spec: dict[str, Any] = {}
        for grantee, items in by_role.items():
            role = "public" if grantee == "PUBLIC" else unquote_ident(grantee)
            names = [privilege_name(p) for p, _ in items]
            options = {o for _, o in items}
            if len(options) > 1:
                self.warnings.append(f"not exact: {what} grants {role} some privileges with the grant "
                                     "option and some without; written all with it")
            value: Any = names[0] if len(names) == 1 else FlowList(names)
            spec[role] = Flow({"privileges": FlowList(names), "grant_option": True}) if True in options else value
        out["grants"] = spec
        return out


def privilege_name(privilege: str) -> str:
    """'UPDATE (a, b)' → 'update (a, b)'; 'SELECT' → 'select'."""
    head, _, cols = privilege.partition(" (")
    return head.lower() + (f" ({', '.join(unquote_ident(c.strip()) for c in cols.rstrip(')').split(','))})"
                           if cols else "")
