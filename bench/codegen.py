"""How long `schemacode generate` takes to render N tables (the rendering alone, no database).

    python bench/codegen.py [N ...]
"""
from __future__ import annotations

import sys
import time

from schemacode.codegen import render
from schemacode.model import Catalog, Column, Constraint, EnumType, Table

TYPES = ["bigint", "integer", "text", "character varying(100)", "jsonb", "timestamp with time zone",
         "boolean", "numeric(12,2)", "uuid", "text[]", "public.status", "date"]


def catalog(n: int) -> Catalog:
    tables = {}
    for i in range(n):
        cols = {"id": Column("id", "bigserial", True)}
        for j in range(12):
            name = f"col_{j}"
            cols[name] = Column(name, TYPES[(i + j) % len(TYPES)], j % 3 == 0,
                                "now()" if j % 5 == 0 else None, comment=f"column {j}")
        pk = Constraint(f"t{i}_pkey", "primary_key", "PRIMARY KEY (id)", ("id",))
        tables[f"public.t{i}"] = Table("public", f"t{i}", cols, {pk.name or "": pk}, comment=f"table {i}")
    enums = {"public.status": EnumType("public", "status", ("new", "done"))}
    return Catalog(enums=enums, tables=tables)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000, 5000]
    print(f"{'tables':>8} {'seconds':>9} {'lines':>9}")
    for n in sizes:
        cat = catalog(n)
        render(cat)  # warm the template cache
        start = time.perf_counter()
        files = render(cat)
        elapsed = time.perf_counter() - start
        lines = sum(f.count("\n") for f in files.values())
        print(f"{n:>8} {elapsed:>9.3f} {lines:>9}")


if __name__ == "__main__":
    main()
