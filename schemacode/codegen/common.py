"""What every output shares: Python names for database names, Python types for PostgreSQL types,
one class name per object (the same in every module), and the template environment.

Input is the desired catalog as PostgreSQL stores it (types normalized by format_type), so the
mappings below see one spelling per type.
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import Literal

import jinja2

from ..model import Catalog
from ..sqltext import qident

Flavor = Literal["psycopg", "sqlalchemy", "pydantic"]

# PostgreSQL type (format_type spelling, no modifiers) -> Python annotation, as psycopg returns it.
SCALARS = {
    "smallint": "int", "integer": "int", "bigint": "int", "serial": "int", "bigserial": "int",
    "smallserial": "int", "oid": "int",
    "numeric": "decimal.Decimal", "money": "str",
    "real": "float", "double precision": "float",
    "boolean": "bool",
    "text": "str", "character varying": "str", "character": "str", "name": "str", '"char"': "str",
    "citext": "str", "xml": "str", "bit": "str", "bit varying": "str", "tsvector": "str",
    "tsquery": "str",
    "uuid": "uuid.UUID",
    "json": "JsonValue", "jsonb": "JsonValue",
    "date": "datetime.date",
    "time without time zone": "datetime.time", "time with time zone": "datetime.time",
    "timestamp without time zone": "datetime.datetime",
    "timestamp with time zone": "datetime.datetime",
    "interval": "datetime.timedelta",
    "bytea": "bytes",
    "inet": "InetValue", "cidr": "CidrValue",
}
# What SQLAlchemy's own types return where it is not what psycopg returns: SQLAlchemy gives
# inet/cidr as text unless the engine asks for native types, and ranges as its own Range.
_SQLALCHEMY = {"inet": "str", "cidr": "str"}
BUILTIN_RANGES = {"int4range": "int", "int8range": "int", "numrange": "decimal.Decimal",
                  "daterange": "datetime.date", "tsrange": "datetime.datetime",
                  "tstzrange": "datetime.datetime"}
MODIFIERS = re.compile(r"\(\s*[\d,\s]*\)")
INT_BOUNDS = {"smallint": 2**15, "smallserial": 2**15, "integer": 2**31, "serial": 2**31,
              "bigint": 2**63, "bigserial": 2**63}


def pascal(name: str) -> str:
    words = [w for w in re.split(r"[^0-9A-Za-z]+", name) if w]
    out = "".join(w[:1].upper() + w[1:] for w in words) or "X"
    return out if out[0].isalpha() else "T" + out


def field_name(column: str, reserved: frozenset[str] = frozenset()) -> str:
    name = re.sub(r"\W", "_", column)
    if not name or name[0].isdigit():
        name = "f_" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in ("self", "cls") \
            or name in reserved:
        name += "_"
    return name


def unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            n = f"{n}_{seen[n]}"
        else:
            seen[n] = 1
        out.append(n)
    return out


def member(label: str) -> str:
    name = re.sub(r"\W", "_", label).upper()
    if not name or name[0].isdigit():
        name = "V_" + name
    if keyword.iskeyword(name):
        name += "_"
    return name


def type_key(schema: str, name: str) -> str:
    """A type's name as format_type prints it (search_path = pg_catalog: always qualified)."""
    return qident(schema, name)


def split_array(pg_type: str) -> tuple[str, int]:
    """'text[]' -> ('text', 1); the element type and the number of dimensions."""
    t, dims = pg_type.strip(), 0
    while t.endswith("[]"):
        t, dims = t[:-2], dims + 1
    return t, dims


def base_name(pg_type: str) -> str:
    """'character varying(100)' -> 'character varying'; 'timestamp(3) with time zone' -> ..."""
    return " ".join(MODIFIERS.sub("", pg_type).split())


@dataclass(frozen=True)
class EnumModel:
    class_name: str
    qname: str
    schema: str
    name: str
    members: tuple[tuple[str, str], ...]  # (Python name, label)
    doc: str | None


