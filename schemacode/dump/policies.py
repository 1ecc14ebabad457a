"""Row-level security policies."""
from __future__ import annotations

from typing import Any

from ..model import Policy
from ..sqltext import reproducible, unquote_ident
from .core import DumperBase, FlowList


class PolicyDumper(DumperBase):
    def policy(self, p: Policy) -> Any:
        spec: dict[str, Any] = {}
        if p.command != "ALL":
            spec["for"] = p.command.lower()
        if not p.permissive:
            spec["as"] = "restrictive"
        if p.roles != ("public",):
            roles = [unquote_ident(r) for r in p.roles]
            spec["to"] = roles[0] if len(roles) == 1 else FlowList(roles)
        if p.using is not None:
            spec["using"] = reproducible(p.using)
        if p.with_check is not None:
            spec["with_check"] = reproducible(p.with_check)
        if p.comment:
            spec["comment"] = p.comment
        return spec
