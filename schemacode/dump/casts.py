"""Casts."""
from __future__ import annotations

from typing import Any

from ..model import Cast
from ..sqltext import split_top_level
from .core import DumperBase, Flow, short_type


class CastDumper(DumperBase):
    def casts_section(self) -> dict[str, Any]:
        if not self.c.casts:
            return {}
        return {"casts": {f"{short_type(c.from_type)} AS {short_type(c.to_type)}": self.cast(c)
                          for _, c in sorted(self.c.casts.items())}}

    def cast(self, c: Cast) -> Any:
        function = signature(c.function or "")
        if c.method == "function" and c.context == "explicit" and not c.comment:
            return function  # the short form: its function
        spec: dict[str, Any] = {"function": function} if c.method == "function" else {c.method: True}
        if c.context != "explicit":
            spec["context"] = c.context
        if c.comment:
            spec["comment"] = c.comment
        return Flow(spec)


def signature(function: str) -> str:
    """public.f(public.money2, character varying) as schema.yaml writes it: f(money2, varchar)."""
    name, _, args = function.partition("(")
    types = [short_type(a) for a in split_top_level(args.removesuffix(")")) if a]
    return f"{name.removeprefix('public.')}({', '.join(types)})"
