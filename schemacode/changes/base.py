"""What every change is made of: statements with hazards, a phase that orders it, a summary."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from ..model import Source

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
    DROP_POLICY = 12  # before the columns and functions it reads
    DROP_VIEW = 15
    DROP_FOREIGN_KEY = 20
    DROP_CONSTRAINT = 25
    DROP_AGGREGATE = 26  # before the functions it calls (SQL-standard bodies too)
    DROP_FUNCTION_STANDARD_BODY = 28  # it depends on the tables its body reads
    DROP_TABLE = 30
    DROP_COLUMN = 35
    DROP_FUNCTION_EARLY = 40  # a function created again with another return type
    CREATE_SCHEMA = 100
    EXTENSION = 105
    TYPE = 110
    SEQUENCE = 115
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
    POLICY = 192
    ROW_SECURITY = 194  # enabled once its policies are there (one transaction: no gap either way)
    COMMENT = 200
    PRIVILEGES = 205
    # What columns, defaults and triggers may still use goes once they no longer do.
    DROP_FUNCTION = 250
    DROP_SEQUENCE = 255
    DROP_TYPE = 260
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
    from ..sqltext import literal

    return f"COMMENT ON {target} IS {literal(comment) if comment is not None else 'NULL'}"
