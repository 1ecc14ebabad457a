"""How `schemacode plan` scales: N tables, as schema.yaml and as a live database.

    python bench/plan_scale.py [N ...]          (default: 100 1000 5000)

Prints a table per N: wall time and peak memory (RSS) of `schemacode plan` as a process — no
change (cold: nothing cached; warm: second run), and with ~10 % of the tables changed — the
phases (YAML load, materialize, live introspection, diff, render), the catalog floor (the bare
catalog queries, run alone), `schemacode diff` between two databases, and migra on the same pair
when it is on PATH (pip install migra psycopg2-binary "sqlalchemy<2", best in a venv of its own).
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


def timed(fn, *args):  # type: ignore[no-untyped-def]
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
            conn.execute(query_text(name), {"schemas": scope, "expressions_only": False}).fetchall()  # type: ignore[arg-type]
    return time.perf_counter() - start


def floor_process(a: str, b: str, scope: list[str]) -> float:
    """The same bare queries for two databases, as a whole process (like `schemacode diff`)."""
    code = ("import sys, psycopg\nfrom schemacode.introspect import QUERY_NAMES, query_text\n"
            "for url in sys.argv[1:3]:\n"
            "    with psycopg.connect(url) as c:\n"
            "        c.execute('SET search_path = pg_catalog')\n"
            "        for n in QUERY_NAMES:\n"
            "            c.execute(query_text(n), {'schemas': sys.argv[3].split(','), 'expressions_only': False}).fetchall()\n")
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


def migra_seconds(a: str, b: str) -> str:
    if shutil.which("migra") is None:
        return "not installed"
    def sqlalchemy_url(u: str) -> str:
        from psycopg.conninfo import conninfo_to_dict
        p = conninfo_to_dict(u)
        return f"postgresql+psycopg2://{p['user']}@/{p['dbname']}?host={p['host']}"
    start = time.perf_counter()
    proc = subprocess.run(["migra", "--unsafe", sqlalchemy_url(a), sqlalchemy_url(b)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 2):
        return f"failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}"
    return f"{wall:.2f} s"


def bench(n: int) -> None:
    admin = embedded_admin_url()
    work = HOME / f"n{n}"
    work.mkdir()
    base_text, changed_text = schema_yaml(n), schema_yaml(n, changed=True)
    (work / "schema.yaml").write_text(base_text)
    (work / "changed.yaml").write_text(changed_text)
    with psycopg.connect(admin, autocommit=True) as c:
        for db in ("live", "other"):
            c.execute(f"DROP DATABASE IF EXISTS bench_{db}_{n}")
            c.execute(f"CREATE DATABASE bench_{db}_{n}")
    live = with_database(admin, f"bench_live_{n}")
    other = with_database(admin, f"bench_other_{n}")
    rows: list[tuple[str, str]] = []

    loaded, t_load = timed(load_text, base_text, "schema.yaml")
    from schemacode.plan import creation_statements, script
    ddl = script(creation_statements(loaded.catalog))
    t_psql = psql_seconds(other, ddl)
    scratch_admin = scratch_admin_url()
    with psycopg.connect(scratch_admin, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS bench_psql_{n}")
        c.execute(f"CREATE DATABASE bench_psql_{n}")
    t_psql_scratch = psql_seconds(with_database(scratch_admin, f"bench_psql_{n}"), ddl)
    with psycopg.connect(scratch_admin, autocommit=True) as c:
        c.execute(f"DROP DATABASE bench_psql_{n}")
    api.apply(loaded, live)  # the live database, through schemacode itself
    shutil.rmtree(HOME / "cache", ignore_errors=True)

    url_args = ["--database-url", live]
    cold, cold_rss = peak_rss_of(["plan", *url_args], work)
    warm, warm_rss = peak_rss_of(["plan", *url_args], work)
    shutil.rmtree(HOME / "cache", ignore_errors=True)
    ch_cold, ch_rss = peak_rss_of(["plan", "--schema", "changed.yaml", *url_args], work)
    ch_warm, ch_warm_rss = peak_rss_of(["plan", "--schema", "changed.yaml", *url_args], work)

    shutil.rmtree(HOME / "cache", ignore_errors=True)
    mat, t_mat = timed(materialize, loaded)
    with psycopg.connect(live, autocommit=True) as conn:
        current, t_intro = timed(introspect, conn, loaded.scope)
    changes, t_diff = timed(diff, current, mat.catalog)
    changed_loaded = load_text(changed_text)
    changed_mat = materialize(changed_loaded)
    _, t_diff_ch = timed(diff, current, changed_mat.catalog)
    p = make_plan(current, changed_mat.catalog)
    _, t_render = timed(plan_text, p)
    t_floor = floor(live, loaded.scope)

    api.apply(changed_loaded, other, allow_destructive=True)  # other: the changed schema
    _, t_dbdiff = timed(api.diff_databases, live, other)
    dbdiff_cli, _ = run_cli(["diff", "--from-url", live, "--to-url", other, "--format", "sql"], work)
    floor2 = floor(live, loaded.scope) + floor(other, loaded.scope)

    rows += [
        ("plan, no change, cold (process)", f"{cold:.2f} s, {cold_rss:.0f} MB"),
        ("plan, no change, warm (process)", f"{warm:.2f} s, {warm_rss:.0f} MB"),
        ("plan, ~10 % changed, cold (process)", f"{ch_cold:.2f} s, {ch_rss:.0f} MB"),
        ("plan, ~10 % changed, warm (process)", f"{ch_warm:.2f} s, {ch_warm_rss:.0f} MB"),
        ("  phase: YAML load", f"{t_load:.3f} s"),
        ("  phase: materialize (2 rounds, cold)", f"{t_mat:.2f} s"),
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
        ("  catalog floor, both dbs (as a process)", f"{floor_process(live, other, loaded.scope):.2f} s"),
        ("migra, same pair (process)", migra_seconds(live, other)),
    ]
    print(f"\nN = {n} tables ({sum(1 for ln in base_text.splitlines() if ln.startswith('      idx_'))} indexes)")
    for k, v in rows:
        print(f"  {k:<44} {v}")
    del changes


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
