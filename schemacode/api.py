"""The library API the CLI is a thin layer over. Tests call it directly.

Each function imports what it uses: a command is a fresh process, and the modules behind the
API (the database driver, the loader with sqlglot, the differ, the template engine) cost more
to import than a warm command takes to run. Laziness lives here and in cli.py, nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from .errors import DatabaseError, SchemacodeError
from .sqlite import is_sqlite

if TYPE_CHECKING:  # Alembic itself is imported only where a revision is read or written
    from . import fleet as fleet_
    from .alembic import Revision
    from .apply import ApplyResult, HistoryEntry, Progress, Settings
    from .backfill import Report
    from .loaded import LoadedSchema
    from .introspect import Kept
    from .model import Catalog
    from .plan import InProgress, Plan
    from .planning import Scope
    from .changes.online import Target


@dataclass(frozen=True)
class Planned:
    loaded: LoadedSchema
    plan: Plan
    warnings: tuple[str, ...] = ()
    desired: Catalog | None = None  # schema.yaml as PostgreSQL built it (see `wanted`)
    dev_url: str | None = None  # where it was built
    kept: bool = False  # the plan made from the same catalogs before: the desired one not read

    def wanted(self) -> Catalog | None:
        """The desired catalog; for a kept plan, read from the cache (or built) now."""
        if self.kept and self.desired is None:
            return desired_catalog(self.loaded, self.dev_url)[0]
        return self.desired


def _load(schema: str | Path | LoadedSchema) -> LoadedSchema:
    from .loaded import LoadedSchema, load_file
    from .paths import home

    if isinstance(schema, LoadedSchema):
        return schema
    return load_file(schema, cache_dir=home() / "cache")


def _kept() -> Path:
    """Where a live catalog read for a plan is kept, under its stamp (introspect.introspect)."""
    from .paths import home

    return home() / "cache"


def resolve_url(database_url: str | None) -> str:
    from .server import local_database_url

    return database_url or local_database_url()


def desired_catalog(loaded: LoadedSchema, dev_url: str | None) -> tuple[Catalog, int]:
    from .scratch import materialize

    m = materialize(loaded, dev_url)
    return m.catalog, m.server_version


def plan(schema: str | Path | LoadedSchema, database_url: str | None = None,
         dev_url: str | None = None, online: bool = False,
         leave_out: Callable[[Catalog], Catalog] | None = None, batch_size: int = 1000) -> Planned:
    """``leave_out``: what the plan is not to touch, taken out of both catalogs (a migration
    runner's own table, for a revision file: see revision()). ``batch_size``: the backfill's,
    as an online plan shows it."""
    from concurrent.futures import ThreadPoolExecutor

    import os

    from . import cache
    from .apply import in_progress
    from .introspect import introspect, kept
    from .planning import check_conversions, check_roles, online_target, plan_from, scope_of, with_estimates
    from .scratch import materialized_name, scratch_for
    from .server import connect, server_version

    loaded = _load(schema)
    url = resolve_url(database_url)
    if is_sqlite(url):
        from .sqlite import api as lite

        notes = ("--online has no meaning on SQLite (one writer, no concurrent index builds): "
                 "planned as usual",) if online else ()
        return Planned(loaded, lite.plan(loaded, url), notes)
    with connect(url, autocommit=True) as conn:  # the target first: a wrong URL fails before any build
        running = in_progress(conn)
        if running is not None:  # what remains of it is the plan; schema.yaml is compared after it
            return Planned(loaded, _in_progress_plan(conn, loaded, running))
        target_version = server_version(conn)
        scratch = scratch_for(conn, url, dev_url)
        check_roles(conn, loaded.named_roles, loaded.file)  # before a build that may run on its server
        scope = scope_of(conn, loaded)
        target = online_target(conn, online)
        desired_name = materialized_name(loaded, scratch, target_version if scratch == url else None)
        # A plan is kept only beside the desired catalog it was made from: without that, the
        # catalog's stamp is taken on the reading thread while the desired one is built.
        desired_kept = desired_name is not None and (_kept() / desired_name).exists()
        live_kept = kept(conn, scope.read, _kept()) if desired_kept else None
        memo = _plan_memo(live_kept, desired_name, scope, target, batch_size) if leave_out is None else None
        made = cache.read(memo, Made) if memo is not None else None
        if made is None or os.environ.get("SCHEMACODE_LIVE_CACHE") == "verify":
            def read_live() -> tuple[Kept | None, Catalog]:
                k = live_kept or kept(conn, scope.read, _kept())
                return k, introspect(conn, scope.read, k)

            # The live catalog is read while the scratch server builds the desired one: two
            # servers, and the build mostly waits on its own.
            with ThreadPoolExecutor(1) as pool:
                live = pool.submit(read_live)
                desired, scratch_version = desired_catalog(loaded, scratch)
                live_kept, current = live.result()
            if leave_out is not None:
                current, desired = leave_out(current), leave_out(desired)
            fresh = Made(plan_from(current, desired, loaded, scratch, target, scope, batch_size),
                         scratch_version)
            if made is not None and made != fresh:
                raise SchemacodeError(f"the plan kept in {memo} differs from the one made again "
                                      "(SCHEMACODE_LIVE_CACHE=verify)")
            if memo is None and leave_out is None:
                memo = _plan_memo(live_kept, desired_name, scope, target, batch_size)
            if memo is not None and made is None:
                _keep(memo, fresh)
            made = fresh
        else:  # the same catalogs as a plan made before: its plan (the desired catalog on demand)
            desired = None
        warnings = _version_warnings(made.scratch_version, target_version)
        check_conversions(conn, made.plan)  # (the data may have changed: checked every time)
        p = with_estimates(conn, made.plan)
    return Planned(loaded, p, warnings + rename_hints(p), desired, scratch, desired is None)


@dataclass(frozen=True)
class Made:
    """A plan as made from two catalogs (before the checks of the data), and the version of the
    server the desired one was built on."""

    plan: Plan
    scratch_version: int


def _plan_memo(live: Kept | None, desired: str | None, scope: Scope, target: bool | Target,
               batch_size: int) -> Path | None:
    """Where the plan made from these inputs is kept: the live catalog's stamp, the desired
    catalog's cache entry (named by schema.yaml's text and the scratch server's version), and what
    else plan_from is given. None when one of them cannot be named without reading it."""
    from . import cache

    if live is None or desired is None:
        return None
    inputs = (desired, scope.read, sorted(scope.undeclared), scope.others, target, batch_size)
    # (named by the database first: a plan of a catalog no longer there is dropped, see _keep)
    return _kept() / f"plan-{live.target}-{live.stamp}-{cache.key(repr(inputs))[:16]}.pickle"


def _keep(memo: Path, made: Made) -> None:
    """``made`` kept at ``memo``; the plans of this database's earlier catalogs dropped (those of
    its current one, for other schema.yaml texts, stay: a branch and main planned in turn)."""
    from . import cache

    target, stamp = memo.name.split("-")[1:3]
    cache.replace(memo, made, [old for old in memo.parent.glob(f"plan-{target}-*.pickle")
                               if old.name.split("-")[2] != stamp])


def _in_progress_plan(conn: Any, loaded: LoadedSchema, running: InProgress) -> Plan:
    from .introspect import introspect
    from .model import fingerprint
    from .plan import Plan

    rest = replace(running.program, steps=running.program.steps[running.step:])
    return Plan((), (), (), (), fingerprint(introspect(conn, loaded.scope)), "", loaded.text_hash, True,
                program=rest, in_progress=running)


def rename_hints(p: Plan) -> tuple[str, ...]:
    """A column dropped and another of the same type added in one table may be a rename."""
    from .changes import AddColumn, DropColumn, DropTable, CreateTable

    hints = []
    dropped = {(c.table, c.column.type): c.column.name for c in p.changes if isinstance(c, DropColumn)}
    for c in p.changes:
        if isinstance(c, AddColumn) and (c.table, c.column.type) in dropped:
            old = dropped[(c.table, c.column.type)]
            hints.append(f"{c.table}: column {old} is dropped and {c.column.name} ({c.column.type}) "
                         f"added; if it is a rename, add `renamed_from: {old}` to {c.column.name} "
                         "to keep the data")
    dropped_tables = {tuple(sorted((n, col.type) for n, col in c.table.columns.items())): c.table.qname
                      for c in p.changes if isinstance(c, DropTable)}
    for c in p.changes:
        if isinstance(c, CreateTable):
            key = tuple(sorted((n, col.type) for n, col in c.table.columns.items()))
            if key in dropped_tables:
                hints.append(f"table {dropped_tables[key]} is dropped and {c.table.qname} created "
                             f"with the same columns; if it is a rename, add "
                             f"`renamed_from: {dropped_tables[key]}` to keep the data")
    return tuple(hints)


def apply(schema: str | Path | LoadedSchema, database_url: str | None = None,
          dev_url: str | None = None, *, allow_destructive: bool = False,
          expected_fingerprint: str | None = None, settings: Settings | None = None,
          online: bool = False, progress: Progress | None = None,
          bar: Callable[[Report], None] | None = None) -> ApplyResult:
    """``settings``: timeouts and retries (default: apply.Settings())."""
    from .apply import Settings, locked_apply
    from .planning import check_conversions, check_roles, online_target, plan_from, scope_of, with_estimates
    from .scratch import scratch_for
    from .server import connect

    settings = settings or Settings()
    loaded = _load(schema)
    url = resolve_url(database_url)
    if is_sqlite(url):
        from .sqlite import api as lite

        return lite.apply(loaded, url, allow_destructive=allow_destructive,
                          expected_fingerprint=expected_fingerprint, busy_timeout=settings.lock_wait,
                          progress=progress)
    with connect(url, autocommit=True) as conn:
        scratch = scratch_for(conn, url, dev_url)
        check_roles(conn, loaded.named_roles, loaded.file)
        desired, _ = desired_catalog(loaded, scratch)
        scope = scope_of(conn, loaded)
        target = online_target(conn, online)
        return locked_apply(
            conn, scope.read,
            lambda current: with_estimates(conn, check_conversions(
                conn, plan_from(current, desired, loaded, scratch, target, scope, settings.batch_size))),
            allow_destructive=allow_destructive, expected_fingerprint=expected_fingerprint,
            settings=settings, progress=progress, online=online, bar=bar,
        )


def abort(schema: str | Path | LoadedSchema, database_url: str | None = None, *,
          settings: Settings | None = None, progress: Progress | None = None) -> int:
    """Undo the online change in progress (before its contract); returns its history id."""
    from .apply import Settings, locked_abort
    from .server import connect

    if is_sqlite(database_url):
        raise DatabaseError("there are no online changes on SQLite (a table rebuild is its only way): "
                            "nothing to abort")
    loaded = _load(schema)
    with connect(resolve_url(database_url), autocommit=True) as conn:
        return locked_abort(conn, loaded.scope, settings or Settings(), progress)


def history(database_url: str | None = None, limit: int | None = None) -> list[HistoryEntry]:
    from .apply import read_history
    from .server import connect

    if is_sqlite(database_url):
        from .sqlite import api as lite

        return lite.history(database_url or "", limit)
    with connect(resolve_url(database_url), autocommit=True) as conn:
        return read_history(conn, limit)


def rollback(schema: str | Path | LoadedSchema, database_url: str | None = None,
             target: int | None = None, *, allow_destructive: bool = False,
             settings: Settings | None = None, progress: Progress | None = None,
             bar: Callable[[Report], None] | None = None) -> tuple[HistoryEntry, int]:
    """Undo the latest apply (or apply ``target``); returns it and the rollback's history id."""
    from .apply import Settings, locked_rollback
    from .server import connect

    settings = settings or Settings()
    if is_sqlite(database_url):
        from .sqlite import api as lite

        return lite.rollback(database_url or "", target, allow_destructive=allow_destructive,
                             busy_timeout=settings.lock_wait, progress=progress)
    loaded = _load(schema)
    with connect(resolve_url(database_url), autocommit=True) as conn:
        return locked_rollback(conn, loaded.scope, target, allow_destructive=allow_destructive,
                               settings=settings, progress=progress, bar=bar)


