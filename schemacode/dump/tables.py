"""Tables and their columns, in the short forms a person would write."""
from __future__ import annotations

from dataclasses import replace
from typing import Any


from ..model import Column, ColumnOptions, ForeignTable, Table, not_null_default
from ..sqltext import reproducible, unquote_ident
from .columndef import definition
from .constraints import ConstraintDumper
from .core import Flow, FlowList, default_value, options_map, short_name, short_type
from .indexes import IndexDumper
from .partitions import PartitionDumper
from .policies import PolicyDumper
from .privileges import PrivilegeDumper
from .rules import RuleDumper
from .sequences import identity_options
from .triggers import TriggerDumper


class TableDumper(ConstraintDumper, IndexDumper, TriggerDumper, PolicyDumper, PartitionDumper, PrivilegeDumper,
                  RuleDumper):
    def tables_section(self) -> dict[str, Any]:
        if not self.c.tables:
            return {}
        return {"tables": {short_name(k): self.table(t) for k, t in sorted(self.c.tables.items())
                           if not t.partition_of}}  # (written under their parents)

    def table(self, t: Table) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        if t.comment:
            spec["comment"] = t.comment
        if t.unlogged:
            spec["unlogged"] = True
        if t.options:
            spec["with"] = options_map(t.options)
        if t.replica_identity.startswith("index "):
            spec["replica_identity"] = Flow({"index": unquote_ident(t.replica_identity[len("index "):])})
        elif t.replica_identity != "default":
            spec["replica_identity"] = t.replica_identity
        cols: dict[str, dict[str, Any]] = {c.name: self.column(t, c) for c in t.columns.values()}
        keys = self.constraints(t, cols)
        if "primary_key" in keys:
            spec["primary_key"] = keys.pop("primary_key")
        if not t.partition_of:  # (a partition's columns are its parent's)
            spec["columns"] = {n: column_value(c) for n, c in cols.items()}
        elif own := self.partition_columns(t):
            spec["columns"] = own
        spec.update(keys)
        if t.indexes:
            spec["indexes"] = {n: self.index(t.qname, i) for n, i in sorted(t.indexes.items())}
        if t.triggers:
            spec["triggers"] = {n: self.trigger(t.qname, g) for n, g in sorted(t.triggers.items())}
        if t.inherits:
            parents = [short_name(p) for p in t.inherits]
            spec["inherits"] = parents[0] if len(parents) == 1 else FlowList(parents)
        if t.partition_by:
            strategy, _, key = t.partition_by.partition(" ")
            spec["partition_by"] = f"{strategy.lower()} {key}"
            partitions = self.partitions(t)
            if partitions:
                spec["partitions"] = partitions
        if t.row_security or t.force_row_security:
            spec["row_security"] = ("forced" if t.force_row_security else "enabled") if t.row_security \
                else Flow({"enabled": False, "forced": True})
        if t.policies:
            spec["policies"] = {n: self.policy(p) for n, p in sorted(t.policies.items())}
        if t.rules:
            spec["rules"] = self.rules(t.rules)
        spec.update(self.acl("table", f"table {t.qname}", t.acl))
        return spec

    def column(self, t: Table | ForeignTable, c: Column) -> dict[str, Any]:
        spec: dict[str, Any] = {"type": short_type(c.type)}
        if c.not_null and not c.identity and c.type not in ("serial", "bigserial", "smallserial"):
            spec["null"] = False
        if c.default is not None:
            spec["default"] = default_value(c.default, c.type)
        if c.identity:
            opts = identity_options(c.identity_options, c.type)
            spec["identity"] = Flow({"generation": c.identity, **opts}) if opts else c.identity
        if c.generated is not None:
            spec["generated"] = reproducible(c.generated)
        if c.collation:
            spec["collation"] = unquote_ident(c.collation.removeprefix("pg_catalog."))
        if c.not_null and c.not_null_name not in (None, not_null_default(t.name, c.name)):
            spec["not_null_name"] = c.not_null_name
        if c.options is not None:
            spec.update(column_options(c.options))
        if c.sequence_acl is not None:  # (its owner is the table's: PostgreSQL keeps them alike)
            grants = self.acl("sequence", f"sequence {c.sequence_acl[0]}", replace(c.sequence_acl[1], owner=None))
            if "grants" in grants:
                spec["sequence_grants"] = grants["grants"]
        if c.comment:
            spec["comment"] = c.comment
        return spec


def column_options(o: ColumnOptions) -> dict[str, Any]:
    """statistics:, storage:, compression:, n_distinct: … where they are not PostgreSQL's default."""
    out: dict[str, Any] = {k: v for k, v in (("statistics", o.statistics), ("storage", o.storage),
                                             ("compression", o.compression)) if v is not None}
    for option in o.attributes:
        name, _, value = option.partition("=")
        out[name] = exact_number(value)
    return out


def exact_number(text: str) -> Any:
    """A number where YAML's number reads back as the same text (-0.5, 100), else the text."""
    for kind in (int, float):
        try:
            if str(kind(text)) == text:
                return kind(text)
        except ValueError:
            pass
    return text


COLUMN_KEYS = ["type", "primary_key", "unique", "null", "default", "identity", "generated",
                "collation", "references", "on_delete", "on_update", "match", "deferrable",
                "initially_deferred", "not_valid", "check", "not_null_name", "statistics", "storage",
                "compression", "n_distinct", "n_distinct_inherited", "sequence_grants", "comment"]


def column_value(spec: dict[str, Any]) -> Any:
    """The short form (`serial primary key`, `timestamptz not null default now()`) where a
    column definition says it all, else the long form."""
    spec = {k: spec[k] for k in COLUMN_KEYS if k in spec}
    if spec.get("primary_key"):
        spec.pop("null", None)  # a key is NOT NULL anyway
    short = definition(spec)
    return short if short is not None else Flow(spec)
