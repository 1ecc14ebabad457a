"""Enum types and sequences: create beside drop, add value beside rebuild."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import CompositeType, RangeType, Domain, EnumType, Sequence, Source
from ..sqltext import ident, literal, qident, qname_ident
from .base import Change, Hazard, Phase, Statement, comment_sql, names_used, type_names


def enum_target(e: EnumType) -> str:
    return f"TYPE {qident(e.schema, e.name)}"


@dataclass(frozen=True)
class CreateEnum(Change):
    enum: EnumType
    symbol = "+"
    phase = Phase.TYPE

    @property
    def source(self) -> Source | None:
        return self.enum.source

    def provides(self) -> frozenset[str]:
        return frozenset({f"type:{self.enum.qname}"})

    def describe(self) -> str:
        return f"enum {qname_ident(self.enum.qname)} ({', '.join(self.enum.values)})"

    def statements(self) -> list[Statement]:
        e = self.enum
        values = ", ".join(literal(v) for v in e.values)
        out = [Statement(f"CREATE TYPE {qident(e.schema, e.name)} AS ENUM ({values})")]
        if e.comment is not None:
            out.append(Statement(comment_sql(enum_target(e), e.comment)))
        return out


@dataclass(frozen=True)
class DropEnum(Change):
    enum: EnumType
    symbol = "-"
    phase = Phase.DROP_TYPE

    def provides(self) -> frozenset[str]:
        return frozenset({f"type:{self.enum.qname}"})

    def describe(self) -> str:
        return f"enum {qname_ident(self.enum.qname)}"

    def statements(self) -> list[Statement]:
        return [Statement(f"DROP TYPE {qident(self.enum.schema, self.enum.name)}")]


@dataclass(frozen=True)
class AddEnumValue(Change):
    enum: EnumType
    value: str
    before: str | None = None  # the existing label it goes before, or
    after: str | None = None  # the one it goes after (None, None: at the end)
    symbol = "+"
    phase = Phase.TYPE

    def describe(self) -> str:
        return f"enum value {qname_ident(self.enum.qname)}.{self.value}"

    def statements(self) -> list[Statement]:
        where = ""
        if self.before is not None:
            where = f" BEFORE {literal(self.before)}"
        elif self.after is not None:
            where = f" AFTER {literal(self.after)}"
        # Committed before the main transaction: PostgreSQL refuses to use a new value in the
        # transaction that added it. IF NOT EXISTS makes a retry after a failed apply harmless.
        return [Statement(
            f"ALTER TYPE {qident(self.enum.schema, self.enum.name)} "
            f"ADD VALUE IF NOT EXISTS {literal(self.value)}{where}",
            stage="pre",
        )]


@dataclass(frozen=True)
class RenameEnumValue(Change):
    enum: EnumType
    old: str
    new: str
    symbol = "→"
    phase = Phase.TYPE

    def describe(self) -> str:
        return f"enum value {qname_ident(self.enum.qname)}.{self.old} → {self.new}"

    def statements(self) -> list[Statement]:
        return [Statement(
            f"ALTER TYPE {qident(self.enum.schema, self.enum.name)} "
            f"RENAME VALUE {literal(self.old)} TO {literal(self.new)}"
        )]


@dataclass(frozen=True)
class EnumUsage:
    table: str
    column: str
    array: bool
    default: str | None  # the column's default after the rebuild


@dataclass(frozen=True)
class RebuildEnum(Change):
    """Values removed or reordered: PostgreSQL cannot, so build a new type and convert columns."""

    before: EnumType
    after: EnumType
    usages: tuple[EnumUsage, ...]
    phase = Phase.TYPE  # before new tables and columns use the type; dependents were dropped

    @property
    def source(self) -> Source | None:
        return self.after.source

    def describe(self) -> str:
        removed = [v for v in self.before.values if v not in self.after.values]
        what = f"values removed: {', '.join(removed)}" if removed else "values reordered"
        return f"enum {qname_ident(self.after.qname)} rebuilt ({what})"

    def statements(self) -> list[Statement]:
        e = self.after
        name = qident(e.schema, e.name)
        old_name = e.name + "__schemacode_old"
        removed = [v for v in self.before.values if v not in e.values]
        hazards: tuple[Hazard, ...] = ()
        if removed:
            hazards = (Hazard("data-loss", f"rows holding {', '.join(removed)} in {e.qname} make this fail"),)
        values = ", ".join(literal(v) for v in e.values)
        out = [
            Statement(f"ALTER TYPE {name} RENAME TO {ident(old_name)}"),
            Statement(f"CREATE TYPE {name} AS ENUM ({values})"),
        ]
        for u in self.usages:
            alter = f"ALTER TABLE {qname_ident(u.table)} ALTER COLUMN {ident(u.column)}"
            suffix = "[]" if u.array else ""
            out.append(Statement(f"{alter} DROP DEFAULT"))
            out.append(Statement(
                f"{alter} TYPE {name}{suffix} USING {ident(u.column)}::text{suffix}::{name}{suffix}",
                hazards + (Hazard("rewrite", f"{u.table} is rewritten"),),
            ))
            if u.default is not None:
                out.append(Statement(f"{alter} SET DEFAULT {u.default}"))
        out.append(Statement(f"DROP TYPE {qident(e.schema, old_name)}"))
        if e.comment is not None:
            out.append(Statement(comment_sql(enum_target(e), e.comment)))
        return out


def sequence_options(s: Sequence) -> str:
    parts = [f"AS {s.type}", f"INCREMENT BY {s.increment}"]
    parts.append(f"MINVALUE {s.min_value}" if s.min_value is not None else "NO MINVALUE")
    parts.append(f"MAXVALUE {s.max_value}" if s.max_value is not None else "NO MAXVALUE")
    parts += [f"START WITH {s.start}", f"CACHE {s.cache}", "CYCLE" if s.cycle else "NO CYCLE"]
    return " ".join(parts)


@dataclass(frozen=True)
class CreateSequence(Change):
    sequence: Sequence
    symbol = "+"
    phase = Phase.SEQUENCE

    @property
    def source(self) -> Source | None:
        return self.sequence.source

    def describe(self) -> str:
        return f"sequence {qname_ident(self.sequence.qname)}"

    def statements(self) -> list[Statement]:
        s = self.sequence
        out = [Statement(f"CREATE SEQUENCE {qident(s.schema, s.name)} {sequence_options(s)}")]
        if s.comment is not None:
            out.append(Statement(comment_sql(f"SEQUENCE {qident(s.schema, s.name)}", s.comment)))
        return out


@dataclass(frozen=True)
class AlterSequence(Change):
    before: Sequence
    after: Sequence
    phase = Phase.SEQUENCE

    def describe(self) -> str:
        return f"sequence {qname_ident(self.after.qname)} options"

    def statements(self) -> list[Statement]:
        b, s = self.before, self.after
        name = qident(s.schema, s.name)
        alter = f"ALTER SEQUENCE {name} {sequence_options(s)}"
        return [restart_guard(alter, literal(f"SELECT last_value FROM {name}"), s.qname,
                              (b.min_value, b.max_value), (s.min_value, s.max_value), s.start)]


def holds(before: tuple[int | None, int | None], after: tuple[int | None, int | None]) -> bool:
    """Does the range ``after`` (MINVALUE, MAXVALUE) hold every value ``before`` allows? Then a
    sequence's current value, which lies in ``before``, is in ``after`` too."""
    (bmin, bmax), (amin, amax) = before, after
    return (amin is None or (bmin is not None and amin <= bmin)) and \
        (amax is None or (bmax is not None and bmax <= amax))


