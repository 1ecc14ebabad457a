"""How long `schemacode generate` takes, and what sqlacodegen keeps of the same schema.

    python bench/codegen.py [N ...]          (default: 1000)

For N tables (tests/codegen_schemas.many_tables: 6 to 14 columns each, keys, checks, partial,
expression, DESC and GIN indexes, comments) and 3 named queries per 100 tables:

- `schemacode generate --models dataclasses --models sqlalchemy --models pydantic --queries DIR`
  as a process, cold (nothing cached: schema.yaml loaded, built in the scratch database and read
  back, every query prepared there) and warm (the second run: caches read, files rendered and
  compared); then each output's rendering alone, in-process, from the desired catalog;
- sqlacodegen (declarative generator) on a database `schemacode apply` built from the same
  schema, as a process: its time, and what each output holds of what the schema declares:
  check constraints, partial indexes, column and table comments, relationships (two per
  foreign key), server defaults.

Times are the best of 3 (BENCH_REPEAT=k): the least wall time is what the work costs, without
the noise of a shared machine. Uses its own embedded servers under a temporary SCHEMACODE_HOME.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = Path(tempfile.mkdtemp(prefix="schemacode-bench-codegen-"))
os.environ["SCHEMACODE_HOME"] = str(HOME)
sys.path.insert(0, str(ROOT))

from schemacode import api, codegen  # noqa: E402
from schemacode.load import load_text  # noqa: E402
from schemacode.server import local_database_url, stop_server, scratch_dir  # noqa: E402
from tests.codegen_schemas import many_tables  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def queries_for(n: int) -> str:
    out = []
    for i in range(1, n, max(1, n // 10)):
        out.append(f"-- name: t{i}_by_id :one\nSELECT * FROM t{i} WHERE id = @id;\n")
        out.append(f"-- name: t{i}_page :many\nSELECT id, c0 FROM t{i} WHERE id > @after ORDER BY id LIMIT @n;\n")
        out.append(f"-- name: t{i}_delete :rows\nDELETE FROM t{i} WHERE id = @id;\n")
    return "\n".join(out)


def best(fn: object, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def cli(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from schemacode.cli import run; run()", *args], cwd=cwd, check=True,
                   capture_output=True)
    return time.perf_counter() - start


def counts_declared(text: str) -> dict[str, int]:
    loaded = load_text(text)
    tables = loaded.catalog.tables.values()
    return {
        "checks": sum(1 for t in tables for c in t.constraints.values() if c.kind == "check"),
        "partial indexes": sum(1 for t in tables for i in t.indexes.values() if " WHERE " in i.definition),
        "comments": sum(1 for t in tables if t.comment) + sum(
            1 for t in tables for c in t.columns.values() if c.comment),
        "relationships": 2 * sum(1 for t in tables for c in t.constraints.values() if c.kind == "foreign_key"),
        "server defaults": sum(1 for t in tables for c in t.columns.values() if c.default is not None),
        "DESC index keys": sum(i.definition.count(" DESC") for t in tables for i in t.indexes.values()),
        "expression indexes": sum(1 for t in tables for i in t.indexes.values() if "(lower(" in i.definition),
    }


def counts_in(models: str) -> dict[str, int]:
    return {
        "checks": len(re.findall(r"CheckConstraint\(", models)),
        "partial indexes": len(re.findall(r"postgresql_where=", models)),
        "comments": len(re.findall(r"\bcomment=", models)) + len(re.findall(r"'comment': ", models)),
        "relationships": len(re.findall(r"= relationship\(", models)),
        "server defaults": len(re.findall(r"server_default=", models)),
        "DESC index keys": len(re.findall(r"\bDESC\b|\.desc\(\)", models)),
        "expression indexes": len(re.findall(r"lower\(", models)),
    }


def alembic_differences(where: Path, module: str, url: str) -> int:
    """What Alembic autogenerate (types and server defaults compared) finds between the models'
    metadata and the database: the changes it would make to turn one into the other."""
    import importlib

    import psycopg
    import sqlalchemy as sa
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy.pool import NullPool

    sys.path.insert(0, str(where))
    try:
        mod = importlib.import_module(module)
    finally:
        sys.path.remove(str(where))
    engine = sa.create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(url), poolclass=NullPool)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            diffs = compare_metadata(ctx, mod.Base.metadata)
    return sum(len(d) if isinstance(d, list) else 1 for d in diffs)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000]
    work = Path(tempfile.mkdtemp(prefix="codegen-bench-"))
    try:
        for n in sizes:
            run(n, work / str(n))
    finally:
        stop_server(HOME / "pgdata", delete=True)
        stop_server(scratch_dir() / "pgdata", delete=True)
        shutil.rmtree(HOME, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def run(n: int, work: Path) -> None:
    work.mkdir(parents=True)
    text = many_tables(n)
    (work / "schema.yaml").write_text(text)
    (work / "queries").mkdir()
    (work / "queries" / "q.sql").write_text(queries_for(n))
    args = ["generate", "--models", "dataclasses", "--models", "sqlalchemy", "--models", "pydantic",
            "--queries", "queries", "--out", "out"]

    def cold() -> float:
        shutil.rmtree(HOME / "cache", ignore_errors=True)
        shutil.rmtree(work / "out", ignore_errors=True)
        return cli(args, work)

    cli(args, work)  # start the servers once (a first start is not the cost of generating)
    cold_s = min(cold() for _ in range(REPEAT))
    warm_s = min(cli(args, work) for _ in range(REPEAT))
    check_s = min(cli([*args, "--check"], work) for _ in range(REPEAT))
    lines = sum(p.read_text().count("\n") for p in (work / "out").glob("*.py"))

    desired, _ = api.desired_catalog(load_text(text), None)
    print(f"\n{n} tables, {len(queries_for(n).split('-- name:')) - 1} queries: {lines:,} lines generated")
    print(f"{'generate, 4 outputs':34} {'cold':>8} {cold_s:8.2f} s")
    print(f"{'':34} {'warm':>8} {warm_s:8.2f} s")
    print(f"{'generate --check':34} {'warm':>8} {check_s:8.2f} s")
    for output in codegen.OUTPUTS:
        codegen.render(desired, outputs=[output])  # templates compiled once
        s = best(lambda: codegen.render(desired, outputs=[output]))
        print(f"{'  render ' + output:34} {'':>8} {s:8.2f} s")

    url = local_database_url()
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS codegen_bench")
        conn.execute("CREATE DATABASE codegen_bench")
    from schemacode.server import with_database

    target = with_database(url, "codegen_bench")
    api.apply(load_text(text), target)
    host = dict(part.split("=", 1) for part in target.split())["host"]
    sa_url = f"postgresql+psycopg://postgres@/codegen_bench?host={host}"
    peer = shutil.which("sqlacodegen")
    ours = (work / "out" / "sqlalchemy_models.py").read_text()
    declared = counts_declared(text)
    if peer is None:
        print("sqlacodegen: not installed (pip install -e '.[bench]')")
        return
    peer_s = min(_timed([peer, "--generator", "declarative", "--outfile", str(work / "peer.py"), sa_url])
                 for _ in range(REPEAT))
    theirs = (work / "peer.py").read_text()
    print(f"{'sqlacodegen (declarative)':34} {'':>8} {peer_s:8.2f} s")
    print(f"\n{'what the schema declares':26} {'declared':>9} {'schemacode':>11} {'sqlacodegen':>12}")
    ours_n, theirs_n = counts_in(ours), counts_in(theirs)
    for k, v in declared.items():
        print(f"{k:26} {v:9,} {ours_n[k]:11,} {theirs_n[k]:12,}")
    # sqlacodegen names the default schema; Alembic compares the default schema unnamed
    (work / "peer.py").write_text(theirs.replace(", 'schema': 'public'}", "}").replace("{'schema': 'public'}", "{}")
                                  .replace("schema='public'", "schema=None").replace("'public.", "'"))
    print(f"{'Alembic autogenerate diffs':26} {0:9,} {alembic_differences(work, 'out.sqlalchemy_models', target):11,}"
          f" {alembic_differences(work, 'peer', target):12,}")


def _timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
