"""The schema, and a plan's changes, as a picture: Mermaid erDiagram text, or Graphviz DOT.

Pure functions of the model (and of a plan's own changes, so that the picture and the plan never
disagree); `render` runs Graphviz's ``dot`` for SVG and PNG. See docs/diagrams.md.
"""
from __future__ import annotations

import fnmatch
import html
import re
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, Literal

from .sqltext import name_of, schema_of, split_qualified
from .errors import SchemacodeError
from .model import Catalog, Column, Constraint, EnumType, Table, View
from .plan import Plan

Mark = Literal["added", "changed", "dropped"]

# GitHub's Primer colors: fill, border
COLORS: dict[str, tuple[str, str]] = {
    "added": ("#dafbe1", "#1a7f37"),
    "changed": ("#fff8c5", "#9a6700"),
    "dropped": ("#ffebe9", "#cf222e"),
}
_SIGNS = {"added": "+", "changed": "~", "dropped": "-"}
_PLAIN = ("#ddf4ff", "#57606a")  # a table's header and border when nothing marks it
_VIEW = ("#f6f8fa", "#8c959f")


@dataclass(frozen=True)
class Marks:
    """What a plan does, by object: tables, views and enums by qualified name, columns by
    (table, column)."""

    tables: dict[str, Mark] = field(default_factory=dict)
    columns: dict[tuple[str, str], Mark] = field(default_factory=dict)
    views: dict[str, Mark] = field(default_factory=dict)
    enums: dict[str, Mark] = field(default_factory=dict)


@dataclass(frozen=True)
class Picture:
    """What a diagram shows: the tables (with dropped ones and dropped columns put back, when it
    shows a plan), views and enums, and the marks."""

    tables: dict[str, Table]
    views: dict[str, View]
    enums: dict[str, EnumType]
    marks: Marks | None = None
    dropped_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # A partitioned table's partitions (sub-partitions too), drawn inside it, not beside it:
    # twelve monthly partitions are one box, as they are one declaration in schema.yaml.
    partitions: dict[str, tuple[str, ...]] = field(default_factory=dict)


def marks(plan: Plan) -> Marks:
    """The objects each change of the plan touches: a table is changed by anything done in it
    (a column, key, index, trigger, policy …), a column by what is done to it."""
    from . import changes as ch

    m = Marks()

    def table(name: str, mark: Mark) -> None:
        if m.tables.get(name) not in ("added", "dropped"):
            m.tables[name] = mark

    for c in plan.changes:
        if isinstance(c, ch.CreateTable):
            m.tables[c.table.qname] = "added"
        elif isinstance(c, ch.DropTable):
            m.tables[c.table.qname] = "dropped"
        elif isinstance(c, ch.RenameTable):
            table(c.new, "changed")
        elif isinstance(c, (ch.AddColumn, ch.DropColumn, ch.AlterColumn)):
            col = c.column.name if isinstance(c, (ch.AddColumn, ch.DropColumn)) else c.after.name
            mark: Mark = "added" if isinstance(c, ch.AddColumn) else \
                "dropped" if isinstance(c, ch.DropColumn) else "changed"
            if m.columns.get((c.table, col)) is None or mark == "changed":
                # a column dropped and added again (a new type it cannot be cast to) is changed
                m.columns[(c.table, col)] = "changed" if (c.table, col) in m.columns else mark
            table(c.table, "changed")
        elif isinstance(c, ch.RenameColumn):
            m.columns[(c.table, c.new)] = "changed"
            table(c.table, "changed")
        elif isinstance(c, ch.CreateView):
            m.views[c.view.qname] = "changed" if m.views.get(c.view.qname) == "dropped" else "added"
        elif isinstance(c, ch.DropView):
            m.views[c.view.qname] = "changed" if m.views.get(c.view.qname) == "added" else "dropped"
        elif isinstance(c, ch.AlterViewOptions):
            m.views[c.after.qname] = "changed"
        elif isinstance(c, ch.CreateEnum):
            m.enums[c.enum.qname] = "changed" if m.enums.get(c.enum.qname) == "dropped" else "added"
        elif isinstance(c, ch.DropEnum):
            m.enums[c.enum.qname] = "changed" if m.enums.get(c.enum.qname) == "added" else "dropped"
        elif isinstance(c, (ch.AddEnumValue, ch.RenameEnumValue)):
            m.enums[c.enum.qname] = "changed"
        elif isinstance(c, ch.RebuildEnum):
            m.enums[c.after.qname] = "changed"
        else:
            name = getattr(c, "table", None)
            if isinstance(name, str):
                table(name, "changed")
    # a table dropped and created again (a rebuild) is changed
    for c in plan.changes:
        if isinstance(c, ch.DropTable) and any(isinstance(d, ch.CreateTable) and d.table.qname == c.table.qname
                                               for d in plan.changes):
            m.tables[c.table.qname] = "changed"
    return m


