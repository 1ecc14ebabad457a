"""What schema.yaml declares (:class:`LoadedSchema`), read through the cache.

Apart from the loader (load/: the YAML reader, sqlglot and every kind's checks) because a warm
command never runs it: schema.yaml's text is hashed, the cached result read back, and the loader
imported only when the text is new to the cache (the loader's imports alone cost a warm
``plan`` more than its diff).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import cache
from .errors import SchemaError
from .model import Catalog, Renames, Source


@dataclass(frozen=True)
class LoadedSchema:
    """What schema.yaml declares: the catalog as written, plus what is not part of a catalog."""

    written: Catalog | None  # None: kept in ``catalog_file`` until needed (see catalog)
    renames: Renames
    file: str
    text_hash: str
    # Extensions declared without a version: their version is not compared.
    unpinned_extensions: frozenset[str] = field(default_factory=frozenset)
    schemas: tuple[str, ...] = ()
    catalog_file: str | None = None
    # What schema.yaml says for SQLite (`sqlite:` under an object): YAML path of the object →
    # (the value, its line). See schemacode/sqlite/translate.py.
    sqlite: dict[str, tuple[Any, int]] = field(default_factory=dict)
    # The roles the catalog names, with where (Catalog.named_roles): checked against the target
    # before anything runs, without reading the catalog back from the cache.
    named_roles: tuple[tuple[str, Source | None], ...] = ()

    @property
    def catalog(self) -> Catalog:
        """The catalog as written. Read from the cache only when needed: a warm plan, whose
        desired catalog is cached too, never reads it."""
        if self.written is not None:
            return self.written
        value = cache.read(self.catalog_file or "", Catalog)
        if value is not None:
            return value
        return load_file(self.file).catalog  # the cache went away: parse the file again

    @property
    def scope(self) -> list[str]:
        """The schemas schemacode manages in a database: those declared, and public."""
        return sorted(set(self.schemas) | {"public"})


def load_file(path: str | Path, cache_dir: Path | None = None) -> LoadedSchema:
    """Load schema.yaml; with ``cache_dir``, reuse the result for the same text and path."""
    p = Path(path)
    try:
        text = p.read_text()
    except FileNotFoundError:
        raise SchemaError(f"{p} not found", hint="pass --schema PATH, or run `schemacode init`") from None
    except OSError as e:
        raise SchemaError(f"cannot read {p}: {e.strerror}") from None
    if cache_dir is None:
        return _parse(text, str(p))
    key = cache.key(str(p), text)
    cached = cache_dir / f"loaded-{key}.pickle"
    catalog_file = cache_dir / f"loaded-{key}.catalog.pickle"
    if catalog_file.exists():
        value = cache.read(cached, LoadedSchema)
        if value is not None:
            return value
    loaded = _parse(text, str(p))  # errors are raised before anything is cached
    # The catalog first: an entry never points at a catalog file that is not there yet.
    cache.write_behind((catalog_file, loaded.catalog),
                       (cached, replace(loaded, written=None, catalog_file=str(catalog_file))))
    return loaded


def _parse(text: str, file: str) -> LoadedSchema:
    from .load import load_text  # the loader: only for a text the cache does not know

    return load_text(text, file)
