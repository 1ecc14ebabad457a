"""`[tool.schemacode.generate]` in pyproject.toml: what `schemacode generate` writes, said once so
that `schemacode generate --check` in CI needs no flags.

    [tool.schemacode.generate]
    schema = "schema.yaml"                      # the defaults, relative to pyproject.toml
    out = "generated"
    models = ["dataclasses", "sqlalchemy", "pydantic"]
    queries = "queries"                         # a folder of .sql files (or a list of them)

The nearest pyproject.toml from the working folder up is read; a flag on the command line wins
over the file.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..errors import SchemaError

KEYS = ("schema", "out", "models", "queries")


@dataclass(frozen=True)
class GenerateConfig:
    schema: str = "schema.yaml"
    out: str = "generated"
    models: tuple[str, ...] = ("dataclasses",)
    queries: tuple[str, ...] = ()
    file: str | None = None  # the pyproject.toml it came from


def find_pyproject(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load(start: Path | None = None) -> GenerateConfig:
    """The generate settings of the nearest pyproject.toml (the defaults when it has none)."""
    from .. import codegen

    path = find_pyproject((start or Path.cwd()).resolve())
    if path is None:
        return GenerateConfig()
    data = _toml(path)
    section: Any = data.get("tool", {}).get("schemacode", {}).get("generate")
    if section is None:
        return GenerateConfig()
    where = str(path)
    if not isinstance(section, dict):
        raise SchemaError("[tool.schemacode.generate] must be a table", file=where)
    for key in section:
        if key not in KEYS:
            raise SchemaError(f"[tool.schemacode.generate]: unknown key {key!r}", file=where,
                              hint=f"the keys are {', '.join(KEYS)}")
    base = path.parent

    def rel(value: Any, key: str) -> str:
        if not isinstance(value, str) or not value:
            raise SchemaError(f"[tool.schemacode.generate]: {key} must be a path", file=where)
        p = Path(value)
        return str(p if p.is_absolute() else Path(os.path.relpath(base / p)))

    models = section.get("models", ["dataclasses"])
    if isinstance(models, str):
        models = [models]
    if not isinstance(models, list) or not models or any(m not in codegen.OUTPUTS for m in models):
        raise SchemaError(f"[tool.schemacode.generate]: models must list some of {', '.join(codegen.OUTPUTS)}",
                          file=where)
    queries = section.get("queries", [])
    queries = [queries] if isinstance(queries, str) else queries
    if not isinstance(queries, list):
        raise SchemaError("[tool.schemacode.generate]: queries must be a folder or a list of files", file=where)
    return GenerateConfig(rel(section.get("schema", "schema.yaml"), "schema"),
                          rel(section.get("out", "generated"), "out"), tuple(models),
                          tuple(rel(q, "queries") for q in queries), where)


def query_files(queries: str | Path | Sequence[str | Path]) -> list[Path]:
    """The .sql files of a folder (sorted), or the files given."""
    items = [queries] if isinstance(queries, (str, Path)) else list(queries)
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out += sorted(p.glob("*.sql"))
        elif p.is_file():
            out.append(p)
        else:
            raise SchemaError(f"no queries folder or file {p}", hint="--queries takes a folder of .sql files")
    return out


def _toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise SchemaError(f"cannot read {path.name}: {e}", file=str(path)) from None
