"""Enums, domains, composite and range types."""
from __future__ import annotations

from typing import Any

from ..sqltext import reproducible, unquote_ident
from .core import Flow, FlowList, default_value, short_name, short_type, strip_check
from .privileges import PrivilegeDumper


class TypeDumper(PrivilegeDumper):
    def enums_section(self) -> dict[str, Any]:
        if not self.c.enums:
            return {}
        enums: dict[str, Any] = {}
        for k, en in sorted(self.c.enums.items()):
            extra = {**({"comment": en.comment} if en.comment else {}),
                     **self.acl("type", f"enum {k}", en.acl)}
            enums[short_name(k)] = Flow({"values": FlowList(en.values), **extra}) if extra else FlowList(en.values)
        return {"enums": enums}

    def domains_section(self) -> dict[str, Any]:
        if not self.c.domains:
            return {}
        return {"domains": {short_name(k): self.domain(dm) for k, dm in sorted(self.c.domains.items())}}

    def types_section(self) -> dict[str, Any]:
        """Composite and range types."""
        types: dict[str, Any] = {}
        for k, ct in sorted(self.c.composites.items()):
            types[short_name(k)] = {**({"comment": ct.comment} if ct.comment else {}),
                                    "attributes": Flow({a: short_type(t) for a, t in ct.attributes}),
                                    **self.acl("type", f"type {k}", ct.acl)}
        for k, rt in sorted(self.c.ranges.items()):
            rspec: dict[str, Any] = {"range": short_type(rt.subtype)}
            for option in rt.options:
                key, _, value = option.partition(" = ")
                rspec[key] = unquote_ident(value) if key == "multirange_type_name" else value
            if rt.comment:
                rspec["comment"] = rt.comment
            rspec.update(self.acl("type", f"type {k}", rt.acl))
            types[short_name(k)] = Flow(rspec)
        return {"types": dict(sorted(types.items()))} if types else {}

    def domain(self, dm: Any) -> Any:
        spec: dict[str, Any] = {"type": short_type(dm.type)}
        if dm.not_null:
            spec["null"] = False
        if dm.default is not None:
            spec["default"] = default_value(dm.default, dm.type)
        checks = {}
        for name, check in dm.checks.items():
            expr = reproducible(strip_check(check))
            if name == f"{dm.name}_check" and len(dm.checks) == 1:
                spec["check"] = expr
            else:
                checks[name] = expr
        if checks:
            spec["checks"] = Flow(checks)
        if dm.comment:
            spec["comment"] = dm.comment
        spec.update(self.acl("domain", f"domain {dm.qname}", dm.acl))
        return Flow(spec)
