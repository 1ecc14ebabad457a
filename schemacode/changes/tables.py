"""Tables and columns: CREATE/DROP TABLE, ADD/DROP/ALTER COLUMN, each beside its reverse."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..model import Column, ColumnOptions, Constraint, Source, Table, not_null_default, serial_sequence_name
from ..sqltext import ident, literal, name_of, qident, qname_ident, qualify, schema_of, split_qualified
from .base import Change, Hazard, Phase, Statement, comment_sql, names_used, type_names
from .types import restart_guard

_SERIAL_BASE = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint",
                "serial4": "integer", "serial8": "bigint", "serial2": "smallint"}


def column_sql(col: Column, table: str, named: bool = False) -> str:
    """A column as CREATE TABLE and ADD COLUMN write it (``table``: its table's own name;
    ``named``: its NOT NULL named whatever its name)."""
    parts = [ident(col.name), col.type]
    if col.collation:
        parts.append(f"COLLATE {col.collation}")
    if col.generated is not None:
        parts.append(f"GENERATED ALWAYS AS ({col.generated_sql}) STORED")
    if col.identity:
        parts.append(identity_sql(col))
    if col.default is not None:
        parts.append(f"DEFAULT {col.default_sql}")
    parts += not_null_sql(col, None if named else not_null_default(table, col.name))
    return " ".join(parts)


def not_null_sql(col: Column, default_name: str | None) -> list[str]:
    """NOT NULL, named where its name is not ``default_name`` (an identity column's is implied)."""
    named = col.not_null_name is not None and col.not_null_name != default_name
    if col.not_null and named:
        return [f"CONSTRAINT {ident(col.not_null_name or '')} NOT NULL"]
    return ["NOT NULL"] if col.not_null and not col.identity else []


def partition_column_sql(col: Column, parent: Column | None) -> str:
    """A partition's own options on its parent's column (CREATE TABLE … PARTITION OF): its
    NOT NULL with its name, and its default where it is not its parent's (none included)."""
    parts = [ident(col.name), "WITH OPTIONS"]
    if parent is None or col.default != parent.default:
        parts.append(f"DEFAULT {col.default_sql or 'NULL'}")
    if parent is None or not parent.not_null or col.not_null_name not in (None, parent.not_null_name):
        parts += not_null_sql(col, None)  # (else it is its parent's, by its parent's name)
    return " ".join(parts)


def identity_sql(col: Column) -> str:
    options = f" ({col.identity_options})" if col.identity_options else ""
    return f"GENERATED {(col.identity or '').upper()} AS IDENTITY{options}"


_SEQ_OPTION = re.compile(r"START WITH -?\d+|INCREMENT BY -?\d+|MINVALUE -?\d+|MAXVALUE -?\d+|"
                         r"CACHE \d+|NO CYCLE|CYCLE")


def identity_options_sql(table: str, before: Column, after: Column) -> Statement:
    """ALTER COLUMN … SET START WITH … SET INCREMENT BY … of an identity, with RESTART where the
    new limits leave out the value its sequence is at (see types.restart_guard)."""
    alter = f"ALTER TABLE {qname_ident(table)} ALTER COLUMN {ident(after.name)}"
    sets = " ".join(f"SET {o}" for o in _SEQ_OPTION.findall(after.identity_options or ""))
    value = (f"format('SELECT last_value FROM %s', pg_get_serial_sequence("
             f"{literal(qname_ident(table))}, {literal(after.name)}))")
    return restart_guard(f"{alter} {sets}", value, f"the identity of {qname_ident(table)}.{ident(after.name)}",
                         _limits(before.identity_options), _limits(after.identity_options),
                         _seq_value(after.identity_options, "START WITH") or 0)


def _seq_value(options: str | None, name: str) -> int | None:
    m = re.search(name + r" (-?\d+)", options or "")
    return int(m.group(1)) if m else None


def _limits(options: str | None) -> tuple[int | None, int | None]:
    return _seq_value(options, "MINVALUE"), _seq_value(options, "MAXVALUE")


def constraint_sql(con: Constraint) -> str:
    if con.name:
        return f"CONSTRAINT {ident(con.name)} {con.definition_sql}"
    return con.definition_sql


def with_options(options: tuple[str, ...]) -> str:
    """ WITH (fillfactor='70', …) for storage parameters kept as "name=value"."""
    if not options:
        return ""
    return " WITH (" + ", ".join(_option(o) for o in options) + ")"


def _option(option: str) -> str:
    name, _, value = option.partition("=")
    return f"{name}={literal(value)}"


def set_options_sql(target: str, before: tuple[str, ...], after: tuple[str, ...]) -> list[str]:
    """ALTER … SET (…) for options added or changed, RESET (…) for options removed."""
    old = dict(o.partition("=")[::2] for o in before)
    new = dict(o.partition("=")[::2] for o in after)
    out = []
    changed = [f"{k}={v}" for k, v in new.items() if old.get(k) != v]
    if changed:
        out.append(f"ALTER {target} SET (" + ", ".join(_option(o) for o in changed) + ")")
    gone = [k for k in old if k not in new]
    if gone:
        out.append(f"ALTER {target} RESET (" + ", ".join(gone) + ")")
    return out


def column_comment_sql(table: str, col: Column) -> str:
    return comment_sql(f"COLUMN {qname_ident(table)}.{ident(col.name)}", col.comment)


def column_needs(c: Column) -> frozenset[str]:
    """Its type (a domain, an enum, a table's row type, …) and what its default or generation
    expression calls."""
    out = type_names(c.type)
    if c.default is not None or c.generated is not None:
        out |= names_used(c.default_sql, c.generated_sql)
    return out


def table_needs(t: Table) -> frozenset[str]:
    """Its columns' needs, what its checks and exclusion constraints call, the tables it
    inherits from or is a partition of."""
    columns = (*t.columns.values(), *t.partition_columns.values())
    out = set(type_names(*{c.type for c in columns}))  # (a table's columns share few types)
    out |= names_used(*(c.default_sql for c in columns if c.default is not None),
                      *(c.generated_sql for c in columns if c.generated is not None),
                      *(c.definition_sql for c in t.constraints.values() if c.kind in ("check", "exclude")))
    out |= {f"type:{p}" for p in (*t.inherits, *([t.partition_of] if t.partition_of else []))}
    out.discard(f"type:{t.qname}")
    return frozenset(out)


@dataclass(frozen=True)
class CreateTable(Change):
    """CREATE TABLE with its columns and its own keys and checks (foreign keys come later)."""

    table: Table
    depth: int = 0  # a partition after its parent
    parent: Table | None = None  # a partition's: its own options on the columns are what differs
    named_not_null: frozenset[str] = frozenset()  # columns whose NOT NULL is named in any case
    # A partition created as a table of its own, then attached (as pg_dump does): a key of its
    # own then becomes its copy of its parent's matching index, which CREATE TABLE … PARTITION OF
    # would build anew beside it. Its columns are spelled out, as the partition has them.
    standalone: bool = False
    symbol = "+"
    phase = Phase.CREATE_TABLE

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.CREATE_TABLE, self.depth, "")

    @property
    def source(self) -> Source | None:
        return self.table.source

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("table", self.table.qname, "")

    def provides(self) -> frozenset[str]:
        return frozenset({f"type:{self.table.qname}"})

    def needs(self) -> frozenset[str]:
        return table_needs(self.table)

    def describe(self) -> str:
        attached = " (created, then attached)" if self.standalone else ""
        return f"{'partition' if self.table.partition_of else 'table'} {qname_ident(self.table.qname)}{attached}"

    def statements(self) -> list[Statement]:
        t = self.table
        if self.standalone and t.partition_of:
            checks = {n: c for n, c in t.inherited_constraints.items() if c.kind == "check"}  # ATTACH wants them
            alone = replace(t, partition_of=None, bound=None, columns=t.inherited_columns, partition_columns={},
                            constraints={**checks, **t.constraints})
            out = replace(self, table=alone, standalone=False,
                          named_not_null=frozenset(t.inherited_columns)).statements()
            out.insert(1, Statement(f"ALTER TABLE {qname_ident(t.partition_of)} ATTACH PARTITION "
                                    f"{qident(t.schema, t.name)} {t.bound}"))
            return out
        # a partition's columns are its parent's (in the catalog as written, for its checks)
        columns = [] if t.partition_of else list(t.columns.values())
        items = [column_sql(c, t.name, c.name in self.named_not_null) for c in columns]
        if t.partition_of:
            theirs = self.parent.every_column() if self.parent else {}
            items += [partition_column_sql(c, theirs.get(c.name)) for c in t.partition_columns.values()]
        inline = [c for c in t.constraints.values() if c.inline]
        items += [constraint_sql(c) for c in inline]
        body = ",\n    ".join(items)
        kind = "UNLOGGED TABLE" if t.unlogged else "TABLE"
        head = f"CREATE {kind} {qident(t.schema, t.name)}"
        if t.partition_of:
            head += f" PARTITION OF {qname_ident(t.partition_of)}"
            head += f" (\n    {body}\n)" if items else ""
            head += f" {t.bound}"
        else:
            head += f" (\n    {body}\n)"
        if t.inherits:
            head += f" INHERITS ({', '.join(qname_ident(p) for p in t.inherits)})"
        if t.partition_by:
            head += f" PARTITION BY {t.partition_by}"
        out = [Statement(f"{head}{with_options(t.options)}")]
        if t.comment is not None:
            out.append(Statement(comment_sql(f"TABLE {qident(t.schema, t.name)}", t.comment)))
        for c in columns:
            if c.comment is not None:
                out.append(Statement(column_comment_sql(t.qname, c)))
        for con in inline:
            if con.comment is not None and con.name:
                out.append(Statement(constraint_comment_sql(t.qname, con)))
        return out


