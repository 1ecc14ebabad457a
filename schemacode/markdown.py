"""A plan as a pull-request comment (``plan --format markdown``): what a reviewer reads next to
the schema.yaml diff, without running anything.

Hazards come first and stand out; then the changes grouped by table, each with the line of
schema.yaml it comes from and the lock each of its statements takes on tables that exist; then
the forward and backward SQL, folded. It is CommonMark (what GitHub and GitLab render) with
``<details>`` for the folds; names and SQL are code spans or fenced blocks, never text a
renderer could read as markup.
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from .changes import Change
from .model import Catalog, Source
from .plan import Plan, PlannedStatement
from .render import in_progress_text, phases_text, program_sql, sql_text

MARKER = "<!-- schemacode plan -->"  # CI updates the comment that starts with it (docs/ci/)
_LOUD = {"data-loss": "DATA LOSS", "rewrite": "TABLE REWRITE", "lock": "LOCK",
         "security": "SECURITY", "irreversible": "IRREVERSIBLE"}
_SYMBOLS = {"+": "add", "-": "drop", "~": "change", "→": "rename"}
_OTHER = "other objects"


def plan_markdown(plan: Plan, warnings: tuple[str, ...] = (), desired: Catalog | None = None) -> str:
    """``desired``: the catalog schema.yaml built (api.Planned.desired), where a comment's line
    in schema.yaml is found."""
    counts = plan.counts()
    if plan.in_progress is not None:
        out = [MARKER, "### schemacode plan: an online change is in progress", "",
               fence(in_progress_text(plan.in_progress, plan.program, sql=False).rstrip("\n"))]
        return "\n".join(out) + "\n"
    if plan.is_empty:
        out = [MARKER, "### schemacode plan: no changes", "", "The database matches schema.yaml."]
        return "\n".join(out + _unmanaged(plan)) + "\n"
    out = [MARKER, f"### schemacode plan: {counts['add']} to add, {counts['change']} to change, "
                   f"{counts['destroy']} to destroy", ""]
    out += _hazards(plan)
    if warnings:
        out += ["**Notes**", ""] + [f"- {text(w)}" for w in warnings] + [""]
    out += _changes(plan, desired)
    out += _unmanaged(plan)
    if plan.program is not None:
        out += ["**Online phases** (`apply --online` runs them in order, each step recorded: a stopped apply "
                "resumes, `apply --abort` undoes them until the contract)", "",
                fence("\n".join(phases_text(plan.program))), ""]
    if plan.not_online:
        out += ["**Not online** (made in one transaction, and why)", ""]
        out += [f"- {text(n)}" for n in plan.not_online] + [""]
    out += _fold(f"Forward SQL ({_count(plan.forward)}): what apply runs", sql_text(plan.forward)
                 + (program_sql(plan.program) if plan.program else ""))
    out += _fold(f"Backward SQL ({_count(plan.backward)}): undoes the forward SQL",
                 (program_sql(plan.backward_program) if plan.backward_program else "") + sql_text(plan.backward))
    return "\n".join(out).rstrip() + "\n"


def _count(stmts: tuple[PlannedStatement, ...]) -> str:
    return f"{len(stmts)} statement{'s' if len(stmts) != 1 else ''}"


def _hazards(plan: Plan) -> list[str]:
    found = plan.hazards()
    if not found:
        return ["No hazards: nothing is dropped, rewritten or locked for longer than a catalog "
                "change.", ""]
    kinds = sorted({h.kind for _, h in found}, key=list(_LOUD).index)
    out = ["> [!CAUTION]",
           f"> **{len(found)} hazard{'s' if len(found) != 1 else ''}: "
           f"{', '.join(_LOUD[k].lower() for k in kinds)}.** Read these before merging.", ">"]
    for s, h in found:
        out.append(f"> - **{_LOUD[h.kind]}**: {text(h.message)}  ")
        out.append(f">   {code(_first_line(s.sql))} ({_where(s)})")
    return out + [""]


def _where(s: PlannedStatement | Change, desired: Catalog | None = None) -> str:
    source = s.source if isinstance(s, PlannedStatement) else source_of(s, desired)
    if source is not None:
        return f"{code(f'{source.file}:{source.line}')} {code(source.path)}"
    return "no longer in schema.yaml" if _symbol(s) == "-" else "not from a line of schema.yaml"


def _symbol(s: PlannedStatement | Change) -> str:
    return s.symbol if isinstance(s, Change) else s.change[:1]


def source_of(c: Change, desired: Catalog | None = None) -> Source | None:
    """Where in schema.yaml a change comes from: its own source, else that of the object it
    works on (an enum gaining a value: the enum's line; a comment: its object's, in
    ``desired``)."""
    from .changes import SetComment

    if c.source is not None:
        return c.source
    for attr in ("after", "enum", "domain", "type", "sequence", "function", "view", "table"):
        obj = getattr(c, attr, None)
        source = getattr(obj, "source", None)
        if isinstance(source, Source):
            return source
    if isinstance(c, SetComment) and desired is not None:
        return _commented(c.label, desired)
    return None


def _commented(label: str, desired: Catalog) -> Source | None:
    """The object a comment's label names (as diff labels them), in the desired catalog."""
    kind, _, name = label.partition(" ")
    if " on " in name:  # constraint, trigger, policy: "name on schema.table"
        member, _, table = name.rpartition(" on ")
        t = desired.tables.get(table)
        group = {"constraint": "constraints", "trigger": "triggers", "policy": "policies"}.get(kind)
        obj = getattr(t, group).get(member) if t is not None and group else None
        return obj.source if obj is not None else None
    if kind == "column":
        table, _, column = name.rpartition(".")
        t = desired.tables.get(table)
        return t.columns[column].source if t is not None and column in t.columns else None
    if kind == "index":
        schema, _, index = name.partition(".")
        for t in desired.tables.values():
            if t.schema == schema and index in t.indexes:
                return t.indexes[index].source
        return None
    groups: dict[str, dict[str, Any]] = {
        "table": desired.tables, "view": desired.views, "sequence": desired.sequences,
        "enum": desired.enums, "domain": desired.domains, "schema": desired.schemas}
    found = groups.get(kind, {})
    source = getattr(found.get(name), "source", None)
    return source if isinstance(source, Source) else None


