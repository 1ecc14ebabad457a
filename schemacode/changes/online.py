"""Online rewrites: what PostgreSQL can only do by rewriting a table, made in phases instead of one
ALTER under ACCESS EXCLUSIVE (``--online``).

A type change with no in-place path (``integer → bigint``, ``text → integer`` with ``using:``, an
enum to text and back, ``timestamp → timestamptz`` outside UTC) and a column filled by a volatile
default (``gen_random_uuid()``) are made as

1. **expand** — one short transaction per table, catalog only: a shadow column of the new type
   (a column filled by its default is added as itself, without the default, which is then set:
   the rows that come later get theirs) and a trigger that keeps the shadow in step on every
   INSERT and UPDATE with the conversion;
2. **backfill** — the rows that were there when it started, in keyset batches over the primary
   key (ctid ranges without one), each its own short transaction (backfill.py); then the
   shadow's indexes, keys and unique constraints built CONCURRENTLY once over the filled
   column, and its NOT NULL added NOT VALID (catalog only) and validated (SHARE UPDATE
   EXCLUSIVE: writes go on);
3. **contract** — one short transaction for every table of the plan: the trigger dropped, the old
   column dropped and the shadow renamed to its name, with its default, identity or sequence, its
   NOT NULL, its keys (``ADD … USING INDEX``), its indexes' names and comments; the views,
   policies, triggers and foreign keys that read the column (or reference it, from other tables)
   dropped before and made again after, the foreign keys NOT VALID (validated after it).

Each phase's SQL is beside its reverse (:meth:`TableRewrite.abort`: before the contract, the
shadow and the trigger go and the table is as it was). :func:`split` says which changes of a plan
are made so, what they take with them, and what cannot be made online and why; plan.py makes
the steps a plan shows and apply.py runs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

from ..model import Catalog, Column, Constraint, Index, SERIAL_TYPES, Table, View, not_null_default
from ..sqltext import ident, literal, qident, qname_ident, rename_columns, short_name
from .base import Change, Statement
from .constraints import AddConstraint, DropConstraint, ValidateConstraint, key_over_index
from .indexes import CreateIndex, DropIndex
from .policies import AlterPolicy, CreatePolicy, DropPolicy
from .tables import AddColumn, AlterColumn, AlterTableStorage, DropColumn, NameNotNull, _volatile, \
    column_comment_sql, type_change_hazards
from .triggers import CreateTrigger, DropTrigger, EnableTrigger
from .types import RebuildEnum
from .comments import SetComment
from .views import AlterViewOptions, CreateView, DropView

PREFIX = "_sc"  # shadow columns, and the temporary names of what is built on them
# The trigger fires after the table's own BEFORE triggers (PostgreSQL fires them by name): the
# shadow gets the value they leave.
TRIGGER = "zzz_schemacode_online"
FUNCTION_SCHEMA = "schemacode"  # schemacode's own schema: never in a user's catalog

_NAME = r'(?:"(?:[^"]|"")+"|[^\s."(]+)'
_QNAME = rf"{_NAME}(?:\.{_NAME})?"

PhaseName = Literal["expand", "backfill", "contract"]
StepKind = Literal["transaction", "alone", "backfill"]


@dataclass(frozen=True)
class Target:
    """What an online plan must know of the server it is for."""

    major: int = 18
    timezone: str = "UTC"
    # May the role keep a table's own triggers from firing during the backfill
    # (session_replication_role = replica: a superuser, or granted SET on it)?
    replica_role: bool = True


@dataclass(frozen=True)
class Backfill:
    """The rows of one table to fill, in batches (backfill.py runs it)."""

    table: str  # qualified
    key: tuple[tuple[str, str], ...]  # (column, type) of the primary key; () → ctid ranges
    assignments: tuple[tuple[str, str], ...]  # (column, its value from the row)
    todo: str  # a row not filled yet
    replica: bool = False  # the table has triggers on UPDATE: keep them from firing
    rows: int | None = None  # estimate (pg_class.reltuples), when planned against a database


@dataclass(frozen=True)
class Step:
    """One thing apply runs and records: a transaction, a statement on its own (CREATE INDEX
    CONCURRENTLY, VALIDATE), or a backfill."""

    phase: PhaseName
    kind: StepKind
    title: str
    statements: tuple[Statement, ...] = ()
    backfill: Backfill | None = None


@dataclass(frozen=True)
class ColumnRewrite:
    before: Column | None  # None: a new column, filled with its volatile default
    after: Column
    conversion: str  # its new value, from the row as it is (the old column's name)
    owned: tuple[str, ...] = ()  # sequences OWNED BY the old column (besides a serial's own)

    @property
    def shadow(self) -> str:
        return self.after.name if self.before is None else short_name(PREFIX, self.after.name)

    @property
    def name(self) -> str:
        return self.after.name


def _nn_name(table: str, col: str) -> str:
    return short_name(PREFIX, "nn", table.partition(".")[2], col)


@dataclass(frozen=True)
class TableRewrite:
    """The columns of one table that are rewritten online, and what is built on them."""

    table: str
    current: Table
    desired: Table
    columns: tuple[ColumnRewrite, ...]
    target: Target = field(default_factory=Target)

    # -- names ---------------------------------------------------------------------------------
    @property
    def qtable(self) -> str:
        return qname_ident(self.table)

    @property
    def schema(self) -> str:
        return self.table.partition(".")[0]

    @property
    def function(self) -> str:
        return qident(FUNCTION_SCHEMA, short_name("online", self.schema, self.desired.name))

    @property
    def retyped(self) -> tuple[ColumnRewrite, ...]:
        return tuple(c for c in self.columns if c.before is not None)

    @property
    def filled(self) -> tuple[ColumnRewrite, ...]:
        return tuple(c for c in self.columns if c.before is None)

    def renames(self) -> dict[str, str]:
        """The rewritten columns' names in what is built on the shadows."""
        return {c.name: c.shadow for c in self.retyped}

    def _touches(self, columns: tuple[str, ...]) -> bool:
        return bool(set(columns) & {c.name for c in self.columns})

    def indexes(self) -> list[tuple[Index, str, str]]:
        """(index, its temporary name, CREATE INDEX CONCURRENTLY of it on the shadows)."""
        out = []
        for idx in self.desired.indexes.values():
            if self._touches(idx.columns):
                tmp = short_name(PREFIX, idx.name) if self.retyped else idx.name
                out.append((idx, tmp, self._on_shadows(idx.definition_sql, idx.name, tmp)))
        return out

    def keys(self) -> list[tuple[Constraint, str, str, str]]:
        """(primary key or unique constraint, its index's temporary name, the CREATE UNIQUE INDEX
        CONCURRENTLY, what follows USING INDEX)."""
        out = []
        for con in self.desired.constraints.values():
            if con.kind in ("primary_key", "unique") and self._touches(con.columns) and con.name:
                tmp = short_name(PREFIX, con.name) if self.retyped else con.name
                over = key_over_index(con.kind, con.definition_sql, con.name, self.table)
                assert over is not None  # split() leaves what has no such index offline
                out.append((con, tmp, self._on_shadows(over[0], con.name, tmp), over[1]))
        return out

    def _on_shadows(self, definition: str, name: str, tmp: str) -> str:
        m = re.match(r"^CREATE (UNIQUE )?INDEX (?:CONCURRENTLY )?(?:IF NOT EXISTS )?"
                     rf"{re.escape(ident(name))} ON (ONLY )?({_QNAME})(.*)$", definition, re.S | re.I)
        assert m, definition
        rest = rename_columns(m.group(4), self.renames())
        return (f"CREATE {m.group(1) or ''}INDEX CONCURRENTLY IF NOT EXISTS {ident(tmp)} "
                f"ON {m.group(3)}{rest}")

    def not_nulls(self) -> list[tuple[ColumnRewrite, str]]:
        """The columns to be NOT NULL, and the NOT VALID constraint that proves it meanwhile."""
        out = []
        for c in self.columns:
            if c.after.not_null or c.after.identity:
                fresh = c.before is None and self.target.major >= 18
                out.append((c, self._nn_final(c) if fresh else _nn_name(self.table, c.name)))
        return out

    def _nn_final(self, c: ColumnRewrite) -> str:
        return c.after.not_null_name or not_null_default(self.desired.name, c.name)

    @property
    def key(self) -> tuple[tuple[str, str], ...]:
        """The primary key the backfill walks (as the table has it while the backfill runs)."""
        pk = self.current.primary_key()
        # the same key before and after (a changed one is made before the backfill: its
        # columns may not be unique while it runs), on columns the table keeps their names
        kept = self.desired.primary_key()
        if pk is None or kept is None or kept.definition != pk.definition or kept.name != pk.name \
                or not all(c in self.current.columns and c in self.desired.columns for c in pk.columns):
            return ()
        return tuple((c, _base(self.current.columns[c].type)) for c in pk.columns)

    @property
    def update_triggers(self) -> list[str]:
        """The table's own triggers that an UPDATE fires."""
        return [t.name for t in self.current.triggers.values() if t.enabled and _fires_on_update(t.definition)]

    # -- expand, and its reverse ----------------------------------------------------------------
    def expand(self) -> Step:
        t = self.qtable
        out: list[Statement] = []
        for c in self.retyped:
            collate = f" COLLATE {c.after.collation}" if c.after.collation else ""
            out.append(Statement(f"ALTER TABLE {t} ADD COLUMN {ident(c.shadow)} {_base(c.after.type)}{collate}"))
        for c in self.filled:
            collate = f" COLLATE {c.after.collation}" if c.after.collation else ""
            out.append(Statement(f"ALTER TABLE {t} ADD COLUMN {ident(c.name)} {c.after.type}{collate}"))
            out.append(Statement(f"ALTER TABLE {t} ALTER COLUMN {ident(c.name)} SET DEFAULT {c.after.default_sql}"))
        if self.retyped:
            out += [Statement(self._function_sql()),
                    Statement(f"CREATE TRIGGER {TRIGGER} BEFORE INSERT OR UPDATE ON {t} "
                              f"FOR EACH ROW EXECUTE FUNCTION {self.function}()"),
                    # also for sessions that replicate into the table (replica role)
                    Statement(f"ALTER TABLE {t} ENABLE ALWAYS TRIGGER {TRIGGER}")]
        return Step("expand", "transaction", f"expand {self.table}", tuple(out))

    def abort(self) -> Step:
        """Undoes expand and backfill, from wherever they stopped: the table as it was."""
        t = self.qtable
        out = [Statement(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {t}")] if self.retyped else []
        # a column's indexes and constraints go with it (an INVALID index a killed build left too)
        out += [Statement(f"ALTER TABLE {t} DROP COLUMN IF EXISTS {ident(c.shadow)}") for c in self.columns]
        if self.retyped:
            out.append(Statement(f"DROP FUNCTION IF EXISTS {self.function}()"))
        return Step("expand", "transaction", f"abort {self.table}", tuple(out))

    def _function_sql(self) -> str:
        """The trigger's function: each shadow gets the conversion of the row being written. The
        row's columns are variables of the same names, so the conversion reads as it is written;
        TimeZone and DateStyle are those of the apply (as the ALTER it replaces would use)."""
        names = sorted({n for c in self.retyped for n in _columns_read(c.conversion, self.current)})
        declare = "".join(f"    {ident(n)} {self.qtable}.{ident(n)}%TYPE := NEW.{ident(n)};\n" for n in names)
        sets = "".join(f"    NEW.{ident(c.shadow)} := {c.conversion};\n" for c in self.retyped)
        body = f"\nDECLARE\n{declare}BEGIN\n{sets}    RETURN NEW;\nEND\n"
        tag = "$schemacode$"
        assert tag not in body
        return (f"CREATE OR REPLACE FUNCTION {self.function}() RETURNS trigger LANGUAGE plpgsql\n"
                f"SET \"TimeZone\" FROM CURRENT SET \"DateStyle\" FROM CURRENT SET \"IntervalStyle\" FROM CURRENT\n"
                f"AS {tag}{body}{tag}")

    # -- backfill ------------------------------------------------------------------------------
    def backfill(self) -> Step:
        assignments = tuple((c.shadow, c.conversion) for c in self.retyped) + \
            tuple((c.name, c.after.default_sql or "NULL") for c in self.filled)
        todo = " OR ".join(f"{ident(c.shadow)} IS NULL" for c in self.columns)
        spec = Backfill(self.table, self.key, assignments, todo, bool(self.update_triggers))
        return Step("backfill", "backfill", f"backfill {self.table}", (), spec)

    def build(self) -> list[Step]:
        """What is built over the filled columns: indexes and keys concurrently (once, rather
        than updated row by row during the backfill), NOT NULL validated."""
        out = []
        for idx, tmp, sql in self.indexes():
            out.append(Step("backfill", "alone", f"index {idx.name} on {self.table}",
                            (Statement(sql, concurrent_index=qident(self.schema, tmp)),)))
        for con, tmp, sql, _ in self.keys():
            out.append(Step("backfill", "alone", f"index of {con.name} on {self.table}",
                            (Statement(sql, concurrent_index=qident(self.schema, tmp)),)))
        # NOT NULL once the rows are filled (before, an UPDATE of a row not filled yet would be
        # refused): NOT VALID, catalog only; then validated
        t = self.qtable
        nn = self.not_nulls()
        if nn:
            out.append(Step("backfill", "transaction", f"NOT NULL on {self.table}, not validated yet", tuple(
                Statement(f"ALTER TABLE {t} ADD CONSTRAINT {ident(name)} NOT NULL {ident(c.shadow)} NOT VALID")
                if self.target.major >= 18 else
                Statement(f"ALTER TABLE {t} ADD CONSTRAINT {ident(name)} CHECK ({ident(c.shadow)} IS NOT NULL) NOT VALID")
                for c, name in nn)))
        for c, name in nn:
            out.append(Step("backfill", "alone", f"{c.name} NOT NULL on {self.table} validated",
                            (Statement(f"ALTER TABLE {t} VALIDATE CONSTRAINT {ident(name)}"),)))
        # The backfill left a dead version of each row: vacuumed now, with the new columns'
        # statistics (theirs after the swap: the same columns), rather than by an autovacuum that
        # would hold the table when the contract comes for its lock.
        out.append(Step("backfill", "alone", f"vacuum and statistics of {self.table}",
                        (Statement(f"VACUUM (ANALYZE) {t}"),)))
        return out

    # -- contract ------------------------------------------------------------------------------
    def swap(self) -> list[Statement]:
        """This table's part of the contract transaction."""
        t = self.qtable
        out: list[Statement] = []
        if self.retyped:
            out.append(Statement(f"DROP TRIGGER {TRIGGER} ON {t}"))
        nn = dict((c.name, name) for c, name in self.not_nulls())
        for c in self.columns:
            alter = f"ALTER TABLE {t} ALTER COLUMN {ident(c.shadow)}"
            if c.name in nn and self.target.major < 18:
                out.append(Statement(f"{alter} SET NOT NULL", work="catalog"))  # the valid check proves it
                out.append(Statement(f"ALTER TABLE {t} DROP CONSTRAINT {ident(nn[c.name])}"))
            if c.before is None:
                if c.after.comment is not None:
                    out.append(Statement(column_comment_sql(self.table, c.after)))
                continue
            out += self._move_default(c)
            out.append(Statement(_carry_column_settings(self.table, c.name, c.shadow)))
            out.append(Statement(f"ALTER TABLE {t} DROP COLUMN {ident(c.name)}"))
            out.append(Statement(f"ALTER TABLE {t} RENAME COLUMN {ident(c.shadow)} TO {ident(c.name)}"))
            out.append(Statement(_STATISTICS_BACK))
            if c.name in nn and self.target.major >= 18 and nn[c.name] != self._nn_final(c):
                out.append(Statement(f"ALTER TABLE {t} RENAME CONSTRAINT {ident(nn[c.name])} "
                                     f"TO {ident(self._nn_final(c))}"))
            if c.after.comment is not None:
                out.append(Statement(column_comment_sql(self.table, c.after)))
        for con, tmp, _, suffix in self.keys():
            head = "PRIMARY KEY" if con.kind == "primary_key" else "UNIQUE"
            out.append(Statement(f"ALTER TABLE {t} ADD CONSTRAINT {ident(con.name or '')} {head} "
                                 f"USING INDEX {ident(tmp)}{suffix}"))
            if con.comment is not None:
                out.append(Statement(f"COMMENT ON CONSTRAINT {ident(con.name or '')} ON {t} IS {literal(con.comment)}"))
        for idx, tmp, _ in self.indexes():
            if tmp != idx.name:
                out.append(Statement(f"ALTER INDEX {qident(self.schema, tmp)} RENAME TO {ident(idx.name)}"))
            if idx.comment is not None:
                out.append(Statement(f"COMMENT ON INDEX {qident(self.schema, idx.name)} IS {literal(idx.comment)}"))
        rebuilt = {i.name for i, _, _ in self.indexes()} | {k.name for k, _, _, _ in self.keys()}
        ri = self.desired.replica_identity
        if ri.startswith("index ") and ri[len("index "):] in rebuilt:
            out.append(Statement(f"ALTER TABLE {t} REPLICA IDENTITY USING INDEX {ident(ri[len('index '):])}"))
        if self.retyped:
            out.append(Statement(f"DROP FUNCTION {self.function}()"))
        return out

    def _move_default(self, c: ColumnRewrite) -> list[Statement]:
        """The old column's default, identity or sequence, given to the shadow before the old
        column goes (the shadow is NOT NULL by then, as an identity needs)."""
        assert c.before is not None
        t, b, a = self.qtable, c.before, c.after
        get_seq = f"pg_get_serial_sequence({literal(t)}, {literal(b.name)})"
        if b.type in SERIAL_TYPES and a.type in SERIAL_TYPES:
            # The sequence is given to the shadow: the old column no longer takes it along, and
            # the rename makes it the column's (OWNED BY follows the column, not its name).
            return [Statement(
                f"DO $$DECLARE seq text := {get_seq}; BEGIN "
                f"EXECUTE format('ALTER SEQUENCE %s AS {SERIAL_TYPES[a.type]} OWNED BY {t}.{ident(c.shadow)}', seq); "
                f"EXECUTE format('ALTER TABLE {t} ALTER COLUMN {ident(c.shadow)} SET DEFAULT nextval(%L::regclass)', seq); "
                f"END$$")]
        if b.identity and a.identity:
            # An identity's sequence cannot change hands: it is made again on the shadow, by the
            # same name, and goes on from where the old one was.
            opts = f" {a.identity_options}" if a.identity_options else ""
            return [Statement(
                f"DO $$DECLARE seq text := {get_seq}; v bigint; called boolean; BEGIN "
                f"EXECUTE format('SELECT last_value, is_called FROM %s', seq) INTO v, called; "
                f"ALTER TABLE {t} ALTER COLUMN {ident(b.name)} DROP IDENTITY; "
                f"EXECUTE format('ALTER TABLE {t} ALTER COLUMN {ident(c.shadow)} ADD GENERATED "
                f"{a.identity.upper()} AS IDENTITY (SEQUENCE NAME %s{opts})', seq); "
                f"PERFORM setval(seq, v, called); END$$")]
        # a sequence the old column owns would go with it: the shadow owns it (and, renamed, the column)
        out = [Statement(f"ALTER SEQUENCE {qname_ident(seq)} OWNED BY {t}.{ident(c.shadow)}") for seq in c.owned]
        if a.default is not None:
            out.append(Statement(f"ALTER TABLE {t} ALTER COLUMN {ident(c.shadow)} SET DEFAULT {a.default_sql}"))
        return out


# Extended statistics (CREATE STATISTICS) that read the old column go with it: their definitions
# are kept for the transaction (set_config … true) and made again once the shadow has its name.
_STATISTICS_BACK = ("DO $$BEGIN IF coalesce(current_setting('schemacode.statistics', true), '') <> '' THEN "
                    "EXECUTE current_setting('schemacode.statistics'); END IF; END$$")


def _carry_column_settings(table: str, column: str, shadow: str) -> str:
    """What the old column has that schema.yaml need not say, carried to the shadow: its
    privileges (GRANT … (column)) and its statistics target; and the extended statistics that
    read it, kept to be made again (_STATISTICS_BACK)."""
    t = qname_ident(table)
    return (
        f"DO $$DECLARE r record; BEGIN "
        f"PERFORM set_config('schemacode.statistics', coalesce((SELECT string_agg("
        f"DISTINCT pg_get_statisticsobjdef(d.objid) || ';', ' ') FROM pg_depend d JOIN pg_attribute a "
        f"ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid WHERE d.classid = 'pg_statistic_ext'::regclass "
        f"AND d.refobjid = {literal(t)}::regclass AND a.attname = {literal(column)}), ''), true); "
        f"FOR r IN SELECT x.privilege_type, x.grantee, x.is_grantable FROM pg_attribute a, aclexplode(a.attacl) x "
        f"WHERE a.attrelid = {literal(t)}::regclass AND a.attname = {literal(column)} LOOP "
        f"EXECUTE format('GRANT %s (%I) ON {t} TO %s%s', r.privilege_type, {literal(shadow)}, "
        f"CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.grantee)) END, "
        f"CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END); END LOOP; "
        f"FOR r IN SELECT a.attstattarget AS n FROM pg_attribute a WHERE a.attrelid = {literal(t)}::regclass "
        f"AND a.attname = {literal(column)} AND a.attstattarget >= 0 LOOP "
        f"EXECUTE format('ALTER TABLE {t} ALTER COLUMN %I SET STATISTICS %s', {literal(shadow)}, r.n); END LOOP; "
        f"END$$")


def _base(type_: str) -> str:
    return SERIAL_TYPES.get(type_, type_)


_FIRES = re.compile(r"^CREATE (?:CONSTRAINT )?TRIGGER \S+ (?:BEFORE|AFTER|INSTEAD OF) (.*?) ON ", re.S)


def _fires_on_update(definition: str) -> bool:
    m = _FIRES.match(definition)
    return bool(m and re.search(r"\bUPDATE\b", m.group(1)))


def _columns_read(sql: str, table: Table) -> list[str]:
    """The table's columns an expression reads (by sqlglot's parse; unparsed: every column named)."""
    from ..load.core import _parse, referenced_columns

    tree, problem, _ = _parse(sql)
    if tree is None:
        return [n for n in table.columns if re.search(rf"(?<![\w$.]){re.escape(ident(n))}(?![\w$])", sql)]
    lowered = {n.lower(): n for n in table.columns}
    return [n for n in (table.columns.get(r) and r or lowered.get(r.lower()) for r in referenced_columns(tree)) if n]


# -- which changes are made online ------------------------------------------------------------

@dataclass(frozen=True)
class Split:
    """A plan's changes: those made as they are (``ordinary``), those the online rewrites take
    over (``absorbed``: the rewrites themselves, and the dependents made again in the contract),
    and what could have been online but cannot, and why."""

    ordinary: list[Change]
    absorbed: list[Change]
    rewrites: list[TableRewrite]
    notes: list[str]


# Zones that are UTC all year: PostgreSQL (12+) retypes timestamp ↔ timestamptz in place there.
_UTC = {"UTC", "UCT", "GMT", "GMT0", "GMT+0", "GMT-0", "Z", "ZULU", "UNIVERSAL", "GREENWICH"}


def _rewrites_type(c: AlterColumn, target: Target) -> bool:
    if not c.type_changed:
        return False
    b, a = _base(c.before.type), _base(c.after.type)
    if {b, a} == {"timestamp without time zone", "timestamp with time zone"} and \
            target.timezone.upper().removeprefix("ETC/") in _UTC:
        return False  # in UTC, PostgreSQL (12+) changes only the catalog
    return any(h.kind == "rewrite" for h in type_change_hazards(c.table, c.after.name, c.before.type, c.after.type))


def _fills(c: AddColumn) -> bool:
    col = c.column
    return (col.default is not None and _volatile(col.default) and col.generated is None
            and not col.identity and col.type not in SERIAL_TYPES)


def split(changes: list[Change], current: Catalog, desired: Catalog, target: Target) -> Split:
    """Which changes become online rewrites (and what they take with them) and which are made as
    they are. ``current`` and ``desired``: the catalogs the changes go from and to."""
    notes: list[str] = []
    wanted: dict[str, list[ColumnRewrite]] = {}
    for c in changes:
        if isinstance(c, AlterColumn) and _rewrites_type(c, target):
            owned = tuple(sorted(q for q, seq in current.sequences.items() if seq.owned_by == (c.table, c.before.name)))
            wanted.setdefault(c.table, []).append(ColumnRewrite(c.before, c.after, c.conversion, owned))
        elif isinstance(c, AddColumn) and c.table in current.tables and _fills(c):
            wanted.setdefault(c.table, []).append(ColumnRewrite(None, c.column, c.column.default_sql or "NULL"))
        elif isinstance(c, AddColumn) and c.table in current.tables and c.column.generated is not None:
            notes.append(f"column {c.table}.{c.column.name}: a stored generated column is computed for every "
                         "row when it is added, under ACCESS EXCLUSIVE; PostgreSQL has no way to make an "
                         "existing column generated without rewriting the table")
        elif isinstance(c, AddColumn) and c.table in current.tables and \
                (c.column.identity or c.column.type in SERIAL_TYPES):
            notes.append(f"column {c.table}.{c.column.name}: a new identity or serial column numbers every "
                         "row when it is added, under ACCESS EXCLUSIVE")
        elif isinstance(c, DropColumn) and c.column.generated is not None and any(
                isinstance(o, AddColumn) and o.table == c.table and o.column.name == c.column.name for o in changes):
            notes.append(f"column {c.table}.{c.column.name}: a changed generation expression is made by "
                         "dropping the column and adding it again, which rewrites the table")
        elif isinstance(c, AlterTableStorage) and c.before.unlogged != c.after.unlogged:
            notes.append(f"table {c.after.qname}: SET LOGGED/UNLOGGED rewrites the table; there is no online form")
        elif isinstance(c, RebuildEnum):
            notes.append(f"type {c.after.qname}: removing an enum value converts every column of the type "
                         "under ACCESS EXCLUSIVE")
    rewrites: list[TableRewrite] = []
    for qname, cols in sorted(wanted.items()):
        cur, des = current.tables.get(qname), desired.tables.get(qname)
        why = _why_not_online(cur, des, cols, current, desired, changes, target) if cur and des else "it is new"
        if why:
            notes.append(f"table {qname}: {', '.join(c.name for c in cols)} changed offline: {why}")
            continue
        assert cur is not None and des is not None
        rewrites.append(TableRewrite(qname, cur, des, tuple(cols), target))
    if not rewrites:
        return Split(list(changes), [], [], notes)
    absorbed = [c for c in changes if _absorbed(c, rewrites, current, desired)]
    taken = set(map(id, absorbed))
    return Split([c for c in changes if id(c) not in taken], absorbed, rewrites, notes)


def _why_not_online(cur: Table, des: Table, cols: list[ColumnRewrite], current: Catalog,
                    desired: Catalog, changes: list[Change], target: Target) -> str | None:
    names = {c.name for c in cols}
    if cur.partition_by or cur.partition_of or cur.inherits or des.partition_by or des.partition_of or \
            any(t.inherits and cur.qname in t.inherits for t in current.tables.values()):
        return "a partitioned table, a partition or a table with inheritance is rewritten in one ALTER " \
               "(CREATE INDEX CONCURRENTLY cannot build a partitioned table's index)"
    for con in des.constraints.values():
        if set(con.columns) & names and con.kind == "exclude":
            return f"exclusion constraint {con.name} cannot be built concurrently"
        if set(con.columns) & names and con.kind in ("primary_key", "unique") and \
                key_over_index(con.kind, con.definition_sql, con.name or "", des.qname) is None:
            return f"{con.name} cannot be made over an index built concurrently"
    for col in des.columns.values():
        if col.generated and col.name not in names and (
                set(_columns_read(col.generated, cur)) & names):
            return f"generated column {col.name} is computed from it"
    for c in cols:
        b, a = c.before, c.after
        read = {n.lower() for n in _columns_read(c.conversion, cur)}
        if read & {"new", "old"} or any(n.startswith("tg_") for n in read):
            return f"the conversion of {c.name} reads a column named like a trigger's own variables"
        if b is None:
            continue
        if (b.type in SERIAL_TYPES) != (a.type in SERIAL_TYPES) or bool(b.identity) != bool(a.identity):
            return f"{c.name} gains or loses a sequence or an identity as its type changes"
    triggers = [t.name for t in cur.triggers.values() if t.enabled and _fires_on_update(t.definition)]
    if triggers and not target.replica_role:
        return (f"the backfill's updates would fire its triggers ({', '.join(triggers)}), and this role may "
                "not set session_replication_role to keep them from firing")
    for v in _dependent_views(changes, {cur.qname}, current, desired):
        if v.materialized:
            return f"materialized view {v.qname} reads it: made again in the contract, it would be filled " \
                   "under the lock"
    return None


def _dependent_views(changes: list[Change], tables: set[str], current: Catalog, desired: Catalog) -> list[View]:
    out = []
    for c in changes:
        if isinstance(c, (CreateView, DropView, AlterViewOptions)):
            v = c.after if isinstance(c, AlterViewOptions) else c.view
            catalog = current if isinstance(c, DropView) else desired
            if _reads(v, tables, catalog, set()):
                out.append(v)
    return out


def _reads(v: View, tables: set[str], catalog: Catalog, seen: set[str]) -> bool:
    """Does the view read one of ``tables``, itself or through other views?"""
    for d in v.depends_on:
        if d in tables:
            return True
        inner = catalog.views.get(d)
        if inner is not None and d not in seen and _reads(inner, tables, catalog, seen | {d}):
            return True
    return False


def _absorbed(c: Change, rewrites: list[TableRewrite], current: Catalog, desired: Catalog) -> bool:
    """Is the change one the rewrites make (the rewrite itself), or one that must wait for the
    contract (it reads or references a rewritten column, or a view of a rewritten table)?"""
    tables = {r.table for r in rewrites}
    cols = {(r.table, c.name) for r in rewrites for c in r.columns}

    def touches(table: str, columns: tuple[str, ...]) -> bool:
        return any((table, n) in cols for n in columns)

    if isinstance(c, AlterColumn):
        return (c.table, c.after.name) in cols
    if isinstance(c, (AddColumn, NameNotNull)):
        name = c.column.name if isinstance(c, AddColumn) else c.column
        return (c.table, name) in cols
    if isinstance(c, (CreateView, DropView, AlterViewOptions)):
        v = c.after if isinstance(c, AlterViewOptions) else c.view
        return _reads(v, tables, current if isinstance(c, DropView) else desired, set())
    if isinstance(c, (CreatePolicy, DropPolicy)):
        return c.table in tables or bool(set(c.policy.reads) & tables)
    if isinstance(c, AlterPolicy):
        return c.table in tables or bool(set(c.after.reads) & tables)
    if isinstance(c, (CreateTrigger, DropTrigger, EnableTrigger)):
        return c.table in tables
    if isinstance(c, (AddConstraint, DropConstraint, ValidateConstraint)):
        con = c.constraint
        return touches(c.table, con.columns) or (
            con.kind == "foreign_key" and con.ref_table is not None and touches(con.ref_table, con.ref_columns))
    if isinstance(c, (CreateIndex, DropIndex)):
        return touches(c.table, c.index.columns)
    if isinstance(c, SetComment):
        return any(c.target == f"COLUMN {qname_ident(t)}.{ident(n)}" for t, n in cols)
    return False


def contract_statements(absorbed: list[Change], rewrites: list[TableRewrite]) -> tuple[list[Statement], list[Statement], list[Step]]:
    """The contract: what runs before it on its own (``pre``), the one transaction, and what
    runs after it on its own. The absorbed changes the rewrites do not make themselves (the
    dependents) are made here: drops before the swap, creations after it; a foreign key or a
    check added NOT VALID and validated after the transaction."""
    pre: list[Statement] = []
    drops: list[Statement] = []
    creates: list[Statement] = []
    after: list[Step] = []
    for c in sorted(absorbed, key=lambda c: c.sort_key()):
        if _made_by_rewrite(c, rewrites):
            continue
        if isinstance(c, ValidateConstraint):  # a scan: after the lock, not under it
            after += [Step("contract", "alone", c.summary(), tuple(c.statements()))]
            continue
        stmts = c.online_statements() if isinstance(c, (AddConstraint, CreateIndex)) else c.statements()
        for s in stmts:
            if s.stage == "pre":
                pre.append(replace(s, stage="main"))
            elif s.stage == "post":
                after.append(Step("contract", "alone", c.summary(), (replace(s, stage="main"),)))
            elif c.symbol == "-":
                drops.append(s)
            else:
                creates.append(s)
    tables = sorted(r.table for r in rewrites)
    tx = [Statement(f"LOCK TABLE {', '.join(qname_ident(t) for t in tables)} IN ACCESS EXCLUSIVE MODE")] \
        if tables else []
    tx += drops
    for r in rewrites:
        tx += r.swap()
    tx += creates
    return pre, tx, after


def _made_by_rewrite(c: Change, rewrites: list[TableRewrite]) -> bool:
    """A change a rewrite makes itself: the type change or the column added, its NOT NULL's
    name and its comment; the indexes and keys on the column (built on the shadow; the old ones
    go with the old column)."""
    cols = {(r.table, c.name) for r in rewrites for c in r.columns}
    if isinstance(c, AlterColumn):
        return (c.table, c.after.name) in cols
    if isinstance(c, (AddColumn, NameNotNull)):
        return (c.table, c.column.name if isinstance(c, AddColumn) else c.column) in cols
    if isinstance(c, SetComment):
        return any(c.target == f"COLUMN {qname_ident(t)}.{ident(n)}" for t, n in cols)
    if isinstance(c, (CreateIndex, DropIndex)):
        return any((c.table, n) in cols for n in c.index.columns)
    if isinstance(c, (AddConstraint, DropConstraint)) and c.constraint.kind in ("primary_key", "unique"):
        return any((c.table, n) in cols for n in c.constraint.columns)
    return False


def program(split_: Split) -> tuple[list[Step], list[Step]]:
    """The steps of the online rewrites of a plan, in order, and the steps that abort them
    (valid until the contract starts)."""
    rewrites = split_.rewrites
    steps: list[Step] = [r.expand() for r in rewrites]
    steps += [r.backfill() for r in rewrites]
    steps += [s for r in rewrites for s in r.build()]
    pre, tx, after = contract_statements(split_.absorbed, rewrites)
    steps += [Step("contract", "alone", "before the contract", (s,)) for s in pre]
    steps.append(Step("contract", "transaction", "contract", tuple(tx)))
    steps += after
    return steps, [r.abort() for r in reversed(rewrites)]


def subject(c: Change) -> tuple[str, ...] | None:
    """What a change is about, the same for a change and the one that undoes it: the backward
    plan's part that undoes what online rewrites did is found by it."""
    if isinstance(c, (AlterColumn,)):
        return ("column", c.table, c.after.name)
    if isinstance(c, (AddColumn, DropColumn)):
        return ("column", c.table, c.column.name)
    if isinstance(c, NameNotNull):
        return ("column", c.table, c.column)
    if isinstance(c, (CreateView, DropView)):
        return ("view", c.view.qname)
    if isinstance(c, AlterViewOptions):
        return ("view", c.after.qname)
    if isinstance(c, (CreatePolicy, DropPolicy)):
        return ("policy", c.table, c.policy.name)
    if isinstance(c, AlterPolicy):
        return ("policy", c.table, c.after.name)
    if isinstance(c, (CreateTrigger, DropTrigger)):
        return ("trigger", c.table, c.trigger.name)
    if isinstance(c, EnableTrigger):
        return ("trigger", c.table, c.name)
    if isinstance(c, (AddConstraint, DropConstraint, ValidateConstraint)):
        return ("constraint", c.table, c.constraint.name or c.constraint.definition)
    if isinstance(c, (CreateIndex, DropIndex)):
        return ("index", c.table, c.index.name)
    if isinstance(c, SetComment):
        return ("comment", c.target)
    return None


__all__ = ["Target", "Backfill", "Step", "TableRewrite", "ColumnRewrite", "Split", "split", "program",
           "subject", "TRIGGER", "PREFIX"]
