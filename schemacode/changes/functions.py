"""Functions: CREATE (OR REPLACE) FUNCTION beside DROP FUNCTION."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Function, Source
from ..sqltext import qident
from .base import Change, Phase, Statement, comment_sql


def function_target(f: Function) -> str:
    return f"FUNCTION {qident(f.schema, f.name)}({f.arguments})"


@dataclass(frozen=True)
class CreateFunction(Change):
    function: Function
    replace: bool = False  # same signature, new body: CREATE OR REPLACE keeps dependents
    phase = Phase.FUNCTION

    @property
    def symbol(self) -> str:  # type: ignore[override]
        return "~" if self.replace else "+"

    @property
    def source(self) -> Source | None:
        return self.function.source

    def describe(self) -> str:
        f = self.function
        return f"function {f.qname}({f.arguments})" + (" body" if self.replace else "")

    def statements(self) -> list[Statement]:
        out = [Statement(self.function.definition_sql)]
        if self.function.comment is not None and not self.replace:
            out.append(Statement(comment_sql(function_target(self.function), self.function.comment)))
        return out


@dataclass(frozen=True)
class DropFunction(Change):
    function: Function
    early: bool = False  # dropped to be created again (CREATE OR REPLACE cannot change its result)
    symbol = "-"

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.DROP_FUNCTION_EARLY if self.early else Phase.DROP_FUNCTION, 0, "")

    def describe(self) -> str:
        return f"function {self.function.qname}({self.function.arguments})"

    def statements(self) -> list[Statement]:
        return [Statement(f"DROP {function_target(self.function)}")]
