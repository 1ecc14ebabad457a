"""enums:, domains: and types: (composite and range types) of schema.yaml."""
from __future__ import annotations

from typing import Any

from ..model import CompositeType, Domain, EnumType, RangeType
from ..types import check_type, type_base
from .core import LoaderBase, _Ctx, _bool, _items, _keys, _str, parse_sql, privileges


class TypeLoader(LoaderBase):
    def load_enums(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "enums"):
            q = self.qname(c, name)
            self.claim(c, q, "enum")
            comment = None
            values_node = spec
            vctx = c
            if isinstance(spec, dict):
                _keys(c, spec, {"values", "comment", "name", "grants", "owner"}, f"enum {name}")
                comment = self.comment(c, spec)
                values_node = spec.get("values")
                vctx = c.child(spec, "values")
            if not isinstance(values_node, list) or not values_node:
                raise vctx.error(f"enum {name} needs a list of values")
            values: list[str] = []
            for i, v in enumerate(values_node):
                ic = vctx.child(values_node, i)
                if isinstance(v, dict):
                    if len(v) != 1:
                        raise ic.error("an enum value is text, or `new: {renamed_from: old}`")
                    (label, opts), = v.items()
                    _keys(ic, opts, {"renamed_from"}, f"enum value {label}")
                    self.value_renames[(q, label)] = _str(ic, opts.get("renamed_from"), "renamed_from")
                    v = label
                if isinstance(v, bool) or v is None or isinstance(v, list):
                    raise ic.error("an enum value must be text")
                if str(v) in values:
                    raise ic.error(f"enum value {v!r} is listed twice")
                values.append(str(v))
            schema, _, short = q.partition(".")
            self.enums[q] = EnumType(schema, short, tuple(values), comment, c.source(),
                                     acl=privileges(c, spec, "type"))
            self.extra_types.add(short)

    def load_domains(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "domains"):
            q = self.qname(c, name)
            self.claim(c, q, "domain")
            if isinstance(spec, str):
                spec = {"type": spec}
            _keys(c, spec, {"name", "type", "null", "default", "check", "checks", "comment", "grants", "owner"},
                  f"domain {name}")
            if "type" not in spec:
                raise c.error(f"domain {name} needs a type")
            tc = c.child(spec, "type")
            type_ = _str(tc, spec["type"], "type")
            problem = check_type(type_, self.extra_types)
            if problem:
                raise tc.error(*problem)
            default = None
            if spec.get("default") is not None:
                default = self.default(c.child(spec, "default"), spec["default"], type_base(type_)[0])
            checks: dict[str, str] = {}
            if "check" in spec:
                cc = c.child(spec, "check")
                expr = _str(cc, spec["check"], "check")
                parse_sql(cc, expr, "check")
                checks["~0"] = f"CHECK ({expr})"
            if "checks" in spec:
                chc = c.child(spec, "checks")
                if not isinstance(spec["checks"], dict):
                    raise chc.error("checks is a mapping of names to expressions")
                for cname, expr in spec["checks"].items():
                    ec = chc.child(spec["checks"], cname)
                    expr = _str(ec, expr, "check")
                    parse_sql(ec, expr, "check")
                    checks[cname] = f"CHECK ({expr})"
            not_null = "null" in spec and not _bool(c.child(spec, "null"), spec["null"], "null")
            schema, _, short = q.partition(".")
            self.domains[q] = Domain(schema, short, type_, default, not_null, checks,
                                     self.comment(c, spec), c.source(), acl=privileges(c, spec, "domain"))
            self.extra_types.add(short)

    TYPE_KEYS = {"attributes", "range", "subtype_opclass", "collation", "canonical", "subtype_diff",
                 "multirange_type_name", "comment", "name", "grants", "owner"}
    RANGE_OPTIONS = ("subtype_opclass", "collation", "canonical", "subtype_diff", "multirange_type_name")

    def load_types(self, ctx: _Ctx, node: Any) -> None:
        """types: composite types ({attributes: {name: type}}) and range types ({range: subtype})."""
        for name, spec, c in _items(ctx, node, "types"):
            q = self.qname(c, name)
            self.claim(c, q, "type")
            if not isinstance(spec, dict) or ("attributes" in spec) == ("range" in spec):
                raise c.error(f"type {name} is {{attributes: {{name: type, …}}}} (composite) "
                              "or {range: subtype} (range)")
            _keys(c, spec, self.TYPE_KEYS, f"type {name}")
            schema, _, short = q.partition(".")
            if "attributes" in spec:
                ac = c.child(spec, "attributes")
                attrs = spec["attributes"]
                if not isinstance(attrs, dict) or not attrs:
                    raise ac.error("attributes is a mapping of names to types")
                extra = [k for k in self.RANGE_OPTIONS if k in spec]
                if extra:
                    raise c.child(spec, extra[0]).error(f"{extra[0]} is for range types")
                out = []
                for an, at in attrs.items():
                    tc = ac.child(attrs, an)
                    typ = _str(tc, at, "an attribute type")
                    problem = check_type(typ, self.extra_types)
                    if problem:
                        raise tc.error(*problem)
                    out.append((str(an), typ))
                self.composites[q] = CompositeType(schema, short, tuple(out), self.comment(c, spec), c.source(),
                                                   acl=privileges(c, spec, "type"))
            else:
                rc = c.child(spec, "range")
                subtype = _str(rc, spec["range"], "range")
                problem = check_type(subtype, self.extra_types)
                if problem:
                    raise rc.error(*problem)
                options = tuple(f"{k} = {_str(c.child(spec, k), spec[k], k)}"
                                for k in self.RANGE_OPTIONS if k in spec)
                self.ranges[q] = RangeType(schema, short, subtype, options, self.comment(c, spec), c.source(),
                                           acl=privileges(c, spec, "type"))
            self.extra_types.add(short)
