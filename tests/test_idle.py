"""The embedded servers stop by themselves once idle (schemacode/idle.py), never while in use:
for real, with servers of the test's own and a timeout of two seconds."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import psycopg
import pytest

from schemacode import idle
from schemacode.errors import SchemacodeError
from schemacode.idle import duration, parse_timeout
from schemacode.server import home

from . import pgserver
from .conftest import Database

TIMEOUT = 2.0  # seconds: the watcher checks every third of a second


def _cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from schemacode.cli import main; main()", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_a_server_stops_once_idle_and_never_while_in_use(tmp_path: Path) -> None:
    env = {**os.environ, "SCHEMACODE_HOME": str(tmp_path / "home"), "SCHEMACODE_SCRATCH_DIR": str(tmp_path / "scratch"),
           idle.ENV: f"{TIMEOUT:g}"}
    env.pop("DATABASE_URL", None)
    target, scratch = tmp_path / "home" / "pgdata", tmp_path / "scratch" / "pgdata"
    (tmp_path / "schema.yaml").write_text("tables:\n  idle_t:\n    columns: {id: serial primary key}\n")
    holder = None
    try:
        # Started by a command (both servers), idle once it ends: each stops by itself, the
        # target keeping its data, the scratch server's throwaway data removed.
        plan = _cli(env, tmp_path, "plan")
        assert plan.returncode == 0 and "+ table public.idle_t" in plan.stdout, plan.stderr
        ended = time.monotonic()
        assert _until(lambda: not idle.running(target) and not scratch.exists(), TIMEOUT + 30)
        assert time.monotonic() - ended >= TIMEOUT
        assert (target / "PG_VERSION").exists() and not idle.running(target)
        logs = [pgdata.parent / ".pgdata.log" for pgdata in (target, scratch)]
        assert _until(lambda: all(log.read_text().rstrip().endswith("stopped") for log in logs), 30)
        assert all("(timeout 2 s): stopping" in log.read_text() for log in logs)
        assert _until(lambda: not _watchers(tmp_path), 10)  # they end with their servers

        # In use by a process (it has called the library: it holds the server until it exits):
        # never stopped, however long it is idle.
        holder = subprocess.Popen(
            [sys.executable, "-c", "from schemacode.server import embedded_admin_url\n"
             "print(embedded_admin_url(), flush=True)\ninput()"],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert holder.stdout is not None and holder.stdin is not None
        url = holder.stdout.readline().strip()
        time.sleep(TIMEOUT + 1)  # the timeout, and three checks more
        assert idle.running(target)
        status = _cli(env, tmp_path, "server", "status").stdout.splitlines()
        assert status[0].startswith("target   running") and status[0].endswith("(in use; stops after 2 s idle)")
        assert status[1].startswith("scratch  stopped")

        # A client connected (someone's psql or application) keeps it running too.
        with psycopg.connect(url) as conn:
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.wait(timeout=30) == 0
            time.sleep(TIMEOUT + 1)
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert _until(lambda: not idle.running(target), TIMEOUT + 30)
    finally:
        if holder is not None and holder.poll() is None:
            holder.kill()
        _cli(env, tmp_path, "server", "stop")


def test_a_command_waits_while_its_server_is_being_stopped(tmp_path: Path) -> None:
    """The watcher stops a server only while it holds the server's lease alone; a command that
    comes meanwhile waits for the stop to end (then starts the server again), and while the
    command holds it, the watcher cannot have it."""
    import fcntl
    import select

    pgdata, lease = tmp_path / "pgdata", tmp_path / ".pgdata.lease"
    watcher = os.open(lease, os.O_RDWR | os.O_CREAT)
    fcntl.flock(watcher, fcntl.LOCK_EX)  # as the watcher holds it while it stops the server
    command = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom pathlib import Path\nfrom schemacode import idle\n"
         "idle.hold(Path(sys.argv[1]))\nprint('holds it', flush=True)\ninput()", str(pgdata)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert command.stdout is not None and command.stdin is not None
    try:
        assert select.select([command.stdout], [], [], 3)[0] == []  # waiting
        os.close(watcher)  # the stop is over
        assert command.stdout.readline() == "holds it\n"
        assert idle._locked(lease)  # the watcher cannot take it now
        command.stdin.write("\n")
        command.stdin.flush()
        assert command.wait(timeout=30) == 0
        assert not idle._locked(lease)  # the lock went with the process
    finally:
        command.kill()


def _watchers(tmp_path: Path) -> list[str]:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [ln for ln in out.splitlines() if "schemacode.idle" in ln and str(tmp_path) in ln]


def test_the_test_processes_hold_their_own_servers(db: Database) -> None:
    """What keeps the suite's servers up while it runs (conftest.py sets a short timeout, for
    runs that end without stopping them): the test process holds its target server."""
    if os.environ.get(pgserver.ENV):
        pytest.skip("the targets run on another server (tests/pgserver.py), not on the embedded one")
    state = idle.state(home() / "pgdata")
    assert state.in_use and state.watched and state.timeout == parse_timeout(os.environ[idle.ENV])


@pytest.mark.parametrize("text, seconds", [("90", 90), ("90s", 90), ("10m", 600), ("1.5h", 5400), ("1d", 86400),
                                            (" 2 min ", 120), ("0", None), ("never", None), ("off", None)])
def test_the_idle_timeout_is_a_duration(text: str, seconds: float | None) -> None:
    assert parse_timeout(text) == seconds


def test_a_timeout_that_is_not_a_duration_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(idle.ENV, "soon")
    with pytest.raises(SchemacodeError, match="SCHEMACODE_IDLE_TIMEOUT='soon' is not a duration"):
        idle.idle_timeout()
    monkeypatch.delenv(idle.ENV)
    assert idle.idle_timeout() == idle.DEFAULT_TIMEOUT == 1800
    assert [duration(s) for s in (2, 119, 1800, 7200, 9000)] == ["2 s", "119 s", "30 min", "2 h", "2 h 30 min"]