@dataclass(frozen=True)
class AlterTableStorage(Change):
    """Storage parameters (SET/RESET, in place) and LOGGED/UNLOGGED (a rewrite) of a table."""

    before: Table
    after: Table
    phase = Phase.ALTER_COLUMN

    def describe(self) -> str:
        what = []
        if sorted(self.before.options) != sorted(self.after.options):
            what.append("storage parameters")
        if self.before.unlogged != self.after.unlogged:
            what.append("unlogged" if self.after.unlogged else "logged")
        return f"table {qname_ident(self.after.qname)} " + ", ".join(what)

    def statements(self) -> list[Statement]:
        b, a = self.before, self.after
        table = qident(a.schema, a.name)
        out = [Statement(sql) for sql in set_options_sql(f"TABLE {table}", b.options, a.options)]
        if b.unlogged != a.unlogged:
            out.append(Statement(f"ALTER TABLE {table} SET {'UNLOGGED' if a.unlogged else 'LOGGED'}",
                                 (Hazard("rewrite", f"SET {'UNLOGGED' if a.unlogged else 'LOGGED'} "
                                                    f"rewrites {a.qname} under an ACCESS EXCLUSIVE lock"),)))
        return out


@dataclass(frozen=True)
class SetReplicaIdentity(Change):
    """REPLICA IDENTITY, after the indexes (USING INDEX names one)."""

    table: str
    identity: str
    phase = Phase.CREATE_INDEX

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.CREATE_INDEX, 1, self.table)

    def describe(self) -> str:
        return f"table {qname_ident(self.table)} replica identity {self.identity}"

    def statements(self) -> list[Statement]:
        ident_sql = self.identity.upper()
        if self.identity.startswith("index "):
            ident_sql = "USING INDEX " + self.identity[len("index "):]
        return [Statement(f"ALTER TABLE {qname_ident(self.table)} REPLICA IDENTITY {ident_sql}")]


