"""Materialize the desired schema: run its DDL in an empty scratch database and read it back.

PostgreSQL normalizes what people write (types, expressions, index and trigger definitions);
diffing its catalog against the live one's is exact where comparing text by hand is not. The
result is cached by the hash of the DDL and the server version, so an unchanged schema.yaml is
materialized once.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
import secrets
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from contextlib import ExitStack, contextmanager
from typing import Any, Callable, Iterator

import psycopg

from . import cache
from .errors import DatabaseError, SchemacodeError, SchemaError
from .introspect import introspect
from .loaded import LoadedSchema
from .model import (
    Catalog, as_printed, attach_written, carried, fingerprint, managed_acl, only_schemas, rename_schemas_in_text,
    sequence_managed,
)
from .plan import PlannedStatement, creation_statements, script
from .sqltext import ident, path_part, split_head
from .server import (
    connect, describe, embedded_version, home, postgres_bin, scratch_admin_url, server_version, with_database,
)

_MISSING_HINTS = (
    ("is not available", "the scratch server lacks this extension"),
    ("could not open extension control file", "the scratch server lacks this extension"),
    ("collation", "the scratch server lacks this collation (the embedded one has no ICU)"),
)
_FULL = ("no space left on device", "the scratch server's folder is full; set SCHEMACODE_SCRATCH_DIR to a "
         "folder with room, or pass --dev-url")


@dataclass(frozen=True)
class Materialized:
    catalog: Catalog
    server_version: int
    cached: bool


def materialize(loaded: LoadedSchema, dev_url: str | None = None, use_cache: bool = True) -> Materialized:
    """The desired schema as PostgreSQL stores it (cached by the text of schema.yaml)."""
    return _cached(_yaml(loaded), lambda: loaded.catalog, loaded.scope, dev_url, loaded, use_cache)


def materialized_name(loaded: LoadedSchema, dev_url: str | None, version: int | None = None) -> str | None:
    """What `materialize` caches ``loaded`` under, where told without connecting: for the
    embedded scratch server (dev_url None), or a server whose ``version`` the caller knows (the
    target's, when it is the scratch). Names what a plan is made from."""
    known = embedded_version() if dev_url is None else version
    return None if known is None else _cache_file(known, loaded.scope, _yaml(loaded)).name


def _yaml(loaded: LoadedSchema) -> str:
    return f"yaml:{loaded.file}:{loaded.text_hash}"


def canonicalize(catalog: Catalog, scope: list[str], dev_url: str | None = None) -> Catalog | None:
    """``catalog`` run once more through PostgreSQL: the fixed point of its printed text.

    A database built by hand holds first-generation text (a varchar IN-list check as it was
    first printed); the desired schema holds the fixed point. Comparing both fixed points tells
    a real difference from a difference of spelling. None when the scratch server cannot build
    it (say, an extension it lacks): then the text is compared as it is.
    """
    try:
        canon = _cached("catalog:" + fingerprint(catalog), lambda: catalog,
                        scope, dev_url, None, True).catalog
    except SchemacodeError:
        return None
    # what a database holds beside its definitions (owners and grants) stays the live one's
    views = {k: replace(v, grants=catalog.views[k].grants, owner=catalog.views[k].owner, acl=catalog.views[k].acl)
             if k in catalog.views else v for k, v in canon.views.items()}
    return replace(
        canon, views=views,
        tables={k: replace(t, acl=catalog.tables[k].acl) if k in catalog.tables else t for k, t in canon.tables.items()},
        functions={k: replace(f, acl=catalog.functions[k].acl) if k in catalog.functions else f
                   for k, f in canon.functions.items()},
        sequences={k: replace(s, acl=catalog.sequences[k].acl) if k in catalog.sequences else s
                   for k, s in canon.sequences.items()},
        schemas={k: replace(n, acl=catalog.schemas[k].acl, default_acl=catalog.schemas[k].default_acl)
                 if k in catalog.schemas else n for k, n in canon.schemas.items()})


def reprinted(catalog: Catalog, dev_url: str | None = None) -> Catalog | None:
    """``catalog`` as compared after one more round of PostgreSQL's print → parse: its printed
    text run as printed in a scratch database and read back (what a pg_dump and restore of it
    would hold), each object keeping the text it runs (model.carried). None when the scratch
    server cannot build it (an extension it lacks): then the text is compared as it is.
    Cached by the catalog's fingerprint."""
    try:
        again = _cached("reprint:" + fingerprint(catalog), lambda: as_printed(catalog),
                        sorted(catalog.schemas), dev_url, None, True).catalog
    except SchemacodeError:
        return None
    return carried(catalog, again)


def scratch_for(conn: psycopg.Connection[Any], url: str, dev_url: str | None) -> str | None:
    """Where the desired schema is built for the target ``conn`` (at ``url``), as a --dev-url.

    ``dev_url`` when given. Else the embedded scratch server when it runs the target's major
    (None), or the target's own server when it does not: a temporary database is created and
    dropped there, as with --dev-url. A plan then never compares text printed by two majors
    (pg_get_expr, pg_get_indexdef and friends change their output between majors)."""
    if dev_url:
        return dev_url
    target = server_version(conn) // 10000
    embedded = embedded_version()
    if embedded is None or embedded // 10000 == target:
        return None
    row = conn.execute("SELECT rolcreatedb OR rolsuper, quote_ident(current_user) FROM pg_roles "
                       "WHERE rolname = current_user").fetchone()
    if not (row and row[0]):
        who = row[1] if row else "the connecting role"
        raise DatabaseError(
            f"the target is PostgreSQL {target} and the embedded scratch server PostgreSQL "
            f"{embedded // 10000}: schemacode builds the desired schema in a temporary database on the "
            f"target's server, but role {who} may not create databases there",
            hint=f"grant it CREATEDB, or pass --dev-url to a PostgreSQL {target} server where a role may "
                 "(schemacode creates and drops a temporary database there)")
    return url


def _cached(what: str, make_catalog: Callable[[], Catalog], scope: list[str],
            dev_url: str | None, loaded: LoadedSchema | None, use_cache: bool) -> Materialized:
    # The embedded scratch server's version is its binaries': a hit needs no server at all
    # (after a reboot, a warm plan does not start one just to ask).
    known = embedded_version() if dev_url is None and use_cache else None
    if known is not None:
        cached = cache.read(_cache_file(known, scope, what), Catalog)
        if cached is not None:
            return Materialized(cached, known, True)
    admin_url = dev_url or scratch_admin_url()
    reuse = dev_url is None  # our own server: keep scratch databases for the next run
    with connect(admin_url, autocommit=True) as admin:
        version = server_version(admin)
        cache_file = _cache_file(version, scope, what)
        cached = cache.read(cache_file, Catalog) if use_cache and version != known else None
        if cached is not None:
            return Materialized(cached, version, True)
        # What the user wrote is run, so errors point at schema.yaml, and read back as PostgreSQL
        # prints it: that text is compared, and the text as written is what apply runs (the same
        # text gives the same stored tree, so the target then prints what the scratch printed).
        with scratch_database(admin, admin_url, reuse) as conn:
            wanted = make_catalog()
            _ensure_roles(admin, wanted.roles())
            _build(conn, creation_statements(wanted), loaded, admin_url)
            catalog = introspect(conn, scope)
        if loaded is not None:
            catalog = attach_written(catalog, loaded.catalog)
    if use_cache:
        fingerprint(catalog)  # every object's key computed, and cached with it: a warm plan reuses them
        cache.write(cache_file, catalog)
    return Materialized(catalog, version, False)


def renamed(catalog: Catalog, scope: list[str], renames: list[dict[str, str]],
            dev_url: str | None = None) -> list[Catalog]:
    """``catalog`` once per mapping of its schemas to others (``{"app": "tenant_42"}``), as
    PostgreSQL prints it under those names: built once in a scratch database, then for each mapping
    its schemas renamed (ALTER SCHEMA … RENAME: the stored trees refer to objects, not names, so
    every definition reads the new name) and read back. Text stays text: a function body naming
    its schema names the old one in every copy. A copy holds only the schemas its mapping renames
    (a tenant's own: what it shares, such as public, is not the tenant's to manage)."""
    if not renames:
        return []
    admin_url = dev_url or scratch_admin_url()
    out: list[Catalog] = []
    # Where renaming the text gives what PostgreSQL printed for one copy, it is trusted for the
    # others: a thousand tenants cost one build, one rename in PostgreSQL and a thousand walks of
    # the model. Else (or for a name SQL must quote) PostgreSQL renames each.
    trusted: bool | None = None

    def plain(mapping: dict[str, str]) -> bool:
        return all(ident(n) == n for pair in mapping.items() for n in pair)

    with connect(admin_url, autocommit=True) as admin, \
            scratch_database(admin, admin_url, dev_url is None) as conn:
        _ensure_roles(admin, catalog.roles())
        _build(conn, creation_statements(catalog), None, admin_url)
        base = only_schemas(catalog, {n for m in renames for n in m})
        now = {n: n for n in scope}  # each schema of the catalog: its name in the database now
        for i, mapping in enumerate(renames):
            if trusted and plain(mapping):
                out.append(rename_schemas_in_text(base, mapping))
                continue
            wanted = {n: mapping.get(n, n) for n in scope}
            with conn.transaction():  # through names of their own: two tenants may swap names
                for n in scope:
                    if now[n] != wanted[n]:
                        conn.execute(f"ALTER SCHEMA {ident(now[n])} RENAME TO {ident(f'sc_tmp_{i}_{n}')}".encode())
                        now[n] = f"sc_tmp_{i}_{n}"
                for n in scope:
                    if now[n] != wanted[n]:
                        conn.execute(f"ALTER SCHEMA {ident(now[n])} RENAME TO {ident(wanted[n])}".encode())
                        now[n] = wanted[n]
            printed = _managed_as(introspect(conn, sorted(wanted[n] for n in scope if n in mapping)), base, mapping)
            if trusted is None and plain(mapping):
                trusted = rename_schemas_in_text(base, mapping) == printed
            out.append(printed)
    return out


def _managed_as(printed: Catalog, base: Catalog, mapping: dict[str, str]) -> Catalog:
    """Owners and grants of a renamed copy managed where ``base`` manages them (schema.yaml
    declares them), else not (None), as materialize leaves them."""
    def key(k: str) -> str:
        schema, rest = split_head(k)
        return f"{path_part(mapping.get(schema, schema))}.{rest}"

    def group(name: str, keyed: Callable[[str], str] = key) -> dict[str, Any]:
        theirs = {keyed(k): v for k, v in getattr(base, name).items()}
        return {k: replace(v, acl=managed_acl(v.acl, getattr(theirs.get(k), "acl", None)))
                if v.acl is not None else v for k, v in getattr(printed, name).items()}

    groups: dict[str, Any] = {g: group(g) for g in (
        "schemas", "tables", "views", "sequences", "functions", "enums", "domains", "composites", "ranges",
        "foreign_tables")}
    groups["servers"] = group("servers", keyed=lambda k: k)  # (a server belongs to no schema)
    theirs_tables = {key(k): t for k, t in base.tables.items()}
    groups["tables"] = {k: replace(t, columns={n: replace(c, sequence_acl=sequence_managed(
        c, theirs_tables[k].columns.get(n))) for n, c in t.columns.items()}) if k in theirs_tables else t
        for k, t in groups["tables"].items()}
    out = replace(printed, **groups)
    theirs = {mapping.get(k, k): n for k, n in base.schemas.items()}
    return replace(out, schemas={k: replace(n, default_acl=None) if k in theirs and theirs[k].default_acl is None
                                 else n for k, n in out.schemas.items()})


def _cache_file(version: int, scope: list[str], what: str) -> Path:
    return home() / "cache" / f"{cache.key(str(version), ','.join(scope), what)}.pickle"


POOL_SIZE = 32
_CLAIM_KEY = 0x5C4A_7C40  # held by the process using a scratch database
_IDLE = psycopg.pq.TransactionStatus.IDLE


@contextmanager
def scratch_database(admin: psycopg.Connection[Any], admin_url: str, reuse: bool
                     ) -> Iterator[psycopg.Connection[Any]]:
    """An empty database to build in.

    On the embedded scratch server, databases ``schemacode_scratch_N`` are kept and emptied for
    reuse; a process claims one with an advisory lock, so concurrent runs never share one. One
    left large by a build is dropped when the build is done: emptying thousands of objects one by
    one costs more than a new database, and its files would hold memory in /dev/shm. On a
    --dev-url server, a temporary database is created and dropped, leaving nothing behind.
    """
    _settle()
    if not reuse:
        dbname = f"schemacode_scratch_{os.getpid()}_{secrets.token_hex(4)}"
        _create(admin, admin_url, dbname)
        try:
            with connect(with_database(admin_url, dbname), autocommit=True) as conn:
                yield conn
        finally:
            _drop(admin, dbname, force=True)
        return
    for n in range(POOL_SIZE):
        dbname = f"schemacode_scratch_{n}"
        try:
            _create(admin, admin_url, dbname)
        except DatabaseError:
            pass  # it exists already
        used = False
        with ExitStack() as stack:
            try:
                conn = stack.enter_context(connect(with_database(admin_url, dbname), autocommit=True))
            except DatabaseError:
                continue  # dropped meanwhile by another process done with it: the next one
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", [_CLAIM_KEY]).fetchone()
            if not (row and row[0]):
                continue  # another process holds it
            large = _size(conn) > _SMALL  # the leftover of a build that was killed
            if not large:
                used = True
                _empty(conn)
                try:
                    yield conn
                finally:
                    large = _left_large(conn)
        if large and used:  # dropped while the caller reads what it built and plans
            _drop_later(admin_url, dbname)
        elif large:  # the claim ended with the connection; if another process took it since, keep it
            _drop(admin, dbname, force=False)
        if used:
            return
    raise DatabaseError(f"all {POOL_SIZE} scratch databases are in use on {describe(admin_url)}")


def _drop(admin: psycopg.Connection[Any], dbname: str, force: bool) -> None:
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{dbname}"{" WITH (FORCE)" if force else ""}')
    except psycopg.Error:
        pass  # in use again: whoever claims it next deals with it


_PENDING: list[threading.Thread] = []


def _drop_later(admin_url: str, dbname: str) -> None:
    """Drop a large scratch database on a thread of its own: the server removes its files while
    this process goes on (0.2 s at 1,000 tables, 0.4 s at 5,000). Not forced: if another process
    has claimed it since, it stays. The process waits for the thread before it exits, and this
    process's next scratch build waits for it too (`_settle`)."""
    def run() -> None:
        try:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
                _drop(admin, dbname, force=False)
        except psycopg.Error:
            pass  # the next claim finds it large and drops it

    thread = threading.Thread(target=run, name=f"schemacode-drop-{dbname}")
    thread.start()
    _PENDING.append(thread)


def _settle() -> None:
    while _PENDING:
        _PENDING.pop().join()


def _create(admin: psycopg.Connection[Any], admin_url: str, dbname: str) -> None:
    try:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):  # the second: a race
        raise DatabaseError(f"database {dbname} exists") from None
    except psycopg.Error as e:
        raise DatabaseError(f"cannot create a scratch database on {describe(admin_url)}: "
                            f"{str(e).strip()}", hint="the --dev-url user needs CREATEDB") from None


