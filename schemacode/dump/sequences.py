"""Sequences, and the options of identity columns."""
from __future__ import annotations

import re
from typing import Any

from ..sqltext import path_part
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
        minv_default, maxv_default = (1, type_max) if inc > 0 else (-type_max - 1, -1)
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
            spec["owned_by"] = f"{short_name(s.owned_by[0])}.{path_part(s.owned_by[1])}"
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
    # PostgreSQL's defaults, as for a sequence of its own: counting down, the type's smallest to -1
    minv_default, maxv_default = (1, type_max) if inc > 0 else (-type_max - 1, -1)
    out: dict[str, Any] = {}
    minv = int(values.get("MINVALUE", minv_default))
    maxv = int(values.get("MAXVALUE", maxv_default))
    start = int(values.get("START WITH", minv if inc > 0 else maxv))
    if start != (minv if inc > 0 else maxv):
        out["start"] = start
    if inc != 1:
        out["increment"] = inc
    if minv != minv_default:
        out["min"] = minv
    if maxv != maxv_default:
        out["max"] = maxv
    if int(values.get("CACHE", 1)) != 1:
        out["cache"] = int(values["CACHE"])
    if " CYCLE" in text and "NO CYCLE" not in text:
        out["cycle"] = True
    return out