@dataclass(frozen=True)
class DropTable(Change):
    table: Table
    rebuilt: bool = False  # created again: its partitioning changes
    parent_has_default: bool = False  # a partition whose parent has a DEFAULT partition
    symbol = "-"
    phase = Phase.DROP_TABLE

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("table", self.table.qname, "")

    def provides(self) -> frozenset[str]:
        return frozenset({f"type:{self.table.qname}"})

    def needs(self) -> frozenset[str]:
        return table_needs(self.table)

    def describe(self) -> str:
        return f"{'partition' if self.table.partition_of else 'table'} {qname_ident(self.table.qname)}"

    def online_statements(self) -> list[Statement]:
        """A partition: DETACH … CONCURRENTLY after the transaction (the parent's readers and
        writers go on), then the table dropped on its own. PostgreSQL refuses CONCURRENTLY where
        the parent has a default partition: there it is dropped as offline."""
        t = self.table
        if not t.partition_of or self.rebuilt or self.parent_has_default:
            return self.statements()
        name = qident(t.schema, t.name)
        return [Statement(f"ALTER TABLE {qname_ident(t.partition_of)} DETACH PARTITION {name} CONCURRENTLY",
                          stage="post"),
                replace(self.statements()[0], stage="post")]

    def statements(self) -> list[Statement]:
        return [Statement(
            f"DROP TABLE {qident(self.table.schema, self.table.name)}",
            (Hazard("data-loss", f"drops {'partition' if self.table.partition_of else 'table'} "
                                 f"{qname_ident(self.table.qname)} and all its rows"
                                 + (" (and its partitions')" if self.table.partition_by else "")
                                 + (": its partitioning changes, which PostgreSQL cannot alter; "
                                    "it is created again, empty (copy the rows first)" if self.rebuilt else "")),),
        )]


@dataclass(frozen=True)
class AttachPartition(Change):
    """A table becomes a partition (its rows are checked against the bound), or leaves one
    (DETACH: the table stays, with its rows). A changed bound is both."""

    table: str
    parent: str
    bound: str | None  # None: DETACH
    symbol = "~"
    phase = Phase.ATTACH_PARTITION

    def describe(self) -> str:
        return (f"partition {qname_ident(self.table)} of {qname_ident(self.parent)} attached: {self.bound}" if self.bound
                else f"partition {qname_ident(self.table)} detached from {qname_ident(self.parent)}")

    def statements(self) -> list[Statement]:
        parent = qname_ident(self.parent)
        if self.bound is None:
            return [Statement(f"ALTER TABLE {parent} DETACH PARTITION {qname_ident(self.table)}")]
        return [Statement(f"ALTER TABLE {parent} ATTACH PARTITION {qname_ident(self.table)} {self.bound}",
                          (Hazard("lock", f"scans {qname_ident(self.table)} to check its rows fit the bound (and the "
                                          f"default partition of {qname_ident(self.parent)}, if any)"),))]

    def sort_key(self) -> tuple[int, int, str]:
        # detached first (what it got from its parent is then its own, to keep or drop),
        # attached once the table is ready
        return (Phase.RENAME + 1 if self.bound is None else Phase.ATTACH_PARTITION, 0, self.table)


