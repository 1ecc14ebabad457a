"""How `schemacode diagram` scales: a schema of N tables (default 500), each with a foreign key or
two to earlier ones, drawn as Mermaid, as DOT, and as SVG through Graphviz, and a part of it
(--tables on one table, --depth 1).

    python bench/diagram_scale.py [N ...]

Prints the wall time of each (the schema already built in the scratch server: what is timed is
the drawing) and the size of the output. Uses its own SCHEMACODE_HOME, deleted at the end.
"""
from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

HOME = Path(tempfile.mkdtemp(prefix="schemacode-bench-"))
os.environ["SCHEMACODE_HOME"] = str(HOME)

from schemacode import api  # noqa: E402
from schemacode.load import load_text  # noqa: E402
from schemacode.server import stop_servers  # noqa: E402


def schema(n: int) -> str:
    rnd = random.Random(n)
    lines = ["tables:"]
    for i in range(n):
        lines += [f"  t{i:04}:", "    columns:", "      id: bigserial primary key",
                  "      name: {type: varchar(100), null: false}", "      payload: jsonb",
                  "      created_at: {type: timestamptz, default: {sql: now()}}"]
        for j in sorted({rnd.randrange(i) for _ in range(min(i, rnd.choice((1, 1, 2))))}):
            lines.append(f"      ref_{j:04}: {{type: bigint, references: t{j:04}.id}}")
    return "\n".join(lines) + "\n"


def timed(label: str, fn, repeat: int = 3) -> object:  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    size = len(out) if isinstance(out, (str, bytes)) else 0
    print(f"  {label:<34} {best:7.2f} s   {size / 1024:8.0f} KiB")
    return out


def main(sizes: list[int]) -> None:
    try:
        for n in sizes:
            loaded = load_text(schema(n), f"bench{n}.yaml")
            api.desired_catalog(loaded, None)  # built once, cached: the drawing is what is timed
            print(f"{n} tables (best of 3; Graphviz {'found' if shutil.which('dot') else 'MISSING'})")
            timed("mermaid", lambda: api.diagram(loaded))
            timed("dot text", lambda: api.diagram(loaded, "dot"))
            if shutil.which("dot"):
                timed("svg (dot -Tsvg)", lambda: api.diagram(loaded, "svg"), repeat=1)
                timed(f"svg --tables t{n // 2:04} --depth 1", lambda: api.diagram(loaded, "svg", [f"t{n // 2:04}"], 1))
    finally:
        stop_servers()
        shutil.rmtree(HOME, ignore_errors=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [500])