def restart_guard(alter: str, current_value: str, label: str, before: tuple[int | None, int | None],
                  after: tuple[int | None, int | None], start: int) -> Statement:
    """``alter`` (new MINVALUE, MAXVALUE, INCREMENT …), with RESTART where it must have one.

    PostgreSQL refuses new limits that leave the current value outside ("RESTART value (1)
    cannot be greater than MAXVALUE (-1)", when a sequence starts counting down): then, and only
    then, the sequence restarts at its new START, which PostgreSQL checks against the new limits
    in the same statement. Where the new range holds the old one, the value always fits and the
    statement is the plain ALTER. Else which it is depends on the value when the plan runs, so
    the statement asks (``current_value``: an expression whose value is a query of it)."""
    if holds(before, after):
        return Statement(alter)
    lo, hi = after
    fits = " AND ".join([*([f"v >= {lo}"] if lo is not None else []), *([f"v <= {hi}"] if hi is not None else [])])
    return Statement(
        f"DO $$DECLARE v bigint; BEGIN EXECUTE {current_value} INTO v; "
        f"IF {fits} THEN {alter}; ELSE {alter} RESTART; END IF; END$$",
        (Hazard("irreversible", f"{label} restarts at {start} if its current value is outside its new "
                                "limits: values it gave out before may come again"),))


