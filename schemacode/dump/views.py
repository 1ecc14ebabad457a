"""Views and materialized views."""
from __future__ import annotations

from typing import Any

from ..model import View
from ..sqltext import reproducible
from .core import Block, Flow, options_map, short_name
from .indexes import IndexDumper
from .privileges import PrivilegeDumper
from .triggers import TriggerDumper


class ViewDumper(IndexDumper, TriggerDumper, PrivilegeDumper):
    def views_section(self) -> dict[str, Any]:
        if not self.c.views:
            return {}
        return {"views": {short_name(k): self.view(v) for k, v in sorted(self.c.views.items())}}

    def view(self, v: View) -> Any:
        spec: dict[str, Any] = {}
        if v.materialized:
            spec["materialized"] = True
        for option in v.options:  # in the order PostgreSQL keeps them
            name, _, value = option.partition("=")
            if name == "check_option":
                spec["check_option"] = value
            elif name in ("security_barrier", "security_invoker"):
                spec[name] = value.lower() in ("true", "on", "1", "yes")
            else:
                spec.setdefault("with", Flow()).update(options_map((option,)))
        if v.comment:
            spec["comment"] = v.comment
        spec["query"] = Block(reproducible(v.query.strip().rstrip(";")) + "\n")
        if v.indexes:
            spec["indexes"] = {n: self.index(v.qname, i) for n, i in sorted(v.indexes.items())}
        if v.triggers:
            spec["triggers"] = {n: self.trigger(v.qname, g) for n, g in sorted(v.triggers.items())}
        spec.update(self.acl("view", f"view {v.qname}", v.acl))
        return spec
