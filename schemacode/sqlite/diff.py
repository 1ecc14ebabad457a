"""The SQLite differ: catalog against catalog, each change beside its SQL.

SQLite can CREATE and DROP tables, indexes, triggers and views, and ADD a column that has no
key, no expression default and no stored generation; everything else a table changes (a type, a
constraint, NOT NULL, a default, a foreign key, a column dropped or moved) goes through SQLite's
documented table rebuild (https://www.sqlite.org/lang_altertable.html#otheralter): the new table
created under a temporary name, the rows copied, the old table dropped, the new one renamed, its
indexes and triggers made again. All of it in the apply's one transaction; foreign keys are
checked (PRAGMA foreign_key_check) before it commits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..sqltext import last_name
from ..changes.base import Change, Hazard, Statement
from ..diff import Renames
from .catalog import SCatalog, SColumn, SObject, STable
from . import literal, q


class Phase:
    RENAME = 5
    DROP_VIEW = 10
    DROP_TRIGGER = 12
    DROP_INDEX = 14
    DROP_TABLE = 20
    CREATE_TABLE = 30
    REBUILD = 35
    ADD_COLUMN = 40
    CREATE_INDEX = 50
    CREATE_TRIGGER = 60
    CREATE_VIEW = 70


@dataclass(frozen=True)
class RenameTable(Change):
    old: str
    new: str
    symbol = "→"

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.RENAME, 0, "")

    def describe(self) -> str:
        return f"table {self.old} renamed to {self.new}"

    def statements(self) -> list[Statement]:
        # (SQLite points the foreign keys, triggers and views that name it at the new name)
        return [Statement(f"ALTER TABLE {q(self.old)} RENAME TO {q(self.new)}")]


@dataclass(frozen=True)
class RenameColumn(Change):
    table: str
    old: str
    new: str
    symbol = "→"

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.RENAME, 1, "")

    def describe(self) -> str:
        return f"column {self.table}.{self.old} renamed to {self.new}"

    def statements(self) -> list[Statement]:
        return [Statement(f"ALTER TABLE {q(self.table)} RENAME COLUMN {q(self.old)} TO {q(self.new)}")]


@dataclass(frozen=True)
class CreateObject(Change):
    kind: str  # table, index, trigger, view
    name: str
    sql: str
    symbol = "+"

    def sort_key(self) -> tuple[int, int, str]:
        phase = {"table": Phase.CREATE_TABLE, "index": Phase.CREATE_INDEX, "trigger": Phase.CREATE_TRIGGER,
                 "view": Phase.CREATE_VIEW}[self.kind]
        return (phase, 0, "")

    def describe(self) -> str:
        return f"{self.kind} {self.name}"

    def statements(self) -> list[Statement]:
        return [Statement(self.sql)]


@dataclass(frozen=True)
class DropObject(Change):
    kind: str
    name: str
    symbol = "-"

    def sort_key(self) -> tuple[int, int, str]:
        phase = {"table": Phase.DROP_TABLE, "index": Phase.DROP_INDEX, "trigger": Phase.DROP_TRIGGER,
                 "view": Phase.DROP_VIEW}[self.kind]
        return (phase, 0, "")

    def describe(self) -> str:
        return f"{self.kind} {self.name}"

    def statements(self) -> list[Statement]:
        hazards: tuple[Hazard, ...] = ()
        if self.kind == "table":
            hazards = (Hazard("data-loss", f"drops table {self.name} and all its rows"),)
        return [Statement(f"DROP {self.kind.upper()} {q(self.name)}", hazards)]


@dataclass(frozen=True)
class AddColumn(Change):
    table: str
    column: str
    definition: str  # as CREATE TABLE writes it
    symbol = "+"

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.ADD_COLUMN, 0, "")

    def describe(self) -> str:
        return f"column {self.table}.{self.column}"

    def statements(self) -> list[Statement]:
        return [Statement(f"ALTER TABLE {q(self.table)} ADD COLUMN {self.definition}")]


@dataclass(frozen=True)
class RebuildTable(Change):
    """SQLite's twelve-step rebuild, the steps that are statements (the pragmas around them are
    the apply's): the rows of the columns both have are copied, in one transaction."""

    table: str
    sql: str  # the desired CREATE TABLE
    copied: tuple[str, ...]  # columns whose values are copied
    dropped: tuple[str, ...] = ()  # columns that go, with their values
    what: str = ""  # why, for the summary
    rebuilt_indexes: tuple[str, ...] = ()  # CREATE INDEX / TRIGGER statements made again after
    tightened: tuple[str, ...] = ()  # columns NOT NULL now (without a default, for new ones)
    converted: tuple[tuple[str, str], ...] = ()  # (column, the SELECT expression of its values)
    symbol = "~"

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.REBUILD, 0, self.table)

    def describe(self) -> str:
        return f"table {self.table} rebuilt ({self.what})"

    def statements(self) -> list[Statement]:
        temp = f"_schemacode_new_{self.table}"
        create = _renamed(self.sql, temp)
        cols = ", ".join(q(c) for c in self.copied)
        values = dict(self.converted)
        select = ", ".join(values.get(c, q(c)) for c in self.copied)
        hazards: tuple[Hazard, ...] = (Hazard("rewrite", f"copies every row of {self.table} into a new table "
                                                        f"(SQLite cannot alter this in place)"),)
        if self.dropped:
            hazards += (Hazard("data-loss", f"drops column(s) {', '.join(self.dropped)} of {self.table} "
                                            f"and their values"),)
        if self.tightened:
            hazards += (Hazard("lock", f"fails (and nothing is applied) if a row of {self.table} has no value "
                                       f"for {', '.join(self.tightened)}, now NOT NULL"),)
        out = [Statement(create),
               Statement(f"INSERT INTO {q(temp)} ({cols}) SELECT {select} FROM {q(self.table)}", hazards),
               Statement(f"DROP TABLE {q(self.table)}"),
               Statement("PRAGMA legacy_alter_table = ON"),  # the views that read it are kept as they are
               Statement(f"ALTER TABLE {q(temp)} RENAME TO {q(self.table)}"),
               Statement("PRAGMA legacy_alter_table = OFF")]
        out += [Statement(s) for s in self.rebuilt_indexes]
        return out