@dataclass(frozen=True)
class Generated:
    files: dict[str, str]
    written: list[Path]
    stale: list[Path]


def generate(schema: str | Path | LoadedSchema, out: str | Path = "generated",
             dev_url: str | None = None, check: bool = False,
             models: Sequence[str] = ("dataclasses",),
             queries: str | Path | Sequence[str | Path] | None = None) -> Generated:
    """Write (or, with check, compare) the generated package for schema.yaml into ``out``:
    the ``models`` outputs (dataclasses, sqlalchemy, pydantic) and, with ``queries`` (a folder
    of ``*.sql`` files, or files), typed functions for the named statements in them, each
    prepared against the desired schema (docs/codegen.md).

    What was rendered is kept in the cache with its inputs (schema.yaml's text, the outputs,
    the queries' files, the tool's code, the embedded server's version): when ``out`` already
    holds it, as in a pre-commit hook's ``generate --check``, that is all there is to know, and
    nothing is loaded, built or rendered."""
    from . import cache

    out = Path(out)
    entry = _generated_entry(schema, dev_url, models, queries)
    files = cache.read(entry, dict) if entry is not None else None
    if files is not None and _holds(out, files):
        return Generated(files, [], [])
    from . import codegen
    from .codegen import queries as typed

    if files is None:
        loaded = _load(schema)
        desired, _ = desired_catalog(loaded, dev_url)
        prepared: list[typed.PreparedQuery] = []
        if queries is not None:
            sources = typed.query_files(queries)
            prepared = typed.prepare(loaded, desired, typed.parse_files(sources), dev_url)
        files = codegen.render(desired, Path(loaded.file).name, models, prepared)
        if entry is not None:
            cache.write(entry, files)
    if check:
        return Generated(files, [], codegen.stale(files, out))
    return Generated(files, codegen.write(files, out), [])


