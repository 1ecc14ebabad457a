"""How `schemacode plan` scales: N tables, as schema.yaml and as a live database; and how fast
a command starts.

    python bench/plan_scale.py [--baseline REV] [N ...]          (default N: 100 1000 5000)

Prints the start-up of the `schemacode` program (`--help`, and a warm `generate --check` that
finds nothing to do, for the repository's own schema.yaml), then a table per N: wall time and
peak memory (RSS) of `schemacode plan` as a process — no change (cold: nothing cached; warm:
second run, which finds the live catalog and the plan kept under the catalog's stamp; and warm
with SCHEMACODE_LIVE_CACHE=off, which reads the catalog again), and with ~10 % of the tables
changed — a warm `generate --check`, the phases (YAML
load, materialize, live introspection, diff, render), the differ on the pair of databases (the
base schema and the changed one: forward and backward, as a plan makes them), the catalog floor
(the bare catalog queries, run alone), `schemacode diff` between the two databases (catalogs
kept, and read again) beside the floor for both as a process, and migra on the same pair when it is on PATH (pip install migra
psycopg2-binary "sqlalchemy<2", best in a venv of its own).

``--baseline REV`` measures the code of git revision REV (checked out into a temporary folder)
beside this checkout's, on the same servers and databases: every figure is taken for both, the
two codes alternating run by run, so that a machine whose speed drifts (a shared one) moves both
alike. Each figure is run BENCH_REPEAT times (default 5) per code and printed as the median
(min–max); ``cpu`` is the user + system time of the process. Uses its own embedded servers
(target and scratch) under a temporary SCHEMACODE_HOME. `psql -f` of the same DDL is timed on
both: the embedded server (durable, like a user's) and the scratch server (tuned for throwaway
builds, where materialization runs). Each command runs with its bytecode compiled, as an
installed package runs.
"""
from __future__ import annotations

import gc
import json
import os
import platform
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
HOME = Path(tempfile.mkdtemp(prefix="schemacode-bench-"))
os.environ["SCHEMACODE_HOME"] = str(HOME)
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # users run compiled bytecode (pip compiles it)
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
OFF = {"SCHEMACODE_LIVE_CACHE": "off"}  # a plan that reads the live catalog, kept or not

TYPES = ["text", "varchar(100)", "integer", "bigint", "boolean", "numeric(12,2)", "jsonb",
         "timestamptz", "date", "uuid", "text[]", "integer[]"]


def schema_yaml(n: int, changed: bool = False, seed: int = 7) -> str:
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


# -- the code measured: this checkout, and the baseline's ------------------------------------------

@dataclass
class Code:
    label: str
    path: Path  # the folder holding the schemacode package (PYTHONPATH)
    # Where its start-up is measured: its own revision's schema.yaml, pyproject.toml, generated/
    # and queries (a schema.yaml of one revision may use what an older one cannot read)
    project: Path = ROOT

    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(self.path)}

    def python(self, code: str) -> list[str]:
        """``python -c code`` with this code's schemacode first on the path (before the working
        folder, which ``-c`` puts first: the repository's own checkout, run from its root)."""
        return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(self.path)!r})\n{code}"]

    def cli(self) -> list[str]:
        return self.python("from schemacode.cli import run; run()")


@dataclass
class Sample:
    wall: float
    cpu: float = 0.0
    rss: float = 0.0  # MB


@dataclass
class Figure:
    """One row: its samples for each code, alternated."""
    label: str
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    note: str = ""

    def add(self, code: Code, s: Sample) -> None:
        self.samples.setdefault(code.label, []).append(s)


def checkout(rev: str) -> Code:
    """REV's package in a temporary folder (``git archive``: no worktree is registered), compiled."""
    target = Path(tempfile.mkdtemp(prefix="schemacode-baseline-"))
    files = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", rev, "--",
                            "schemacode", "schema.yaml", "pyproject.toml", "generated", "examples"],
                           check=True, capture_output=True, text=True).stdout.split()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev, *files],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(target / "schemacode")], check=True)
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", rev], check=True,
                         capture_output=True, text=True).stdout.strip()
    return Code(f"{rev} ({sha})" if sha != rev else rev, target, target)