_SMALL = 300  # relations; above this a scratch database is dropped, not emptied


def _left_large(conn: psycopg.Connection[Any]) -> bool:
    try:
        return conn.info.transaction_status == _IDLE and _size(conn) > _SMALL
    except psycopg.Error:
        return False  # a broken connection: whoever claims it next looks


def _size(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                       " WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'"
                       ).fetchone()
    return int(row[0]) if row else 0


# Default privileges in every schema back to PostgreSQL's built-in ones (acldefault), which removes
# their rows: what another schema.yaml declared there must not be read as this one's.
_RESET_DEFAULT_PRIVILEGES = """DO $$DECLARE r record; BEGIN
FOR r IN SELECT pg_get_userbyid(d.defaclrole) AS creator, d.defaclobjtype AS t,
                CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS'
                                     WHEN 'T' THEN 'TYPES' ELSE 'SCHEMAS' END AS objects,
                CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee
         FROM pg_default_acl d, aclexplode(d.defaclacl) a WHERE d.defaclnamespace = 0 LOOP
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I REVOKE ALL ON %s FROM %s', r.creator, r.objects, r.grantee);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT ALL ON %s TO %I', r.creator, r.objects, r.creator);
    IF r.t IN ('f', 'T') THEN
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT %s ON %s TO PUBLIC', r.creator,
                       CASE r.t WHEN 'f' THEN 'EXECUTE' ELSE 'USAGE' END, r.objects);
    END IF;
END LOOP; END$$"""


