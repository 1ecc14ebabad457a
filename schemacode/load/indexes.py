"""indexes: of tables and materialized views."""
from __future__ import annotations

import difflib
import re
from typing import Any

from sqlglot import exp

from ..model import Column, Index, qualify
from ..sqltext import ident, qident
from ..types import BUILTIN_OPCLASSES, EXTENSION_OPCLASSES
from .core import (
    INDEX_METHODS, LoaderBase, _Ctx, _bool, _items, _keys, _str, parse_sql, referenced_columns,
)


class IndexLoader(LoaderBase):
    def load_indexes(self, ctx: _Ctx, node: Any, q: str, columns: dict[str, Column]
                     ) -> dict[str, Index]:
        out: dict[str, Index] = {}
        if node is not None and not isinstance(node, dict):
            raise ctx.error("indexes is a mapping of index names to definitions")
        for name, spec, c in _items(ctx, node, "indexes"):
            iq = qualify(q.partition(".")[0], name)
            self.claim(c, iq, "index")
            if isinstance(spec, (str, list)):
                spec = {"columns": spec}
            _keys(c, spec, {"columns", "using", "unique", "where", "include", "opclass", "comment",
                            "nulls_not_distinct", "with", "sqlite"}, f"index {name}")
            method = str(spec.get("using", "btree")).lower()
            if method not in INDEX_METHODS:
                close = difflib.get_close_matches(method, sorted(INDEX_METHODS), n=1)
                raise c.child(spec, "using").error(
                    f"unknown index method {method!r}", f"did you mean {close[0]}?" if close else
                    "one of " + ", ".join(sorted(INDEX_METHODS)))
            cols_node = spec.get("columns")
            cc = c.child(spec, "columns")
            if isinstance(cols_node, str):
                cols_node = [cols_node]
            if not isinstance(cols_node, list) or not cols_node:
                raise cc.error(f"index {name} needs columns: a list of columns or expressions")
            default_opclass = spec.get("opclass")
            keys: list[str] = []
            refs: set[str] = set()
            for i, item in enumerate(cols_node):
                key_sql, key_refs = self.index_key(cc.child(cols_node, i), item, default_opclass, columns, q)
                keys.append(key_sql)
                refs |= set(key_refs)
            unique = _bool(c.child(spec, "unique"), spec.get("unique", False), "unique")
            sql = f"CREATE {'UNIQUE ' if unique else ''}INDEX {ident(name)} ON {qident(*q.split('.', 1))}"
            sql += f" USING {method} ({', '.join(keys)})"
            sql += self.include_sql(c, spec, columns, q, refs)
            if spec.get("nulls_not_distinct"):
                sql += " NULLS NOT DISTINCT"
            if "with" in spec:
                wc = c.child(spec, "with")
                if not isinstance(spec["with"], dict):
                    raise wc.error("with is a mapping of storage parameters, like {fillfactor: 70}")
                params = ", ".join(f"{ident(str(k))} = {v}" for k, v in spec["with"].items())
                sql += f" WITH ({params})"
            sql += self.where_sql(c, spec, columns, q, refs)
            out[name] = Index(name, sql, tuple(sorted(refs)), self.comment(c, spec), c.source())
        return out

    def index_key(self, ctx: _Ctx, item: Any, default_opclass: Any, columns: dict[str, Column],
                  q: str) -> tuple[str, list[str]]:
        opclass = default_opclass
        order = nulls = None
        if isinstance(item, dict):
            _keys(ctx, item, {"column", "expr", "order", "nulls", "opclass", "collation"}, "index column")
            if ("column" in item) == ("expr" in item):
                raise ctx.error("an index column has either column: or expr:")
            opclass = item.get("opclass", opclass)
            order = item.get("order")
            nulls = item.get("nulls")
            if order is not None and str(order).lower() not in ("asc", "desc"):
                raise ctx.error("order is asc or desc")
            if nulls is not None and str(nulls).lower() not in ("first", "last"):
                raise ctx.error("nulls is first or last")
            target = item.get("column") or item.get("expr")
            is_expr = "expr" in item
            text = _str(ctx, target, "index column")
        else:
            text, order, nulls = _key_parts(_str(ctx, item, "index column"))
            if not text:
                raise ctx.error("an index column is empty: name a column or write an expression")
            is_expr = text not in columns
        if is_expr:
            tree = parse_sql(ctx, text, "index expression")
            refs = referenced_columns(tree)
            if isinstance(tree, exp.Column) and not tree.table:
                is_expr = False
                text = tree.name
            else:
                self.check_columns(ctx, columns, refs, q)
        if not is_expr:
            self.check_columns(ctx, columns, [text], q)
            refs = [text]
            key = ident(text)
        else:
            key = f"({text})"
        if isinstance(item, dict) and item.get("collation"):
            schema, dot, name = str(item["collation"]).rpartition(".")
            key += f" COLLATE {qident(schema, name) if dot else ident(name)}"
        if opclass:
            oc = str(opclass)
            if not re.fullmatch(r"[A-Za-z_][\w.]*", oc):
                raise ctx.error(f"{oc!r} is not an operator class name")
            self.check_opclass(ctx, oc)
            key += f" {oc}"
        if order:
            key += f" {str(order).upper()}"
        if nulls:
            key += f" NULLS {str(nulls).upper()}"
        return key, refs

    def check_opclass(self, ctx: _Ctx, opclass: str) -> None:
        if "." in opclass or any(e not in EXTENSION_OPCLASSES for e in self.extensions):
            return  # qualified, or from an extension we know nothing of: the server will tell
        known = set(BUILTIN_OPCLASSES)
        for ext in self.extensions:
            known |= EXTENSION_OPCLASSES.get(ext, frozenset())
        if opclass in known:
            return
        for ext, names in EXTENSION_OPCLASSES.items():
            if opclass in names:
                raise ctx.error(f"operator class {opclass} comes with the extension {ext}",
                                f"declare it: extensions: [{ext}]")
        close = difflib.get_close_matches(opclass, sorted(known), n=1)
        raise ctx.error(f"unknown operator class {opclass!r}",
                        f"did you mean {close[0]}?" if close else None)


def _key_parts(text: str) -> tuple[str, str | None, str | None]:
    """`expr [asc|desc] [nulls first|last]` → (expr, order, nulls), read from the right by words
    (a regular expression for it backtracks quadratically on long runs of spaces)."""
    expr, order, nulls = text.strip(), None, None
    words = expr.rsplit(maxsplit=2)
    if len(words) == 3 and words[1].lower() == "nulls" and words[2].lower() in ("first", "last"):
        expr, nulls = words[0], words[2]
    words = expr.rsplit(maxsplit=1)
    if len(words) == 2 and words[1].lower() in ("asc", "desc"):
        expr, order = words[0], words[1]
    return expr, order, nulls
