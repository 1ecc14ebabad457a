"""How a plan reads: a summary a person takes in at a glance, then the SQL both ways; or JSON."""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import click

from .plan import Plan, PlannedStatement

if TYPE_CHECKING:
    from .fleet import FleetResult

_COLORS = {"+": "green", "-": "red", "~": "yellow", "→": "cyan"}
_HAZARD_COLORS = {"data-loss": "red", "rewrite": "yellow", "lock": "yellow", "irreversible": "magenta", "security": "magenta"}


def unmanaged_text(plan: Plan, verbose: bool = False) -> list[str]:
    """How many objects schemacode leaves alone, and (verbose) which and why."""
    n = len(plan.unmanaged)
    if not n:
        return []
    lines = [f"{n} object{'s' if n != 1 else ''} schemacode does not manage "
             f"{'are' if n != 1 else 'is'} left as {'they are' if n != 1 else 'it is'}"
             + (":" if verbose else " (--verbose lists them).")]
    if verbose:
        lines += [f"  {u}" for u in plan.unmanaged]
    return lines


def plan_text(plan: Plan, color: bool = False, sql: bool = True, verbose: bool = False) -> str:
    def style(text: str, fg: str | None = None, bold: bool = False) -> str:
        return click.style(text, fg=fg, bold=bold) if color else text

    if plan.is_empty:
        return "\n".join(["No changes. The database matches the schema.", *unmanaged_text(plan, verbose)]) + "\n"
    lines = ["Changes:"]
    for c in plan.changes:
        lines.append("  " + style(c.summary(), _COLORS.get(c.symbol)))
    n = plan.counts()
    lines.append("")
    lines.append(style(f"Plan: {n['add']} to add, {n['change']} to change, {n['destroy']} to destroy.",
                       bold=True))
    lines += unmanaged_text(plan, verbose)
    hazards = plan.hazards()
    if hazards:
        lines.append("")
        lines.append(style("Hazards:", bold=True))
        for s, h in hazards:
            lines.append(f"  {style(h.kind, _HAZARD_COLORS[h.kind]):<12} {h.message}")
            lines.append(f"               {s.sql.splitlines()[0]}")
    locked = [s for s in plan.forward if s.lock]
    if locked:
        lines.append("")
        lines.append(style("Locks on existing tables:", bold=True))
        for s in locked:
            assert s.lock
            lines.append(f"  {s.lock.describe()}")
            lines.append(f"               {s.sql.splitlines()[0]}")
    if sql:
        lines.append("")
        lines.append(style("-- Forward SQL", bold=True))
        lines.append(sql_text(plan.forward, color))
        lines.append(style("-- Backward SQL (undoes the forward SQL)", bold=True))
        lines.append(sql_text(plan.backward, color))
    return "\n".join(lines).rstrip() + "\n"


_KEYWORDS = re.compile(
    r"\b(CREATE|ALTER|DROP|TABLE|INDEX|UNIQUE|CONCURRENTLY|IF|NOT|EXISTS|ADD|COLUMN|CONSTRAINT|"
    r"PRIMARY|FOREIGN|KEY|REFERENCES|CHECK|DEFAULT|NULL|SET|TYPE|USING|ON|DELETE|UPDATE|CASCADE|"
    r"COMMENT|IS|TRIGGER|FUNCTION|VIEW|MATERIALIZED|SEQUENCE|SCHEMA|EXTENSION|ENUM|DOMAIN|AS|"
    r"BEFORE|AFTER|FOR|EACH|ROW|EXECUTE|RENAME|TO|VALIDATE|VALID|WHERE|INCLUDE|VALUE)\b")


def _highlight(sql: str) -> str:
    parts = re.split(r"('(?:[^']|'')*')", sql)  # leave string literals alone
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(click.style(part, fg="green"))
        else:
            out.append(_KEYWORDS.sub(lambda m: click.style(m.group(0), fg="blue", bold=True), part))
    return "".join(out)


def sql_text(stmts: tuple[PlannedStatement, ...] | list[PlannedStatement], color: bool = False) -> str:
    out = []
    for s in stmts:
        for h in s.hazards:
            note = f"-- {h.kind}: {h.message}"
            out.append(click.style(note, fg=_HAZARD_COLORS[h.kind]) if color else note)
        text = s.sql.rstrip().rstrip(";") + ";"
        out.append(_highlight(text) if color else text)
    return "\n".join(out) + "\n"


def plan_json(plan: Plan, warnings: tuple[str, ...] = ()) -> str:
    def stmt(s: PlannedStatement) -> dict[str, Any]:
        return {
            "sql": s.sql, "change": s.change, "stage": s.stage,
            "hazards": [{"type": h.kind, "message": h.message} for h in s.hazards],
            "lock": s.lock.as_json() if s.lock else None,
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
        "unmanaged": list(plan.unmanaged),
        "warnings": list(warnings),
    }, indent=2) + "\n"


def fleet_text(result: FleetResult, color: bool = False, sql: bool = True) -> str:
    """A fleet's plans, each distinct plan once with the targets it is for, then what failed and
    the count of each outcome."""
    def style(text: str, fg: str | None = None, bold: bool = False) -> str:
        return click.style(text, fg=fg, bold=bold) if color else text

    out = []
    for i, group in enumerate(result.groups, 1):
        names = [o.target.name for o in group]
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        out.append(style(f"Plan {i} of {len(result.groups)}: {len(names)} target(s): {shown}", bold=True)
                   + (f" (as it reads for {names[0]})" if len(names) > 1 and sql else ""))
        plan = group[0].plan
        assert plan is not None
        body = plan_text(plan, color=color, sql=sql)
        out += ["  " + line if line else line for line in body.rstrip("\n").split("\n")]
        out.append("")
    for status, fg in (("applied", "green"), ("up to date", None), ("not run", "yellow")):
        names = [o.target.name for o in result.outcomes if o.status == status]
        if names and (status != "up to date" or result.count("applied") or result.count("failed")):
            shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
            out.append(style(f"{status.capitalize()} ({len(names)}):", fg=fg, bold=True) + f" {shown}")
    failed = result.failed
    if failed:
        out.append(style(f"Failed ({len(failed)}):", fg="red", bold=True))
        for o in failed:
            first, *rest = (o.error or "").split("\n")
            out.append(f"  {o.target.name}: {first}")
            out += [f"    {line}" for line in rest if line.strip()]
    if out and out[-1] != "":
        out.append("")
    counts = [(s, result.count(s)) for s in ("applied", "changes", "up to date", "failed", "not run")]
    out.append("Targets: " + ", ".join(f"{n} {s}" for s, n in counts if n) + f" (of {len(result.outcomes)}).")
    return "\n".join(out) + "\n"


def fleet_json(result: FleetResult) -> str:
    plans = []
    for group in result.groups:
        plan = group[0].plan
        assert plan is not None
        plans.append({"targets": [o.target.name for o in group], "summary": [c.summary() for c in plan.changes],
                      "counts": plan.counts(), "forward": [s.sql for s in plan.forward],
                      "backward": [s.sql for s in plan.backward]})
    return json.dumps({
        "targets": [{"name": o.target.name, "status": o.status, "plan": o.group, "error": o.error,
                     "history_id": o.history_id, "seconds": round(o.seconds, 3)} for o in result.outcomes],
        "plans": plans,
        "counts": {s: result.count(s) for s in ("applied", "changes", "up to date", "failed", "not run")},
    }, indent=2) + "\n"
