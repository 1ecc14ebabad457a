"""Sequences, and the options of identity columns."""
from __future__ import annotations

import re
from typing import Any

from .core import INT_MAX, Flow, short_name
from .privileges import PrivilegeDumper


class SequenceDumper(PrivilegeDumper):
    def sequences_section(self) -> dict[str, Any]:
        if not self.c.sequences:
            return {}
        return {"sequences": {short_name(k): self.sequence(k) for k in sorted(self.c.sequences)}}

    def sequence(self, key: str) -> Any:
        s = self.c.sequences[key]
        spec: dict[str, Any] = {}
        if s.type != "bigint":
            spec["type"] = s.type
        inc = s.increment
        type_max = INT_MAX.get(s.type, INT_MAX["bigint"])
        minv_default = 1 if inc > 0 else -type_max - (1 if s.type == "bigint" else 1)
        maxv_default = type_max if inc > 0 else -1
        if s.start != (s.min_value if inc > 0 else s.max_value):
            spec["start"] = s.start
        if inc != 1:
            spec["increment"] = inc
        if s.min_value != minv_default:
            spec["min"] = s.min_value
        if s.max_value != maxv_default:
            spec["max"] = s.max_value
        if s.cache != 1:
            spec["cache"] = s.cache
        if s.cycle:
            spec["cycle"] = True
        if s.owned_by:
            spec["owned_by"] = f"{short_name(s.owned_by[0])}.{s.owned_by[1]}"
        spec.update(self.acl("sequence", f"sequence {s.qname}", s.acl))
        if s.comment:
            spec["comment"] = s.comment
        return Flow(spec)


def identity_options(text: str | None, type_: str) -> dict[str, Any]:
    if not text:
        return {}
    values = dict(re.findall(r"(START WITH|INCREMENT BY|MINVALUE|MAXVALUE|CACHE) (-?\d+)", text))
    type_max = INT_MAX.get(type_, INT_MAX["bigint"])
    inc = int(values.get("INCREMENT BY", 1))
    out: dict[str, Any] = {}
    start = int(values.get("START WITH", 1))
    minv = int(values.get("MINVALUE", 1))
    maxv = int(values.get("MAXVALUE", type_max))
    if start != (minv if inc > 0 else maxv):
        out["start"] = start
    if inc != 1:
        out["increment"] = inc
    if inc > 0 and minv != 1:
        out["min"] = minv
    if inc > 0 and maxv != type_max:
        out["max"] = maxv
    if int(values.get("CACHE", 1)) != 1:
        out["cache"] = int(values["CACHE"])
    if " CYCLE" in text and "NO CYCLE" not in text:
        out["cycle"] = True
    return out
