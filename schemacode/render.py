"""How a plan reads: a summary a person takes in at a glance, then the SQL both ways; or JSON."""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import click

from .plan import InProgress, Plan, PlannedStatement, PlannedStep, Program

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

    if plan.in_progress is not None:
        return in_progress_text(plan.in_progress, plan.program, color, sql)
    if plan.is_empty:
        return "\n".join(["No changes. The database matches the schema.", *unmanaged_text(plan, verbose)]) + "\n"
    lines = ["Changes:"]
    for c in plan.listed:
        lines.append("  " + style(c.summary(), _COLORS.get("~" if c.because else c.symbol)))
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
    if plan.program is not None:
        lines.append("")
        first = "after the changes above (one transaction), " if plan.forward else ""
        lines.append(style(f"Online phases ({first}each step recorded: a stopped `apply --online` resumes, "
                           "`apply --abort` undoes them until the contract):", bold=True))
        lines += phases_text(plan.program, style)
    if plan.not_online:
        lines.append("")
        lines.append(style("Not online (made as above, and why):", bold=True))
        lines += [f"  {n}" for n in plan.not_online]
    if sql:
        lines.append("")
        lines.append(style("-- Forward SQL", bold=True))
        if plan.forward or plan.program is None:
            lines.append(sql_text(plan.forward, color))
        if plan.program is not None:
            lines.append(program_sql(plan.program, color))
        lines.append(style("-- Backward SQL (undoes the forward SQL)", bold=True))
        if plan.backward_program is not None:
            lines.append(style("-- (online too: its phases first, then the rest)", bold=True))
            lines.append(program_sql(plan.backward_program, color))
        lines.append(sql_text(plan.backward, color))
    return "\n".join(lines).rstrip() + "\n"


_HOW = {"transaction": "one transaction", "alone": "on its own"}


def _step_line(n: int, step: PlannedStep, program: Program) -> str:
    if step.backfill is not None:
        b = step.backfill
        rows = f"~{b.rows:,} rows" if b.rows is not None else "its rows"
        how = "its primary key" if b.key else "ctid ranges (it has no primary key)"
        return (f"{n}. {step.title}: {rows} in batches of {program.batch_size} over {how}, "
                "each batch its own transaction" + (" (its own triggers kept from firing)" if b.replica else ""))
    return f"{n}. {step.title} ({_HOW[step.kind]})"


def phases_text(program: Program, style: Any = lambda t, *a, **k: t, start: int = 0) -> list[str]:
    """Each phase, its steps, and each statement's lock: what it blocks and whether it scans."""
    lines = []
    phase = None
    for n, step in enumerate(program.steps, start + 1):
        if step.phase != phase:
            phase = step.phase
            lines.append(f"  {style(phase, 'cyan')}")
        lines.append(f"    {_step_line(n, step, program)}")
        for s in step.statements:
            if s.lock:
                lines.append(f"         {s.lock.describe()}")
                lines.append(f"               {s.sql.splitlines()[0]}")
    rows = program.rows()
    if rows is not None:
        lines.append(f"  rows to backfill: ~{rows:,}")
    return lines


def program_sql(program: Program, color: bool = False, start: int = 0) -> str:
    out = []
    for n, step in enumerate(program.steps, start + 1):
        head = f"-- {step.phase} {n}. {step.title}: " + (
            f"in batches of {program.batch_size}, each its own transaction (the statement of one batch)"
            if step.backfill else _HOW[step.kind])
        out.append(click.style(head, fg="cyan") if color else head)
        out.append(sql_text(step.statements, color).rstrip("\n"))
    return "\n".join(out) + "\n"


def in_progress_text(running: InProgress, rest: Program | None, color: bool = False, sql: bool = True) -> str:
    def style(text: str, fg: str | None = None, bold: bool = False) -> str:
        return click.style(text, fg=fg, bold=bold) if color else text

    steps = running.program.steps
    step = steps[running.step] if running.step < len(steps) else None
    at = f"step {running.step + 1} of {len(steps)}, {running.phase}" + (f": {step.title}" if step else "")
    if step is not None and step.backfill is not None and running.rows:
        at += f" — {running.rows:,}" + (f" of ~{running.total:,}" if running.total else "") + " rows done"
    what = "rollback" if running.kind == "rollback" else "online change"
    lines = [style(f"An {what} is in progress (history id {running.history_id}, started "
                   f"{running.started:%Y-%m-%d %H:%M:%S} by {running.by}):", bold=True),
             f"  {at}.",
             "`schemacode apply --online` resumes it"
             + ("; `schemacode apply --abort` undoes it (until the contract)." if running.abortable
                else "; it is past its contract: it can no longer be aborted."),
             "Once it is done, schema.yaml is compared with the database again."]
    if rest is not None and rest.steps:
        lines += ["", style("Steps left:", bold=True)]
        lines += phases_text(rest, style, running.step)
        if sql:
            lines += ["", style("-- SQL of the steps left", bold=True), program_sql(rest, color, running.step)]
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

    def program(p: Program | None, start: int = 0) -> list[dict[str, Any]] | None:
        if p is None:
            return None
        out: list[dict[str, Any]] = []
        for n, step in enumerate(p.steps, start + 1):
            if not out or out[-1]["phase"] != step.phase:
                out.append({"phase": step.phase, "steps": []})
            b = step.backfill
            out[-1]["steps"].append({
                "step": n, "title": step.title, "kind": step.kind,
                "statements": [stmt(s) for s in step.statements],
                "backfill": {"table": b.table, "rows": b.rows, "batch_size": p.batch_size,
                             "key": [k for k, _ in b.key] or "ctid", "triggers_kept_quiet": b.replica}
                if b else None})
        return out

    running = plan.in_progress
    return json.dumps({
        "empty": plan.is_empty,
        "summary": [c.summary() for c in plan.listed],
        "counts": plan.counts(),
        "current_fingerprint": plan.current_fingerprint,
        "desired_fingerprint": plan.desired_fingerprint,
        "schema_hash": plan.schema_hash,
        "forward": [stmt(s) for s in plan.forward],
        "backward": [stmt(s) for s in plan.backward],
        "unmanaged": list(plan.unmanaged),
        "online": {
            "phases": program(plan.program, running.step if running else 0),
            "backward_phases": program(plan.backward_program),
            "rows_to_backfill": plan.program.rows() if plan.program else None,
            "not_online": list(plan.not_online),
            "in_progress": {"history_id": running.history_id, "kind": running.kind, "step": running.step + 1,
                            "steps": len(running.program.steps), "phase": running.phase,
                            "abortable": running.abortable, "rows_done": running.rows,
                            "rows_estimated": running.total} if running else None,
        } if plan.online else None,
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
        plans.append({"targets": [o.target.name for o in group], "summary": [c.summary() for c in plan.listed],
                      "counts": plan.counts(), "forward": [s.sql for s in plan.forward],
                      "backward": [s.sql for s in plan.backward]})
    return json.dumps({
        "targets": [{"name": o.target.name, "status": o.status, "plan": o.group, "error": o.error,
                     "history_id": o.history_id, "seconds": round(o.seconds, 3)} for o in result.outcomes],
        "plans": plans,
        "counts": {s: result.count(s) for s in ("applied", "changes", "up to date", "failed", "not run")},
    }, indent=2) + "\n"
