"""Casts: created after their function, made again when it or one of their types is."""
from __future__ import annotations

import re

from .. import changes as ch
from ..model import Cast, split_qualified
from ..sqltext import qident, unquote_ident
from .core import DifferBase, keys_added, keys_common, keys_dropped


class CastDiffer(DifferBase):
    def casts(self) -> None:
        """After types and functions: what they drop and make again is known."""
        cur, des = self.cur.casts, self.des.casts
        remade = self.remade_types()
        functions = {split_qualified(f) for f in self.recreated_functions}
        for k in keys_added(cur, des):
            self.emit(ch.CreateCast(des[k], self.function_created(des[k])))
        for k in keys_dropped(cur, des):
            self.emit(ch.DropCast(cur[k]))
        for k in keys_common(cur, des):
            a, b = cur[k], des[k]
            disturbed = (a.function is not None and function_name(a.function) in functions) \
                or bool({a.from_type, a.to_type} & remade)
            if (a.method, a.function, a.context) != (b.method, b.function, b.context) or disturbed:
                self.emit(ch.DropCast(a), ch.CreateCast(b, self.function_created(b)))
                continue
            self.comment(ch.casts.cast_target(b), f"cast ({k})", a.comment, b.comment)

    def remade_types(self) -> set[str]:
        """Types dropped (or rebuilt) while something may still use them, as format_type names them."""
        out = set()
        for c in self.out:
            if isinstance(c, ch.DropType):
                out.add(qident(c.type.schema, c.type.name))
            elif isinstance(c, ch.DropDomain):
                out.add(qident(c.domain.schema, c.domain.name))
            elif isinstance(c, ch.DropEnum):
                out.add(qident(c.enum.schema, c.enum.name))
            elif isinstance(c, ch.RebuildEnum):
                out.add(qident(c.after.schema, c.after.name))
        return out

    def function_created(self, cast: Cast) -> tuple[int, int, str] | None:
        """Where the plan creates the cast's function (the last of its overloads), if it does."""
        if cast.function is None:
            return None
        schema, name = function_name(cast.function)
        keys = [c.sort_key() for c in self.out if isinstance(c, ch.CreateFunction)
                and c.function.name == name and c.function.schema == (schema or c.function.schema)]
        return max(keys) if keys else None


def function_name(signature: str) -> tuple[str | None, str]:
    """(schema or None, name) of "schema.name(types)" as written or printed: quoted parts as
    they are, others folded to lower case, as PostgreSQL reads them."""
    head = signature.partition("(")[0].strip()
    parts = [unquote_ident(p) if p.startswith('"') else p.lower()
             for p in re.findall(r'"(?:[^"]|"")+"|[^."]+', head)]
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[-1])
