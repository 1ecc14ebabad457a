"""`--models dataclasses` (models.py): a dataclass per table, view and composite type, for
psycopg's class_row."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Catalog, Table, View
from .common import EnumModel, Names, Types, enum_models, field_name, unique


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
    kind: str  # table | view | materialized view | composite type

    @property
    def renamed(self) -> bool:
        return any(f.name != f.column for f in self.fields)


def build_all(catalog: Catalog, names: Names | None = None
              ) -> tuple[list[EnumModel], list[Model], list[Model]]:
    """Enums, table and view models, and composite type models (a dataclass each)."""
    names = names or Names(catalog)
    types = Types(catalog, names)
    composites = []
    for k, c in sorted(catalog.composites.items()):
        fnames = unique([field_name(a) for a, _ in c.attributes])
        fields = tuple(Field(n, a, f"{types.annotation(t.split(' COLLATE ')[0])} | None", False, None)
                       for n, (a, t) in zip(fnames, c.attributes))
        composites.append(Model(names.of("composite", k), k, fields, tuple(a for a, _ in c.attributes), (),
                                c.comment, "composite type"))
    models: list[Model] = []
    for key in sorted(catalog.tables):
        if not catalog.tables[key].partition_of:
            models.append(table_model(catalog.tables[key], names.of("table", key), types))
    for key in sorted(catalog.views):
        models.append(view_model(catalog.views[key], names.of("view", key), types))
    return enum_models(catalog, names), models, composites


def db_fills(c: object) -> bool:
    """Does the database give the column a value when an INSERT leaves it out?"""
    from ..model import Column

    assert isinstance(c, Column)
    return (c.default is not None or c.identity is not None or c.generated is not None
            or c.type in ("serial", "bigserial", "smallserial"))


def table_model(t: Table, class_name: str, types: Types) -> Model:
    cols = list(t.columns.values())
    names = unique([field_name(c.name) for c in cols])
    fields = []
    for c, n in zip(cols, names):
        required = c.not_null and not db_fills(c)
        py = types.annotation(c.type)
        annotation = py if required else f"{py} | None"
        fields.append(Field(n, c.name, annotation, required, c.comment))
    ordered = [f for f in fields if f.required] + [f for f in fields if not f.required]
    pk = t.primary_key()
    return Model(class_name, t.qname, tuple(ordered), tuple(t.columns),
                 tuple(pk.columns) if pk else (), t.comment, "table")


def view_model(v: View, class_name: str, types: Types) -> Model:
    names = unique([field_name(c) for c in v.columns])
    fields = tuple(Field(n, c, f"{types.annotation(t)} | None", False, None)
                   for n, c, t in zip(names, v.columns, v.column_types))
    return Model(class_name, v.qname, fields, v.columns, (), v.comment,
                 "materialized view" if v.materialized else "view")