def _generated_entry(schema: str | Path | LoadedSchema, dev_url: str | None, models: Sequence[str],
                     queries: str | Path | Sequence[str | Path] | None) -> Path | None:
    """The cache entry of what generate renders: by schema.yaml's path and text, the outputs, the
    queries' files and text, the tool's code and the embedded server's version (what the desired
    catalog's own entry is keyed by). None where that takes more than reading files: a --dev-url
    (its version is the server's to say), a schema already loaded."""
    from . import cache
    from .codegen.config import query_files
    from .paths import embedded_version, home

    if dev_url is not None or not isinstance(schema, (str, Path)):
        return None
    version = embedded_version()
    p = Path(schema)
    try:
        text = p.read_text()
        sources = query_files(queries) if queries is not None else []
        parts = [f"{f}\0{f.read_text()}" for f in sources]
        folder = home() / "cache"
    except (OSError, SchemacodeError):
        return None  # said by the usual path, which reads the files again
    if not version:
        return None
    key = cache.key(str(p), text, str(version), ",".join(models), *parts)
    return folder / f"generated-{key}.pickle"


def _holds(out: Path, files: dict[str, str]) -> bool:
    """Does ``out`` hold exactly these files' text (what codegen.stale would find nothing in)?"""
    try:
        return all((out / name).exists() and (out / name).read_text() == content
                   for name, content in files.items())
    except OSError:
        return False


