"""The round-trip contract of pull and apply, as one helper the exactness tests share.

Given SQL that builds a database nobody wrote for schemacode: load it into a source database,
pull it, apply the pulled schema.yaml onto an empty database and onto an older state; then
pg_dump of source and target are the same statement for statement, planning again is empty
against both, and the plan's backward SQL brings the target back to where it started.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

import psycopg

from schemacode import api
from schemacode.load import LoadedSchema, load_text
from schemacode.server import postgres_bin

from .conftest import Database


def other_database(db: Database, suffix: str, admin: str | None = None) -> Database:
    """A new database beside ``db`` (on the server ``admin`` names, when given)."""
    other = Database(admin or db.admin, f"{db.name}_{suffix}", db.tmp)
    with psycopg.connect(other.admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{other.name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{other.name}"')
    return other


def _table_body_sorted(stmt: str) -> str:
    """CREATE TABLE with its items sorted: a live table's columns are never reordered, so a
    column dropped and added back (the backward SQL) stands last. Order is no difference."""
    m = re.match(r"CREATE (?:UNLOGGED )?TABLE \S+ \(", stmt)
    if not m:
        return stmt
    depth, quoted, i = 1, False, m.end()
    items, start = [], m.end()
    while i < len(stmt) and depth:
        ch = stmt[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and ch == "," and depth == 1:
            items.append(stmt[start:i].strip())
            start = i + 1
        i += 1
    items.append(stmt[start:i - 1].strip())
    return f"{stmt[:m.end()]} {', '.join(sorted(items))} {stmt[i - 1:]}"


def pg_dump(db: Database, column_order_free: bool = False) -> list[str]:
    """pg_dump --schema-only as a sorted list of statements, without schemacode's history."""
    out = subprocess.run([str(postgres_bin() / "pg_dump"), "--schema-only", "--no-owner",
                          "--no-privileges", "-d", db.url], capture_output=True, text=True,
                         check=True).stdout
    text = "\n".join(line for line in out.splitlines() if not line.startswith(("--", "\\")))
    stmts = []
    for s in re.split(r";\s*\n", text):
        s = " ".join(s.split())
        if not s or s.startswith(("SET ", "SELECT pg_catalog.set_config")) or "schemacode" in s:
            continue
        stmts.append(_table_body_sorted(s) if column_order_free else s)
    return sorted(stmts)


def restore(db: Database, dump: str) -> None:
    """Run pg_dump's SQL into ``db`` with psql, as a backup is restored. (pg_dump is the embedded
    server's: a setting an older server lacks, which it sets to its default, is left out.)"""
    sql = "\n".join(line for line in dump.splitlines() if not line.startswith("SET transaction_timeout"))
    subprocess.run([str(postgres_bin() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.url],
                   input=sql, capture_output=True, text=True, check=True)


@dataclass
class RoundTrip:
    loaded: LoadedSchema
    text: str
    source: Database


def round_trip(db: Database, sql: str, older: str | None = None) -> RoundTrip:
    """Check the whole contract for ``sql``; ``older``, SQL of a state the target starts in."""
    source = other_database(db, "src")
    source.execute(sql)
    pulled = api.pull(source.url)
    loaded = load_text(pulled.text, "pulled.yaml")
    assert api.plan(loaded, source.url).plan.is_empty, "pull then plan on the same database:\n" + \
        "\n".join(s.sql for s in api.plan(loaded, source.url).plan.forward)
    expected = pg_dump(source)
    for i, start in enumerate([None] if older is None else [None, older]):
        target = other_database(db, f"dst{i}")
        if start:
            target.execute(start)
        before = pg_dump(target, column_order_free=True)
        planned = api.plan(loaded, target.url).plan
        api.apply(loaded, target.url, allow_destructive=True)
        after = pg_dump(target, column_order_free=bool(start))
        wanted = pg_dump(source, column_order_free=bool(start))
        missing = [s for s in wanted if s not in after]
        extra = [s for s in after if s not in wanted]
        assert after == wanted, f"pg_dump differs (target {'older state' if start else 'empty'}):\n" \
                                f"missing {missing}\nextra {extra}"
        again = api.plan(loaded, target.url).plan
        assert again.is_empty, "re-plan is not empty:\n" + "\n".join(s.sql for s in again.forward)
        target.run_script(planned.backward)
        back = pg_dump(target, column_order_free=True)
        assert back == before, f"backward SQL did not return to the start:\nmissing " \
                               f"{[s for s in before if s not in back]}\nextra {[s for s in back if s not in before]}"
    assert pg_dump(source) == expected
    return RoundTrip(loaded, pulled.text, source)