def picture(catalog: Catalog, plan: Plan | None = None) -> Picture:
    """``catalog`` (the desired one) as a diagram shows it; with a plan, what it drops is put
    back so that it can be shown dropped."""
    from . import changes as ch

    tables, views, enums = dict(catalog.tables), dict(catalog.views), dict(catalog.enums)
    if plan is None:
        return _fold_partitions(Picture(tables, views, enums))
    dropped_columns: dict[str, list[str]] = {}
    for c in plan.changes:
        if isinstance(c, ch.DropTable) and c.table.qname not in tables:
            tables[c.table.qname] = c.table
        elif isinstance(c, ch.DropView) and c.view.qname not in views:
            views[c.view.qname] = c.view
        elif isinstance(c, ch.DropEnum) and c.enum.qname not in enums:
            enums[c.enum.qname] = c.enum
    for c in plan.changes:
        if isinstance(c, ch.DropColumn) and c.table in tables and c.column.name not in tables[c.table].columns:
            t = tables[c.table]
            tables[c.table] = replace(t, columns={**t.columns, c.column.name: c.column})
            dropped_columns.setdefault(c.table, []).append(c.column.name)
    return _fold_partitions(Picture(tables, views, enums, marks(plan),
                                    {k: tuple(v) for k, v in dropped_columns.items()}))


def _fold_partitions(p: Picture) -> Picture:
    """Partitions into their topmost parent; a partition the plan touches changes its parent."""
    def root(k: str) -> str:
        seen = {k}
        while p.tables[k].partition_of in p.tables and p.tables[k].partition_of not in seen:
            k = p.tables[k].partition_of  # type: ignore[assignment]
            seen.add(k)
        return k

    parts: dict[str, list[str]] = {}
    for k, t in p.tables.items():
        if t.partition_of in p.tables:
            parts.setdefault(root(k), []).append(k)
    if not parts:
        return p
    if p.marks is not None:
        for parent, names in parts.items():
            if p.marks.tables.get(parent) not in ("added", "dropped") and any(n in p.marks.tables for n in names):
                p.marks.tables[parent] = "changed"
    folded = {n for names in parts.values() for n in names}
    return replace(p, tables={k: t for k, t in p.tables.items() if k not in folded},
                   partitions={k: tuple(sorted(v)) for k, v in parts.items()})


def select(p: Picture, patterns: Iterable[str], depth: int = 0) -> Picture:
    """The tables (and views, enums) whose name or qualified name matches a glob, with the tables
    up to ``depth`` foreign keys away from them; no patterns: everything."""
    patterns = [x for x in patterns if x]
    if not patterns:
        return p

    def hit(schema: str, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, x) or fnmatch.fnmatchcase(f"{schema}.{name}", x) for x in patterns)

    chosen = {k for k, t in p.tables.items() if hit(t.schema, t.name)} | \
        {k for k, names in p.partitions.items() if any(hit(*split_qualified(n)) for n in names)}
    near: dict[str, set[str]] = {k: set() for k in p.tables}
    for k, t in p.tables.items():
        for fk in _foreign_keys(t):
            if fk.ref_table in near:
                near[k].add(fk.ref_table)
                near[fk.ref_table].add(k)
    edge = set(chosen)
    for _ in range(depth):
        edge = {n for k in edge for n in near[k]} - chosen
        chosen |= edge
    views = {k: v for k, v in p.views.items() if hit(v.schema, v.name)}
    enums = {k: e for k, e in p.enums.items() if hit(e.schema, e.name)
             or any(_names_type(t, e) for t in p.tables.values() if t.qname in chosen)}
    return replace(p, tables={k: t for k, t in p.tables.items() if k in chosen}, views=views, enums=enums)