def _changes(plan: Plan, desired: Catalog | None) -> list[str]:
    statements: dict[str, list[PlannedStatement]] = defaultdict(list)
    for s in plan.forward:
        statements[s.change].append(s)
    groups: dict[str, list[Change]] = defaultdict(list)
    for c in plan.listed:  # (a re-added dependent once: its drop's statements are under its summary too)
        groups[table_of(c) or _OTHER].append(c)
    out = []
    for name in sorted(groups, key=lambda g: (g == _OTHER, g)):
        out += [f"#### {code(name) if name != _OTHER else 'Other objects'}", ""]
        for c in groups[name]:
            out.append(f"- {code(c.summary())} ({_where(c, desired)})")
            for s in statements.get(c.summary(), []):
                if s.lock:
                    out.append(f"  - {code(_first_line(s.sql))} takes **{s.lock.level}** on "
                               f"{', '.join(code(r) for r in s.lock.relations)}: "
                               f"{text(s.lock.describe().split(': ', 1)[1])}")
        out.append("")
    return out


def table_of(c: Change) -> str | None:
    """The table (or view) a change belongs to, for grouping; None for schemas, types,
    functions and the like."""
    from . import changes as ch

    table = getattr(c, "table", None)
    if isinstance(table, str):
        return table
    if table is not None and hasattr(table, "qname"):
        return str(table.qname)
    if isinstance(c, ch.RenameTable):
        return c.new
    view = getattr(c, "view", None)
    if view is not None:
        return str(view.qname)
    if isinstance(c, (ch.AlterTableStorage, ch.AlterViewOptions)):
        return str(c.after.qname)
    if isinstance(c, ch.SetComment):
        label = c.label
        if " on " in label:
            return label.rsplit(" on ", 1)[1]
        if label.startswith(("table ", "view ", "materialized view ")):
            return label.split(" ", 1)[1] if not label.startswith("materialized") else label[18:]
        if label.startswith("column "):
            return label[7:].rsplit(".", 1)[0]
    return None


def _unmanaged(plan: Plan) -> list[str]:
    if not plan.unmanaged:
        return []
    n = len(plan.unmanaged)
    return ["", *_fold(f"{n} object{'s' if n != 1 else ''} schemacode does not manage, left as "
                       f"{'they are' if n != 1 else 'it is'}",
                       "".join(f"{u}\n" for u in plan.unmanaged), "text")]


def _fold(summary: str, body: str, info: str = "sql") -> list[str]:
    """A <details> block around a fenced code block: the blank lines let the fence be read as
    markdown inside the HTML (CommonMark ends an HTML block at a blank line)."""
    return ["<details>", f"<summary>{_html(summary)}</summary>", "", *fence(body, info).split("\n"),
            "", "</details>", ""]


def fence(body: str, info: str = "") -> str:
    """A fenced code block longer than any run of backticks in ``body``."""
    ticks = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", body)), default=0))
    return f"{ticks}{info}\n{body.rstrip(chr(10))}\n{ticks}"


def code(value: str) -> str:
    """An inline code span holding ``value`` as it is (one line)."""
    value = " ".join(value.split("\n"))
    ticks = "`" * (1 + max((len(m) for m in re.findall(r"`+", value)), default=0))
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip(" ") else ""
    return f"{ticks}{pad}{value}{pad}{ticks}"


def text(value: str) -> str:
    """Free text (a hazard's message, a warning) with every character markdown could read as
    markup escaped: it renders as written."""
    value = re.sub(r"([\\`*_\[\]<>|~#!&])", r"\\\1", " ".join(value.split()))
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", re.sub(r"^([-+=])", r"\\\1", value))  # not a list


def _html(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _first_line(sql: str, width: int = 110) -> str:
    line = sql.strip().splitlines()[0] if sql.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


__all__ = ["plan_markdown", "MARKER", "table_of", "code", "fence", "text"]