@dataclass(frozen=True)
class AddColumn(Change):
    table: str
    column: Column
    symbol = "+"
    phase = Phase.ADD_COLUMN

    @property
    def source(self) -> Source | None:
        return self.column.source

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("column", self.table, self.column.name)

    def needs(self) -> frozenset[str]:
        return column_needs(self.column)

    def describe(self) -> str:
        return f"column {qname_ident(self.table)}.{ident(self.column.name)} {self.column.type}"

    def statements(self) -> list[Statement]:
        hazards: tuple[Hazard, ...] = ()
        c = self.column
        if c.generated is not None or (c.default is not None and _volatile(c.default)):
            hazards = (Hazard("rewrite", f"filling {c.name} rewrites {qname_ident(self.table)}"),)
        elif c.not_null and c.default is None and not c.identity and c.type not in _SERIAL_BASE:
            hazards = (Hazard("lock", f"NOT NULL without a default fails if {qname_ident(self.table)} has rows"),)
        out = [Statement(f"ALTER TABLE {qname_ident(self.table)} ADD COLUMN {column_sql(c, name_of(self.table))}", hazards)]
        if c.comment is not None:
            out.append(Statement(column_comment_sql(self.table, c)))
        return out


@dataclass(frozen=True)
class DropColumn(Change):
    table: str
    column: Column
    symbol = "-"
    phase = Phase.DROP_COLUMN

    def sort_key(self) -> tuple[int, int, str]:
        # a generated column goes before the columns it is computed from (never from another
        # generated column, so one step is enough)
        return (self.phase, 0 if self.column.generated else 1, "")

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("column", self.table, self.column.name)

    def needs(self) -> frozenset[str]:
        return column_needs(self.column)

    def describe(self) -> str:
        return f"column {qname_ident(self.table)}.{ident(self.column.name)}"

    def statements(self) -> list[Statement]:
        return [Statement(
            f"ALTER TABLE {qname_ident(self.table)} DROP COLUMN {ident(self.column.name)}",
            (Hazard("data-loss", f"drops column {qname_ident(self.table)}.{ident(self.column.name)} and its data"),),
        )]


@dataclass(frozen=True)
class RenameTable(Change):
    old: str
    new: str
    symbol = "→"
    phase = Phase.RENAME

    def describe(self) -> str:
        return f"table {qname_ident(self.old)} → {qname_ident(self.new)}"

    def statements(self) -> list[Statement]:
        old_schema = schema_of(self.old)
        new_schema, new_name = split_qualified(self.new)
        out = []
        current = self.old
        if old_schema != new_schema:
            out.append(Statement(f"ALTER TABLE {qname_ident(current)} SET SCHEMA {ident(new_schema)}"))
            current = qualify(new_schema, name_of(self.old))
        if current != self.new:
            out.append(Statement(f"ALTER TABLE {qname_ident(current)} RENAME TO {ident(new_name)}"))
        return out


@dataclass(frozen=True)
class _RenameInTable(Change):
    """A rename of something in a table; runs after the table's own rename."""

    table: str
    old: str
    new: str
    symbol = "→"
    phase = Phase.RENAME

    def sort_key(self) -> tuple[int, int, str]:
        return (self.phase, 1, self.table)


@dataclass(frozen=True)
class RenameConstraint(_RenameInTable):
    def describe(self) -> str:
        return f"constraint {ident(self.old)} → {ident(self.new)} on {qname_ident(self.table)}"

    def statements(self) -> list[Statement]:
        return [Statement(f"ALTER TABLE {qname_ident(self.table)} RENAME CONSTRAINT "
                          f"{ident(self.old)} TO {ident(self.new)}")]


@dataclass(frozen=True)
class RenameIndex(_RenameInTable):
    def describe(self) -> str:
        return f"index {qident(schema_of(self.table), self.old)} → {ident(self.new)}"

    def statements(self) -> list[Statement]:
        schema = schema_of(self.table)
        return [Statement(f"ALTER INDEX {qident(schema, self.old)} RENAME TO {ident(self.new)}")]


@dataclass(frozen=True)
class RenameSequence(_RenameInTable):
    """A serial column's sequence, renamed with its table or column so that it keeps the name
    serial gives (PostgreSQL leaves it as it was)."""

    def describe(self) -> str:
        return f"sequence {qident(schema_of(self.table), self.old)} → {self.new}"

    def statements(self) -> list[Statement]:
        schema = schema_of(self.table)
        return [Statement(f"ALTER SEQUENCE {qident(schema, self.old)} RENAME TO {ident(self.new)}")]


