"""Indexes of tables and materialized views."""
from __future__ import annotations

from typing import Any

from ..model import Index
from ..sqltext import reproducible, unquote_ident
from .core import DumperBase, Flow, FlowList, number


class IndexDumper(DumperBase):
    def index(self, relation: str, idx: Index) -> Any:
        parts = self.d.indexes.get((relation, idx.name))
        if parts is None:  # pragma: no cover - both read the same catalog
            raise ValueError(f"no details for index {idx.name}")
        keys: list[Any] = []
        simple = True
        for key, is_expr, option, opclass, collation in zip(
                parts["keys"], parts["is_expression"], parts["options"], parts["opclasses"],
                parts["collations"]):
            desc, nulls_first = bool(option & 1), bool(option & 2)
            suffix = ""
            if desc:
                suffix += " desc"
                if not nulls_first:
                    suffix += " nulls last"
            elif nulls_first:
                suffix += " nulls first"
            column = unquote_ident(key) if not is_expr else None
            if opclass or collation:
                entry: dict[str, Any] = {"column": column} if column else {"expr": reproducible(key)}
                if collation:
                    entry["collation"] = collation
                if opclass:
                    entry["opclass"] = opclass
                if desc:
                    entry["order"] = "desc"
                if desc != nulls_first:
                    entry["nulls"] = "first" if nulls_first else "last"
                keys.append(Flow(entry))
                simple = False
            else:
                keys.append((column or reproducible(key)) + suffix)
                simple = simple and not is_expr
        spec: dict[str, Any] = {}
        if parts["is_unique"]:
            spec["unique"] = True
        if parts["method"] != "btree":
            spec["using"] = parts["method"]
        spec["columns"] = FlowList(keys)
        if parts["include"]:
            spec["include"] = FlowList(parts["include"])
        if parts["nulls_not_distinct"]:
            spec["nulls_not_distinct"] = True
        if parts["storage"]:
            spec["with"] = Flow({k: number(v) for k, _, v in (o.partition("=") for o in parts["storage"])})
        if parts["predicate"]:
            spec["where"] = reproducible(parts["predicate"])
        if idx.comment:
            spec["comment"] = idx.comment
        if simple and list(spec) == ["columns"]:
            return FlowList(keys)
        return Flow(spec)