def fleet(schema: str | Path | LoadedSchema, targets: str | Path, apply: bool = False,
          dev_url: str | None = None, options: fleet_.Options | None = None,
          progress: fleet_.Progress | None = None, approved: fleet_.FleetResult | None = None
          ) -> fleet_.FleetResult:
    """Plan (``apply``: apply) schema.yaml on every database a targets file names
    (docs/deploying.md#many-databases). ``options``: default fleet.Options()."""
    from . import fleet as fleet_

    loaded = _load(schema)
    return fleet_.run(loaded, fleet_.load_targets(targets), apply, dev_url, options or fleet_.Options(),
                      progress, approved)


def diagram(schema: str | Path | LoadedSchema, fmt: str = "mermaid", tables: list[str] | None = None,
            depth: int = 0, changes: bool = False, database_url: str | None = None,
            dev_url: str | None = None) -> str | bytes:
    """schema.yaml as a diagram (docs/diagrams.md): Mermaid or DOT text, or SVG/PNG bytes drawn
    by Graphviz. With ``changes``, planned against the database, what the plan adds, changes and
    drops is colored."""
    from . import diagram as dg

    loaded = _load(schema)
    if changes and is_sqlite(database_url):
        raise DatabaseError("diagram --changes draws a plan against PostgreSQL; for a SQLite file, "
                            "`schemacode plan --database-url sqlite:///…` lists its changes",
                            hint="leave out --changes to draw schema.yaml itself")
    if changes:
        planned = plan(loaded, database_url, dev_url)
        if planned.plan.in_progress is not None:
            raise DatabaseError("an online change is in progress in the database: there is no plan to draw "
                                "until it is done", hint="`schemacode apply --online` finishes it, "
                                                         "`schemacode apply --abort` undoes it")
        desired = planned.wanted()
        assert desired is not None
        picture = dg.picture(desired, planned.plan)
        title = f"{Path(loaded.file).name}: {_counts(planned.plan)}"
    else:
        picture = dg.picture(desired_catalog(loaded, dev_url)[0])
        title = Path(loaded.file).name
    picture = dg.select(picture, tables or [], depth)
    if fmt == "mermaid":
        return dg.mermaid(picture)
    text = dg.dot(picture, title)
    if fmt == "dot":
        return text
    if fmt in ("svg", "png"):
        return dg.render(text, fmt)  # type: ignore[arg-type]
    raise ValueError(f"unknown diagram format {fmt!r}")


