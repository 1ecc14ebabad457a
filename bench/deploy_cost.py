"""What a deployment costs the application: the longest time a writer waits while a change is
applied to a table with rows.

A table of ROWS rows (default 1,000,000) and a writer inserting and updating it in a loop; one
change at a time, each applied to a fresh copy of the table (a template database) by:
  schemacode apply, schemacode apply --online, Alembic autogenerate, migra
(the last two only when installed: pip install alembic sqlalchemy migra psycopg2-binary).
Per change and tool: the longest write stall the writer saw (ms), the apply time (ms), and
whether the table or its indexes were rebuilt (relfilenode before and after).

    python bench/deploy_cost.py [ROWS]        # prints a Markdown table
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import psycopg

from schemacode import api
from schemacode.load import load_text
from schemacode.server import embedded_admin_url, with_database

BASE = """
tables:
  orgs:
    columns:
      id: int primary key
      name: text
  accounts:
    columns:
      id: {type: bigint, identity: by default, primary_key: true}
      org_id: int
      name: varchar(50)
      email: text
      score: int
      created_at: {type: timestamptz, default: {sql: now()}}
    indexes:
      accounts_name: [name]
views:
  account_names: SELECT id, name FROM accounts
"""

# (label, old text → new text in BASE)
CHANGES: list[tuple[str, list[tuple[str, str]]]] = [
    ("widen varchar(50) → varchar(100)", [("name: varchar(50)", "name: varchar(100)")]),
    ("varchar → text", [("name: varchar(50)", "name: text")]),
    ("add a column with a default", [("      score: int\n", "      score: int\n      status: {type: text, default: active}\n")]),
    ("add a NOT NULL column (default 0)", [("      score: int\n", "      score: int\n      tier: {type: int, null: false, default: 0}\n")]),
    ("add an index", [("      accounts_name: [name]\n", "      accounts_name: [name]\n      accounts_email: [email]\n")]),
    ("add a foreign key", [("      org_id: int\n", "      org_id: {type: int, references: orgs}\n")]),
    ("add a check", [("      score: int\n", "      score: {type: int, check: score >= 0}\n")]),
    ("set NOT NULL", [("      email: text\n", "      email: {type: text, null: false}\n")]),
    ("add a column to a view", [("SELECT id, name FROM accounts", "SELECT id, name, email FROM accounts")]),
    ("integer → bigint (a true rewrite)", [("      score: int\n", "      score: bigint\n")]),
]


def _apply_text(text: str, changes: list[tuple[str, str]]) -> str:
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return text


class Writer(threading.Thread):
    """Inserts and updates in a loop, one statement per transaction; records when each ends."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.done: list[float] = []
        self.stop = threading.Event()
        self.errors = 0

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            n = 0
            while not self.stop.is_set():
                n += 1
                try:
                    if n % 2:
                        conn.execute("INSERT INTO accounts (org_id, name, email, score) "
                                     "VALUES (1, 'writer', 'w@example.com', 1)")
                    else:
                        conn.execute("UPDATE accounts SET score = score + 1 WHERE id = %s", (n * 7919 % 100000 + 1,))
                except psycopg.Error:
                    self.errors += 1  # the table being rebuilt under a tool that fails
                self.done.append(time.perf_counter())

    def stall(self, start: float, end: float) -> float:
        """The longest gap between two writes that overlaps [start, end], in ms."""
        times = [start] + [t for t in self.done if start <= t] + [max(end, self.done[-1] if self.done else end)]
        times = sorted(t for t in times if t <= end + 60)
        gaps = [b - a for a, b in zip(times, times[1:]) if b >= start and a <= end]
        return max(gaps, default=0.0) * 1000


def _nodes(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_relation_filenode(c.oid) FROM pg_class c "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')").fetchall()
    return {r[0]: r[1] for r in rows}


def _rebuilt(before: dict[str, int], after: dict[str, int]) -> str:
    changed = sorted(k for k in before if k in after and before[k] != after[k])
    if "accounts" in changed:
        return "table rewritten"
    idx = [k for k in changed if k.startswith("accounts")]
    return ("indexes: " + ", ".join(idx)) if idx else "no"


@dataclass
class Result:
    stall_ms: float
    apply_ms: float
    rebuilt: str
    note: str = ""


def _measure(url: str, run: Callable[[], None]) -> Result:
    before = _nodes(url)
    writer = Writer(url)
    writer.start()
    time.sleep(0.3)  # the writer is in its stride
    start = time.perf_counter()
    note = ""
    try:
        run()
    except Exception as e:  # a tool that cannot make the change: say so in the table
        note = f"fails: {str(e).splitlines()[0][:70]}"
    end = time.perf_counter()
    time.sleep(0.2)
    writer.stop.set()
    writer.join()
    return Result(writer.stall(start, end), (end - start) * 1000, _rebuilt(before, _nodes(url)), note)


def _schemacode(new_text: str, online: bool) -> Callable[[str], None]:
    def run(url: str) -> None:
        api.apply(load_text(new_text, "schema.yaml"), url, online=online, allow_destructive=True)
    return run


