"""How `schemacode plan` scales: N tables, as schema.yaml and as a live database.

    python bench/plan_scale.py [N ...]          (default: 100 1000 5000)

Prints a table per N: wall time and peak memory (RSS) of `schemacode plan` as a process — no
change (cold: nothing cached; warm: second run), and with ~10 % of the tables changed — the
phases (YAML load, materialize, live introspection, diff, render), the catalog floor (the bare
catalog queries, run alone), `schemacode diff` between two databases, and migra on the same pair
when it is on PATH (pip install migra psycopg2-binary "sqlalchemy<2", best in a venv of its own).
Every figure is the best of 3 runs (BENCH_REPEAT=k for another number): the least wall time
is what the work costs, without the noise of a shared machine; peak memory is the largest seen.
Uses its own embedded servers (target and scratch) under a temporary SCHEMACODE_HOME. `psql -f`
of the same DDL is timed on both: the embedded server (durable, like a user's) and the scratch
server (tuned for throwaway builds, where materialization runs).
"""
from __future__ import annotations

import gc
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

T = TypeVar("T")
HOME = Path(tempfile.mkdtemp(prefix="schemacode-bench-"))
os.environ["SCHEMACODE_HOME"] = str(HOME)

import psycopg  # noqa: E402

from schemacode import api, codegen  # noqa: E402,F401
from schemacode.diff import diff  # noqa: E402
from schemacode.introspect import QUERY_NAMES, introspect, query_text  # noqa: E402
from schemacode.load import load_text  # noqa: E402
from schemacode.plan import make_plan  # noqa: E402
from schemacode.render import plan_text  # noqa: E402
from schemacode.scratch import materialize  # noqa: E402
from schemacode.server import embedded_admin_url, scratch_admin_url, scratch_dir, stop_server, with_database  # noqa: E402,E501

TYPES = ["text", "varchar(100)", "integer", "bigint", "boolean", "numeric(12,2)", "jsonb",
         "timestamptz", "date", "uuid", "text[]", "integer[]"]


def schema_yaml(n: int, changed: bool = False, seed: int = 7) -> str:
    rnd = random.Random(seed)
    out = ["functions:", "  touch_updated_at:", "    returns: trigger",
           "    body: BEGIN NEW.updated_at = now(); RETURN NEW; END;", "tables:"]
    for i in range(n):
        r = random.Random(seed * 100003 + i)
        change = changed and i % 10 == 5
        if changed and i % 50 == 7:
            continue  # a dropped table
        ncols = r.randint(8, 15)
        cols = ["      id: bigserial primary key"]
        for j in range(ncols - 3):
            t = TYPES[r.randrange(len(TYPES))]
            spec = f"{{type: \"{t}\""
            if r.random() < 0.3:
                spec += ", null: false"
                spec += {"text": ", default: ''", "varchar(100)": ", default: x", "integer": ", default: 0",
                         "bigint": ", default: 0", "boolean": ", default: false",
                         "numeric(12,2)": ", default: 0", "jsonb": ", default: {sql: \"'{}'::jsonb\"}",
                         "timestamptz": ", default: {sql: now()}", "date": ", default: {sql: CURRENT_DATE}",
                         "uuid": ", default: {sql: gen_random_uuid()}", "text[]": ", default: {sql: \"'{}'::text[]\"}",
                         "integer[]": ", default: {sql: \"'{}'::integer[]\"}"}[t]
            if r.random() < 0.4:
                spec += f", comment: column {j} of table {i}"
            spec += "}"
            if change and j == 0:  # a changed comment, or a changed type
                spec = spec.replace("comment: column", "comment: changed column") if "comment" in spec \
                    else spec.replace('"integer"', '"bigint"')
            cols.append(f"      c{j}: {spec}")
        cols.append("      created_at: {type: timestamptz, null: false, default: {sql: now()}}")
        cols.append("      updated_at: {type: timestamptz, null: false, default: {sql: now()}}")
        parents = [k for k in range(max(0, i - 20), i) if k % 50 != 7]  # never a dropped one
        if parents:
            cols.append(f"      parent_id: {{type: bigint, references: t{r.choice(parents)}.id, on_delete: cascade}}")
        if change:
            cols.append("      added: {type: text, default: new}")
        idx = ["      idx_t%d_created: [created_at desc]" % i,
               "      idx_t%d_live: {columns: [updated_at], where: \"created_at > '2020-01-01'\"}" % i]
        jsonb = [c.split(":")[0].strip() for c in cols if '"jsonb"' in c]
        if jsonb:
            idx.append(f"      idx_t{i}_gin: {{using: gin, columns: [{jsonb[0]}]}}")
        if change:
            idx = idx[:1] + ["      idx_t%d_new: [id, created_at]" % i]
        out += [f"  t{i}:", f"    comment: table {i}" + (" (changed)" if change else ""), "    columns"
                ":"] + cols + ["    checks:", f"      chk_t{i}_created: created_at <= updated_at",
                               "    indexes:"] + idx + [
            "    triggers:", f"      t{i}_touch: {{before: update, execute: touch_updated_at}}"]
    if changed:
        for k in range(max(1, n // 50)):
            out += [f"  t_new_{k}:", "    columns:", "      id: bigserial primary key", "      v: text"]
    return "\n".join(out) + "\n"


def timed(fn: Callable[..., T], *args: Any) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def run_cli(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a schemacode command as its own process."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", "from schemacode.cli import run; run()", *args],
                          cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 2):
        raise RuntimeError(proc.stderr)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, usage.ru_maxrss / 1024


def peak_rss_of(args: list[str], cwd: Path) -> tuple[float, float]:
    """Run through /usr/bin/time when present for the peak of this process alone."""
    time_bin = shutil.which("time") or "/usr/bin/time"
    if not os.path.exists(time_bin):
        return run_cli(args, cwd)
    start = time.perf_counter()
    proc = subprocess.run([time_bin, "-f", "%M", sys.executable, "-c",
                           "from schemacode.cli import run; run()", *args],
                          cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 2):
        raise RuntimeError(proc.stderr)
    kb = int(proc.stderr.strip().splitlines()[-1])
    return wall, kb / 1024


def floor(url: str, scope: list[str]) -> float:
    """The bare catalog queries any introspection needs, in one connection."""
    start = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute("SET search_path = pg_catalog")
        for name in QUERY_NAMES:
            conn.execute(query_text(name), {"schemas": scope}).fetchall()
    return time.perf_counter() - start


def floor_process(a: str, b: str, scope: list[str]) -> float:
    """The same bare queries for two databases, as a whole process (like `schemacode diff`)."""
    code = ("import sys, psycopg\nfrom schemacode.introspect import QUERY_NAMES, query_text\n"
            "for url in sys.argv[1:3]:\n"
            "    with psycopg.connect(url) as c:\n"
            "        c.execute('SET search_path = pg_catalog')\n"
            "        for n in QUERY_NAMES:\n"
            "            c.execute(query_text(n), {'schemas': sys.argv[3].split(',')}).fetchall()\n")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, a, b, ",".join(scope)], check=True)
    return time.perf_counter() - start