def _counts(p: Plan) -> str:
    n = p.counts()
    return f"{n['add']} to add, {n['change']} to change, {n['destroy']} to destroy"


@dataclass(frozen=True)
class Pulled:
    text: str
    warnings: list[str]
    schemas: list[str]


def pull(database_url: str | None = None, schemas: list[str] | None = None,
         origin: str | None = None, verify: bool = True, dev_url: str | None = None,
         privileges: bool = False) -> Pulled:
    """schema.yaml text for what a live database holds.

    With ``verify``, what was written is built in the scratch database and planned against what
    was read: anything that would not come back the same (an option schema.yaml cannot say yet)
    is named in a warning, with what a plan against this database would do to it."""
    from .dump import Details, dump
    from .introspect import introspect, pull_details, user_schemas
    from .scratch import scratch_for
    from .server import connect, describe

    url = resolve_url(database_url)
    if is_sqlite(url):
        from .sqlite import path_of
        from .sqlite.pull import pull as lite_pull

        text, notes = lite_pull(url, origin or f"SQLite database {path_of(url)}", verify)
        return Pulled(text, notes, ["public"])
    with connect(url, autocommit=True) as conn:
        scope = sorted(schemas or user_schemas(conn))
        catalog = introspect(conn, scope)
        details = Details.from_rows(pull_details(conn, scope))
        me = conn.execute("SELECT quote_ident(current_user)").fetchone()
        scratch = scratch_for(conn, url, dev_url) if verify else None
    missing = sorted(set(scope) - set(catalog.schemas))
    if missing:
        raise DatabaseError(f"schema(s) not found in {describe(url)}: {', '.join(missing)}")
    out = dump(catalog, details, origin or describe(url), me[0] if privileges and me else None)
    warnings = list(out.warnings)
    if verify:
        warnings += _pull_differences(out.text, catalog, scratch)
    return Pulled(out.text, warnings, scope)


def _pull_differences(text: str, read: Catalog, dev_url: str | None) -> list[str]:
    from .errors import SchemacodeError
    from .load import load_text
    from .plan import make_plan
    from .scratch import materialize

    try:
        loaded = load_text(text, "pulled schema.yaml")
        built = materialize(loaded, dev_url).catalog
        # As PostgreSQL first printed both: what pull wrote must build the very trees it read
        # (a plan compares spellings that mean the same as equal; pg_dump tells them apart)
        p = make_plan(read, built, loaded.renames, loaded.unpinned_extensions)
    except SchemacodeError as e:
        return [f"not exact: what pull wrote does not build as it was read: {e.message}"]
    return [f"not exact: a plan with the pulled schema.yaml against this database would {c.summary()}"
            for c in p.listed]


