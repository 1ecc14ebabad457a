"""row_security: and policies: of a table (row-level security)."""
from __future__ import annotations

from typing import Any

from ..model import ROLE_KEYWORDS, Policy
from ..sqltext import ident
from .core import LoaderBase, _Ctx, _items, _keys, _str, parse_sql

COMMANDS = {"all": "ALL", "select": "SELECT", "insert": "INSERT", "update": "UPDATE", "delete": "DELETE"}


class PolicyLoader(LoaderBase):
    POLICY_KEYS = {"for", "as", "to", "using", "with_check", "comment"}

    def load_row_security(self, ctx: _Ctx, spec: Any) -> tuple[bool, bool]:
        """row_security: enabled | forced | disabled, or {enabled: bool, forced: bool}."""
        if "row_security" not in spec:
            return False, False
        rc = ctx.child(spec, "row_security")
        value = spec["row_security"]
        if isinstance(value, dict):
            _keys(rc, value, {"enabled", "forced"}, "row_security")
            flags = []
            for key in ("enabled", "forced"):
                v = value.get(key, False)
                if not isinstance(v, bool):
                    raise rc.child(value, key).error(f"{key} is true or false")
                flags.append(v)
            return flags[0], flags[1]
        if value is True or value == "enabled":
            return True, False
        if value == "forced":
            return True, True
        if value is False or value == "disabled":
            return False, False
        raise rc.error("row_security is enabled, forced (the table's owner too) or disabled",
                       "or {enabled: true, forced: true}")

    def load_policies(self, ctx: _Ctx, node: Any, table: str) -> dict[str, Policy]:
        out: dict[str, Policy] = {}
        if node is not None and not isinstance(node, dict):
            raise ctx.error("policies is a mapping of policy names to {for:, to:, using:, with_check:}")
        for name, spec, c in _items(ctx, node, "policies"):
            if spec is None or isinstance(spec, str):
                spec = {"using": spec} if spec else {}
            _keys(c, spec, self.POLICY_KEYS, f"policy {name}")
            command = str(spec.get("for", "all")).lower()
            if command not in COMMANDS:
                raise c.child(spec, "for").error(f"for: {spec.get('for')!r} is not a command",
                                                 "all, select, insert, update or delete")
            kind = str(spec.get("as", "permissive")).lower()
            if kind not in ("permissive", "restrictive"):
                raise c.child(spec, "as").error("as: is permissive or restrictive")
            roles = self.policy_roles(c.child(spec, "to"), spec.get("to", "public"))
            exprs: dict[str, str | None] = {}
            for key in ("using", "with_check"):
                if spec.get(key) is None:
                    exprs[key] = None
                    continue
                kc = c.child(spec, key)
                exprs[key] = _str(kc, spec[key], key)
                # (a policy may read other tables in a subquery: columns are not checked here;
                # PostgreSQL checks them in the scratch database, and the error points here)
                parse_sql(kc, exprs[key] or "", key)
            if command == "select" and exprs["with_check"] is not None:
                raise c.child(spec, "with_check").error("a policy for select has no with_check (only using:)")
            if command in ("insert",) and exprs["using"] is not None:
                raise c.child(spec, "using").error("a policy for insert has no using: (only with_check:)")
            if command == "delete" and exprs["with_check"] is not None:
                raise c.child(spec, "with_check").error("a policy for delete has no with_check (only using:)")
            out[name] = Policy(name, COMMANDS[command], kind == "permissive", roles, exprs["using"],
                               exprs["with_check"], comment=self.comment(c, spec), source=c.source())
        return out

    def policy_roles(self, ctx: _Ctx, value: Any) -> tuple[str, ...]:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
            raise ctx.error("to: is a role name or a list of role names (public: everyone)")
        return tuple(n.lower() if n.lower() in ROLE_KEYWORDS else ident(n) for n in names)