def _names_type(t: Table, e: EnumType) -> bool:
    return any(c.type.strip('"') in (e.name, e.qname, f"{e.schema}.{e.name}") or
               c.type.replace('"', "") in (e.name, e.qname) for c in t.columns.values())


def _foreign_keys(t: Table) -> list[Constraint]:
    return [c for c in t.constraints.values() if c.kind == "foreign_key" and c.ref_table]


def _display(p: Picture) -> dict[str, str]:
    """The name each object is shown by: its own name, qualified when it is not in public or
    when two objects of the picture share it."""
    everything = [(k, o.schema, o.name) for group in (p.tables, p.views, p.enums) for k, o in group.items()]
    seen: dict[str, int] = {}
    for _, _, name in everything:
        seen[name] = seen.get(name, 0) + 1
    return {k: name if schema == "public" and seen[name] == 1 else f"{schema}.{name}"
            for k, schema, name in everything}


_SHORT = [
    (r"^timestamp\((\d+)\) with time zone", r"timestamptz(\1)"), (r"^timestamp with time zone", "timestamptz"),
    (r"^timestamp\((\d+)\) without time zone", r"timestamp(\1)"), (r"^timestamp without time zone", "timestamp"),
    (r"^time with time zone", "timetz"), (r"^time without time zone", "time"),
    (r"^character varying", "varchar"), (r"^character\b", "char"), (r"^double precision", "float8"),
    (r"^bit varying", "varbit"),
]


def short_type(t: str) -> str:
    """A column's type as people write it (timestamptz, varchar(50)); schema public left out."""
    for pattern, repl in _SHORT:
        t = re.sub(pattern, repl, t)
    return re.sub(r'^(public\.|"public"\.)', "", t)


def _key_columns(t: Table) -> tuple[set[str], set[str], set[str]]:
    pk: set[str] = set()
    fk: set[str] = set()
    uk: set[str] = set()
    for c in t.constraints.values():
        if c.kind == "primary_key":
            pk.update(c.columns)
        elif c.kind == "foreign_key":
            fk.update(c.columns)
        elif c.kind == "unique" and len(c.columns) == 1:  # a column unique by itself
            uk.update(c.columns)
    return pk, fk, uk


def _relationship(t: Table, fk_columns: tuple[str, ...], pk: set[str]) -> tuple[bool, bool, bool]:
    """(the referencing columns are all NOT NULL: exactly one parent, else zero or one;
    they are unique in the child: at most one child per parent; they are part of its key:
    an identifying relationship)."""
    required = all(t.columns[c].not_null for c in fk_columns if c in t.columns)
    cols = set(fk_columns)
    unique = any(c.kind in ("primary_key", "unique") and set(c.columns) == cols for c in t.constraints.values()) or \
        any(i.definition.startswith("CREATE UNIQUE INDEX") and set(i.columns) == cols and " WHERE " not in i.definition
            for i in t.indexes.values())
    return required, unique, bool(cols) and cols <= pk


def _relationships(p: Picture) -> Iterator[tuple[str, str, Constraint, tuple[bool, bool, bool]]]:
    """Each foreign key between two tables of the picture: (its table, the table it references,
    it, _relationship)."""
    for k in sorted(p.tables):
        t = p.tables[k]
        pk, _, _ = _key_columns(t)
        for fk in _foreign_keys(t):
            if fk.ref_table is not None and fk.ref_table in p.tables:
                yield k, fk.ref_table, fk, _relationship(t, fk.columns, pk)


# ---------------------------------------------------------------------------------------- Mermaid

_TOKEN = re.compile(r"[A-Za-z][-\w()\[\]]*")


def _token(text: str) -> str:
    """A word Mermaid takes as an attribute's name: a letter, then letters, digits, - and _."""
    out = re.sub(r"[^-\w]", "_", text)
    return out if re.match(r"[A-Za-z]", out) else "x_" + out


def _type_token(text: str) -> str:
    """A word Mermaid takes as an attribute's type (parentheses and brackets allowed too):
    the type itself when it is one (varchar(50), int[]), else its name before any modifier
    (numeric for numeric(10,2)); the diagram then names the whole type beside it."""
    if re.fullmatch(r"[A-Za-z][-\w()\[\]]*", text):
        return text
    return _token(text.split("(", 1)[0].strip() or text)