_LOOSE = """SELECT format('DROP SERVER IF EXISTS %I CASCADE', srvname) FROM pg_foreign_server
UNION ALL
SELECT format('DROP FOREIGN DATA WRAPPER IF EXISTS %I CASCADE', fdwname) FROM pg_foreign_data_wrapper w
WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_foreign_data_wrapper'::regclass
                  AND d.objid = w.oid AND d.deptype = 'e')
UNION ALL
SELECT format('DROP CAST IF EXISTS (%s AS %s)', format_type(castsource, NULL), format_type(casttarget, NULL))
FROM pg_cast c WHERE c.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_cast'::regclass AND d.objid = c.oid
                  AND d.deptype IN ('e', 'i'))"""


def _empty(conn: psycopg.Connection[Any]) -> None:
    """Back to what CREATE DATABASE gives: drop every schema and extension, make public again,
    default privileges given in every schema taken back."""
    if conn.execute("SELECT 1 FROM pg_default_acl WHERE defaclnamespace = 0 LIMIT 1").fetchone():
        conn.execute(_RESET_DEFAULT_PRIVILEGES)
    schemas = [r[0] for r in conn.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
        "AND nspname <> 'information_schema'").fetchall()]
    exts = [r[0] for r in conn.execute(
        "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'").fetchall()]
    # what belongs to the database, not to a schema: servers and wrappers (an extension's
    # wrapper goes with it), casts between built-in types
    loose = conn.execute(_LOOSE).fetchall()
    if schemas == ["public"] and not exts and not loose and not conn.execute(
            "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' UNION ALL SELECT 1 FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = 'public' UNION ALL SELECT 1 FROM pg_type t "
            "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' LIMIT 1"
    ).fetchone():
        return
    with conn.transaction():
        for (drop,) in loose:
            conn.execute(drop.encode())
        for e in exts:
            conn.execute(f'DROP EXTENSION IF EXISTS "{e}" CASCADE'.encode())
        for s in schemas:
            conn.execute(("DROP SCHEMA IF EXISTS " + ident(s) + " CASCADE").encode())
        if server_version(conn) >= 150000:
            conn.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
            conn.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
        else:
            conn.execute("CREATE SCHEMA public")
            conn.execute("GRANT ALL ON SCHEMA public TO PUBLIC")
        conn.execute("COMMENT ON SCHEMA public IS 'standard public schema'")