def this_checkout() -> Code:
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "schemacode")], check=True)
    return Code("this checkout", ROOT)


def run_process(code: Code, args: list[str], cwd: Path, ok: tuple[int, ...] = (0, 2),
                env: dict[str, str] | None = None) -> Sample:
    """Wall, CPU (user + system) and peak RSS of one command as its own process (``env``: added
    to the environment)."""
    time_bin = shutil.which("time") or "/usr/bin/time"
    measure_rss = os.path.exists(time_bin)
    cmd = ([time_bin, "-f", "%M"] if measure_rss else []) + args
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**code.env(), **(env or {})})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in ok:
        raise RuntimeError(f"{code.label}: {' '.join(args[3:])}: {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss = int(proc.stderr.strip().splitlines()[-1]) / 1024 if measure_rss else 0.0
    return Sample(wall, cpu, rss)


def alternate(codes: list[Code], fig: Figure, run: Callable[[Code], Sample],
              warmup: Callable[[Code], object] | None = None) -> Figure:
    """REPEAT samples of ``run`` for each code, the codes taking turns (A B A B …)."""
    for _ in range(REPEAT):
        for code in codes:
            if warmup is not None:
                warmup(code)
            fig.add(code, run(code))
    return fig


# -- in-process phases, run by each code in a process of its own ------------------------------------

PROBE = r'''
import gc, json, os, sys, time
gc.disable()  # as the schemacode program runs (cli.run)
import psycopg
from schemacode import api
from schemacode.diff import diff
from schemacode.introspect import QUERY_NAMES, introspect, query_text
from schemacode.load import load_text
from schemacode.plan import make_plan
from schemacode.render import plan_text
from schemacode.scratch import materialize
work, live, other = sys.argv[1:4]
base, changed = open(f"{work}/schema.yaml").read(), open(f"{work}/changed.yaml").read()
out = {}

def timed(name, fn):
    t, c = time.perf_counter(), time.process_time()
    r = fn()
    out[name] = [time.perf_counter() - t, time.process_time() - c]
    return r

loaded = timed("load", lambda: load_text(base, "schema.yaml"))
import shutil
shutil.rmtree(os.path.join(os.environ["SCHEMACODE_HOME"], "cache"), ignore_errors=True)
desired = timed("materialize", lambda: materialize(loaded)).catalog
def read(url):
    with psycopg.connect(url, autocommit=True) as conn:
        return introspect(conn, loaded.scope)
current = timed("introspect", lambda: read(live))
try:  # the parameters the code's own introspect passes (newer queries take more)
    from schemacode.model import SECRET_OPTION
    SECRET = SECRET_OPTION.pattern
except ImportError:
    SECRET = ""
def floor(url):
    with psycopg.connect(url) as conn:
        conn.execute("SET search_path = pg_catalog")
        for name in QUERY_NAMES:
            conn.execute(query_text(name), {"schemas": loaded.scope, "secret": SECRET}).fetchall()
timed("floor", lambda: floor(live))
timed("diff", lambda: diff(current, desired))
changed_desired = materialize(load_text(changed)).catalog
timed("diff 10%", lambda: diff(current, changed_desired))
p = make_plan(current, changed_desired)
timed("render", lambda: plan_text(p))
out["changes 10%"] = [len(p.changes), len(p.forward)]
theirs = read(other)
pair = timed("differ pair", lambda: (diff(current, theirs), diff(theirs, current)))
out["changes pair"] = [len(pair[0]), len(pair[1])]
print(json.dumps(out))
'''


def probe(code: Code, work: Path, live: str, other: str) -> dict[str, list[float]]:
    proc = subprocess.run([*code.python(PROBE), str(work), live, other], capture_output=True,
                          text=True, env=code.env(), cwd=work)
    if proc.returncode != 0:
        raise RuntimeError(f"{code.label}: the phases: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


FLOOR = ("import sys, psycopg\nfrom schemacode.introspect import QUERY_NAMES, query_text\n"
         "try:\n    from schemacode.model import SECRET_OPTION\n    secret = SECRET_OPTION.pattern\n"
         "except ImportError:\n    secret = ''\n"
         "for url in sys.argv[1:3]:\n"
         "    with psycopg.connect(url) as c:\n"
         "        c.execute('SET search_path = pg_catalog')\n"
         "        for n in QUERY_NAMES:\n"
         "            c.execute(query_text(n), {'schemas': sys.argv[3].split(','), 'secret': secret}).fetchall()\n")


# -- what is measured once, whatever the code ------------------------------------------------------

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


def fresh_database(admin: str, name: str) -> str:
    import psycopg

    from schemacode.server import with_database
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name}")
        c.execute(f"CREATE DATABASE {name}")
    return with_database(admin, name)


def drop_database(admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name}")


# -- printing --------------------------------------------------------------------------------------

def spread(values: list[float], unit: str = "s", digits: int = 2) -> str:
    if not values:
        return "-"
    scale = 1000 if unit == "ms" else 1

    def f(v: float) -> str:
        return f"{v * scale:.{digits}f}"
    if len(values) == 1:
        return f"{f(values[0])} {unit}"
    return f"{f(statistics.median(values))} {unit} ({f(min(values))}–{f(max(values))})"


def show(codes: list[Code], figs: list[Figure | tuple[str, str]], unit: str = "s", digits: int = 2) -> None:
    """A line per figure; with a baseline, a line per code under it, and new/old: the median of
    the ratios of runs taken one after the other."""
    width = max(len(c.label) for c in codes) + 2
    for fig in figs:
        if isinstance(fig, tuple):
            print(f"  {fig[0]:<50} {fig[1]}")
            continue
        cells = []
        for code in codes:
            ss = fig.samples.get(code.label, [])
            cell = spread([s.wall for s in ss], unit, digits)
            if any(s.cpu for s in ss):
                cell += f", cpu {spread([s.cpu for s in ss], unit, digits).split(' (')[0]}"
            if any(s.rss for s in ss):
                cell += f", {max(s.rss for s in ss):.0f} MB"
            cells.append(cell)
        if len(codes) == 1 or len([c for c in codes if fig.samples.get(c.label)]) == 1:
            print(f"  {fig.label:<50} {next(c for c in cells if c != '-')}")
            continue
        old, new = (fig.samples.get(c.label, []) for c in codes)
        pairs = [n.wall / o.wall for o, n in zip(old, new) if o.wall > 0]
        ratio = f"   new/old {statistics.median(pairs):.2f}×" if pairs else ""
        print(f"  {fig.label}")
        for i, (code, cell) in enumerate(zip(codes, cells)):
            print(f"      {code.label:<{width}} {cell}{ratio if i == len(codes) - 1 else ''}")


# -- the benchmark ---------------------------------------------------------------------------------

def startup(codes: list[Code]) -> None:
    """`--help`, and a warm `generate --check` that finds nothing to do, in the code's own
    revision of this repository (its pyproject.toml asks for every output and the typed
    queries): what a pre-commit hook runs."""
    for code in codes:  # each code's cache warm (a check writes nothing but the cache)
        run_process(code, [*code.cli(), "generate", "--check"], code.project, ok=(0,))
    help_ = alternate(codes, Figure("schemacode --help"),
                      lambda c: run_process(c, [*c.cli(), "--help"], c.project))
    check = alternate(codes, Figure("generate --check, warm, nothing to do"),
                      lambda c: run_process(c, [*c.cli(), "generate", "--check"], c.project, ok=(0,)))
    print(f"\nStart-up (each code's own revision of schema.yaml and generated/), {REPEAT} runs per code, median (min–max)")
    show(codes, [help_, check], "ms", 0)


def bench(n: int, codes: list[Code]) -> None:
    from schemacode import api
    from schemacode.load import load_text
    from schemacode.plan import creation_statements, script
    from schemacode.server import embedded_admin_url, scratch_admin_url

    admin = embedded_admin_url()
    work = HOME / f"n{n}"
    work.mkdir()
    base_text, changed_text = schema_yaml(n), schema_yaml(n, changed=True)
    (work / "schema.yaml").write_text(base_text)
    (work / "changed.yaml").write_text(changed_text)
    live = fresh_database(admin, f"bench_live_{n}")
    other = fresh_database(admin, f"bench_other_{n}")
    loaded = load_text(base_text, "schema.yaml")
    ddl = script(creation_statements(loaded.catalog))

    def psql_onto(server: str) -> Sample:
        url = fresh_database(server, f"bench_psql_{n}")
        try:
            return Sample(psql_seconds(url, ddl))
        finally:
            drop_database(server, f"bench_psql_{n}")

    psql = alternate(codes[:1], Figure("psql -f of the same DDL (embedded server)"),
                     lambda c: psql_onto(admin))
    psql_scratch = alternate(codes[:1], Figure("psql -f of the same DDL (scratch server)"),
                             lambda c: psql_onto(scratch_admin_url()))
    api.apply(loaded, live)  # the live database, through schemacode itself
    api.apply(load_text(changed_text), other, allow_destructive=True)  # the changed schema

    def cold(args: list[str]) -> Callable[[Code], Sample]:
        def run(code: Code) -> Sample:
            shutil.rmtree(HOME / "cache", ignore_errors=True)
            return run_process(code, [*code.cli(), *args], work)
        return run

    def warm(args: list[str], env: dict[str, str] | None = None) -> Callable[[Code], Sample]:
        return lambda code: run_process(code, [*code.cli(), *args], work, env=env)

    url = ["--database-url", live]
    changed = ["plan", "--schema", "changed.yaml", *url]
    figs: list[Figure | tuple[str, str]] = [
        alternate(codes, Figure("plan, no change, cold (process)"), cold(["plan", *url])),
        alternate(codes, Figure("plan, no change, warm (process)"), warm(["plan", *url]), warm(["plan", *url])),
        alternate(codes, Figure("  the same, the catalog read again (SCHEMACODE_LIVE_CACHE=off)"),
                  warm(["plan", *url], OFF), warm(["plan", *url], OFF)),
        alternate(codes, Figure("plan, ~10 % changed, cold (process)"), cold(changed)),
        alternate(codes, Figure("plan, ~10 % changed, warm (process)"), warm(changed), warm(changed)),
        alternate(codes, Figure("  the same, the catalog read again (SCHEMACODE_LIVE_CACHE=off)"),
                  warm(changed, OFF), warm(changed, OFF)),
    ]
    for code in codes:
        run_process(code, [*code.cli(), "generate", "--out", f"generated_{codes.index(code)}"], work)
    figs.append(alternate(codes, Figure("generate --check, warm, nothing to do"),
                          lambda c: run_process(c, [*c.cli(), "generate", "--check", "--out",
                                                    f"generated_{codes.index(c)}"], work, ok=(0,))))

    phases: dict[str, dict[str, list[list[float]]]] = {c.label: {} for c in codes}
    counts: dict[str, Any] = {}
    for _ in range(REPEAT):
        for code in codes:
            for name, value in probe(code, work, live, other).items():
                if name.startswith("changes"):
                    counts[f"{name} ({code.label})"] = value
                else:
                    phases[code.label].setdefault(name, []).append(value)

    def phase(label: str, name: str) -> Figure:
        fig = Figure(label)
        for code in codes:
            for wall, cpu in phases[code.label].get(name, []):
                fig.add(code, Sample(wall, cpu))
        return fig

    figs += [
        phase("  phase: YAML load", "load"),
        phase("  phase: materialize (cold)", "materialize"),
        psql, psql_scratch,
        phase("  phase: introspect live", "introspect"),
        phase("  catalog floor (bare queries, 1 db, in process)", "floor"),
        phase("  phase: diff, no change", "diff"),
        phase("  phase: diff, ~10 % changed", "diff 10%"),
        phase("  phase: render plan text (10 %)", "render"),
        phase("differ on the pair, forward + backward", "differ pair"),
    ]
    figs += [(f"  {'changes, ~10 % changed' if k.startswith('changes 10%') else 'changes of the pair'}"
              f"{k.split(' ', 2)[2]}", f"{v[0]} forward, {v[1]} " + ("statements" if "10%" in k else "backward"))
             for k, v in sorted(counts.items())]
    scope = ",".join(loaded.scope)
    def dbdiff_run(env: dict[str, str] | None) -> Callable[[Code], Sample]:
        return lambda c: run_process(c, [*c.cli(), "diff", "--from-url", live, "--to-url", other,
                                         "--format", "sql"], work, env=env)

    dbdiff_warm = alternate(codes, Figure("db-to-db diff, `schemacode diff` process (catalogs kept)"),
                            dbdiff_run(None), dbdiff_run(None))
    dbdiff = alternate(codes, Figure("db-to-db diff, `schemacode diff` process, catalogs read (LIVE_CACHE=off)"),
                       dbdiff_run(OFF))
    floor2 = alternate(codes, Figure("  catalog floor, both dbs (as a process)"),
                       lambda c: run_process(c, [*c.python(FLOOR), live, other, scope], work))
    figs += [dbdiff_warm, dbdiff, floor2]
    for name, fig in (("catalogs read", dbdiff), ("catalogs kept", dbdiff_warm)):
        for code in codes:
            ratios = [d.wall / f.wall for d, f in zip(fig.samples[code.label], floor2.samples[code.label])]
            figs.append((f"  db-to-db diff / floor, {name} ({code.label})",
                         f"{statistics.median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f})"))
    if shutil.which("migra"):
        figs.append(alternate(codes[:1], Figure("migra, same pair (process)"),
                              lambda c: Sample(migra_seconds(live, other))))
    else:
        figs.append(("migra, same pair (process)", "not installed"))
    indexes = sum(1 for ln in base_text.splitlines() if ln.startswith("      idx_"))
    print(f"\nN = {n} tables ({indexes} indexes), {REPEAT} runs per code, median (min–max)")
    show(codes, figs)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: its servers are stopped too
    args = sys.argv[1:]
    baseline = None
    if args[:1] == ["--baseline"]:
        baseline, args = args[1], args[2:]
    sizes = [int(a) for a in args] or [100, 1000, 5000]
    gc.disable()  # the setup runs as the schemacode program does (cli.run)
    sys.path.insert(0, str(ROOT))  # this checkout's schemacode, for the setup
    codes = ([checkout(baseline)] if baseline else []) + [this_checkout()]
    import psycopg

    from schemacode.server import embedded_admin_url, scratch_dir, stop_server
    admin = embedded_admin_url()
    with psycopg.connect(admin) as c:
        version = c.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    print(f"schemacode plan_scale, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, Python "
          f"{platform.python_version()}, PostgreSQL {version} (embedded); codes: "
          + ", ".join(f"{c.label} = {c.path}" for c in codes))
    try:
        startup(codes)
        for n in sizes:
            bench(n, codes)
    finally:
        scratch = scratch_dir()
        stop_server(scratch / "pgdata", delete=True)
        shutil.rmtree(scratch, ignore_errors=True)
        stop_server(HOME / "pgdata", delete=True)
        shutil.rmtree(HOME, ignore_errors=True)
        for code in codes:
            if code.path != ROOT:
                shutil.rmtree(code.path, ignore_errors=True)


if __name__ == "__main__":
    main()