@dataclass(frozen=True)
class SetSequenceOwner(Change):
    """OWNED BY a column (after columns are added) or NONE (before anything is dropped: a
    sequence dropped with its old owner would be gone, or would take a new owner's default)."""

    sequence: Sequence
    owner: tuple[str, str] | None

    def sort_key(self) -> tuple[int, int, str]:
        if self.owner is None:
            return (Phase.RENAME, 2, self.sequence.qname)
        return (Phase.ALTER_COLUMN, 2, self.sequence.qname)

    def describe(self) -> str:
        owner = f"{self.owner[0]}.{self.owner[1]}" if self.owner else "nothing"
        return f"sequence {qname_ident(self.sequence.qname)} owned by {owner}"

    def statements(self) -> list[Statement]:
        s = self.sequence
        owner = f"{qname_ident(self.owner[0])}.{ident(self.owner[1])}" if self.owner else "NONE"
        return [Statement(f"ALTER SEQUENCE {qident(s.schema, s.name)} OWNED BY {owner}")]


@dataclass(frozen=True)
class DropSequence(Change):
    sequence: Sequence
    symbol = "-"
    phase = Phase.DROP_SEQUENCE

    def describe(self) -> str:
        return f"sequence {qname_ident(self.sequence.qname)}"

    def statements(self) -> list[Statement]:
        s = self.sequence
        return [Statement(f"DROP SEQUENCE {qident(s.schema, s.name)}",
                          (Hazard("data-loss", f"drops sequence {s.qname} and its current value"),))]


def domain_target(d: Domain) -> str:
    return f"DOMAIN {qident(d.schema, d.name)}"


def domain_needs(d: Domain) -> frozenset[str]:
    """Its base type (a domain, a table's row type, …) and what its default and checks call."""
    return type_names(d.type) | names_used(d.default_sql, *(d.check_sql(n) for n in d.checks)) \
        - {f"type:{d.qname}"}


@dataclass(frozen=True)
class CreateDomain(Change):
    domain: Domain
    symbol = "+"
    phase = Phase.TYPE

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.TYPE, 1, self.domain.qname)  # after enums, which a domain may be over

    @property
    def source(self) -> Source | None:
        return self.domain.source

    def provides(self) -> frozenset[str]:
        return frozenset({f"type:{self.domain.qname}"})

    def needs(self) -> frozenset[str]:
        return domain_needs(self.domain)

    def describe(self) -> str:
        return f"domain {qname_ident(self.domain.qname)} {self.domain.type}"

    def statements(self) -> list[Statement]:
        d = self.domain
        sql = f"CREATE DOMAIN {qident(d.schema, d.name)} AS {d.type}"
        if d.default is not None:
            sql += f" DEFAULT {d.default_sql}"
        if d.not_null:
            sql += " NOT NULL"
        for name in d.checks:
            check = d.check_sql(name)
            sql += f" {check}" if name.startswith("~") else f" CONSTRAINT {ident(name)} {check}"
        out = [Statement(sql)]
        if d.comment is not None:
            out.append(Statement(comment_sql(domain_target(d), d.comment)))
        return out


@dataclass(frozen=True)
class AlterDomain(Change):
    before: Domain
    after: Domain
    phase = Phase.TYPE

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.TYPE, 1, self.after.qname)

    def needs(self) -> frozenset[str]:
        return domain_needs(self.after)

    def describe(self) -> str:
        return f"domain {qname_ident(self.after.qname)}"

    def statements(self) -> list[Statement]:
        b, a = self.before, self.after
        alter = f"ALTER DOMAIN {qident(a.schema, a.name)}"
        out = []
        if b.default != a.default:
            out.append(Statement(f"{alter} SET DEFAULT {a.default_sql}" if a.default is not None
                                 else f"{alter} DROP DEFAULT"))
        if b.not_null != a.not_null:
            out.append(Statement(f"{alter} {'SET' if a.not_null else 'DROP'} NOT NULL",
                                 (Hazard("lock", f"checks every column of type {a.qname}"),) if a.not_null else ()))
        for name, check in b.checks.items():
            if a.checks.get(name) != check:
                out.append(Statement(f"{alter} DROP CONSTRAINT {ident(name)}"))
        for name, check in a.checks.items():
            if b.checks.get(name) != check:
                out.append(Statement(f"{alter} ADD CONSTRAINT {ident(name)} {a.check_sql(name)}",
                                     (Hazard("lock", f"checks every value of type {a.qname}"),)))
        return out


