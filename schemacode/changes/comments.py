"""COMMENT ON any object. Its reverse is the same change with the old comment."""
from __future__ import annotations

from dataclasses import dataclass

from .base import Change, Phase, Statement, comment_sql


@dataclass(frozen=True)
class SetComment(Change):
    target: str  # SQL after COMMENT ON, e.g. COLUMN public.t.c
    label: str  # for people, e.g. column public.t.c
    comment: str | None
    phase = Phase.COMMENT

    def describe(self) -> str:
        return f"comment on {self.label}"

    def statements(self) -> list[Statement]:
        return [Statement(comment_sql(self.target, self.comment))]
