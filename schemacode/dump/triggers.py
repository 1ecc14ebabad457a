"""Triggers of tables and views."""
from __future__ import annotations

from typing import Any

from ..model import Trigger
from ..sqltext import reproducible
from .core import DumperBase, Flow, FlowList


class TriggerDumper(DumperBase):
    def trigger(self, relation: str, trg: Trigger) -> Any:
        p = self.d.triggers[(relation, trg.name)]
        events = []
        if p["on_insert"]:
            events.append("insert")
        if p["on_update"]:
            events.append("update of " + ", ".join(p["update_columns"]) if p["update_columns"] else "update")
        if p["on_delete"]:
            events.append("delete")
        if p["on_truncate"]:
            events.append("truncate")
        spec: dict[str, Any] = {p["timing"]: " or ".join(events)}
        fn = trg.function
        spec["execute"] = fn.removeprefix("public.")
        if not p["for_row"]:
            spec["for_each"] = "statement"
        when = when_of(trg.definition)
        if when:
            spec["when"] = reproducible(when)
        if p["nargs"]:
            spec["arguments"] = FlowList(p["args"].split("\\000")[: p["nargs"]])
        referencing = {k: p[k] for k in ("old_table", "new_table") if p[k]}
        if referencing:
            spec["referencing"] = Flow(referencing)
        if p["is_constraint"]:
            spec["constraint"] = True
            if p["initially_deferred"]:
                spec["initially_deferred"] = True
            elif p["deferrable"]:
                spec["deferrable"] = True
        if not trg.enabled:
            spec["enabled"] = False
        if trg.comment:
            spec["comment"] = trg.comment
        return Flow(spec)


def when_of(definition: str) -> str | None:
    marker = " WHEN ("
    start = definition.find(marker)
    end = definition.rfind(") EXECUTE ")
    if start < 0 or end < start:
        return None
    text = definition[start + len(marker):end]
    while text.startswith("(") and text.endswith(")") and balanced(text[1:-1]):
        text = text[1:-1]
    return text


def balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0