def _quoted(text: str) -> str:
    """A quoted entity name or label: anything but double quotes and % (and line breaks)."""
    return '"' + re.sub(r'[\r\n\v\b\\]', " ", text).replace('"', "'").replace("%", " pct") + '"'


def mermaid(p: Picture) -> str:
    """A Mermaid ``erDiagram``: renders as it is in GitHub and GitLab markdown."""
    names = _display(p)
    m = p.marks
    out = ["erDiagram"]

    def entity(key: str, kind: str = "") -> str:
        label = names[key] + (f" ({kind})" if kind else "")
        if not kind and key in p.partitions:
            label += f" ({len(p.partitions[key])} partitions)"
        mark = None if m is None else (m.tables if not kind else m.views if kind != "enum" else m.enums).get(key)
        return _quoted(label + (f" [{_SIGNS[mark]}]" if mark else ""))

    for k in sorted(p.tables):
        t = p.tables[k]
        pk, fks, uk = _key_columns(t)
        out.append(f"    {entity(k)} {{")
        for name, col in t.columns.items():
            typ = short_type(col.type)
            keys = ", ".join(x for x, on in (("PK", name in pk), ("FK", name in fks), ("UK", name in uk)) if on)
            notes = []
            if m is not None and (k, name) in m.columns:
                notes.append(f"{_SIGNS[m.columns[(k, name)]]} {m.columns[(k, name)]}")
            elif m is not None and name in p.dropped_columns.get(k, ()):
                notes.append("- dropped")
            if _token(name) != name:
                notes.append(name)
            if _type_token(typ) != typ:
                notes.append(typ)
            if col.not_null and name not in pk:
                notes.append("not null")
            line = f"        {_type_token(typ)} {_token(name)}" + (f" {keys}" if keys else "")
            out.append(line + (f" {_quoted(', '.join(notes))}" if notes else ""))
        out.append("    }")
    for k in sorted(p.views):
        v = p.views[k]
        out.append(f"    {entity(k, 'materialized view' if v.materialized else 'view')} {{")
        for name, typ in zip(v.columns, v.column_types):
            typ = short_type(typ)
            notes = [x for x, on in ((name, _token(name) != name), (typ, _type_token(typ) != typ)) if on]
            out.append(f"        {_type_token(typ)} {_token(name)}" + (f" {_quoted(', '.join(notes))}" if notes else ""))
        out.append("    }")
    for k in sorted(p.enums):
        e = p.enums[k]
        out.append(f"    {entity(k, 'enum')} {{")
        for value in e.values:
            out.append(f"        value {_token(value)}" + (f" {_quoted(value)}" if _token(value) != value else ""))
        out.append("    }")
    for k, ref_table, fk, (required, unique, identifying) in _relationships(p):
        parent = "||" if required else "|o"
        child = "o|" if unique else "o{"
        line = "--" if identifying else ".."
        out.append(f"    {entity(ref_table)} {parent}{line}{child} {entity(k)} : "
                   f"{_quoted(', '.join(fk.columns))}")
    if m is not None:
        out.append("    %% [+] added, [~] changed, [-] dropped (schemacode diagram --changes)")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------- DOT

