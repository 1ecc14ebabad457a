"""How a plan reads: a summary a person takes in at a glance, then the SQL both ways; or JSON."""
from __future__ import annotations

import json
from typing import Any

import click

from .plan import Plan, PlannedStatement

_COLORS = {"+": "green", "-": "red", "~": "yellow", "→": "cyan"}
_HAZARD_COLORS = {"data-loss": "red", "rewrite": "yellow", "lock": "yellow", "irreversible": "magenta"}


def plan_text(plan: Plan, color: bool = False, sql: bool = True) -> str:
    def style(text: str, fg: str | None = None, bold: bool = False) -> str:
        return click.style(text, fg=fg, bold=bold) if color else text

    if plan.is_empty:
        return "No changes. The database matches the schema.\n"
    lines = ["Changes:"]
    for c in plan.changes:
        lines.append("  " + style(c.summary(), _COLORS.get(c.symbol)))
    n = plan.counts()
    lines.append("")
    lines.append(style(f"Plan: {n['add']} to add, {n['change']} to change, {n['destroy']} to destroy.",
                       bold=True))
    hazards = plan.hazards()
    if hazards:
        lines.append("")
        lines.append(style("Hazards:", bold=True))
        for s, h in hazards:
            lines.append(f"  {style(h.kind, _HAZARD_COLORS[h.kind]):<12} {h.message}")
            lines.append(f"               {s.sql.splitlines()[0]}")
    if sql:
        lines.append("")
        lines.append(style("-- Forward SQL", bold=True))
        lines.append(sql_text(plan.forward))
        lines.append(style("-- Backward SQL (undoes the forward SQL)", bold=True))
        lines.append(sql_text(plan.backward))
    return "\n".join(lines).rstrip() + "\n"


def sql_text(stmts: tuple[PlannedStatement, ...] | list[PlannedStatement]) -> str:
    out = []
    for s in stmts:
        for h in s.hazards:
            out.append(f"-- {h.kind}: {h.message}")
        out.append(s.sql.rstrip().rstrip(";") + ";")
    return "\n".join(out) + "\n"


def plan_json(plan: Plan, warnings: tuple[str, ...] = ()) -> str:
    def stmt(s: PlannedStatement) -> dict[str, Any]:
        return {
            "sql": s.sql, "change": s.change, "stage": s.stage,
            "hazards": [{"type": h.kind, "message": h.message} for h in s.hazards],
            "source": {"file": s.source.file, "line": s.source.line, "path": s.source.path}
            if s.source else None,
        }

    return json.dumps({
        "empty": plan.is_empty,
        "summary": [c.summary() for c in plan.changes],
        "counts": plan.counts(),
        "current_fingerprint": plan.current_fingerprint,
        "desired_fingerprint": plan.desired_fingerprint,
        "schema_hash": plan.schema_hash,
        "forward": [stmt(s) for s in plan.forward],
        "backward": [stmt(s) for s in plan.backward],
        "warnings": list(warnings),
    }, indent=2) + "\n"
