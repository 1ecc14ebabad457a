"""What every change is made of: statements with hazards, a phase that orders it, a summary."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar, Literal

from ..model import Source
from ..sqltext import calls_and_casts, literal, name_references, qualify

HazardKind = Literal["data-loss", "rewrite", "lock", "irreversible", "security"]
# When a statement runs: "main" inside the apply transaction; "pre" before it and "post" after
# it, each on its own, for what PostgreSQL will not do inside a transaction block (a new enum
# value used in the same transaction; CREATE INDEX CONCURRENTLY).
Stage = Literal["pre", "main", "post"]


@dataclass(frozen=True)
class Hazard:
    kind: HazardKind
    message: str


@dataclass(frozen=True)
class Statement:
    sql: str
    hazards: tuple[Hazard, ...] = ()
    stage: Stage = "main"
    # For CREATE INDEX CONCURRENTLY: the qualified index, which a failed build leaves INVALID;
    # the executor drops such a leftover before a retry and after a failure.
    concurrent_index: str | None = None
    # What the statement does while it holds its lock, where its text does not say
    # (locks.lock_of reads the rest): "catalog" for SET NOT NULL a validated check proves.
    work: Literal["catalog", "scan", "build", "rewrite"] | None = None


class Phase:
    """Order of execution. Drops run dependents-first, creates dependencies-first."""

    RENAME = 5
    DROP_TRIGGER = 10
    DROP_RULE = 11  # before the relations, columns and functions its actions use
    DROP_POLICY = 12  # before the columns and functions it reads
    DROP_VIEW = 15
    DROP_FOREIGN_KEY = 20
    DROP_CONSTRAINT = 25
    DROP_AGGREGATE = 26  # before the functions it calls (SQL-standard bodies too)
    DROP_CAST = 27  # before its function and types
    DROP_FUNCTION_STANDARD_BODY = 28  # it depends on the tables its body reads
    DROP_TABLE = 30
    DROP_COLUMN = 35
    DROP_FUNCTION_EARLY = 40  # a function created again with another return type
    DROP_SERVER_EARLY = 41  # a server made again (another wrapper or type): after its foreign tables
    CREATE_SCHEMA = 100
    EXTENSION = 105
    WRAPPER = 106  # a foreign data wrapper made by hand: after the extension of its handler
    SERVER = 107  # after its wrapper
    # Sequences need nothing, and go before types: PostgreSQL refuses a sequence named as a type
    # that exists (though not a type named as a sequence that does)
    SEQUENCE = 108
    TYPE = 110
    FUNCTION = 120
    CREATE_TABLE = 130
    ADD_COLUMN = 135
    ALTER_COLUMN = 140
    ATTACH_PARTITION = 142
    FUNCTION_STANDARD_BODY = 145  # parsed at creation: after the tables it may read
    AGGREGATE = 147  # after the functions it calls (SQL-standard bodies too)
    ADD_KEY = 150
    ADD_CHECK = 155
    CREATE_INDEX = 160
    ADD_FOREIGN_KEY = 170
    CREATE_VIEW = 180
    CREATE_VIEW_INDEX = 185
    TRIGGER = 190
    RULE = 191  # after every relation its actions read or write
    POLICY = 192
    ROW_SECURITY = 194  # enabled once its policies are there (one transaction: no gap either way)
    COMMENT = 200
    PRIVILEGES = 205
    # What columns, defaults and triggers may still use goes once they no longer do.
    DROP_FUNCTION = 250
    DROP_SEQUENCE = 255
    DROP_TYPE = 260
    DROP_SERVER = 262  # after its foreign tables, before the extension of its wrapper
    DROP_WRAPPER = 263  # after its servers
    DROP_EXTENSION = 265
    DROP_SCHEMA = 300


@dataclass(frozen=True)
class Change:
    """One small typed operation. Subclasses say what they change and render their SQL."""

    symbol: ClassVar[str] = "~"  # + add, - drop, ~ change, → rename
    phase: ClassVar[int] = 0
    # Why a dependent is dropped and added again though it is unchanged ("column status
    # retyped": PostgreSQL will not carry it through): the pair is one change, "re-added".
    because: str | None = field(default=None, kw_only=True)

    @property
    def listed(self) -> bool:
        """Is it a line of the plan's summary? The drop half of a re-added dependent is not:
        its add says both."""
        return self.because is None or self.symbol != "-"

    @property
    def tally(self) -> str | None:
        """What it counts as in "Plan: n to add, n to change, n to destroy"."""
        if not self.listed:
            return None
        return "change" if self.because else {"+": "add", "-": "destroy"}.get(self.symbol, "change")

    def sort_key(self) -> tuple[int, int, str]:
        """Where this change runs: by phase, then (views) by dependency depth."""
        return (self.phase, 0, "")

    @property
    def source(self) -> Source | None:
        return None

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        """(kind, table, name) of the object an add or a drop touches; a drop and an add of the
        same target are that object created again."""
        return None

    @property
    def drops(self) -> bool:
        """Does it take something away? Drops are ordered dependents first, the rest dependencies
        first (plan.order)."""
        return self.symbol == "-"

    def provides(self) -> frozenset[str]:
        """What this change creates or, a drop, takes away, as dependency names: "type:…" for a
        type or the row type of a table or view, "function:…" for the functions of a name."""
        return frozenset()

    def needs(self) -> frozenset[str]:
        """The dependency names its statements use (a drop: what the dropped object used). A
        change runs after the changes that provide what it needs; a drop, before the drops of
        what it used. Found in the text (names_used): broad, as a lookup only finds what a change
        of the plan provides."""
        return frozenset()

    def describe(self) -> str:
        raise NotImplementedError

    def statements(self) -> list[Statement]:
        raise NotImplementedError

    def online_statements(self) -> list[Statement]:
        """The statements for --online: what avoids long locks on busy tables."""
        return self.statements()

    def summary(self) -> str:
        if self.because:
            return f"~ {self.describe()} re-added ({self.because})"
        return f"{self.symbol} {self.describe()}"


def comment_sql(target: str, comment: str | None) -> str:
    return f"COMMENT ON {target} IS {literal(comment) if comment is not None else 'NULL'}"


@lru_cache(maxsize=65536)
def _candidates(parts: tuple[str, ...]) -> tuple[str, ...]:
    """The objects a name may be: unqualified, in public (the search path schema.yaml's SQL is
    run with); two parts, schema and name (or a table and its column: the table, in public)."""
    if len(parts) == 1:
        return (qualify("public", parts[0]),)
    if len(parts) == 2:
        return (qualify(parts[0], parts[1]), qualify("public", parts[0]))
    return (qualify(parts[0], parts[1]),)


@lru_cache(maxsize=65536)
def _type_names(text: str) -> frozenset[str]:
    return frozenset(f"type:{q}" for parts, _ in name_references(text) for q in _candidates(parts))


@lru_cache(maxsize=65536)
def _names_used(sql: str, names_are_types: bool) -> frozenset[str]:
    out: set[str] = set()
    for parts, role in name_references(sql) if names_are_types else calls_and_casts(sql):
        if role == "call":
            out.update(f"function:{q}" for q in _candidates(parts))
        elif role == "cast" or names_are_types:
            out.update(f"type:{q}" for q in _candidates(parts))
    return frozenset(out)


def type_names(*types: str | None) -> frozenset[str]:
    """Dependency names of types as written (a column's, a domain's base, a signature): every
    name in them may be a type of the schema."""
    if len(types) == 1:
        return _type_names(types[0]) if types[0] else frozenset()
    return frozenset().union(*(_type_names(t) for t in types if t))


def names_used(*sqls: str | None, names_are_types: bool = False) -> frozenset[str]:
    """Dependency names in SQL: the functions it calls, the types it casts to, and (for a whole
    CREATE statement: ``names_are_types``) every other name, a type or a table it may name."""
    return frozenset().union(*(_names_used(sql, names_are_types) for sql in sqls if sql))
