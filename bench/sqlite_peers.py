"""SQLite: schemacode beside Alembic's autogenerate in batch mode and sqlite-utils' transform, on
the same schema pair (N tables, rows in them; about a tenth of the tables changed: a type, a
column added, a column dropped, NOT NULL taken off, an index added, a check changed; a few
tables dropped and added).

    python bench/sqlite_peers.py [N ...]        (default: 100 1000)

For each tool: the wall time from "the database is A" to "the database is B" (planning or
autogenerating included), and whether the result equals B built directly (SQLite's catalog read
back: columns, types, NOT NULL, defaults, keys, checks, foreign keys, indexes) with every row of
the columns both have kept. Alembic and sqlite-utils are optional (pip install alembic
sqlite-utils): without them, their lines say so.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any, Callable

from schemacode import api
from schemacode.load import load_text
from schemacode.sqlite.api import build
from schemacode.sqlite.catalog import SCatalog, read

KINDS = ["type", "add", "drop", "nullable", "index", "check"]


def spec(n: int, changed: bool) -> dict[str, dict[str, Any]]:
    """Table name → its columns (name → (type, not null)), index columns, check, foreign key."""
    out: dict[str, dict[str, Any]] = {}
    for i in range(n):
        kind = KINDS[(i // 10) % len(KINDS)] if changed and i % 10 == 3 else None
        if changed and i % 100 == 7:
            continue  # dropped
        cols = {"id": ("integer", True), "name": ("varchar(100)", kind != "nullable"),
                "score": ("integer", False), "note": ("varchar(200)" if kind == "type" else "text", False)}
        if kind == "drop":
            del cols["note"]
        if i:
            cols["ref"] = ("integer", False)
        if kind == "add":
            cols["extra"] = ("text", False)  # (at the end: where ALTER TABLE … ADD COLUMN puts it)
        out[f"t{i:04}"] = {"columns": cols, "indexes": ["name"] + (["score"] if kind == "index" else []),
                           "check": "score >= 1" if kind == "check" else "score >= 0",
                           "ref": f"t{i - 1:04}" if i and not (changed and (i - 1) % 100 == 7) else None}
        if not out[f"t{i:04}"]["ref"]:
            cols.pop("ref", None)
    if changed:
        for i in range(0, n, 100):
            out[f"new{i:04}"] = {"columns": {"id": ("integer", True), "body": ("text", False)},
                                 "indexes": [], "check": None, "ref": None}
    return out


def to_yaml(s: dict[str, dict[str, Any]]) -> str:
    lines = ["tables:"]
    for t, d in s.items():
        lines += [f"  {t}:", "    columns:"]
        for c, (typ, nn) in d["columns"].items():
            extra = ", primary_key: true" if c == "id" else (", null: false" if nn else "")
            ref = f", references: {d['ref']}.id" if c == "ref" and d["ref"] else ""
            lines.append(f"      {c}: {{type: {typ}{extra}{ref}}}")
        if d["check"]:
            lines += ["    checks:", f"      {t}_score: {d['check']}"]
        if d["indexes"]:
            lines += ["    indexes:"] + [f"      ix_{t}_{c}: [{c}]" for c in d["indexes"]]
    return "\n".join(lines) + "\n"


def fill(db: Path, s: dict[str, dict[str, Any]]) -> None:
    with closing(sqlite3.connect(db)) as conn:
        for t, d in s.items():
            cols = list(d["columns"])
            values = {"id": None, "name": "n", "score": 5, "note": "a note", "ref": None}
            conn.executemany(f"INSERT INTO {t} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                             [[i if c == "id" else values.get(c) for c in cols] for i in range(1, 11)])
        conn.commit()


def kept_rows(db: Path, a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out = {}
    with closing(sqlite3.connect(db)) as conn:
        for t in sorted(set(a) & set(b)):
            cols = [c for c in a[t]["columns"] if c in b[t]["columns"]]
            out[t] = conn.execute(f"SELECT {', '.join(cols)} FROM {t} ORDER BY id").fetchall()
    return out


def verdict(db: Path, wanted: SCatalog, rows: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> str:
    with closing(sqlite3.connect(db)) as conn:
        got = read(conn)
    wrong = sorted(t for t in set(got.tables) | set(wanted.tables) if got.tables.get(t) != wanted.tables.get(t))
    wrong += sorted(i for i in set(got.indexes) | set(wanted.indexes)
                    if (got.indexes.get(i) or None) != (wanted.indexes.get(i) or None))
    lost = kept_rows(db, a, b) != rows
    if not wrong and not lost:
        return "yes"
    if os.environ.get("BENCH_VERBOSE"):
        import dataclasses
        for w in wrong:
            x, y = got.tables.get(w) or got.indexes.get(w), wanted.tables.get(w) or wanted.indexes.get(w)
            if x is None or y is None:
                print("   ", w, "missing" if x is None else "extra")
                continue
            for f in dataclasses.fields(x):
                if f.compare and getattr(x, f.name) != getattr(y, f.name):
                    print("   ", w, f.name, getattr(x, f.name), "wanted", getattr(y, f.name))
    return f"no ({len(wrong)} objects differ{', rows lost' if lost else ''})"


def schemacode_run(db: Path, b_yaml: str) -> None:
    loaded = load_text(b_yaml, "b.yaml")
    api.apply(loaded, f"sqlite:///{db}", allow_destructive=True)


def alembic_run(db: Path, b: dict[str, dict[str, Any]], drops_last: bool = False) -> None:
    import sqlalchemy as sa
    from alembic.autogenerate import produce_migrations
    from alembic.migration import MigrationContext
    from alembic.operations import Operations, ops

    md = sa.MetaData()
    for t, d in b.items():
        items: list[Any] = []
        for c, (typ, nn) in d["columns"].items():
            sa_type = {"integer": sa.Integer(), "text": sa.Text(), "varchar(100)": sa.String(100),
                       "varchar(200)": sa.String(200)}[typ]
            args = [sa.ForeignKey(f"{d['ref']}.id")] if c == "ref" else []
            items.append(sa.Column(c, sa_type, *args, primary_key=c == "id", nullable=not nn and c != "id",
                                   autoincrement=False))
        if d["check"]:
            items.append(sa.CheckConstraint(d["check"], name=f"{t}_score"))
        table = sa.Table(t, md, *items)
        for c in d["indexes"]:
            sa.Index(f"ix_{t}_{c}", table.c[c])
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                     "target_metadata": md})
        script = produce_migrations(ctx, md)
        op = Operations(ctx)
        todo = list(script.upgrade_ops.ops)
        if drops_last:  # the hand edits its batch mode needs: a table referenced is reflected; unnamed
            # foreign keys are named by a convention
            todo.sort(key=lambda o: isinstance(o, ops.DropTableOp))
        for o in todo:
            if isinstance(o, ops.ModifyTableOps):
                names = {"naming_convention": {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}}
                with op.batch_alter_table(o.table_name, **(names if drops_last else {})) as batch:
                    for sub in o.ops:
                        if drops_last and isinstance(sub, ops.DropConstraintOp) and sub.constraint_name is None:
                            continue  # an unnamed foreign key on a column dropped: it goes with the column
                        batch.invoke(sub)
            else:
                op.invoke(o)
    engine.dispose()


def sqlite_utils_run(db: Path, a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> None:
    """sqlite-utils has no diff: the changes are given to it (what a hand-written script does)."""
    import sqlite_utils

    d = sqlite_utils.Database(db)
    for t in set(a) - set(b):
        d[t].drop()
    for t in set(b) - set(a):
        cols = {c: (int if typ == "integer" else str) for c, (typ, nn) in b[t]["columns"].items()}
        d[t].create(cols, pk="id")
    for t in sorted(set(a) & set(b)):
        x, y = a[t], b[t]
        if x == y:
            continue
        added = {c: str for c in y["columns"] if c not in x["columns"]}
        dropped = {c for c in x["columns"] if c not in y["columns"]}
        if x["columns"] != y["columns"] or x["check"] != y["check"]:
            if set(added) == set(y["columns"]) - set(x["columns"]) and not dropped and \
                    all(x["columns"][c] == y["columns"][c] for c in x["columns"]) and x["check"] == y["check"]:
                for c in added:
                    d[t].add_column(c, str)
            else:
                d[t].transform(drop=dropped, not_null={c for c, (_, nn) in y["columns"].items() if nn},
                               types={c: str for c in added})
                for c in added:
                    d[t].add_column(c, str)
        for c in y["indexes"]:
            if c not in x["indexes"]:
                d[t].create_index([c], index_name=f"ix_{t}_{c}")


def timed(fn: Callable[[], None]) -> tuple[float, str | None]:
    start = time.perf_counter()
    try:
        fn()
    except Exception as e:  # a peer that fails on the pair: said, not hidden
        return time.perf_counter() - start, f"failed: {type(e).__name__}: {str(e).splitlines()[0][:80]}"
    return time.perf_counter() - start, None


def main(sizes: list[int]) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="schemacode-sqlite-bench-"))
    try:
        for n in sizes:
            a, b = spec(n, False), spec(n, True)
            a_yaml, b_yaml = to_yaml(a), to_yaml(b)
            start = tmp / f"a{n}.db"
            api.apply(load_text(a_yaml, "a.yaml"), f"sqlite:///{start}")
            fill(start, a)
            rows = kept_rows(start, a, b)
            wanted = build(load_text(b_yaml, "b.yaml")).catalog
            changed = sum(1 for t in set(a) & set(b) if a[t] != b[t])
            print(f"{n} tables ({changed} changed, {len(set(a) - set(b))} dropped, {len(set(b) - set(a))} added; "
                  f"10 rows each)")
            runs: list[tuple[str, Callable[[Path], None]]] = [("schemacode plan + apply", lambda db: schemacode_run(db, b_yaml))]
            try:
                import alembic  # noqa: F401
                runs.append(("Alembic autogenerate, batch mode", lambda db: alembic_run(db, b)))
                runs.append(("  the same, edited by hand (see source)", lambda db: alembic_run(db, b, True)))
            except ImportError:
                print("  Alembic                               not installed")
            try:
                import sqlite_utils  # noqa: F401
                runs.append(("sqlite-utils (changes given by hand)", lambda db: sqlite_utils_run(db, a, b)))
            except ImportError:
                print("  sqlite-utils                          not installed")
            for label, run in runs:
                db = tmp / f"{len(runs)}{label.split()[0]}{n}.db"
                shutil.copy(start, db)
                seconds, failed = timed(lambda: run(db))
                result = failed or f"equals B: {verdict(db, wanted, rows, a, b)}"
                print(f"  {label:<38} {seconds:7.2f} s   {result}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main([int(x) for x in sys.argv[1:]] or [100, 1000])