def import_sql(paths: list[str | Path], dev_url: str | None = None,
               schemas: list[str] | None = None, dialect: str = "postgresql") -> Pulled:
    """schema.yaml text for what SQL files build: run in name order in a scratch database
    (``dialect`` sqlite: in a SQLite database)."""
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
    origin = ", ".join(str(f) for f in files) if len(files) <= 3 else f"{len(files)} SQL files"
    if dialect == "sqlite":
        import sqlite3
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "import.db"
            with sqlite3.connect(db) as lite:
                for f in files:
                    try:
                        lite.executescript(f.read_text())
                    except sqlite3.Error as e:
                        raise DatabaseError(f"{f}: SQLite refuses it: {e}") from None
            lite.close()
            return pull(f"sqlite:///{db}", None, origin)
    with run_sql_files(files, dev_url) as url:
        origin = ", ".join(str(f) for f in files) if len(files) <= 3 else f"{len(files)} SQL files"
        return pull(url, schemas, origin, dev_url=dev_url)


def import_alembic(path: str | Path, dev_url: str | None = None, schemas: list[str] | None = None,
                   url_env: tuple[str, ...] = ()) -> Pulled:
    """schema.yaml text for what an Alembic history builds: the project's own env.py runs
    ``upgrade head`` against a scratch database (docs/adopting.md), which is then pulled."""
    from . import alembic as al

    project = al.locate(path)
    al.require()
    return _import_history(lambda url: al.upgrade_head(project, url, url_env), dev_url, schemas,
                           al.VERSION_TABLE, f"the Alembic history of {project}", "Alembic",
                           "`plan --format alembic` leaves it to Alembic")


def import_django(path: str | Path, dev_url: str | None = None,
                  schemas: list[str] | None = None) -> Pulled:
    """schema.yaml text for what a Django project's migrations build: its manage.py migrate runs
    against a scratch database (docs/adopting.md), which is then pulled."""
    from . import django as dj

    manage = dj.locate(path)
    return _import_history(lambda url: dj.migrate(manage, url), dev_url, schemas, dj.RECORD_TABLE,
                           f"the Django migrations of {manage}", "Django",
                           "`manage.py migrate` finds what it has done there")


def _import_history(run: Callable[[str], None], dev_url: str | None, schemas: list[str] | None,
                    record: str, origin: str, runner: str, why: str) -> Pulled:
    """Run a migration history (``run``, given the URL of an empty scratch database) and pull
    what it built. ``record``: the table the runner keeps its history in, which proves that it
    ran there."""
    from .introspect import query_text
    from .scratch import empty_database
    from .server import connect

    with empty_database(dev_url) as url:
        run(url)
        with connect(url, autocommit=True) as conn:
            found = conn.execute(query_text("named_tables"), {"name": record}).fetchall()
        if not found:
            raise DatabaseError(f"{origin}: the migrations ran, but not in the database schemacode "
                                f"handed them (it has no {record} table)",
                                hint=f"{runner} must run them on the database it is given")
        pulled = pull(url, schemas, origin, dev_url=dev_url)
    note = (f"schema.yaml keeps {'.'.join(found[0])}, {runner}'s record of what ran, so that a plan "
            f"against a database {runner} built is empty ({why}); delete it from schema.yaml when "
            f"schemacode apply takes over from {runner}")
    return Pulled(pulled.text, [*pulled.warnings, note], pulled.schemas)


@dataclass(frozen=True)
class Revised:
    planned: Planned
    revision: Revision | None  # None: nothing to do, no file written


