"""Foreign servers and foreign tables: CREATE beside DROP, and ALTER … OPTIONS in place.

A foreign table holds no rows of its own (they live on its server): dropping it, or a column of
it, loses nothing, and none of these carries a data-loss hazard."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Column, ForeignDataWrapper, ForeignServer, ForeignTable, Source
from ..sqltext import ident, literal, qident, qname_ident
from .base import Change, Phase, Statement, comment_sql
from .tables import column_comment_sql, column_sql, constraint_sql


def options_sql(options: tuple[str, ...]) -> str:
    """ OPTIONS (name 'value', …) for options kept as "name=value"."""
    if not options:
        return ""
    return " OPTIONS (" + ", ".join(f"{ident(k)} {literal(v)}" for k, v in _pairs(options)) + ")"


def alter_options_sql(before: tuple[str, ...], after: tuple[str, ...]) -> str | None:
    """OPTIONS (SET …, ADD …, DROP …) from ``before`` to ``after``; None when they agree."""
    old, new = dict(_pairs(before)), dict(_pairs(after))
    parts = [f"DROP {ident(k)}" for k in old if k not in new]
    parts += [f"SET {ident(k)} {literal(v)}" for k, v in new.items() if k in old and old[k] != v]
    parts += [f"ADD {ident(k)} {literal(v)}" for k, v in new.items() if k not in old]
    return f"OPTIONS ({', '.join(parts)})" if parts else None


def _pairs(options: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(k, v) for k, _, v in (o.partition("=") for o in options)]


# -- wrappers ------------------------------------------------------------------------------------

def _function_clause(word: str, function: str | None) -> str:
    return f"{word} {function}" if function else f"NO {word}"


@dataclass(frozen=True)
class CreateWrapper(Change):
    wrapper: ForeignDataWrapper
    symbol = "+"
    phase = Phase.WRAPPER

    @property
    def source(self) -> Source | None:
        return self.wrapper.source

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("foreign data wrapper", self.wrapper.name, "")

    def describe(self) -> str:
        return f"foreign data wrapper {self.wrapper.name}"

    def statements(self) -> list[Statement]:
        w = self.wrapper
        sql = f"CREATE FOREIGN DATA WRAPPER {ident(w.name)}"
        sql += "".join(f" {_function_clause(word, f)}" for word, f in (("HANDLER", w.handler),
                                                                       ("VALIDATOR", w.validator)) if f)
        out = [Statement(sql + options_sql(w.options))]
        if w.comment is not None:
            out.append(Statement(comment_sql(f"FOREIGN DATA WRAPPER {ident(w.name)}", w.comment)))
        return out


@dataclass(frozen=True)
class DropWrapper(Change):
    wrapper: ForeignDataWrapper
    symbol = "-"
    phase = Phase.DROP_WRAPPER

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("foreign data wrapper", self.wrapper.name, "")

    def describe(self) -> str:
        return f"foreign data wrapper {self.wrapper.name}"

    def statements(self) -> list[Statement]:
        return [Statement(f"DROP FOREIGN DATA WRAPPER {ident(self.wrapper.name)}")]


@dataclass(frozen=True)
class AlterWrapper(Change):
    """Handler, validator and options, in place (its servers stay)."""

    before: ForeignDataWrapper
    after: ForeignDataWrapper
    phase = Phase.WRAPPER

    @property
    def source(self) -> Source | None:
        return self.after.source

    def describe(self) -> str:
        return f"foreign data wrapper {self.after.name}"

    def statements(self) -> list[Statement]:
        a, b = self.before, self.after
        head = f"ALTER FOREIGN DATA WRAPPER {ident(b.name)}"
        out = [Statement(f"{head} {_function_clause(word, new)}") for word, old, new in
               (("HANDLER", a.handler, b.handler), ("VALIDATOR", a.validator, b.validator)) if old != new]
        options = alter_options_sql(a.options, b.options)
        if options:
            out.append(Statement(f"{head} {options}"))
        return out


# -- servers -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CreateServer(Change):
    server: ForeignServer
    symbol = "+"
    phase = Phase.SERVER

    @property
    def source(self) -> Source | None:
        return self.server.source

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("server", self.server.name, "")

    def describe(self) -> str:
        return f"server {self.server.name}"

    def statements(self) -> list[Statement]:
        s = self.server
        sql = f"CREATE SERVER {ident(s.name)}"
        if s.type is not None:
            sql += f" TYPE {literal(s.type)}"
        if s.version is not None:
            sql += f" VERSION {literal(s.version)}"
        sql += f" FOREIGN DATA WRAPPER {ident(s.wrapper)}{options_sql(s.options)}"
        out = [Statement(sql)]
        if s.comment is not None:
            out.append(Statement(comment_sql(f"SERVER {ident(s.name)}", s.comment)))
        return out


@dataclass(frozen=True)
class DropServer(Change):
    server: ForeignServer
    early: bool = False  # made again (another wrapper or type): gone before it is created
    symbol = "-"
    phase = Phase.DROP_SERVER

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.DROP_SERVER_EARLY if self.early else Phase.DROP_SERVER, 0, self.server.name)

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("server", self.server.name, "")

    def describe(self) -> str:
        return f"server {self.server.name}"

    def statements(self) -> list[Statement]:
        return [Statement(f"DROP SERVER {ident(self.server.name)}")]


@dataclass(frozen=True)
class AlterServer(Change):
    """VERSION and OPTIONS, in place (its foreign tables and user mappings stay)."""

    before: ForeignServer
    after: ForeignServer
    phase = Phase.SERVER

    @property
    def source(self) -> Source | None:
        return self.after.source

    def describe(self) -> str:
        return f"server {self.after.name}"

    def statements(self) -> list[Statement]:
        a, b = self.before, self.after
        head = f"ALTER SERVER {ident(b.name)}"
        out = []
        if a.version != b.version:
            # (a version once set can be changed, not taken away: NULL is not a version)
            out.append(Statement(f"{head} VERSION {literal(b.version) if b.version is not None else 'NULL'}"))
        options = alter_options_sql(a.options, b.options)
        if options:
            out.append(Statement(f"{head} {options}"))
        return out


# -- foreign tables ------------------------------------------------------------------------------

def foreign_column_sql(col: Column, table: ForeignTable) -> str:
    """A column as CREATE FOREIGN TABLE and ADD COLUMN write it: OPTIONS before COLLATE and the
    constraints (the grammar's order)."""
    sql = column_sql(col, table.name)
    options = options_sql(table.column_options.get(col.name, ()))
    if not options:
        return sql
    head = f"{ident(col.name)} {col.type}"
    return head + options + sql[len(head):]


@dataclass(frozen=True)
class CreateForeignTable(Change):
    table: ForeignTable
    symbol = "+"
    phase = Phase.CREATE_TABLE

    @property
    def source(self) -> Source | None:
        return self.table.source

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("foreign table", self.table.qname, "")

    def describe(self) -> str:
        return f"foreign table {self.table.qname}"

    def statements(self) -> list[Statement]:
        t = self.table
        items = [foreign_column_sql(c, t) for c in t.columns.values()]
        items += [constraint_sql(c) for c in t.constraints.values()]
        body = ",\n    ".join(items)
        name = qident(t.schema, t.name)
        out = [Statement(f"CREATE FOREIGN TABLE {name} (\n    {body}\n) SERVER {ident(t.server)}"
                         f"{options_sql(t.options)}")]
        if t.comment is not None:
            out.append(Statement(comment_sql(f"FOREIGN TABLE {name}", t.comment)))
        out += [Statement(column_comment_sql(t.qname, c)) for c in t.columns.values() if c.comment is not None]
        out += [Statement(comment_sql(f"CONSTRAINT {ident(c.name)} ON {name}", c.comment))
                for c in t.constraints.values() if c.comment is not None and c.name]
        return out


@dataclass(frozen=True)
class DropForeignTable(Change):
    table: ForeignTable
    symbol = "-"
    phase = Phase.DROP_TABLE

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("foreign table", self.table.qname, "")

    def describe(self) -> str:
        return f"foreign table {self.table.qname} (its rows stay on server {self.table.server})"

    def statements(self) -> list[Statement]:
        return [Statement(f"DROP FOREIGN TABLE {qname_ident(self.table.qname)}")]


@dataclass(frozen=True)
class AlterForeignTable(Change):
    """Its columns, checks and options, in place: ALTER FOREIGN TABLE changes only the catalog
    (a foreign table has no storage to rewrite or scan)."""

    before: ForeignTable
    after: ForeignTable
    phase = Phase.ALTER_COLUMN

    @property
    def source(self) -> Source | None:
        return self.after.source

    def describe(self) -> str:
        a, b = self.before, self.after
        what = []
        if set(a.columns) != set(b.columns) or any(
                _column_differs(a, b, n) for n in b.columns if n in a.columns):
            what.append("columns")
        if {n: c.definition for n, c in a.constraints.items()} != {n: c.definition for n, c in b.constraints.items()}:
            what.append("checks")
        if dict(_pairs(a.options)) != dict(_pairs(b.options)):
            what.append("options")
        return f"foreign table {b.qname} {', '.join(what)}".rstrip()

    def statements(self) -> list[Statement]:
        a, b = self.before, self.after
        head = f"ALTER FOREIGN TABLE {qname_ident(b.qname)}"
        out = [f"{head} DROP CONSTRAINT {ident(n)}" for n, c in a.constraints.items()
               if n not in b.constraints or b.constraints[n].definition != c.definition]
        out += [f"{head} DROP COLUMN {ident(n)}" for n in a.columns if n not in b.columns]
        for n, new in b.columns.items():
            old = a.columns.get(n)
            if old is None:
                out.append(f"{head} ADD COLUMN {foreign_column_sql(new, b)}")
                continue
            if old.generated != new.generated:  # (an expression cannot be altered: made again)
                out += [f"{head} DROP COLUMN {ident(n)}", f"{head} ADD COLUMN {foreign_column_sql(new, b)}"]
                continue
            col = f"{head} ALTER COLUMN {ident(n)}"
            if old.type != new.type or old.collation != new.collation:
                collate = f" COLLATE {new.collation}" if new.collation else ""
                out.append(f"{col} TYPE {new.type}{collate}")
            if old.default != new.default:
                out.append(f"{col} SET DEFAULT {new.default_sql}" if new.default is not None
                           else f"{col} DROP DEFAULT")
            if old.not_null != new.not_null:
                out.append(f"{col} {'SET' if new.not_null else 'DROP'} NOT NULL")
            options = alter_options_sql(a.column_options.get(n, ()), b.column_options.get(n, ()))
            if options:
                out.append(f"{col} {options}")
        out += [f"{head} ADD {constraint_sql(c)}" for n, c in b.constraints.items()
                if n not in a.constraints or a.constraints[n].definition != c.definition]
        options = alter_options_sql(a.options, b.options)
        if options:
            out.append(f"{head} {options}")
        stmts = [Statement(s) for s in out]
        # what ADD COLUMN and ADD CONSTRAINT bring with them
        stmts += [Statement(column_comment_sql(b.qname, c)) for n, c in b.columns.items()
                  if c.comment is not None and (n not in a.columns or a.columns[n].generated != c.generated)]
        stmts += [Statement(comment_sql(f"CONSTRAINT {ident(n)} ON {qname_ident(b.qname)}", c.comment))
                  for n, c in b.constraints.items() if c.comment is not None
                  and (n not in a.constraints or a.constraints[n].definition != c.definition)]
        return stmts


def _column_differs(a: ForeignTable, b: ForeignTable, name: str) -> bool:
    x, y = a.columns[name], b.columns[name]
    return ((x.type, x.collation, x.default, x.not_null, x.generated) != (y.type, y.collation, y.default,
                                                                          y.not_null, y.generated)
            or dict(_pairs(a.column_options.get(name, ()))) != dict(_pairs(b.column_options.get(name, ()))))


def foreign_differs(a: ForeignTable, b: ForeignTable) -> bool:
    """Does AlterForeignTable have anything to do (comments, grants and triggers aside)?"""
    return (set(a.columns) != set(b.columns) or any(_column_differs(a, b, n) for n in b.columns if n in a.columns)
            or {n: c.definition for n, c in a.constraints.items()} != {n: c.definition for n, c in b.constraints.items()}
            or dict(_pairs(a.options)) != dict(_pairs(b.options)))