_CHUNK = 2000  # statements per round trip


def _ensure_roles(admin: psycopg.Connection[Any], roles: set[str]) -> None:
    """Roles belong to the cluster, not to schema.yaml: the scratch server gets the ones the
    schema names (NOLOGIN, nothing granted) so that it can build it. The target's own roles are
    checked, never created (api.check_roles)."""
    if not roles:
        return
    have = {r[0] for r in admin.execute("SELECT quote_ident(rolname) FROM pg_roles").fetchall()}
    for role in sorted(roles - have):
        try:
            admin.execute(f"CREATE ROLE {role} NOLOGIN".encode())
        except psycopg.errors.DuplicateObject:
            pass  # another build made it meanwhile


def _build(conn: psycopg.Connection[Any], stmts: list[PlannedStatement],
           loaded: LoadedSchema | None, admin_url: str) -> None:
    """All of the DDL in one round trip; statement by statement only to locate a failure."""
    conn.execute("SET check_function_bodies = off")
    try:
        # Few round trips, each a transaction of a bounded size (a lock per new relation).
        for start in range(0, len(stmts), _CHUNK):
            with conn.transaction():
                conn.execute(script(stmts[start:start + _CHUNK]).encode())
        return
    except psycopg.Error:
        _empty(conn)
    for s in stmts:
        try:
            conn.execute(s.sql.encode())
        except psycopg.Error as e:
            if loaded is None:
                raise DatabaseError(f"schemacode could not rebuild the schema it read back "
                                    f"(a bug; please report it): {e}\n  statement: {s.sql}") from None
            raise _located(e, s, loaded, admin_url) from None
    raise DatabaseError("the scratch database rejected the schema, but no single statement failed")