def revision(schema: str | Path | LoadedSchema, versions: str | Path, database_url: str | None = None,
             dev_url: str | None = None, online: bool = False, message: str | None = None) -> Revised:
    """Plan schema.yaml against the database and write the plan as the next Alembic revision in
    ``versions``: the database must be at that folder's head (docs/deploying.md)."""
    from . import alembic as al
    from .server import connect

    al.require()
    url = resolve_url(database_url)
    if is_sqlite(url):
        raise DatabaseError("--format alembic writes revisions for PostgreSQL",
                            hint="for SQLite, `plan --out DIR` writes SQL files")
    loaded = _load(schema)
    with connect(url, autocommit=True) as conn:
        at = al.database_revision(conn)
    folder = Path(versions)
    al.check_at_head(at, al.head_of(folder), folder)  # before the plan: a wrong folder stops here
    planned = plan(loaded, url, dev_url, online, leave_out=al.leave_out_version_table)
    if at is not None and not any(t.name == al.VERSION_TABLE for t in loaded.catalog.tables.values()):
        planned = replace(planned, warnings=(*planned.warnings, al.UNDECLARED_VERSION_TABLE))
    if planned.plan.program is not None or planned.plan.in_progress is not None:
        raise DatabaseError("the plan rewrites tables online in phases (expand, a backfill in batches, contract), "
                            "which `schemacode apply --online` runs and resumes: an Alembic revision cannot "
                            "hold it; nothing was written",
                            hint="write the revision without --online, or apply with --online")
    if planned.plan.is_empty:
        return Revised(planned, None)
    return Revised(planned, al.write(planned.plan, folder, at, message, loaded.file))


def diff_databases(from_url: str, to_url: str, schemas: list[str] | None = None) -> Plan:
    """The plan that makes the database at ``from_url`` like the one at ``to_url``."""
    from concurrent.futures import ThreadPoolExecutor

    if is_sqlite(from_url) or is_sqlite(to_url):
        raise DatabaseError("schemacode diff compares two PostgreSQL databases",
                            hint="for SQLite: `schemacode pull --database-url sqlite:///a.db -o a.yaml`, then "
                                 "`schemacode plan --schema a.yaml --database-url sqlite:///b.db`")

    from contextlib import ExitStack

    from .introspect import introspect, kept, user_schemas
    from .server import connect, server_version

    def read(conn: Any, scope: list[str]) -> Catalog:
        return introspect(conn, scope, kept(conn, scope, _kept()))

    with ExitStack() as stack, ThreadPoolExecutor(2) as pool:  # both databases at once, a connection each
        opening = [pool.submit(stack.enter_context, connect(url, autocommit=True)) for url in (from_url, to_url)]
        conns = [o.result() for o in opening]
        scope = sorted(schemas or set(user_schemas(conns[0])) | set(user_schemas(conns[1])))
        reading = [pool.submit(read, conn, scope) for conn in conns]
        # The planner is imported while the servers answer the catalog queries (their work: the
        # reading threads wait), not before
        from .plan import make_plan
        from .planning import compared, spelling_suspects
        from .scratch import canonicalize, scratch_for

        current, desired = (r.result() for r in reading)
        from_version, to_version = server_version(conns[0]), server_version(conns[1])
        scratch = scratch_for(conns[0], from_url, None)
    if from_version // 10000 != to_version // 10000:
        # Two majors print the same things differently: the second database's schema is built on
        # the first one's server (a temporary database) and read back as that major prints it.
        desired = canonicalize(desired, scope, scratch) or desired
    p = make_plan(current, desired)
    if p.is_empty or not spelling_suspects(p):
        return p
    pair = compared(current, desired, scratch)  # (as a plan compares: a restored copy is no change)
    return p if pair is None else make_plan(pair[0], pair[1], live=current, built=desired)


def _version_warnings(scratch: int, target: int) -> tuple[str, ...]:
    """Only a --dev-url can differ from the target's major (else the scratch is chosen to match)."""
    if scratch // 10000 != target // 10000:
        return (f"the --dev-url server is PostgreSQL {scratch // 10000} and the target is "
                f"PostgreSQL {target // 10000}: text PostgreSQL prints may differ between them; "
                "point --dev-url at a server of the target's version, or leave it out",)
    return ()


__all__ = ["plan", "apply", "abort", "Planned", "DatabaseError"]
