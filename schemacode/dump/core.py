"""What every kind's writer shares: the YAML shapes (flow maps and lists, literal blocks), the
short spellings of types, constraint options and defaults, and the writer's state."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..model import Catalog
from ..load.habits import reads_as_sql
from ..sqltext import path_part, qualify, reproducible, split_qualified
from ..types import type_base

_SHORT_TYPES = [
    (re.compile(r"^character varying(\(\d+\))?"), r"varchar\1"),
    (re.compile(r"^character(\(\d+\))?"), r"char\1"),
    (re.compile(r"^timestamp(\(\d+\))? with time zone"), r"timestamptz\1"),
    (re.compile(r"^timestamp(\(\d+\))? without time zone"), r"timestamp\1"),
    (re.compile(r"^time(\(\d+\))? with time zone"), r"timetz\1"),
    (re.compile(r"^time(\(\d+\))? without time zone"), r"time\1"),
    (re.compile(r"^bit varying"), "varbit"),
]


INT_MAX = {"smallint": 32767, "integer": 2147483647, "bigint": 9223372036854775807}


class Flow(dict[str, Any]):
    """Written on one line: {type: text, null: false}."""


class FlowList(list[Any]):
    """Written on one line: [a, b]."""


class Block(str):
    """Written as a literal block (|)."""


class Dumper(yaml.SafeDumper):
    pass


def _repr_flow(d: yaml.SafeDumper, data: Flow) -> yaml.Node:
    return d.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _repr_flow_list(d: yaml.SafeDumper, data: FlowList) -> yaml.Node:
    return d.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _repr_block(d: yaml.SafeDumper, data: Block) -> yaml.Node:
    return d.represent_scalar("tag:yaml.org,2002:str", str(data), style="|")


def _repr_dict(d: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    return d.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)


Dumper.add_representer(Flow, _repr_flow)
Dumper.add_representer(FlowList, _repr_flow_list)
Dumper.add_representer(Block, _repr_block)
Dumper.add_representer(dict, _repr_dict)


@dataclass
class Details:
    """What pull reads beyond the catalog (see introspect.pull_details), keyed for lookup."""

    indexes: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    triggers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    checks: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: dict[str, list[dict[str, Any]]]) -> Details:
        return cls(
            indexes={(qualify(*r["relation"]), r["name"]): r for r in rows["index_parts"]},
            functions={f"{qualify(r['schema'], r['name'])}({r['identity_arguments']})": r
                       for r in rows["function_parts"]},
            triggers={(qualify(*r["relation"]), r["name"]): r for r in rows["trigger_parts"]},
            checks={(qualify(*r["relation"]), r["name"]): r["expression"] for r in rows["check_parts"]},
        )


def tidy(body: str) -> str:
    """`null:` as people write it, and a blank line between top-level sections and tables."""
    body = re.sub(r"(?<=[{ ])'null': ", "null: ", body)
    out: list[str] = []
    section = ""
    for line in body.splitlines():
        if line and not line.startswith(" "):
            if out:
                out.append("")
            section = line
        elif section == "tables:" and re.match(r"^  \S", line) and not out[-1].endswith("tables:"):
            out.append("")
        out.append(line)
    return "\n".join(out) + "\n"


# What `status IN ('a', 'b')` stores, printed: on a varchar column an array coercion (not the
# casts of each element that `ARRAY['a'::varchar::text, …]` stores, which this must not match:
# written as an IN list, it would build the other tree); on a text column, the array as it is.
_IN_LIST = [
    re.compile(r"^\(?(\w+)\)?::text = ANY \(\(?ARRAY\[((?:'(?:[^']|'')*'::character varying(?:, )?)+)\]\)?::text\[\]\)$"),
    re.compile(r"^(\w+) = ANY \(ARRAY\[((?:'(?:[^']|'')*'::text(?:, )?)+)\]\)$"),
]


def readable_check(expr: str) -> str:
    """`status IN ('a', 'b')` for PostgreSQL's print of what that stores (`status::text = ANY
    ((ARRAY[…])::text[])`), and only for it: an IN list builds that tree again."""
    for pattern in _IN_LIST:
        m = pattern.match(expr)
        if m:
            values = re.findall(r"'((?:[^']|'')*)'::", m.group(2))
            return f"{m.group(1)} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
    return expr


def short_type(t: str) -> str:
    array = ""
    while t.endswith("[]"):
        t, array = t[:-2], array + "[]"
    for pattern, repl in _SHORT_TYPES:
        if pattern.match(t):
            t = pattern.sub(repl, t, count=1)
            break
    if t.startswith("public.") and '"' not in t:
        t = t[len("public."):]
    return t + array


def short_name(qname: str) -> str:
    """A qualified name as schema.yaml writes it: without public."""
    schema, name = split_qualified(qname)
    return path_part(name) if schema == "public" else qname


class DumperBase:
    def __init__(self, catalog: Catalog, details: Details, privileges_of: str | None = None) -> None:
        self.c = catalog
        self.d = details
        self.privileges_of = privileges_of
        self.warnings: list[str] = []


def constraint_options(definition: str) -> dict[str, Any]:
    """The options PostgreSQL prints after a constraint's body, as schema.yaml keys."""
    out: dict[str, Any] = {}
    definition = " " + definition
    if " NO INHERIT" in definition:
        out["no_inherit"] = True
    if definition.endswith(" DEFERRABLE") or " DEFERRABLE " in definition:
        out["deferrable"] = True
    if " INITIALLY DEFERRED" in definition:
        out["initially_deferred"] = True
    if definition.endswith(" NOT VALID"):
        out["not_valid"] = True
    return out


def strip_check(definition: str) -> str:
    """The expression of `CHECK (…) [NO INHERIT] [NOT VALID]` (the options are read by constraint_options)."""
    text = definition.strip().removesuffix(" NOT VALID").removesuffix(" NO INHERIT")
    if text.startswith("CHECK (") and text.endswith(")"):
        text = text[len("CHECK ("):-1]
    return text


_LITERAL = re.compile(r"^'((?:[^']|'')*)'::(.+)$")


def default_value(expr: str, type_: str) -> Any:
    """A default as YAML: a literal where it is one of the column's type, else {sql: …}."""
    m = _LITERAL.match(expr)
    if m and m.group(2) == re.sub(r"\(.*?\)", "", type_) and not type_.endswith("[]") \
            and "\\" not in m.group(1) and type_ not in ("json", "jsonb", "bytea") \
            and not reads_as_sql(m.group(1).replace("''", "'"), type_base(type_)[0]):
        return m.group(1).replace("''", "'")  # (a text that reads as SQL stays {sql: …})
    if re.fullmatch(r"-?\d+", expr) and type_ in ("smallint", "integer", "bigint", "numeric") or \
            re.fullmatch(r"-?\d+", expr) and type_.startswith("numeric"):
        return int(expr)
    if expr in ("true", "false") and type_ == "boolean":
        return expr == "true"
    return Flow({"sql": reproducible(expr)})


def options_map(options: tuple[str, ...]) -> Flow:
    out = Flow()
    for option in options:
        name, _, value = option.partition("=")
        out[name] = {"true": True, "false": False}.get(value, number(value))
    return out


def number(v: str) -> Any:
    return int(v) if re.fullmatch(r"-?\d+", v) else v


def default_name(table: str, columns: tuple[str, ...], label: str) -> str:
    name = f"{table}_{'_'.join(columns)}_{label}"
    return name if len(name.encode()) <= 63 else "\0"  # longer: PostgreSQL truncates; stay explicit

