"""The library API the CLI is a thin layer over. Tests call it directly."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .apply import ApplyResult, Progress, locked_apply
from .errors import DatabaseError
from .introspect import introspect
from .load import LoadedSchema, load_file
from .model import Catalog
from .plan import Plan, make_plan
from .scratch import canonicalize, materialize
from .server import connect, local_database_url, server_version


@dataclass(frozen=True)
class Planned:
    loaded: LoadedSchema
    plan: Plan
    warnings: tuple[str, ...] = ()


def resolve_url(database_url: str | None) -> str:
    return database_url or local_database_url()


def desired_catalog(loaded: LoadedSchema, dev_url: str | None) -> tuple[Catalog, int]:
    m = materialize(loaded, dev_url)
    return m.catalog, m.server_version


def plan(schema: str | Path | LoadedSchema, database_url: str | None = None,
         dev_url: str | None = None) -> Planned:
    loaded = schema if isinstance(schema, LoadedSchema) else load_file(schema)
    desired, scratch_version = desired_catalog(loaded, dev_url)
    url = resolve_url(database_url)
    with connect(url) as conn:
        current = introspect(conn, loaded.scope)
        target_version = server_version(conn)
    warnings = _version_warnings(scratch_version, target_version)
    return Planned(loaded, plan_from(current, desired, loaded, dev_url), warnings)


def plan_from(current: Catalog, desired: Catalog, loaded: LoadedSchema, dev_url: str | None) -> Plan:
    """The plan; where the text differs, compared again against the database's canonical form."""
    p = make_plan(current, desired, loaded.renames, loaded.unpinned_extensions, loaded.text_hash)
    if p.is_empty:
        return p
    canon = canonicalize(current, loaded.scope, dev_url)
    if canon is None or canon == current:
        return p
    return make_plan(canon, desired, loaded.renames, loaded.unpinned_extensions, loaded.text_hash,
                     live=current)


def apply(schema: str | Path | LoadedSchema, database_url: str | None = None,
          dev_url: str | None = None, *, allow_destructive: bool = False,
          expected_fingerprint: str | None = None, lock_timeout: str = "5s",
          statement_timeout: str = "0", progress: Progress | None = None) -> ApplyResult:
    loaded = schema if isinstance(schema, LoadedSchema) else load_file(schema)
    desired, _ = desired_catalog(loaded, dev_url)
    url = resolve_url(database_url)
    with connect(url, autocommit=True) as conn:
        return locked_apply(
            conn, loaded.scope,
            lambda current: plan_from(current, desired, loaded, dev_url),
            allow_destructive=allow_destructive, expected_fingerprint=expected_fingerprint,
            lock_timeout=lock_timeout, statement_timeout=statement_timeout, progress=progress,
        )


@dataclass(frozen=True)
class Generated:
    files: dict[str, str]
    written: list[Path]
    stale: list[Path]


def generate(schema: str | Path | LoadedSchema, out: str | Path = "generated",
             dev_url: str | None = None, check: bool = False) -> Generated:
    """Write (or, with check, compare) the dataclasses for schema.yaml into ``out``."""
    from . import codegen

    loaded = schema if isinstance(schema, LoadedSchema) else load_file(schema)
    desired, _ = desired_catalog(loaded, dev_url)
    files = codegen.render(desired, Path(loaded.file).name)
    out = Path(out)
    if check:
        return Generated(files, [], codegen.stale(files, out))
    return Generated(files, codegen.write(files, out), [])


@dataclass(frozen=True)
class Pulled:
    text: str
    warnings: list[str]
    schemas: list[str]


def pull(database_url: str | None = None, schemas: list[str] | None = None,
         origin: str | None = None) -> Pulled:
    """schema.yaml text for what a live database holds."""
    from .dump import Details, dump
    from .introspect import pull_details, user_schemas
    from .server import describe

    url = resolve_url(database_url)
    with connect(url, autocommit=True) as conn:
        scope = sorted(schemas or user_schemas(conn))
        catalog = introspect(conn, scope)
        details = Details.from_rows(pull_details(conn, scope))
    missing = sorted(set(scope) - set(catalog.schemas))
    if missing:
        raise DatabaseError(f"schema(s) not found in {describe(url)}: {', '.join(missing)}")
    out = dump(catalog, details, origin or describe(url))
    return Pulled(out.text, out.warnings, scope)


def import_sql(paths: list[str | Path], dev_url: str | None = None,
               schemas: list[str] | None = None) -> Pulled:
    """schema.yaml text for what SQL files build: run in name order in a scratch database."""
    from .scratch import run_sql_files

    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.suffix == ".sql")
        elif p.exists():
            files.append(p)
        else:
            raise DatabaseError(f"{p} not found")
    if not files:
        raise DatabaseError("no .sql files to import")
    with run_sql_files(files, dev_url) as url:
        origin = ", ".join(str(f) for f in files) if len(files) <= 3 else f"{len(files)} SQL files"
        return pull(url, schemas, origin)


def _version_warnings(scratch: int, target: int) -> tuple[str, ...]:
    if scratch // 10000 != target // 10000:
        return (f"the scratch server is PostgreSQL {scratch // 10000} and the target is "
                f"PostgreSQL {target // 10000}: text PostgreSQL prints may differ between them; "
                "pass --dev-url to a server of the target's version",)
    return ()


__all__ = ["plan", "apply", "Planned", "DatabaseError"]
