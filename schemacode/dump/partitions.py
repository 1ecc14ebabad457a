"""A parent's partitions, in runs where one name stands for several."""
from __future__ import annotations

import re
from typing import Any

from ..model import Table, attached_default, not_null_default
from ..sqltext import split_top_level
from .core import DumperBase, Flow, FlowList, default_value


class PartitionDumper(DumperBase):
    def table(self, t: Table) -> dict[str, Any]:
        """A table's own spec, which a partition has too (written by TableDumper)."""
        raise NotImplementedError

    def partitions(self, parent: Table) -> dict[str, Any]:
        """A parent's partitions, runs of them written once where a name with placeholders and
        a step stand for them exactly (see load/partitions.py)."""
        from ..load.partitions import compact_runs

        children = sorted((t for t in self.c.tables.values() if t.partition_of == parent.qname),
                          key=lambda t: t.name)
        out: dict[str, Any] = {}
        plain = {}
        for t in children:
            spec = self.partition(t)
            key = t.name if t.schema == parent.schema else t.qname
            if set(spec) <= {"from", "to", "in", "modulus", "remainder", "default"}:
                plain[key] = (t.bound or "", spec)
            out[key] = spec
        for name, spec, members in compact_runs({k: b for k, (b, _) in plain.items()}):
            first = min(members)
            out = {(name if k == first else k): (Flow(spec) if k == first else v)
                   for k, v in out.items() if k == first or k not in members}
        return out

    def partition(self, t: Table) -> Any:
        """A partition: its bound, then what is its own, as a table's (no columns: its parent's)."""
        spec: dict[str, Any] = dict(bound_spec(t.bound or ""))
        spec.update(self.table(t))
        parent = self.c.tables.get(t.partition_of or "")
        names = {what[1]: name for what, name in t.attached
                 if parent is None or name != attached_default(t.name, parent, what)}
        if names:
            spec["attached_names"] = Flow(names)
        if spec == {"default": True}:
            return "default"
        return Flow(spec) if set(spec) <= {"from", "to", "in", "modulus", "remainder", "default"} else spec

    def partition_columns(self, t: Table) -> dict[str, Any]:
        """A partition's own options on its parent's columns: what differs from the parent's."""
        parent = self.c.tables.get(t.partition_of or "")
        theirs = parent.every_column() if parent else {}
        out: dict[str, Any] = {}
        for n, c in t.partition_columns.items():
            p = theirs.get(n)
            if p is None:
                continue
            spec: dict[str, Any] = {}
            if c.not_null and not p.not_null:
                spec["null"] = False
            if c.default != p.default and p.type not in ("serial", "bigserial", "smallserial"):
                spec["default"] = None if c.default is None else default_value(c.default, c.type)
            name = p.not_null_name if p.not_null else not_null_default(t.name, n)
            if c.not_null and c.not_null_name not in (None, name):
                spec["not_null_name"] = c.not_null_name
            if spec:
                out[n] = Flow(spec)
        return out


def bound_value(text: str) -> Any:
    t = text.strip()
    if t.startswith("'") and t.endswith("'"):
        return t[1:-1].replace("''", "'")
    if t.upper() in ("MINVALUE", "MAXVALUE"):
        return t.lower()
    if t.upper() == "NULL":
        return None
    if t in ("true", "false"):
        return t == "true"
    try:
        return int(t)
    except ValueError:
        try:
            return float(t)
        except ValueError:
            return t


def bound_values(text: str) -> Any:
    vals = [bound_value(v) for v in split_top_level(text)]
    return vals[0] if len(vals) == 1 else FlowList(vals)


def bound_spec(bound: str) -> dict[str, Any]:
    """FOR VALUES … as PostgreSQL prints it → {from:, to:} / {in:} / {modulus:, remainder:} / default."""
    if bound == "DEFAULT":
        return {"default": True}
    m = re.match(r"^FOR VALUES FROM \((.*)\) TO \((.*)\)$", bound, re.DOTALL)
    if m:
        return {"from": bound_values(m.group(1)), "to": bound_values(m.group(2))}
    m = re.match(r"^FOR VALUES IN \((.*)\)$", bound, re.DOTALL)
    if m:
        vals = [bound_value(v) for v in split_top_level(m.group(1))]
        return {"in": FlowList(vals)}
    m = re.match(r"^FOR VALUES WITH \(modulus (\d+), remainder (\d+)\)$", bound)
    if m:
        return {"modulus": int(m.group(1)), "remainder": int(m.group(2))}
    raise ValueError(f"a partition bound pull does not know: {bound}")