def _located(e: psycopg.Error, s: PlannedStatement, loaded: LoadedSchema, admin_url: str) -> SchemaError:
    reason = (e.diag.message_primary or str(e)).strip()
    hint = None
    for needle, why in _MISSING_HINTS:
        if needle in reason.lower():
            hint = (f"{why}; point --dev-url at a PostgreSQL server that has it "
                    f"(the scratch server is {describe(admin_url)})")
    if _FULL[0] in reason.lower():
        hint = _FULL[1]
    if hint is None and e.diag.message_hint:
        hint = e.diag.message_hint
    src = s.source
    msg = f"PostgreSQL rejected {s.change[2:]}: {reason}\n  statement: {s.sql.splitlines()[0]}"
    return SchemaError(msg, file=src.file if src else loaded.file, line=src.line if src else None,
                       path=src.path if src else None, hint=hint)


_SKIPPED = re.compile(r"^\s*(ALTER\s+\S+(\s+\S+)*\s+OWNER\s+TO\s|GRANT\s|REVOKE\s|ALTER\s+DEFAULT\s+PRIVILEGES)",
                      re.IGNORECASE)


@contextmanager
def empty_database(dev_url: str | None = None) -> Iterator[str]:
    """An empty scratch database (on the scratch server, or a temporary one on ``dev_url``'s
    server) for another program to build in; yields its URL."""
    admin_url = dev_url or scratch_admin_url()
    with connect(admin_url, autocommit=True) as admin:
        with scratch_database(admin, admin_url, reuse=dev_url is None) as conn:
            yield with_database(admin_url, conn.info.dbname)