def psql_seconds(url: str, sql: str) -> float:
    from schemacode.server import postgres_bin
    f = HOME / "ddl.sql"
    f.write_text(sql)
    start = time.perf_counter()
    subprocess.run([str(postgres_bin() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                    "-d", url, "-f", str(f)], check=True, capture_output=True)
    return time.perf_counter() - start


def migra_seconds(a: str, b: str) -> float:
    def sqlalchemy_url(u: str) -> str:
        from psycopg.conninfo import conninfo_to_dict
        p = conninfo_to_dict(u)
        return f"postgresql+psycopg2://{p['user']}@/{p['dbname']}?host={p['host']}"
    start = time.perf_counter()
    proc = subprocess.run(["migra", "--unsafe", sqlalchemy_url(a), sqlalchemy_url(b)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 2):
        raise RuntimeError(f"migra failed: {proc.stderr.strip()[-500:] or proc.returncode}")
    return wall


REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def best(run: Callable[[], float]) -> float:
    """The best of REPEAT runs: the least wall time, what the work costs without the noise of a
    shared machine."""
    return min(run() for _ in range(REPEAT))


def best_with_peak(run: Callable[[], tuple[float, float]]) -> tuple[float, float]:
    """The least wall time of REPEAT runs, and the largest peak memory seen."""
    results = [run() for _ in range(REPEAT)]
    return min(r[0] for r in results), max(r[1] for r in results)


def fresh_database(admin: str, name: str) -> str:
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name}")
        c.execute(f"CREATE DATABASE {name}")
    return with_database(admin, name)


def drop_database(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name}")


def bench(n: int) -> None:
    admin = embedded_admin_url()
    work = HOME / f"n{n}"
    work.mkdir()
    base_text, changed_text = schema_yaml(n), schema_yaml(n, changed=True)
    (work / "schema.yaml").write_text(base_text)
    (work / "changed.yaml").write_text(changed_text)
    live = fresh_database(admin, f"bench_live_{n}")
    other = fresh_database(admin, f"bench_other_{n}")
    rows: list[tuple[str, str]] = []

    t_load = best(lambda: timed(load_text, base_text, "schema.yaml")[1])
    loaded = load_text(base_text, "schema.yaml")
    from schemacode.plan import creation_statements, script
    ddl = script(creation_statements(loaded.catalog))

    def psql_onto(server: str) -> float:
        url = fresh_database(server, f"bench_psql_{n}")
        try:
            return psql_seconds(url, ddl)
        finally:
            drop_database(server, f"bench_psql_{n}")

    t_psql = best(lambda: psql_onto(admin))
    t_psql_scratch = best(lambda: psql_onto(scratch_admin_url()))
    psql_seconds(other, ddl)  # other: the same schema, changed further below
    api.apply(loaded, live)  # the live database, through schemacode itself

    def cold_cli(args: list[str]) -> tuple[float, float]:
        shutil.rmtree(HOME / "cache", ignore_errors=True)
        return peak_rss_of(args, work)

    url_args = ["--database-url", live]
    cold, cold_rss = best_with_peak(lambda: cold_cli(["plan", *url_args]))
    warm, warm_rss = best_with_peak(lambda: peak_rss_of(["plan", *url_args], work))
    ch_args = ["plan", "--schema", "changed.yaml", *url_args]
    ch_cold, ch_rss = best_with_peak(lambda: cold_cli(ch_args))
    ch_warm, ch_warm_rss = best_with_peak(lambda: peak_rss_of(ch_args, work))

    def cold_materialize() -> float:
        shutil.rmtree(HOME / "cache", ignore_errors=True)
        return timed(materialize, loaded)[1]

    t_mat = best(cold_materialize)
    mat = materialize(loaded)
    with psycopg.connect(live, autocommit=True) as conn:
        t_intro = best(lambda: timed(introspect, conn, loaded.scope)[1])
        current = introspect(conn, loaded.scope)
    t_diff = best(lambda: timed(diff, current, mat.catalog)[1])
    changed_loaded = load_text(changed_text)
    changed_mat = materialize(changed_loaded)
    t_diff_ch = best(lambda: timed(diff, current, changed_mat.catalog)[1])
    p = make_plan(current, changed_mat.catalog)
    t_render = best(lambda: timed(plan_text, p)[1])
    t_floor = best(lambda: floor(live, loaded.scope))

    api.apply(changed_loaded, other, allow_destructive=True)  # other: the changed schema
    t_dbdiff = best(lambda: timed(api.diff_databases, live, other)[1])
    dbdiff_cli = best(lambda: run_cli(["diff", "--from-url", live, "--to-url", other, "--format", "sql"], work)[0])
    floor2 = best(lambda: floor(live, loaded.scope) + floor(other, loaded.scope))
    floor2_process = best(lambda: floor_process(live, other, loaded.scope))
    t_migra = f"{best(lambda: migra_seconds(live, other)):.2f} s" if shutil.which("migra") else "not installed"

    rows += [
        ("plan, no change, cold (process)", f"{cold:.2f} s, {cold_rss:.0f} MB"),
        ("plan, no change, warm (process)", f"{warm:.2f} s, {warm_rss:.0f} MB"),
        ("plan, ~10 % changed, cold (process)", f"{ch_cold:.2f} s, {ch_rss:.0f} MB"),
        ("plan, ~10 % changed, warm (process)", f"{ch_warm:.2f} s, {ch_warm_rss:.0f} MB"),
        ("  phase: YAML load", f"{t_load:.3f} s"),
        ("  phase: materialize (cold)", f"{t_mat:.2f} s"),
        ("  psql -f of the same DDL (embedded server)", f"{t_psql:.2f} s"),
        ("  psql -f of the same DDL (scratch server)", f"{t_psql_scratch:.2f} s"),
        ("  phase: introspect live", f"{t_intro:.3f} s"),
        ("  catalog floor (bare queries, 1 db)", f"{t_floor:.3f} s"),
        ("  phase: diff (no change / 10 %)", f"{t_diff:.3f} s / {t_diff_ch:.3f} s"),
        ("  phase: render plan text (10 %)", f"{t_render:.3f} s"),
        (f"  changes found (10 %): {len(p.changes)}", f"{len(p.forward)} statements"),
        ("db-to-db diff, in process", f"{t_dbdiff:.2f} s"),
        ("db-to-db diff, `schemacode diff` process", f"{dbdiff_cli:.2f} s"),
        ("  catalog floor, both dbs (in process)", f"{floor2:.2f} s"),
        ("  catalog floor, both dbs (as a process)", f"{floor2_process:.2f} s"),
        ("migra, same pair (process)", t_migra),
    ]
    print(f"\nN = {n} tables ({sum(1 for ln in base_text.splitlines() if ln.startswith('      idx_'))} indexes)"
          f", best of {REPEAT} runs")
    for k, v in rows:
        print(f"  {k:<44} {v}")


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000, 5000]
    gc.disable()  # the phases are timed as the schemacode program runs them (cli.run)
    admin = embedded_admin_url()
    with psycopg.connect(admin) as c:
        version = c.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    print(f"schemacode plan_scale, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL {version} (embedded)")
    try:
        for n in sizes:
            bench(n)
    finally:
        scratch = scratch_dir()
        stop_server(scratch / "pgdata", delete=True)
        shutil.rmtree(scratch, ignore_errors=True)
        stop_server(HOME / "pgdata", delete=True)
        shutil.rmtree(HOME, ignore_errors=True)


if __name__ == "__main__":
    main()
