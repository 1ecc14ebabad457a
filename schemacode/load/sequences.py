"""sequences: of schema.yaml, and the columns that own them."""
from __future__ import annotations

import difflib
from dataclasses import replace
from typing import Any

from ..model import Sequence
from ..sqltext import path_part, qname_ident, split_path, split_qualified
from ..types import INTEGER_TYPES, type_base
from .core import NAME_HINT, LoaderBase, _Ctx, _bool, _items, _keys, _str, privileges


class SequenceLoader(LoaderBase):
    def load_sequences(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "sequences"):
            q = self.qname(c, name)
            self.claim(c, q, "sequence")
            spec = spec or {}
            _keys(c, spec, {"name", "type", "start", "increment", "min", "max", "cache", "cycle",
                            "owned_by", "comment", "grants", "owner"}, f"sequence {name}")
            if "owned_by" in spec:
                oc = c.child(spec, "owned_by")
                self.sequence_owners[q] = (oc, _str(oc, spec["owned_by"], "owned_by"))
            ints = {}
            for key in ("start", "increment", "min", "max", "cache"):
                if key in spec:
                    if not isinstance(spec[key], int) or isinstance(spec[key], bool):
                        raise c.child(spec, key).error(f"{key} must be a whole number")
                    ints[key] = spec[key]
            type_ = str(spec.get("type", "bigint"))
            if type_base(type_)[0] not in INTEGER_TYPES:
                raise c.child(spec, "type").error("a sequence type is smallint, integer or bigint")
            inc = ints.get("increment", 1)
            if inc == 0:
                raise c.child(spec, "increment").error("increment must not be zero")
            limits = {"smallint": 32767, "int2": 32767, "integer": 2147483647, "int": 2147483647,
                      "int4": 2147483647}
            type_max = limits.get(type_base(type_)[0], 9223372036854775807)
            # PostgreSQL's defaults: counting up, 1 to the type's largest; counting down, the
            # type's smallest to -1; either way it starts at the end it counts from
            maxv = ints.get("max", type_max if inc > 0 else -1)
            minv = ints.get("min", 1 if inc > 0 else -type_max - 1)
            start = ints.get("start", minv if inc > 0 else maxv)
            schema, short = split_qualified(q)
            self.sequences[q] = Sequence(
                schema, short, type_, start, inc, minv, maxv, ints.get("cache", 1),
                _bool(c.child(spec, "cycle"), spec.get("cycle", False), "cycle"),
                self.comment(c, spec), c.source(), acl=privileges(c, spec, "sequence"),
            )

    def resolve_sequence_owners(self) -> None:
        """owned_by: table.column (or schema.table.column), once the tables are known."""
        for q, (ctx, text) in self.sequence_owners.items():
            parts = split_path(text)
            if parts is None or len(parts) not in (2, 3):
                raise ctx.error(f"owned_by {text!r}: write table.column or schema.table.column", NAME_HINT)
            *table, column = parts
            tq = self.qname(ctx, ".".join(path_part(p) for p in table))
            if tq not in self.tables:
                close = difflib.get_close_matches(tq, list(self.tables), n=1)
                raise ctx.error(f"owned_by names table {qname_ident(tq)}, which is not declared",
                                f"did you mean {close[0]}?" if close else None)
            self.check_columns(ctx, self.tables[tq].columns, [column], tq)
            self.sequences[q] = replace(self.sequences[q], owned_by=(tq, column))