@contextmanager
def run_sql_files(files: list[Path], dev_url: str | None = None) -> Iterator[str]:
    """A scratch database built by running SQL files with psql, in order; yields its URL.

    Ownership and privileges (OWNER TO, GRANT, REVOKE) name roles the scratch server does not
    have and say nothing of the schema, so those lines are skipped."""
    with empty_database(dev_url) as url:
        for f in files:
            _psql(url, f)
        yield url


def _psql(url: str, path: Path) -> None:
    try:
        text = path.read_text()
    except OSError as e:
        raise DatabaseError(f"cannot read {path}: {e.strerror}") from None
    kept = "\n".join("-- skipped by schemacode: " + line if _SKIPPED.match(line) else line
                     for line in text.splitlines())
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as tmp:
        tmp.write(kept + "\n")
    try:
        result = subprocess.run(
            [str(postgres_bin() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
             "-d", url, "-f", tmp.name],
            capture_output=True, text=True, timeout=600,
        )
    finally:
        os.unlink(tmp.name)
    if result.returncode != 0:
        message = result.stderr.strip().replace(tmp.name, str(path))
        message = re.sub(r"^psql:", "", message, flags=re.MULTILINE)
        raise DatabaseError(f"{path} does not run in the scratch database:\n{message}",
                            hint="import needs SQL PostgreSQL accepts; pass --dev-url for a server "
                                 "with the extensions it uses")


Described = tuple[list[str], list[tuple[str, str, bool, "tuple[str, str] | None"]]]


def describe_statements(loaded: LoadedSchema, statements: list[str], dev_url: str | None = None
                        ) -> list[Described | str]:
    """Each statement prepared in a scratch database holding schema.yaml: its parameter types
    and its result columns (name, type, NOT NULL of the table column it comes from, that
    column), or PostgreSQL's error ("message\\0position"). Nothing is executed."""
    from .introspect import query_text

    admin_url = dev_url or scratch_admin_url()
    with connect(admin_url, autocommit=True) as admin:
        with scratch_database(admin, admin_url, reuse=dev_url is None) as conn:
            _ensure_roles(admin, loaded.catalog.roles())
            _build(conn, creation_statements(loaded.catalog), loaded, admin_url)
            conn.execute("RESET check_function_bodies")
            raw: list[tuple[list[tuple[int, int]], list[tuple[str, int, int, int, int]]] | str] = []
            pg = conn.pgconn
            for i, sql in enumerate(statements):
                name = f"schemacode_q{i}".encode()
                res = pg.prepare(name, sql.encode())
                if res.status != psycopg.pq.ExecStatus.COMMAND_OK:
                    msg = (res.error_field(psycopg.pq.DiagnosticField.MESSAGE_PRIMARY) or b"").decode()
                    pos = (res.error_field(psycopg.pq.DiagnosticField.STATEMENT_POSITION) or b"").decode()
                    raw.append(f"{msg}\0{pos}")
                    continue
                d = pg.describe_prepared(name)
                raw.append(([(d.param_type(k), -1) for k in range(d.nparams)],
                            [((d.fname(k) or b"").decode(), d.ftype(k), d.fmod(k), d.ftable(k), d.ftablecol(k))
                             for k in range(d.nfields)]))
                pg.exec_(b"DEALLOCATE " + name)
            oids, mods, relids, nums = [], [], [], []
            for r in raw:
                if not isinstance(r, str):
                    for oid, mod in r[0]:
                        oids.append(oid)
                        mods.append(mod)
                    for _, oid, mod, rel, num in r[1]:
                        oids.append(oid)
                        mods.append(mod)
                        if rel:
                            relids.append(rel)
                            nums.append(num)
            with conn.transaction():
                conn.execute("SET LOCAL search_path = pg_catalog")
                names = [row[0] for row in conn.execute(query_text("statement_types"),
                                                        {"oids": oids, "mods": mods})]
                sources = {(row[0], row[1]): (row[2], row[3], row[4], row[5]) for row in
                           conn.execute(query_text("statement_columns"), {"relids": relids, "nums": nums})}
    out: list[Described | str] = []
    it = iter(names)
    for r in raw:
        if isinstance(r, str):
            out.append(r)
            continue
        params = [next(it) for _ in r[0]]
        columns: list[tuple[str, str, bool, tuple[str, str] | None]] = []
        for cname, _, _, rel, num in r[1]:
            type_ = next(it)
            src = sources.get((rel, num))
            columns.append((cname, type_, bool(src and src[0]),
                            (f"{src[1]}.{src[2]}", src[3]) if src else None))
        out.append((params, columns))
    return out