@dataclass(frozen=True)
class DropDomain(Change):
    domain: Domain
    early: bool = False  # created again over another type: gone before the CREATE
    symbol = "-"
    phase = Phase.DROP_TYPE

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.DROP_FUNCTION_EARLY if self.early else Phase.DROP_TYPE, 0, self.domain.qname)

    def provides(self) -> frozenset[str]:
        return frozenset({f"type:{self.domain.qname}"})

    def needs(self) -> frozenset[str]:
        return domain_needs(self.domain)

    def describe(self) -> str:
        return f"domain {qname_ident(self.domain.qname)}"

    def statements(self) -> list[Statement]:
        return [Statement(f"DROP DOMAIN {qident(self.domain.schema, self.domain.name)}")]


def type_needs(t: CompositeType | RangeType) -> frozenset[str]:
    """A composite type's attribute types; a range's subtype and the functions its options name."""
    if isinstance(t, CompositeType):
        return type_names(*(typ for _, typ in t.attributes)) - {f"type:{t.qname}"}
    functions = [value + "()" for key, _, value in (o.partition(" = ") for o in t.options)
                 if key in ("canonical", "subtype_diff")]
    return type_names(t.subtype) | names_used(*functions)


def _type_kind(t: CompositeType | RangeType) -> str:
    return "composite type" if isinstance(t, CompositeType) else "range type"


@dataclass(frozen=True)
class CreateType(Change):
    """CREATE TYPE … AS (…) for a composite type, AS RANGE (…) for a range type."""

    type: CompositeType | RangeType
    symbol = "+"
    phase = Phase.TYPE

    @property
    def source(self) -> Source | None:
        return self.type.source

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("type", self.type.qname, "")

    def provides(self) -> frozenset[str]:
        return frozenset({f"type:{self.type.qname}"})

    def needs(self) -> frozenset[str]:
        return type_needs(self.type)

    def describe(self) -> str:
        return f"{_type_kind(self.type)} {qname_ident(self.type.qname)}"

    def statements(self) -> list[Statement]:
        t = self.type
        name = qident(t.schema, t.name)
        if isinstance(t, CompositeType):
            body = ", ".join(f"{ident(a)} {typ}" for a, typ in t.attributes)
            out = [Statement(f"CREATE TYPE {name} AS ({body})")]
        else:
            out = [Statement(f"CREATE TYPE {name} AS RANGE ({', '.join(['subtype = ' + t.subtype, *t.options])})")]
        if t.comment is not None:
            out.append(Statement(comment_sql(f"TYPE {name}", t.comment)))
        return out


@dataclass(frozen=True)
class DropType(Change):
    type: CompositeType | RangeType
    early: bool = False  # created again under the same name: gone before the CREATE
    symbol = "-"
    phase = Phase.DROP_TYPE

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("type", self.type.qname, "")

    def provides(self) -> frozenset[str]:
        return frozenset({f"type:{self.type.qname}"})

    def needs(self) -> frozenset[str]:
        return type_needs(self.type)

    def describe(self) -> str:
        return f"{_type_kind(self.type)} {qname_ident(self.type.qname)}"

    def statements(self) -> list[Statement]:
        return [Statement(f"DROP TYPE {qident(self.type.schema, self.type.name)}")]

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.DROP_FUNCTION_EARLY if self.early else Phase.DROP_TYPE, 0, self.type.qname)


@dataclass(frozen=True)
class AlterCompositeType(Change):
    """Attributes added, dropped or retyped in place (ALTER TYPE … ADD / DROP / ALTER ATTRIBUTE)."""

    before: CompositeType
    after: CompositeType
    phase = Phase.TYPE

    def needs(self) -> frozenset[str]:
        return type_needs(self.after)

    def describe(self) -> str:
        return f"composite type {qname_ident(self.after.qname)} attributes"

    @staticmethod
    def possible(a: CompositeType, b: CompositeType) -> bool:
        """The attributes both have keep their order (new ones may come anywhere after)."""
        kept = [n for n, _ in b.attributes if n in dict(a.attributes)]
        return kept == [n for n, _ in a.attributes if n in dict(b.attributes)]

    def statements(self) -> list[Statement]:
        name = qident(self.after.schema, self.after.name)
        old, new = dict(self.before.attributes), dict(self.after.attributes)
        out = []
        for n in old:
            if n not in new:
                out.append(Statement(f"ALTER TYPE {name} DROP ATTRIBUTE {ident(n)}",
                                     (Hazard("data-loss", f"values of {qname_ident(self.after.qname)} lose {n}"),)))
        for n, typ in self.after.attributes:
            if n not in old:
                out.append(Statement(f"ALTER TYPE {name} ADD ATTRIBUTE {ident(n)} {typ}"))
            elif old[n] != typ:
                out.append(Statement(f"ALTER TYPE {name} ALTER ATTRIBUTE {ident(n)} TYPE {typ}"))
        return out
