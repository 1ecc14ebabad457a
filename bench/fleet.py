"""How `--targets` scales: one change planned and applied across a fleet on the embedded server.

    python bench/fleet.py [--databases N] [--tenants M] [--loop K]

- N databases (default 200), each holding the repository's schema.yaml (copies of one template
  database), then schema.yaml with one column more: `plan --targets` and `apply --targets` at
  --parallel 1, 4 and 8 (the fleet put back between runs), and a shell loop calling
  `schemacode apply` once per database on the first K of them (default 50; its per-database
  time is what a loop over all N would cost, times N).
- M schemas per tenant (default 1000) in one database, the same schema and change: plan at
  --parallel 8, and apply (one database: its applies take turns on its advisory lock).

Prints wall time, time per target, and the peak memory (RSS) of this process. Uses its own
SCHEMACODE_HOME, deleted at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import re
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

from schemacode import api, fleet  # noqa: E402
from schemacode.server import embedded_admin_url, stop_servers, with_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASE = (ROOT / "schema.yaml").read_text()
CHANGED = BASE.replace("      error_log: {type: text, comment: Error messages if processing failed}\n",
                       "      error_log: {type: text, comment: Error messages if processing failed}\n"
                       "      retries: {type: integer, null: false, default: 0}\n")
assert CHANGED != BASE


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def line(label: str, seconds: float, n: int) -> None:
    print(f"  {label:<44} {seconds:7.2f} s  {seconds / n * 1000:7.1f} ms/target  peak {peak_mb():5.0f} MB",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--databases", type=int, default=200)
    ap.add_argument("--tenants", type=int, default=1000)
    ap.add_argument("--loop", type=int, default=50)
    args = ap.parse_args()
    admin = embedded_admin_url()
    work = HOME / "work"
    work.mkdir()
    base, changed = work / "base.yaml", work / "changed.yaml"
    base.write_text(BASE)
    changed.write_text(CHANGED)
    try:
        if args.databases:
            databases(admin, work, base, changed, args.databases, args.loop)
        if args.tenants:
            tenants(admin, work, base, changed, args.tenants)
    finally:
        stop_servers()
        shutil.rmtree(HOME, ignore_errors=True)


def databases(admin: str, work: Path, base: Path, changed: Path, n: int, loop: int) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE DATABASE fleet_template")
        api.apply(base, with_database(admin, "fleet_template"))
        start = time.perf_counter()
        for i in range(n):
            conn.execute(f"CREATE DATABASE fleet_{i} TEMPLATE fleet_template")
        made = time.perf_counter() - start
    targets = work / "targets.yaml"
    targets.write_text("targets:\n" + "".join(
        f"  - {{name: db{i}, url: {json.dumps(with_database(admin, f'fleet_{i}'))}}}\n" for i in range(n)))
    print(f"{n} databases, the example schema in each (made from a template in {made:.1f} s)")
    api.desired_catalog(api._load(changed), None)  # the scratch build, once (cached)
    for parallel in (1, 4, 8):
        start = time.perf_counter()
        result = api.fleet(changed, targets, options=fleet.Options(parallel=parallel))
        assert result.count("changes") == n and len(result.groups) == 1, result.count("failed")
        line(f"plan --targets, --parallel {parallel}", time.perf_counter() - start, n)
    for parallel in (1, 4, 8):
        start = time.perf_counter()
        result = api.fleet(changed, targets, apply=True, options=fleet.Options(parallel=parallel))
        assert result.count("applied") == n, [o.error for o in result.failed][:3]
        line(f"apply --targets, --parallel {parallel}", time.perf_counter() - start, n)
        back = api.fleet(base, targets, apply=True, options=fleet.Options(parallel=8, allow_destructive=True))
        assert back.count("applied") == n
    env = {**os.environ}
    exe = str(Path(sys.executable).with_name("schemacode"))
    start = time.perf_counter()
    for i in range(loop):
        subprocess.run([exe, "apply", "--schema", str(changed), "--database-url",
                        with_database(admin, f"fleet_{i}"), "--auto-approve"], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    took = time.perf_counter() - start
    line(f"shell loop of `schemacode apply`, {loop} databases", took, loop)
    print(f"  {'  (the loop over all ' + str(n) + ', at that rate)':<44} {took / loop * n:7.2f} s")
    with psycopg.connect(admin, autocommit=True) as conn:
        for i in range(n):
            conn.execute(f"DROP DATABASE fleet_{i}")
        conn.execute("DROP DATABASE fleet_template")


def tenants(admin: str, work: Path, base: Path, changed: Path, m: int) -> None:
    schema_of = lambda path: path.read_text().replace("tables:\n", "schemas: [app]\ntables:\n")  # noqa: E731
    app_base, app_changed = work / "app_base.yaml", work / "app_changed.yaml"
    text = "\n".join(_in_app(schema_of(base)).splitlines()) + "\n"
    app_base.write_text(text)
    app_changed.write_text(_in_app(schema_of(changed)))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE DATABASE fleet_tenants")
    url = with_database(admin, "fleet_tenants")
    targets = work / "tenants.yaml"
    targets.write_text(f"targets:\n  - url: {json.dumps(url)}\n    tenant_of: app\n"
                       f"    query: SELECT 'tenant_' || i AS schema FROM generate_series(1, {m}) i\n")
    start = time.perf_counter()
    result = api.fleet(app_base, targets, apply=True, options=fleet.Options(parallel=8))
    assert result.count("applied") == m, [o.error for o in result.failed][:3]
    print(f"{m} schemas per tenant in one database (made by apply --targets in {time.perf_counter() - start:.1f} s)")
    start = time.perf_counter()
    result = api.fleet(app_changed, targets, options=fleet.Options(parallel=8))
    assert result.count("changes") == m and len(result.groups) == 1
    line("plan --targets, --parallel 8", time.perf_counter() - start, m)
    start = time.perf_counter()
    result = api.fleet(app_changed, targets, apply=True, options=fleet.Options(parallel=8))
    assert result.count("applied") == m
    line("apply --targets, --parallel 8 (one database)", time.perf_counter() - start, m)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE fleet_tenants WITH (FORCE)")


def _in_app(text: str) -> str:
    """The example schema with its tables and function in schema app."""
    import yaml

    doc = yaml.safe_load(text)
    doc["tables"] = {f"app.{k}": v for k, v in doc["tables"].items()}
    doc["functions"] = {f"app.{k}": v for k, v in doc.get("functions", {}).items()}
    for t in doc["tables"].values():
        columns = t.get("columns", {})
        for name, c in columns.items():
            if isinstance(c, str):  # a column written as SQL: `integer not null references runs (id)`
                columns[name] = re.sub(r"\breferences\s+(?![\w\"]+\.)", "references app.", c, flags=re.I)
                continue
            ref = c.get("references") if isinstance(c, dict) else None
            if isinstance(ref, str):
                c["references"] = "app." + ref
            elif isinstance(ref, dict):
                ref["to"] = "app." + ref["to"]
        for trig in (t.get("triggers") or {}).values():
            if isinstance(trig, dict) and "execute" in trig:
                trig["execute"] = "app." + trig["execute"].split(".")[-1]
    return yaml.safe_dump(doc, sort_keys=False)


if __name__ == "__main__":
    main()
