"""Casts: CREATE CAST beside DROP CAST (a cast is never altered: it is made again)."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Cast, Source
from .base import Change, Phase, Statement, comment_sql


def cast_target(c: Cast) -> str:
    return f"CAST ({c.from_type} AS {c.to_type})"


def create_cast_sql(c: Cast) -> str:
    how = {"function": f"WITH FUNCTION {c.function}", "inout": "WITH INOUT",
           "binary": "WITHOUT FUNCTION"}[c.method]
    context = {"explicit": "", "assignment": " AS ASSIGNMENT", "implicit": " AS IMPLICIT"}[c.context]
    return f"CREATE {cast_target(c)} {how}{context}"


@dataclass(frozen=True)
class CreateCast(Change):
    cast: Cast
    # Where the cast's function is created in the same plan: that change's sort key (the cast
    # comes right after it, wherever the function's body puts it); else None: after the types
    # and functions there already, before the tables whose defaults and checks may use it.
    after: tuple[int, int, str] | None = None
    symbol = "+"
    phase = Phase.FUNCTION

    def sort_key(self) -> tuple[int, int, str]:
        if self.after is None:
            return (Phase.FUNCTION, 0, "\uffff" + self.cast.key)  # after the functions of its phase
        phase, depth, key = self.after
        return (phase, depth, key + "\0" + self.cast.key)

    @property
    def source(self) -> Source | None:
        return self.cast.source

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("cast", self.cast.key, "")

    def describe(self) -> str:
        return f"cast ({self.cast.key})"

    def statements(self) -> list[Statement]:
        out = [Statement(create_cast_sql(self.cast))]
        if self.cast.comment is not None:
            out.append(Statement(comment_sql(cast_target(self.cast), self.cast.comment)))
        return out


@dataclass(frozen=True)
class DropCast(Change):
    cast: Cast
    symbol = "-"
    phase = Phase.DROP_CAST

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("cast", self.cast.key, "")

    def describe(self) -> str:
        return f"cast ({self.cast.key})"

    def statements(self) -> list[Statement]:
        return [Statement(f"DROP {cast_target(self.cast)}")]
