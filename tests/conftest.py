"""A real PostgreSQL for the tests: one embedded server per test process, a database per test."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any, Iterator

import psycopg
import pytest

from schemacode.apply import execute
from schemacode.introspect import introspect
from schemacode.load import LoadedSchema, load_text
from schemacode.model import Catalog
from schemacode.idle import ENV as IDLE_ENV
from schemacode.server import embedded_admin_url, scratch_dir, stop_server, with_database

from . import pgserver


# The embedded servers the tests start stop by themselves this long after the run ends, when
# it ends without stopping them (killed, interrupted). While the run lasts they never stop: a
# test process that has used a server holds it until it exits (schemacode/idle.py).
os.environ.setdefault(IDLE_ENV, "120")
# Every plan that finds the live catalog or the plan kept from a run before reads and plans again,
# and fails if they differ: the whole suite checks the stamps (tests/test_live_cache.py).
os.environ.setdefault("SCHEMACODE_LIVE_CACHE", "verify")


@pytest.fixture(scope="session")
def pg_admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Admin URL of a private embedded server (its data deleted when the tests end)."""
    # The tool's own default: the embedded server in $SCHEMACODE_HOME/pgdata, here a private
    # one per test process, deleted at the end.
    home = tmp_path_factory.mktemp("home")
    os.environ["SCHEMACODE_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("SCHEMACODE_DEV_URL", None)
    other = os.environ.get(pgserver.ENV)
    if other:  # the targets on another PostgreSQL (say, 15): see tests/pgserver.py
        server: Any = pgserver.start(other)
        url = server.url
    else:
        url = embedded_admin_url()
    with psycopg.connect(url, autocommit=True) as conn:  # durability is not what tests test
        conn.execute("ALTER SYSTEM SET fsync = off")
        conn.execute("ALTER SYSTEM SET synchronous_commit = off")
        conn.execute("SELECT pg_reload_conf()")
    yield url
    if other:
        server.stop()
    stop_server(home / "pgdata", delete=True)  # the embedded one (used by some tests with another target)
    stop_server(scratch_dir() / "pgdata", delete=True)  # the scratch server the tool started
    shutil.rmtree(scratch_dir(), ignore_errors=True)


def database_names(url: str) -> set[str]:
    """The databases of the server at ``url``."""
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database")}


class Database:
    """A fresh database, and helpers to plan and apply schema.yaml text onto it."""

    def __init__(self, admin: str, name: str, tmp: Path) -> None:
        self.admin = admin
        self.name = name
        self.url = with_database(admin, name)
        self.tmp = tmp

    def load(self, text: str, name: str = "schema.yaml") -> LoadedSchema:
        """schema.yaml text, loaded; the test is skipped when it names an extension this
        database's server does not have (Debian's PostgreSQL 15 has no pgvector)."""
        loaded = load_text(text, name)
        wanted = {e.name for e in loaded.catalog.extensions.values()}
        if wanted:
            have = {r[0] for r in self.execute("SELECT name FROM pg_available_extensions")}
            if wanted - have:
                pytest.skip(f"the test server lacks extension(s) {', '.join(sorted(wanted - have))}")
        return loaded

    def desired(self, loaded: LoadedSchema) -> Catalog:
        """``loaded`` built as a plan against this database builds it (on a scratch server of
        its major: the embedded one, or this database's own server when their majors differ)."""
        from schemacode import api

        return api.desired_catalog(loaded, self.scratch())[0]

    def scratch(self) -> str | None:
        """Where a plan against this database builds and canonicalizes (None: the embedded
        scratch server, of this database's major)."""
        from schemacode.scratch import scratch_for

        with psycopg.connect(self.url) as conn:
            return scratch_for(conn, self.url, None)

    @property
    def major(self) -> int:
        with psycopg.connect(self.url) as conn:
            return conn.info.server_version // 10000

    def skip_unless_embedded_major(self) -> None:
        """For a test of the embedded scratch server, which a target of another major does not use."""
        from schemacode.server import embedded_version

        if self.major != (embedded_version() or 0) // 10000:
            pytest.skip("the target's major is not the embedded server's: its own server is the scratch")

    def catalog(self, scope: list[str] | None = None) -> Catalog:
        with psycopg.connect(self.url) as conn:
            return introspect(conn, scope or ["public"])

    def execute(self, sql: str, params: Any = None) -> list[Any]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cur = conn.execute(sql.encode() if params is None else sql, params)
            return cur.fetchall() if cur.description else []

    def run_script(self, statements: Any) -> None:
        """Run planned statements the way apply does (stages, one transaction)."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            execute(conn, statements)

    def write(self, text: str, name: str = "schema.yaml") -> Path:
        p = self.tmp / name
        p.write_text(text)
        return p


@pytest.fixture
def db(pg_admin: str, tmp_path: Path) -> Iterator[Database]:
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield Database(pg_admin, name, tmp_path)
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="Write the golden files (tests/golden/) from what the code renders now, "
                          "instead of comparing with them; review the diff.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def pytest_configure(config: pytest.Config) -> None:
    """A temporary folder of the run's own, where none is given. pytest's shared one
    (/tmp/pytest-of-<user>) is made private to its owner again by every session that starts,
    and a test server another session runs there (as its own user, when the tests run as root)
    then loses its data folder mid-run: two suites at once on one machine must not meet there.
    (xdist's workers are handed the controller's.)"""
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        base = Path(tempfile.mkdtemp(prefix="schemacode-pytest-"))
        config.option.basetemp = str(base / "t")
        config._schemacode_basetemp = base  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    base = getattr(config, "_schemacode_basetemp", None)
    if base is not None:
        shutil.rmtree(base, ignore_errors=True)