def _renamed(create: str, name: str) -> str:
    m = re.match(r'\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[^\s(]+)',
                 create, re.I)
    if not m:
        raise ValueError(f"not a CREATE TABLE: {create[:60]}")
    return f"CREATE TABLE {q(name)}{create[m.end():]}"


def column_definitions(create: str) -> dict[str, str]:
    """The text of each column's definition in a CREATE TABLE, as written (for ADD COLUMN)."""
    from ..sqltext import split_top_level

    start, end = create.find("("), create.rfind(")")
    if start < 0 or end < start:
        return {}
    out = {}
    for item in split_top_level(create[start + 1:end]):
        text = item.strip()
        if re.match(r"(CONSTRAINT|PRIMARY\s+KEY|UNIQUE|CHECK|FOREIGN\s+KEY)\b", text, re.I):
            continue
        m = re.match(r'"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|(\S+)', text)
        if m:
            name = next(g for g in m.groups() if g is not None).replace('""', '"')
            out[name] = text
    return out


def _addable(new: SColumn, t: STable, definition: str) -> bool:
    """Can ALTER TABLE … ADD COLUMN make it? (SQLite: no key, no expression default, NOT NULL
    only with a default, no STORED generated column; a foreign key only with a NULL default.)"""
    if new.pk or new.stored:
        return False
    if new.default is not None and new.default.startswith("("):
        return False
    if new.default is not None and re.match(r"CURRENT_(TIME|DATE|TIMESTAMP)", new.default, re.I):
        return False
    if new.not_null and new.default in (None, "NULL"):
        return False
    return bool(definition)


