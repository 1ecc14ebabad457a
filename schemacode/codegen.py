"""Typed Python dataclasses from the desired schema: one per table and view, one enum per enum.

Input is the desired catalog as PostgreSQL stores it (types already normalized by
format_type), so the mapping below sees one spelling per type. Output is deterministic.
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import jinja2

from . import __version__
from .introspect import fingerprint
from .model import Catalog, Column, Table, View

# PostgreSQL type (format_type spelling, no modifiers) -> Python annotation, as psycopg returns it.
_SCALARS = {
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
_BUILTIN_RANGES = {"int4range": "int", "int8range": "int", "numrange": "decimal.Decimal",
                   "daterange": "datetime.date", "tsrange": "datetime.datetime",
                   "tstzrange": "datetime.datetime"}
_MODIFIERS = re.compile(r"\(\s*[\d,\s]*\)")


@dataclass(frozen=True)
class Field:
    name: str  # Python name
    column: str  # column name in the database
    annotation: str
    required: bool  # no default in Python: NOT NULL and nothing the database fills in
    doc: str | None


@dataclass(frozen=True)
class Model:
    class_name: str
    qname: str
    fields: tuple[Field, ...]  # required ones first, each group in column order
    columns: tuple[str, ...]  # in table order
    primary_key: tuple[str, ...]
    doc: str | None
    kind: str  # table | view | materialized view

    @property
    def renamed(self) -> bool:
        return any(f.name != f.column for f in self.fields)


@dataclass(frozen=True)
class EnumModel:
    class_name: str
    qname: str
    members: tuple[tuple[str, str], ...]  # (Python name, label)
    doc: str | None


def pascal(name: str) -> str:
    words = [w for w in re.split(r"[^0-9A-Za-z]+", name) if w]
    out = "".join(w[:1].upper() + w[1:] for w in words) or "X"
    return out if out[0].isalpha() else "T" + out


def field_name(column: str) -> str:
    name = re.sub(r"\W", "_", column)
    if not name or name[0].isdigit():
        name = "f_" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in ("self", "cls"):
        name += "_"
    return name


def _unique(names: list[str]) -> list[str]:
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


class _Types:
    def __init__(self, catalog: Catalog, enum_classes: dict[str, str]) -> None:
        self.catalog = catalog
        self.enum_classes = enum_classes  # format_type spelling -> class name (enums, composites)
        self.domains = {_type_key(d.schema, d.name): d.type for d in catalog.domains.values()}
        self.ranges = {_type_key(r.schema, r.name): r.subtype for r in catalog.ranges.values()}

    def annotation(self, pg_type: str) -> str:
        t = pg_type.strip()
        dims = 0
        while t.endswith("[]"):
            t, dims = t[:-2], dims + 1
        base = _MODIFIERS.sub("", t).strip()
        if base in self.enum_classes:
            py = self.enum_classes[base]
        elif base in self.domains:
            py = self.annotation(self.domains[base])
        elif base in self.ranges:  # psycopg's Range, once register_types has run
            py = f"Range[{self.annotation(self.ranges[base])}]"
        elif base.endswith("range") and base in _BUILTIN_RANGES:
            py = f"Range[{_BUILTIN_RANGES[base]}]"
        else:
            py = _SCALARS.get(base, "str")  # psycopg hands unknown types over as text
        for _ in range(dims):
            py = f"list[{py} | None]"
        return py


def _type_key(schema: str, name: str) -> str:
    from .sqltext import qident
    return qident(schema, name)


def build_models(catalog: Catalog) -> tuple[list[EnumModel], list[Model]]:
    enums, models, _ = build_all(catalog)
    return enums, models


def build_all(catalog: Catalog) -> tuple[list[EnumModel], list[Model], list[Model]]:
    """Enums, table and view models, and composite type models (a dataclass each)."""
    enums: list[EnumModel] = []
    enum_classes: dict[str, str] = {}
    used: set[str] = set()

    def class_name(schema: str, name: str) -> str:
        base = pascal(name) if schema == "public" else pascal(f"{schema}_{name}")
        candidate, n = base, 1
        while candidate in used or candidate in _RESERVED_NAMES:
            n += 1
            candidate = f"{base}{n}"
        used.add(candidate)
        return candidate

    for key in sorted(catalog.enums):
        e = catalog.enums[key]
        cls = class_name(e.schema, e.name)
        members = _unique([_member(v) for v in e.values])
        enums.append(EnumModel(cls, key, tuple(zip(members, e.values)), e.comment))
        enum_classes[_type_key(e.schema, e.name)] = cls
    composite_names = {k: class_name(c.schema, c.name) for k, c in sorted(catalog.composites.items())}
    for k, c in catalog.composites.items():
        enum_classes[_type_key(c.schema, c.name)] = composite_names[k]
    types = _Types(catalog, enum_classes)
    composites = []
    for k, c in sorted(catalog.composites.items()):
        names = _unique([field_name(a) for a, _ in c.attributes])
        fields = tuple(Field(n, a, f"{types.annotation(t.split(' COLLATE ')[0])} | None", False, None)
                       for n, (a, t) in zip(names, c.attributes))
        composites.append(Model(composite_names[k], k, fields, tuple(a for a, _ in c.attributes), (),
                                c.comment, "composite type"))

    models: list[Model] = []
    for key in sorted(catalog.tables):
        if catalog.tables[key].partition_of:
            continue  # a partition's rows are its parent's: one class, the parent's
        models.append(_table_model(catalog.tables[key], class_name, types))
    for key in sorted(catalog.views):
        models.append(_view_model(catalog.views[key], class_name, types))
    return enums, models, composites


_RESERVED_NAMES = {"JsonValue", "InetValue", "CidrValue", "register_types", "Any", "Range", "COMPOSITES",
                   "RANGES"}


def _member(label: str) -> str:
    name = re.sub(r"\W", "_", label).upper()
    if not name or name[0].isdigit():
        name = "V_" + name
    if keyword.iskeyword(name):
        name += "_"
    return name


def _table_model(t: Table, class_name: Callable[[str, str], str], types: _Types) -> Model:
    cols = list(t.columns.values())
    names = _unique([field_name(c.name) for c in cols])
    fields = []
    for c, n in zip(cols, names):
        db_fills = (c.default is not None or c.identity is not None or c.generated is not None
                    or c.type in ("serial", "bigserial", "smallserial"))
        required = c.not_null and not db_fills
        py = types.annotation(c.type)
        annotation = py if required else f"{py} | None"
        fields.append(Field(n, c.name, annotation, required, c.comment))
    ordered = [f for f in fields if f.required] + [f for f in fields if not f.required]
    pk = t.primary_key()
    return Model(class_name(t.schema, t.name), t.qname, tuple(ordered), tuple(t.columns),
                 tuple(pk.columns) if pk else (), t.comment, "table")


def _view_model(v: View, class_name: Callable[[str, str], str], types: _Types) -> Model:
    names = _unique([field_name(c) for c in v.columns])
    fields = tuple(Field(n, c, f"{types.annotation(t)} | None", False, None)
                   for n, c, t in zip(names, v.columns, v.column_types))
    return Model(class_name(v.schema, v.name), v.qname, fields, v.columns, (), v.comment,
                 "materialized view" if v.materialized else "view")


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("schemacode", "templates"),
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined, autoescape=False,
    )
    env.filters["pystr"] = _pystr
    env.filters["docstring"] = _docstring
    return env


def _pystr(value: str) -> str:
    return repr(value)


def _docstring(text: str) -> str:
    body = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if body.endswith('"'):  # (a quote last would run into the closing ones)
        body = body[:-1] + '\\"'
    return f'"""{body}"""'


def render(catalog: Catalog, source: str = "schema.yaml") -> dict[str, str]:
    """File name -> content of the generated package."""
    enums, models, composites = build_all(catalog)
    env = _env()
    ctx = {"enums": enums, "models": models, "composites": composites, "ranges": sorted(catalog.ranges),
           "fingerprint": fingerprint(catalog),
           "source": source, "version": __version__}
    return {name: env.get_template(f"{name}.j2").render(**ctx)
            for name in ("models.py", "__init__.py")}


def write(files: dict[str, str], out: Path) -> list[Path]:
    """Write the files that differ; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in sorted(files.items()):
        path = out / name
        if not path.exists() or path.read_text() != content:
            path.write_text(content)
            written.append(path)
    return written


def stale(files: dict[str, str], out: Path) -> list[Path]:
    """The generated files that are missing or differ from what schema.yaml gives."""
    return [out / name for name, content in sorted(files.items())
            if not (out / name).exists() or (out / name).read_text() != content]
