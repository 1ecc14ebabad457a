"""`schemacode generate`: typed Python from the desired schema, one module per output.

- ``dataclasses`` (models.py): a dataclass per table and view, for psycopg;
- ``sqlalchemy`` (sqlalchemy_models.py): SQLAlchemy 2.0 declarative models;
- ``pydantic`` (pydantic_models.py): a row model and an insert model per table;
- queries (queries.py): typed functions for named SQL statements, prepared on the desired schema.

Every output renders from the desired catalog (the schema as PostgreSQL stores it) through a
template in schemacode/templates; the same schema gives byte-identical files. Generating writes
text only: SQLAlchemy and Pydantic are needed by the application that imports the output, never
here.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from .. import __version__

if TYPE_CHECKING:
    from ..model import Catalog
    from .common import EnumModel, field_name, pascal
    from .dataclass_models import Field, Model, build_all
    from .queries import PreparedQuery

OUTPUTS = ("dataclasses", "sqlalchemy", "pydantic")
MODULES = {"dataclasses": "models.py", "sqlalchemy": "sqlalchemy_models.py", "pydantic": "pydantic_models.py"}

__all__ = ["OUTPUTS", "Field", "Model", "build_all", "build_models", "field_name", "pascal", "render",
           "stale", "write"]

# The outputs' code (and jinja2 under it) is imported by render, or when one of its names is asked
# of the package: the settings (config.py) and comparing files (stale) need none of it, and a warm
# `generate --check` is nothing more (api.generate keeps what was rendered in the cache).
_LAZY = {"EnumModel": "common", "field_name": "common", "pascal": "common", "Field": "dataclass_models",
         "Model": "dataclass_models", "build_all": "dataclass_models"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_models(catalog: Catalog) -> tuple[list[EnumModel], list[Model]]:
    from .dataclass_models import build_all

    enums, models, _ = build_all(catalog)
    return enums, models


def render(catalog: Catalog, source: str = "schema.yaml", outputs: Sequence[str] = ("dataclasses",),
           queries: Sequence[PreparedQuery] = ()) -> dict[str, str]:
    """File name -> content of the generated package."""
    from ..model import fingerprint
    from . import pydantic_models, sqlalchemy_models
    from .common import Names, env
    from .dataclass_models import build_all
    from .queries import render_queries

    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown:
        raise ValueError(f"unknown output {unknown[0]!r} (one of {', '.join(OUTPUTS)})")
    chosen = [o for o in OUTPUTS if o in outputs]  # one order, whatever the order asked
    names = Names(catalog)
    enums, models, composites = build_all(catalog, names)
    e = env()
    ctx = {"enums": enums, "models": models, "composites": composites, "ranges": sorted(catalog.ranges),
           "fingerprint": fingerprint(catalog), "source": source, "version": __version__,
           "outputs": chosen + (["queries"] if queries else []),
           "modules": [MODULES[o] for o in chosen] + (["queries.py"] if queries else [])}
    files = {"__init__.py": e.get_template("__init__.py.j2").render(**ctx),
             "enums.py": e.get_template("enums.py.j2").render(**ctx)}
    if "dataclasses" in chosen:
        files["models.py"] = e.get_template("models.py.j2").render(**ctx)
    if "sqlalchemy" in chosen:
        sa = sqlalchemy_models.build(catalog, names)
        files["sqlalchemy_models.py"] = e.get_template("sqlalchemy_models.py.j2").render(
            **ctx, classes=sa.classes, views=sa.views, fallback=sa.fallback)
    if "pydantic" in chosen:
        files["pydantic_models.py"] = e.get_template("pydantic_models.py.j2").render(
            **ctx, tables=pydantic_models.build(catalog, names))
    if queries:
        files["queries.py"] = render_queries(e, ctx, catalog, names, queries,
                                             models_by_table={m.qname: m for m in models}
                                             if "dataclasses" in chosen else {})
    return files


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