def _migra(target_url: str) -> Callable[[str], None]:
    exe = shutil.which("migra") or str(Path(sys.executable).parent / "migra")

    def run(url: str) -> None:
        out = subprocess.run([exe, "--unsafe", _uri(url), _uri(target_url)], capture_output=True, text=True)
        if out.returncode not in (0, 2):
            raise RuntimeError(out.stderr.strip().splitlines()[-1])
        with psycopg.connect(url) as conn:  # one transaction, as schemacode applies
            conn.execute(out.stdout.encode())
    return run


def _uri(dsn: str) -> str:
    """A postgresql:// URL for tools that take no libpq key=value string."""
    from urllib.parse import quote, urlencode

    params = psycopg.conninfo.conninfo_to_dict(dsn)
    db = params.pop("dbname", "")
    user = params.pop("user", "")
    host = params.pop("host", "")
    port = params.pop("port", None)
    query = urlencode({"host": host, **({"port": port} if port else {})})
    return f"postgresql://{quote(str(user))}@/{db}?{query}"


def _alembic(target_url: str) -> Callable[[str], None]:
    import sqlalchemy as sa
    from alembic.autogenerate import produce_migrations
    from alembic.migration import MigrationContext
    from alembic.operations import Operations, ops

    def engine_for(u: str) -> sa.Engine:
        return sa.create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(u))

    target = sa.MetaData()
    engine = engine_for(target_url)
    target.reflect(engine)  # the models, as an application would declare them
    engine.dispose()

    def run(url: str) -> None:
        eng = engine_for(url)
        with eng.begin() as conn:
            mc = MigrationContext.configure(conn, opts={"compare_type": True})
            script = produce_migrations(mc, target)
            op = Operations(mc)

            def invoke(o: ops.MigrateOperation) -> None:
                if isinstance(o, (ops.ModifyTableOps, ops.UpgradeOps)):
                    for x in o.ops:
                        invoke(x)
                else:
                    op.invoke(o)
            assert script.upgrade_ops is not None
            if script.upgrade_ops.is_empty():
                raise RuntimeError("autogenerate finds no change")
            invoke(script.upgrade_ops)
        eng.dispose()
    return run


def main(rows: int) -> None:
    admin = embedded_admin_url()
    tag = uuid.uuid4().hex[:6]
    template = f"deploy_base_{tag}"
    made: list[str] = []

    def create(name: str, template_db: str | None = None) -> str:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template_db}" if template_db else ""))
        made.append(name)
        return with_database(admin, name)

    try:
        base_url = create(template)
        api.apply(load_text(BASE, "schema.yaml"), base_url)
        with psycopg.connect(base_url) as conn:
            conn.execute("INSERT INTO orgs SELECT g, 'org ' || g FROM generate_series(1, 100) g")
            conn.execute("INSERT INTO accounts (org_id, name, email, score) SELECT g %% 100 + 1, 'name ' || g, "
                         "'user' || g || '@example.com', g %% 1000 FROM generate_series(1, %s) g", (rows,))
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        tools: list[str] = ["schemacode", "schemacode --online"]
        try:
            import alembic  # noqa: F401
            tools.append("Alembic autogenerate")
        except ImportError:
            print("(Alembic not installed: pip install alembic sqlalchemy)", file=sys.stderr)
        if shutil.which("migra") or (Path(sys.executable).parent / "migra").exists():
            tools.append("migra")
        else:
            print("(migra not installed: pip install migra psycopg2-binary)", file=sys.stderr)

        print(f"{rows:,} rows; a writer inserting and updating in a loop. Stall: the longest the "
              "writer waited while the change was applied.\n")
        print("| change | tool | longest write stall (ms) | apply (ms) | rebuilt |")
        print("|---|---|---:|---:|---|")
        for label, edits in CHANGES:
            new_text = _apply_text(BASE, edits)
            target_url = create(f"deploy_target_{tag}")
            api.apply(load_text(new_text, "schema.yaml"), target_url)
            runners: dict[str, Callable[[str], None]] = {
                "schemacode": _schemacode(new_text, False),
                "schemacode --online": _schemacode(new_text, True),
            }
            if "Alembic autogenerate" in tools:
                runners["Alembic autogenerate"] = _alembic(target_url)
            if "migra" in tools:
                runners["migra"] = _migra(target_url)
            for tool, run in runners.items():
                name = f"deploy_run_{tag}"
                url = create(name, template)
                r = _measure(url, lambda: run(url))
                print(f"| {label} | {tool} | {r.stall_ms:,.0f} | {r.apply_ms:,.0f} | "
                      f"{r.note or r.rebuilt} |", flush=True)
                _drop(admin, name, made)
            _drop(admin, f"deploy_target_{tag}", made)
    finally:
        for name in list(made):
            _drop(admin, name, made)


def _drop(admin: str, name: str, made: list[str]) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    if name in made:
        made.remove(name)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