def diff(cur: SCatalog, des: SCatalog, des_sql: dict[str, str], renames: Renames | None = None,
         enum_columns: dict[tuple[str, str], str] | None = None) -> list[Change]:
    """Changes from ``cur`` to ``des``; ``des_sql``: the desired tables' CREATE TABLE;
    ``renames``: schema.yaml's `renamed_from` (a rename keeps the rows); ``enum_columns``:
    (table, column) → its enum, whose renamed values a rebuild rewrites as it copies."""
    out: list[Change] = []
    renames = renames or Renames()
    cur = _apply_renames(cur, des, renames, out)
    rebuilt: set[str] = set()
    for name in sorted(set(cur.tables) - set(des.tables)):
        out.append(DropObject("table", name))
    for name in sorted(set(des.tables) - set(cur.tables)):
        out.append(CreateObject("table", name, des_sql[name]))
    for name in sorted(set(cur.tables) & set(des.tables)):
        a, b = cur.tables[name], des.tables[name]
        if a == b:
            continue
        definitions = column_definitions(des_sql[name])
        old = [c.name for c in a.columns]
        added = b.columns[len(a.columns):]
        if (tuple(c.name for c in b.columns[:len(a.columns)]) == tuple(old)
                and b.columns[:len(a.columns)] == a.columns
                and (a.checks, a.uniques, a.without_rowid, a.strict, a.autoincrement)
                == (b.checks, b.uniques, b.without_rowid, b.strict, b.autoincrement)
                and set(a.foreign_keys) <= set(b.foreign_keys)
                and _new_fks_on(b, a, {c.name for c in added})
                and all(_addable(c, b, definitions.get(c.name, "")) for c in added)):
            new_fks = {fk[0][0]: fk for fk in set(b.foreign_keys) - set(a.foreign_keys)}
            for c in added:
                out.append(AddColumn(name, c.name, definitions[c.name] + _references(new_fks.get(c.name))))
            continue
        rebuilt.add(name)
        keep = [c.name for c in b.columns if a.column(c.name) is not None and b.column(c.name) is not None
                and not (b.column(c.name) or c).generated]
        gone = tuple(n for n in old if b.column(n) is None)
        after = [o.sql for o in (*des.indexes.values(), *des.triggers.values()) if o.table == name]
        tightened = tuple(c.name for c in b.columns if c.not_null and not c.pk and (
            (a.column(c.name) is not None and not (a.column(c.name) or c).not_null)
            or (a.column(c.name) is None and c.default is None and not c.generated)))
        converted = tuple((c, _relabel(c, values)) for c in keep
                          if (values := _renamed_values(renames, (enum_columns or {}).get((name, c)))))
        out.append(RebuildTable(name, des_sql[name], tuple(keep), gone, _why(a, b), tuple(after), tightened,
                                converted))
    for kind, mine, theirs in (("index", cur.indexes, des.indexes), ("trigger", cur.triggers, des.triggers)):
        for n in sorted(set(mine) | set(theirs)):
            x, y = mine.get(n), theirs.get(n)
            on_rebuilt = (x is not None and x.table in rebuilt) or (y is not None and y.table in rebuilt)
            gone_with_table = x is not None and x.table not in des.tables
            if x is not None and (y is None or x.canonical != y.canonical) and not on_rebuilt and not gone_with_table:
                out.append(DropObject(kind, n))
            if y is not None and (x is None or x.canonical != y.canonical or gone_with_table) and not on_rebuilt:
                out.append(CreateObject(kind, n, y.sql))
            if on_rebuilt and y is None and x is not None and x.table not in rebuilt:
                out.append(DropObject(kind, n))
    for n in sorted(set(cur.views) | set(des.views)):
        x, y = cur.views.get(n), des.views.get(n)
        if x is not None and (y is None or x.canonical != y.canonical):
            out.append(DropObject("view", n))
        if y is not None and (x is None or x.canonical != y.canonical):
            out.append(CreateObject("view", n, y.sql))
    return out


def _renamed_values(renames: Renames, enum: str | None) -> dict[str, str]:
    """An enum's renamed values, old → new."""
    if enum is None:
        return {}
    return {old: new for (e, new), old in renames.enum_values.items() if e == enum}


def _relabel(column: str, values: dict[str, str]) -> str:
    """The copy of an enum column with its renamed values rewritten."""
    cases = " ".join(f"WHEN {literal(old)} THEN {literal(new)}" for old, new in sorted(values.items()))
    return f"CASE {q(column)} {cases} ELSE {q(column)} END"


