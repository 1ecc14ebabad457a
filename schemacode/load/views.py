"""views: of schema.yaml (and materialized views)."""
from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp

from ..model import Column, Index, Trigger, View, qualify
from .core import _Ctx, _bool, _items, _keys, _str, privileges, storage_options
from .indexes import IndexLoader
from .triggers import TriggerLoader


class ViewLoader(IndexLoader, TriggerLoader):
    VIEW_KEYS = {"query", "materialized", "check_option", "security_barrier", "security_invoker",
                 "with", "comment", "indexes", "triggers", "grants", "owner", "sqlite"}

    def load_views(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "views"):
            q = self.qname(c, name)
            self.claim(c, q, "view")
            if isinstance(spec, str):
                spec = {"query": spec}
            _keys(c, spec, self.VIEW_KEYS, f"view {name}")
            qc = c.child(spec, "query")
            query = _str(qc, spec.get("query"), "query").strip().rstrip(";")
            try:
                trees = sqlglot.parse(query, read="postgres")
            except sqlglot.errors.SqlglotError as e:
                raise qc.error(f"the query of view {name} does not parse: {str(e).splitlines()[0]}") from None
            except RecursionError:  # sqlglot's parser recurses once per level of nesting
                raise qc.error(f"the query of view {name} does not parse: nested too deeply") from None
            if len(trees) != 1 or not isinstance(trees[0], (exp.Query,)):
                raise qc.error(f"the query of view {name} must be one SELECT")
            materialized = _bool(c.child(spec, "materialized"), spec.get("materialized", False),
                                 "materialized")
            indexes: dict[str, Index] = {}
            cols = {col.alias_or_name: Column(col.alias_or_name, "text")
                    for col in trees[0].selects if col.alias_or_name}
            if "*" in cols:
                cols = {}
            if spec.get("indexes"):
                if not materialized:
                    raise c.child(spec, "indexes").error("only a materialized view has indexes")
                indexes = self.load_indexes(c.child(spec, "indexes"), spec["indexes"], q, cols)
            triggers: dict[str, Trigger] = {}
            if spec.get("triggers"):
                tc = c.child(spec, "triggers")
                if materialized:
                    raise tc.error("a materialized view has no triggers")
                triggers = self.load_triggers(tc, spec["triggers"], q, cols, view=True)
            reads = sorted({qualify(t.db or "public", t.name) for t in trees[0].find_all(exp.Table)
                            if t.name})
            schema, _, short = q.partition(".")
            options: list[str] = []  # in the order written: PostgreSQL keeps (and prints) it
            for key in spec:
                if key == "with":
                    options += storage_options(c, spec)
                elif key == "check_option":
                    check = str(spec["check_option"]).lower()
                    if check not in ("local", "cascaded"):
                        raise c.child(spec, "check_option").error("check_option is local or cascaded")
                    options.append(f"check_option={check}")
                elif key in ("security_barrier", "security_invoker"):
                    options.append(f"{key}={str(_bool(c.child(spec, key), spec[key], key)).lower()}")
                else:
                    continue
                if materialized and key != "with":
                    raise c.child(spec, key).error(f"{key} is for views, not materialized views")
            self.views[q] = View(schema, short, query, materialized, depends_on=tuple(reads),
                                 indexes=indexes, triggers=triggers, comment=self.comment(c, spec),
                                 source=c.source(), options=tuple(options),
                                 acl=privileges(c, spec, "view"))