class Names:
    """One Python class name per enum, composite, table and view of the catalog, the same in
    every generated module (``Tasks`` is the dataclass, the SQLAlchemy model and the prefix of
    the Pydantic models of table ``tasks``)."""

    RESERVED = frozenset({"JsonValue", "InetValue", "CidrValue", "register_types", "Any", "Range",
                          "COMPOSITES", "RANGES", "ENUMS", "MODELS", "Base", "ViewBase", "BaseModel",
                          "Queries", "AsyncQueries", "PgType", "Field", "ConfigDict"})

    def __init__(self, catalog: Catalog) -> None:
        used: set[str] = set()
        self.by_key: dict[tuple[str, str], str] = {}

        def allot(kind: str, key: str, schema: str, name: str) -> None:
            base = pascal(name) if schema == "public" else pascal(f"{schema}_{name}")
            candidate, n = base, 1
            while candidate in used or candidate in self.RESERVED:
                n += 1
                candidate = f"{base}{n}"
            used.add(candidate)
            self.by_key[(kind, key)] = candidate

        for k in sorted(catalog.enums):
            allot("enum", k, catalog.enums[k].schema, catalog.enums[k].name)
        for k in sorted(catalog.composites):
            allot("composite", k, catalog.composites[k].schema, catalog.composites[k].name)
        for k in sorted(catalog.tables):
            if not catalog.tables[k].partition_of:  # a partition's rows are its parent's
                allot("table", k, catalog.tables[k].schema, catalog.tables[k].name)
        for k in sorted(catalog.views):
            allot("view", k, catalog.views[k].schema, catalog.views[k].name)

    def of(self, kind: str, key: str) -> str:
        return self.by_key[(kind, key)]


def enum_models(catalog: Catalog, names: Names) -> list[EnumModel]:
    out = []
    for key in sorted(catalog.enums):
        e = catalog.enums[key]
        members = unique([member(v) for v in e.values])
        out.append(EnumModel(names.of("enum", key), key, e.schema, e.name, tuple(zip(members, e.values)),
                             e.comment))
    return out


class Types:
    """PostgreSQL type -> Python annotation, for one library's view of the values."""

    def __init__(self, catalog: Catalog, names: Names, flavor: Flavor = "psycopg") -> None:
        self.flavor = flavor
        # format_type spelling -> class name (enums, composites)
        self.classes = {type_key(e.schema, e.name): names.of("enum", k) for k, e in catalog.enums.items()}
        self.enums = set(self.classes)
        self.classes.update({type_key(c.schema, c.name): names.of("composite", k)
                             for k, c in catalog.composites.items()})
        self.domains = {type_key(d.schema, d.name): d for d in catalog.domains.values()}
        self.ranges = {type_key(r.schema, r.name): r.subtype for r in catalog.ranges.values()}
        self._seen: dict[str, str] = {}  # a schema has few distinct types and many columns

    def annotation(self, pg_type: str) -> str:
        known = self._seen.get(pg_type)
        if known is None:
            known = self._seen[pg_type] = self._annotation(pg_type)
        return known

    def _annotation(self, pg_type: str) -> str:
        t, dims = split_array(pg_type)
        base = base_name(t)
        if base in self.classes:
            py = self.classes[base]
            if self.flavor != "psycopg" and base not in self.enums:
                py = "Any"  # a composite: only psycopg (register_types) hands over the dataclass
        elif base in self.domains:
            py = self.annotation(self.domains[base].type)
        elif base in self.ranges:  # psycopg's Range, once register_types has run
            py = f"Range[{self.annotation(self.ranges[base])}]" if self.flavor != "pydantic" else "Any"
        elif base in BUILTIN_RANGES:
            py = f"Range[{BUILTIN_RANGES[base]}]" if self.flavor != "pydantic" else "Any"
        elif self.flavor == "sqlalchemy" and base in _SQLALCHEMY:
            py = _SQLALCHEMY[base]
        else:
            py = SCALARS.get(base, "str")  # psycopg hands unknown types over as text
        for _ in range(dims):
            py = f"list[{py} | None]"
        return py

    def resolve_domain(self, pg_type: str) -> str:
        """The type a domain stands for (domains of domains followed); other types as they are."""
        t, dims = split_array(pg_type)
        seen = 0
        while base_name(t) in self.domains and seen < 20:
            t, seen = self.domains[base_name(t)].type, seen + 1
        return t + "[]" * dims


def env() -> jinja2.Environment:
    e = jinja2.Environment(
        loader=jinja2.PackageLoader("schemacode", "templates"),
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined, autoescape=False,
    )
    e.filters["pystr"] = pystr
    e.filters["docstring"] = docstring
    return e


def pystr(value: str) -> str:
    return repr(value)


def docstring(text: str, indent: int = 4) -> str:
    """A docstring literal; lines after the first indented as the body it opens."""
    body = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    body = "\n".join(line if i == 0 or not line.strip() else " " * indent + line
                     for i, line in enumerate(body.split("\n")))
    if body.endswith('"'):
        body += " "
    return f'"""{body}"""'