def _apply_renames(cur: SCatalog, des: SCatalog, renames: Renames, out: list[Change]) -> SCatalog:
    """Tables and columns renamed first (ALTER TABLE … RENAME): ``cur`` as it is once they are,
    SQLite having pointed what names them at the new names."""
    for new_q, old_q in renames.tables.items():
        old, new = last_name(old_q), last_name(new_q)
        if old in cur.tables and new not in cur.tables and new in des.tables:
            out.append(RenameTable(old, new))
            cur = _rename(cur, old, new, None)
    for (table_q, new), old in renames.columns.items():
        table = last_name(table_q)
        t, d = cur.tables.get(table), des.tables.get(table)
        if t is not None and d is not None and t.column(old) and not t.column(new) and d.column(new):
            out.append(RenameColumn(table, old, new))
            cur = _rename(cur, old, new, table)
    return cur


def _rename(c: SCatalog, old: str, new: str, table: str | None) -> SCatalog:
    """``c`` with a table (``table`` None) or one of ``table``'s columns renamed, everywhere SQLite
    renames it: foreign keys, checks, keys, and the statements of indexes, triggers and views."""
    quoted_old, quoted_new = q(old), q(new)

    def text(s: str) -> str:
        return s.replace(quoted_old, quoted_new)

    def name(n: str) -> str:
        return new if n == old else n

    tables = {}
    for k, t in c.tables.items():
        fks = tuple((tuple(map(name, f[0])) if table == k else f[0],
                     name(f[1]) if table is None else f[1],
                     tuple(map(name, f[2])) if table is not None and f[1] == table else f[2], f[3], f[4])
                    for f in t.foreign_keys)
        if table is None:
            t = replace(t, name=name(k), foreign_keys=fks)
            tables[name(k)] = t
        elif k == table:
            tables[k] = replace(t, columns=tuple(replace(col, name=name(col.name)) for col in t.columns),
                                checks=tuple(sorted((n, text(e)) for n, e in t.checks)),
                                uniques=tuple(sorted(tuple(map(name, u)) for u in t.uniques)), foreign_keys=fks)
        else:
            tables[k] = replace(t, foreign_keys=tuple(sorted(fks)))

    def objects(objs: dict[str, SObject], views: bool = False) -> dict[str, SObject]:
        out = {}
        for k, o in objs.items():
            on = o.table == (old if table is None else table)
            if on or views:
                o = replace(o, table=name(o.table) if table is None else o.table, canonical=text(o.canonical))
            out[k] = o
        return out

    return SCatalog(tables, objects(c.indexes), objects(c.triggers), objects(c.views, views=True))


def _new_fks_on(b: STable, a: STable, added: set[str]) -> bool:
    """Foreign keys ADD COLUMN may bring: one column's each, an added column (as its REFERENCES)."""
    return all(len(fk[0]) == 1 and fk[0][0] in added for fk in set(b.foreign_keys) - set(a.foreign_keys))


def _references(fk: tuple[tuple[str, ...], str, tuple[str, ...], str, str] | None) -> str:
    """A foreign key written on its column (ALTER TABLE … ADD COLUMN takes no table constraint)."""
    if fk is None:
        return ""
    _, ref, to, on_update, on_delete = fk
    out = f" REFERENCES {q(ref)}" + (f" ({', '.join(q(c) for c in to)})" if any(to) else "")
    if on_delete and on_delete != "NO ACTION":
        out += f" ON DELETE {on_delete}"
    if on_update and on_update != "NO ACTION":
        out += f" ON UPDATE {on_update}"
    return out


def _why(a: STable, b: STable) -> str:
    what = []
    ca, cb = {c.name: c for c in a.columns}, {c.name: c for c in b.columns}
    if set(ca) - set(cb):
        what.append("drops " + ", ".join(sorted(set(ca) - set(cb))))
    if set(cb) - set(ca):
        what.append("adds " + ", ".join(sorted(set(cb) - set(ca))))
    changed = sorted(n for n in set(ca) & set(cb) if ca[n] != cb[n])
    if changed:
        what.append("changes " + ", ".join(changed))
    if not what and [c.name for c in a.columns] != [c.name for c in b.columns]:
        what.append("column order")
    if a.checks != b.checks:
        what.append("checks")
    if a.uniques != b.uniques:
        what.append("unique constraints")
    if a.foreign_keys != b.foreign_keys:
        what.append("foreign keys")
    if (a.without_rowid, a.strict, a.autoincrement) != (b.without_rowid, b.strict, b.autoincrement):
        what.append("table options")
    return "; ".join(what) or "definition"


__all__ = ["diff", "RebuildTable", "AddColumn", "CreateObject", "DropObject", "column_definitions"]