@dataclass(frozen=True)
class RenameColumn(_RenameInTable):
    def describe(self) -> str:
        return f"column {qname_ident(self.table)}.{ident(self.old)} → {ident(self.new)}"

    def statements(self) -> list[Statement]:
        return [Statement(
            f"ALTER TABLE {qname_ident(self.table)} RENAME COLUMN {ident(self.old)} TO {ident(self.new)}"
        )]


@dataclass(frozen=True)
class AlterColumn(Change):
    """Type, default, NOT NULL and identity of one column, as one change."""

    table: str
    before: Column
    after: Column
    online: bool = False  # set by online_statements
    keep_sequence: bool = False  # serial ↔ a column using a sequence of its own: the same one
    via_text: bool = False  # to or from an enum: there is no cast, the labels convert as text
    depth: int = 0  # a partition's own NOT NULL and default: after its parent's (which reach it)
    major: int = 0  # the target's PostgreSQL major, where the online form depends on it
    phase = Phase.ALTER_COLUMN

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.ALTER_COLUMN, self.depth, "")

    @property
    def cast_check_sql(self) -> str:
        """A query that fails as the conversion would when PostgreSQL has no such cast."""
        via = "::text" if self.via_text else ""
        return f"SELECT NULL::{_base(self.before.type)}{via}::{_base(self.after.type)}"

    @property
    def conversion(self) -> str:
        """The USING expression: schema.yaml's, else a cast (through text for an enum)."""
        if self.after.using:
            return self.after.using
        new_type = _base(self.after.type)
        if self.via_text:
            return f"{ident(self.after.name)}::text::{new_type}"
        return f"{ident(self.after.name)}::{new_type}"

    @property
    def source(self) -> Source | None:
        return self.after.source

    @property
    def type_changed(self) -> bool:
        return (_base(self.before.type) != _base(self.after.type)
                or self.before.collation != self.after.collation)

    @property
    def serial_changed(self) -> bool:
        return (self.before.type in _SERIAL_BASE) != (self.after.type in _SERIAL_BASE)

    def needs(self) -> frozenset[str]:
        return column_needs(self.after)

    def describe(self) -> str:
        b, a = self.before, self.after
        what = []
        if self.type_changed or self.serial_changed:
            what.append(f"type {b.type} → {a.type}")
        if b.default != a.default:
            what.append(f"default {b.default_sql or 'none'} → {a.default_sql or 'none'}")
        if b.not_null != a.not_null:
            what.append("NOT NULL" if a.not_null else "nullable")
        if b.identity != a.identity:
            what.append(f"identity {b.identity or 'none'} → {a.identity or 'none'}")
        elif b.identity_options != a.identity_options:
            what.append("identity options")
        return f"column {qname_ident(self.table)}.{ident(a.name)} " + ", ".join(what)

    def statements(self) -> list[Statement]:
        b, a = self.before, self.after
        table = qname_ident(self.table)
        alter = f"ALTER TABLE {table} ALTER COLUMN {ident(a.name)}"
        serial_seq = f"pg_get_serial_sequence({literal(table)}, {literal(a.name)})"
        out: list[Statement] = []
        default_changed = b.default != a.default
        retype = self.type_changed or self.serial_changed
        if retype:
            # A default may not cast to the new type: take it off first, put it back after.
            if b.default is not None or (b.type in _SERIAL_BASE and a.type not in _SERIAL_BASE):
                out.append(Statement(f"{alter} DROP DEFAULT"))
            if b.type in _SERIAL_BASE and a.type not in _SERIAL_BASE and not self.keep_sequence:
                out.append(Statement(
                    f"DO $$BEGIN EXECUTE format('DROP SEQUENCE %s', {serial_seq}); END$$"))
            new_type = _base(a.type)
            if self.type_changed:
                collate = f" COLLATE {a.collation}" if a.collation else ""
                out.append(Statement(
                    f"{alter} TYPE {new_type}{collate} USING {self.conversion}",
                    type_change_hazards(self.table, a.name, b.type, a.type),
                ))
            if a.type in _SERIAL_BASE and b.type in _SERIAL_BASE:
                out.append(Statement(
                    f"DO $$BEGIN EXECUTE format('ALTER SEQUENCE %s AS {new_type}', {serial_seq}); END$$"))
            if a.type in _SERIAL_BASE and b.type not in _SERIAL_BASE:
                schema, name = split_qualified(self.table)
                seq = qident(schema, serial_sequence_name(name, a.name))
                if not self.keep_sequence:  # else the sequence is there, made to fit (SetSequenceOwner)
                    out += [
                        Statement(f"CREATE SEQUENCE {seq} AS {new_type} OWNED BY {table}.{ident(a.name)}"),
                        Statement(f"SELECT setval({literal(seq)}, coalesce(max({ident(a.name)}), 0) + 1, "
                                  f"false) FROM {table}"),
                    ]
                out.append(Statement(f"{alter} SET DEFAULT nextval({literal(seq)}::regclass)"))
            if a.default is not None:
                out.append(Statement(f"{alter} SET DEFAULT {a.default_sql}"))
        elif default_changed:
            out.append(Statement(f"{alter} SET DEFAULT {a.default_sql}" if a.default is not None
                                 else f"{alter} DROP DEFAULT"))
        if b.identity != a.identity:
            if b.identity and a.identity:
                out.append(Statement(f"{alter} SET GENERATED {a.identity.upper()}"))
                if b.identity_options != a.identity_options and a.identity_options:
                    out.append(identity_options_sql(self.table, b, a))
            elif b.identity:
                out.append(Statement(f"{alter} DROP IDENTITY"))
                if not a.not_null:
                    out.append(Statement(f"{alter} DROP NOT NULL"))
            else:
                if not b.not_null:
                    out.append(Statement(f"{alter} SET NOT NULL",
                                         (Hazard("lock", f"scans {qname_ident(self.table)} to check for NULLs"),)))
                out.append(Statement(f"{alter} ADD {identity_sql(a)}"))
        elif a.identity and b.identity_options != a.identity_options and a.identity_options:
            out.append(identity_options_sql(self.table, b, a))
        elif b.not_null != a.not_null:
            if a.not_null and self.online:
                out += self._online_not_null()
            elif a.not_null:
                out.append(Statement(f"{alter} SET NOT NULL",
                                     (Hazard("lock", f"scans {qname_ident(self.table)} under an ACCESS EXCLUSIVE lock to check for NULLs"),)))
            else:
                out.append(Statement(f"{alter} DROP NOT NULL"))
        return out


    def online_statements(self) -> list[Statement]:
        return replace(self, online=True).statements()

    def _online_not_null(self) -> list[Statement]:
        """SET NOT NULL without a scan under ACCESS EXCLUSIVE: a NOT VALID check, validated
        under a weaker lock, lets PostgreSQL (12+) skip the scan; then the check goes. From
        PostgreSQL 18 the NOT NULL constraint itself can be added NOT VALID and validated: one
        short ACCESS EXCLUSIVE lock instead of three."""
        table = qname_ident(self.table)
        col = ident(self.after.name)
        if self.major >= 18:
            name = ident(self.after.not_null_name or not_null_default(self.table.partition(".")[2], self.after.name))
            return [Statement(f"ALTER TABLE {table} ADD CONSTRAINT {name} NOT NULL {col} NOT VALID"),
                    Statement(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}", stage="post")]
        check = ident(f"{self.after.name}_not_null_schemacode"[:63])
        return [
            Statement(f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID"),
            Statement(f"ALTER TABLE {table} VALIDATE CONSTRAINT {check}", stage="post"),
            Statement(f"ALTER TABLE {table} ALTER COLUMN {col} SET NOT NULL", stage="post",
                      work="catalog"),  # the valid check proves it: no scan
            Statement(f"ALTER TABLE {table} DROP CONSTRAINT {check}", stage="post"),
        ]


@dataclass(frozen=True)
class SetColumnOptions(Change):
    """A column's statistics target, n_distinct, storage and compression (ALTER COLUMN … SET):
    the catalog only, nothing rewritten (the storage and compression of values already stored
    stay as they are). One statement each: statistics and n_distinct take a lighter lock
    (SHARE UPDATE EXCLUSIVE) than storage and compression (ACCESS EXCLUSIVE). On a parent, a
    partitioned table included, each reaches its children too, as ALTER TABLE does."""

    table: str
    column: str
    before: ColumnOptions | None  # None: PostgreSQL's defaults (a new column)
    after: ColumnOptions | None
    declared: Source | None = None  # the column's line in schema.yaml
    phase = Phase.ALTER_COLUMN

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.ALTER_COLUMN, 80, self.table)  # after a type change, which resets storage

    @property
    def source(self) -> Source | None:
        return self.declared

    def describe(self) -> str:
        b, a = self.before or ColumnOptions(), self.after or ColumnOptions()
        what = [f"{name} {getattr(a, name) if getattr(a, name) is not None else 'default'}"
                for name in ("statistics", "storage", "compression") if getattr(b, name) != getattr(a, name)]
        if sorted(b.attributes) != sorted(a.attributes):
            what.append(", ".join(a.attributes) or "n_distinct default")
        return f"column {qname_ident(self.table)}.{ident(self.column)} " + ", ".join(what)

    def statements(self) -> list[Statement]:
        b, a = self.before or ColumnOptions(), self.after or ColumnOptions()
        target = f"TABLE {qname_ident(self.table)} ALTER COLUMN {ident(self.column)}"
        out = []
        if b.statistics != a.statistics:  # -1: the default, on every version
            out.append(Statement(f"ALTER {target} SET STATISTICS {a.statistics if a.statistics is not None else -1}"))
        if sorted(b.attributes) != sorted(a.attributes):
            out += [Statement(sql) for sql in set_options_sql(target, b.attributes, a.attributes)]
        if b.storage != a.storage:  # back to its type's: DEFAULT is PostgreSQL 16's; its name is older
            out.append(Statement(f"ALTER {target} SET STORAGE {(a.storage or b.type_storage or 'default').upper()}"))
        if b.compression != a.compression:
            out.append(Statement(f"ALTER {target} SET COMPRESSION {a.compression or 'default'}"))
        return out


def _volatile(expr: str) -> bool:
    low = expr.lower()
    return any(f in low for f in ("random(", "gen_random_uuid(", "clock_timestamp(", "nextval(", "uuid_generate"))


def _base(type_: str) -> str:
    return _SERIAL_BASE.get(type_, type_)


_TYPE_RE = re.compile(r"^(?P<name>[^(\[]+)\s*(\((?P<args>[^)]*)\))?(?P<rest>.*)$")
_INT_RANK = {"smallint": 1, "integer": 2, "bigint": 3}
_TEXTUAL = {"text", "character varying", "character"}


def _parse_type(t: str) -> tuple[str, list[int], str]:
    m = _TYPE_RE.match(_base(t).strip())
    if not m:
        return t, [], ""
    args = [int(a) for a in (m.group("args") or "").split(",") if a.strip().isdigit()]
    return m.group("name").strip(), args, m.group("rest").strip()


def type_change_hazards(table: str, column: str, before: str, after: str) -> tuple[Hazard, ...]:
    """Classify a column type change: free, rewriting, or narrowing (data-loss)."""
    bn, ba, brest = _parse_type(before)
    an, aa, arest = _parse_type(after)
    where = f"{table}.{column}"
    if brest != arest:  # to or from an array
        return (Hazard("rewrite", f"changing {where} to {after} rewrites the table"),
                Hazard("data-loss", f"{where}: {before} → {after} may not convert every value"))
    if bn in _TEXTUAL and an in _TEXTUAL:
        if an == "text" or (an == "character varying" and not aa):
            return () if bn != "character" else (Hazard("rewrite", f"{where} is rewritten"),)
        if bn == an and ba and aa and aa[0] >= ba[0]:
            return ()
        # a shorter limit (or a limit where there was none) checks every value: a rewrite
        return (Hazard("data-loss", f"{where}: {before} → {after} truncates or rejects longer values"),
                Hazard("rewrite", f"{where} is rewritten"))
    if bn in _INT_RANK and an in _INT_RANK:
        if _INT_RANK[an] < _INT_RANK[bn]:
            return (Hazard("data-loss", f"{where}: {before} → {after} rejects values out of range"),
                    Hazard("rewrite", f"{where} is rewritten"))
        return (Hazard("rewrite", f"changing {where} to {after} rewrites the table"),)
    if bn == an == "numeric":
        if not aa:
            return ()
        if ba and aa and aa[0] >= ba[0] and (aa[1:] or [0]) == (ba[1:] or [0]):
            return ()
        return (Hazard("data-loss", f"{where}: {before} → {after} rounds or rejects values"),
                Hazard("rewrite", f"{where} is rewritten"))
    if (bn, an) in {("double precision", "real"), ("timestamp with time zone", "date"),
                    ("timestamp without time zone", "date"), ("numeric", "integer"),
                    ("numeric", "bigint"), ("numeric", "smallint"), ("double precision", "integer"),
                    ("double precision", "bigint"), ("real", "integer")}:
        return (Hazard("data-loss", f"{where}: {before} → {after} loses precision"),
                Hazard("rewrite", f"{where} is rewritten"))
    if bn in _TEXTUAL or an in _TEXTUAL or bn != an:
        return (Hazard("rewrite", f"changing {where} to {after} rewrites the table"),
                Hazard("data-loss", f"{where}: {before} → {after} fails or loses data on values that do not convert"))
    return (Hazard("rewrite", f"changing {where} to {after} rewrites the table"),)


def constraint_comment_sql(table: str, con: Constraint) -> str:
    return comment_sql(f"CONSTRAINT {ident(con.name or '')} ON {qname_ident(table)}", con.comment)


@dataclass(frozen=True)
class AlterInherit(Change):
    """ALTER TABLE … INHERIT parent / NO INHERIT parent."""

    table: str
    parent: str
    inherit: bool

    def describe(self) -> str:
        return f"table {qname_ident(self.table)} {'inherits from' if self.inherit else 'no longer inherits from'} {qname_ident(self.parent)}"

    def sort_key(self) -> tuple[int, int, str]:
        # left before its columns change, taken once they are there
        return (Phase.RENAME + 1 if not self.inherit else Phase.ATTACH_PARTITION, 1, self.table)

    def statements(self) -> list[Statement]:
        return [Statement(f"ALTER TABLE {qname_ident(self.table)} {'' if self.inherit else 'NO '}"
                          f"INHERIT {qname_ident(self.parent)}")]


@dataclass(frozen=True)
class NameAttached(Change):
    """A partition's copy of its parent's index or key, named as schema.yaml says (PostgreSQL
    names the copies it makes itself; ALTER … RENAME gives them the declared name)."""

    table: str  # the partition
    parent: str
    what: tuple[str, str]  # ("index" | "constraint", the parent's object)
    name: str
    # A copy PostgreSQL takes from the table's own indexes when it is attached: renamed before
    # the table's own indexes are created (one may have the copy's old name); its depth then.
    depth: int | None = None

    def describe(self) -> str:
        return f"partition {qname_ident(self.table)}'s copy of {self.what[0]} {self.what[1]} named {self.name}"

    def sort_key(self) -> tuple[int, int, str]:
        if self.depth is not None:
            return (Phase.CREATE_INDEX, self.depth, "")
        return (Phase.CREATE_INDEX, 99, self.table)  # once every index and key is there

    def statements(self) -> list[Statement]:
        schema = schema_of(self.table)
        part, parent = literal(qname_ident(self.table)), literal(qname_ident(self.parent))
        if self.what[0] == "index":
            find = (f"SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    f"JOIN pg_index x ON x.indexrelid = c.oid WHERE i.inhparent = "
                    f"{literal(qident(schema_of(self.parent), self.what[1]))}::regclass "
                    f"AND x.indrelid = {part}::regclass")
            rename = f"'ALTER INDEX %I.%I RENAME TO %I', {literal(schema)}, n, {literal(self.name)}"
        else:
            find = (f"SELECT c.conname FROM pg_constraint c JOIN pg_constraint p ON p.oid = c.conparentid "
                    f"WHERE p.conrelid = {parent}::regclass AND p.conname = {literal(self.what[1])} "
                    f"AND c.conrelid = {part}::regclass")
            rename = f"'ALTER TABLE %s RENAME CONSTRAINT %I TO %I', {part}, n, {literal(self.name)}"
        return [Statement(f"DO $$DECLARE n name; BEGIN {find} INTO n; "
                          f"IF n IS DISTINCT FROM {literal(self.name)} THEN EXECUTE format({rename}); "
                          f"END IF; END$$")]


@dataclass(frozen=True)
class NameNotNull(Change):
    """A column's NOT NULL constraint given the name schema.yaml's has (PostgreSQL 18 names
    them: a renamed table, a detached or attached partition, a key's implied NOT NULL keep or
    take a name of PostgreSQL's choosing). Found by its column, renamed when it differs."""

    table: str
    column: str
    name: str
    depth: int = 0  # a parent's first: renaming its NOT NULL renames its partitions' of that name
    # One there already is renamed before any table is created: a new table's NOT NULL takes
    # PostgreSQL's name for it, which must then be free in the schema.
    early: bool = False

    def describe(self) -> str:
        return f"column {qname_ident(self.table)}.{ident(self.column)} NOT NULL named {self.name}"

    def sort_key(self) -> tuple[int, int, str]:
        # a new one once the column is NOT NULL; either before the table is attached as a
        # partition (a partition's inherited NOT NULL cannot be renamed: attached, it keeps its name)
        return (Phase.DROP_COLUMN if self.early else Phase.ALTER_COLUMN, 90 + self.depth, self.table)

    def statements(self) -> list[Statement]:
        table = literal(qname_ident(self.table))
        return [Statement(
            f"DO $$DECLARE n name; BEGIN SELECT c.conname FROM pg_constraint c JOIN pg_attribute a "
            f"ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] WHERE c.conrelid = {table}::regclass "
            f"AND c.contype = 'n' AND a.attname = {literal(self.column)} INTO n; "
            f"IF n IS NOT NULL AND n IS DISTINCT FROM {literal(self.name)} THEN "  # (none before 18)
            f"EXECUTE format('ALTER TABLE %s RENAME CONSTRAINT %I TO %I', {table}, n, {literal(self.name)}); "
            f"END IF; END$$")]


@dataclass(frozen=True)
class DropDefaultEarly(Change):
    """A detached partition's default that draws on its old parent's serial sequence, dropped
    before that parent is (the new default comes with the column's other changes)."""

    table: str
    column: str

    def describe(self) -> str:
        return f"column {qname_ident(self.table)}.{ident(self.column)} default (its old parent's sequence)"

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.RENAME + 1, 2, self.table)  # right after the DETACH

    def statements(self) -> list[Statement]:
        return [Statement(f"ALTER TABLE {qname_ident(self.table)} ALTER COLUMN {ident(self.column)} DROP DEFAULT")]