def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(p: Picture, title: str = "") -> str:
    """Graphviz DOT: tables as boxes of their columns, foreign keys as crow's-foot edges from
    column to column, views and enums apart, comments as tooltips, and with a plan, the colors."""
    names = _display(p)
    m = p.marks
    out = [
        "digraph schema {",
        f'  graph [rankdir=LR, fontname="Helvetica", fontsize=12, nodesep=0.35, ranksep=0.9, '
        f'pad=0.3, concentrate=false, tooltip={_dot_id(title or "schema")}, label={_dot_id(title)}, labelloc=t];',
        '  node [shape=plaintext, fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9, color="#57606a", dir=both, penwidth=1.2];',
    ]
    ports: dict[tuple[str, str], str] = {}
    for k in sorted(p.tables):
        t = p.tables[k]
        pk, fks, uk = _key_columns(t)
        mark = m.tables.get(k) if m else None
        head, border = COLORS[mark] if mark else _PLAIN
        rows = [f'<TR><TD COLSPAN="3" BGCOLOR="{head}"><B>{_h(names[k])}</B>'
                f'{"&#160;&#160;" + _h(_SIGNS[mark]) if mark else ""}</TD></TR>']
        for i, (name, col) in enumerate(t.columns.items()):
            ports[(k, name)] = str(i)
            cmark = m.columns.get((k, name)) if m else None
            if m is not None and cmark is None and name in p.dropped_columns.get(k, ()):
                cmark = "dropped"
            bg = f' BGCOLOR="{COLORS[cmark][0]}"' if cmark else ""
            keys = " ".join(x for x, on in (("PK", name in pk), ("FK", name in fks), ("UK", name in uk),
                                            ("NN", col.not_null and name not in pk)) if on)
            label = _h(name)
            if name in pk:
                label = f"<U>{label}</U>"
            if cmark == "dropped":
                label = f"<S>{label}</S>"
            keys = f'<FONT POINT-SIZE="9">{keys}</FONT>' if keys else ""  # dot refuses an empty FONT
            # edges leave a row on its right (port o…) and arrive on its left (port i…)
            rows.append(f'<TR><TD PORT="i{i}" ALIGN="LEFT"{bg}>{label}</TD>'
                        f'<TD ALIGN="LEFT"{bg}><FONT COLOR="#57606a">{_h(short_type(col.type))}</FONT></TD>'
                        f'<TD PORT="o{i}" ALIGN="LEFT"{bg}>{keys}</TD></TR>')
        if k in p.partitions:
            rows.append(f'<TR><TD COLSPAN="3" ALIGN="LEFT" BALIGN="LEFT"><FONT COLOR="#57606a" POINT-SIZE="9">'
                        f'{_partition_lines(p, k)}</FONT></TD></TR>')
        tooltip = _tooltip(t.comment, [(n, c) for n, c in t.columns.items()])
        out.append(f'  {_dot_id("t:" + k)} [label=<<TABLE BORDER="1" COLOR="{border}" CELLBORDER="0" '
                   f'CELLSPACING="0" CELLPADDING="4" BGCOLOR="white">{"".join(rows)}</TABLE>>, '
                   f'tooltip={_dot_id(tooltip or names[k])}];')
    if p.views:
        out.append('  subgraph cluster_views { label="views"; style=dashed; color="#8c959f"; fontcolor="#57606a";')
        for k in sorted(p.views):
            v = p.views[k]
            mark = m.views.get(k) if m else None
            head, border = COLORS[mark] if mark else _VIEW
            kind = "materialized view" if v.materialized else "view"
            rows = [f'<TR><TD COLSPAN="2" BGCOLOR="{head}"><I>{_h(kind)}</I> <B>{_h(names[k])}</B>'
                    f'{"&#160;&#160;" + _h(_SIGNS[mark]) if mark else ""}</TD></TR>']
            rows += [f'<TR><TD ALIGN="LEFT">{_h(n)}</TD><TD ALIGN="LEFT"><FONT COLOR="#57606a">'
                     f'{_h(short_type(ty))}</FONT></TD></TR>' for n, ty in zip(v.columns, v.column_types)]
            out.append(f'    {_dot_id("v:" + k)} [label=<<TABLE BORDER="1" STYLE="dashed" COLOR="{border}" '
                       f'CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" BGCOLOR="white">{"".join(rows)}</TABLE>>, '
                       f'tooltip={_dot_id(v.comment or names[k])}];')
        out.append("  }")
    if p.enums:  # one box, an enum per column: side by side, not a tall stack
        heads, cells = [], []
        for k in sorted(p.enums):
            e = p.enums[k]
            mark = m.enums.get(k) if m else None
            head = COLORS[mark][0] if mark else _VIEW[0]
            heads.append(f'<TD BGCOLOR="{head}" TITLE="{_h(e.comment or names[k])}"><B>{_h(names[k])}</B>'
                         f'{"&#160;&#160;" + _h(_SIGNS[mark]) if mark else ""}</TD>')
            cells.append(f'<TD ALIGN="LEFT" VALIGN="TOP" BALIGN="LEFT">{"<BR/>".join(_h(v) for v in e.values) or " "}</TD>')
        out.append(f'  enums [label=<<TABLE BORDER="1" STYLE="dashed" COLOR="{_VIEW[1]}" CELLBORDER="0" '
                   f'CELLSPACING="0" CELLPADDING="4" BGCOLOR="white"><TR><TD COLSPAN="{len(heads)}">'
                   f'<I>enums</I></TD></TR><TR>{"".join(heads)}</TR><TR>{"".join(cells)}</TR></TABLE>>, '
                   f'tooltip="enums"];')
    for k, ref_table, fk, (required, unique, _) in _relationships(p):
        src = ports.get((k, fk.columns[0]), "") if fk.columns else ""
        dst = ports.get((ref_table, fk.ref_columns[0]), "") if fk.ref_columns else ""
        tip = f"{names[k]}({', '.join(fk.columns)}) → {names[ref_table]}({', '.join(fk.ref_columns)})"
        dropped = m is not None and "dropped" in (m.tables.get(k), m.tables.get(ref_table))
        attrs = [f"arrowtail={'teeodot' if unique else 'crowodot'}",
                 f"arrowhead={'teetee' if required else 'teeodot'}", f"tooltip={_dot_id(tip)}"]
        if dropped:
            attrs.append(f'color="{COLORS["dropped"][1]}"')
        out.append(f'  {_dot_id("t:" + k)}{":o" + src + ":e" if src else ""} -> '
                   f'{_dot_id("t:" + ref_table)}{":i" + dst + ":w" if dst else ""} [{", ".join(attrs)}];')
    for k in sorted(p.views):
        for dep in p.views[k].depends_on:
            target = "t:" + dep if dep in p.tables else "v:" + dep if dep in p.views else None
            if target:
                out.append(f'  {_dot_id("v:" + k)} -> {_dot_id(target)} [style=dashed, color="#8c959f", '
                           f'dir=forward, arrowhead=vee, tooltip="reads"];')
    if m is not None:
        legend = "".join(f'<TR><TD BGCOLOR="{COLORS[x][0]}">{_SIGNS[x]} {x}</TD></TR>' for x in COLORS)
        out.append(f'  legend [label=<<TABLE BORDER="1" COLOR="#8c959f" CELLBORDER="0" CELLSPACING="2" '
                   f'CELLPADDING="3" BGCOLOR="white"><TR><TD><B>the plan</B></TD></TR>{legend}</TABLE>>];')
    out.append("}")
    return "\n".join(out) + "\n"


def _partition_lines(p: Picture, k: str, most: int = 6) -> str:
    """The partitions of ``k`` in a box's last row: how many, the first and last few by name,
    and every one the plan touches, marked."""
    names = list(p.partitions[k])
    marked = {n: p.marks.tables[n] for n in names if p.marks is not None and n in p.marks.tables}
    shown = names if len(names) <= most else names[:most // 2] + ["…"] + names[-(most // 2):]
    shown += [n for n in names if n in marked and n not in shown]
    lines = [f"{len(names)} partition{'s' if len(names) != 1 else ''}:"]
    for n in shown:
        label = _h(name_of(n) if n != "…" and schema_of(n) == "public" else n)
        if n in marked:
            label = f'<FONT COLOR="{COLORS[marked[n]][1]}">{_h(_SIGNS[marked[n]])} {label}</FONT>'
        lines.append("&#160;&#160;" + label)
    return "<BR/>".join(lines)


def _tooltip(comment: str | None, columns: list[tuple[str, Column]]) -> str:
    lines = [comment] if comment else []
    lines += [f"{n}: {c.comment}" for n, c in columns if c.comment]
    return "\n".join(lines)


class GraphvizMissing(SchemacodeError):
    pass


def render(dot_text: str, fmt: Literal["svg", "png"]) -> bytes:
    """``dot_text`` laid out and drawn by Graphviz."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissing(
            f"--format {fmt} needs Graphviz's `dot` program, which is not installed",
            hint="install Graphviz (Debian/Ubuntu: apt install graphviz; macOS: brew install graphviz; "
                 "the Python package `graphviz` alone is not enough), or use --format mermaid, "
                 "which needs nothing")
    done = subprocess.run([exe, f"-T{fmt}"], input=dot_text.encode(), capture_output=True)
    if done.returncode != 0:
        raise SchemacodeError(f"dot could not draw the diagram: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout
