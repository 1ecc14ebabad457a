"""Make docs/diagrams.md's pictures, and README's, from the examples as they are now.

    python docs/diagrams.py           # write docs/diagrams.md, docs/diagrams/*.svg, README's diagram
    python docs/diagrams.py --check   # exit 1 naming what is stale (tests/test_diagram.py runs it)

The Mermaid of each example schema is embedded in docs/diagrams.md; the --changes picture is an
SVG of what a plan from docs/diagrams/before.yaml to after.yaml does, planned against a temporary
database on the embedded server. The SVG is compared by its text when the installed Graphviz is
not the one that drew it (versions lay out differently).
"""
from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path

import psycopg

from schemacode import api
from schemacode.server import embedded_admin_url, with_database

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "diagrams.md"
FOLDER = ROOT / "docs" / "diagrams"
EXAMPLES = [("The repository's `schema.yaml`", ROOT / "schema.yaml"),
            *[(f"`examples/{p.parent.name}`", p) for p in sorted(ROOT.glob("examples/*/schema.yaml"))]]
README_MARKS = ("<!-- diagram: made by docs/diagrams.py -->", "<!-- /diagram -->")

TEMPLATE = """# Diagrams: `schemacode diagram`

A schema of forty tables is read faster as a picture, and a reviewer grasps a plan faster when the
changed tables light up. `schemacode diagram` draws schema.yaml, or what a plan would do to a
database:

```bash
schemacode diagram                                   # Mermaid erDiagram on stdout
schemacode diagram -o schema.svg                     # SVG through Graphviz (also .png, .dot)
schemacode diagram --changes -o plan.svg             # against the database: what the plan does
schemacode diagram --tables 'task_*' --depth 1       # a part of a large schema, and its neighbours
```

- **Tables** with their columns: type (as people write it: `timestamptz`, `varchar(50)`), `PK`,
  `FK`, `UK` (unique by itself), and `NN` / "not null". **Relationships** from the foreign keys,
  with their cardinality: a parent that must exist (`||`, the referencing columns are NOT NULL) or
  may not (`|o`), and one child (`o|`, the referencing columns are unique) or many (`o{{`); a solid
  line in Mermaid when the reference is part of the child's key (identifying). **Views** and
  **enums** are shown apart (in SVG, views point at what they read). In SVG, a table's comment and
  its columns' comments are its tooltip. A partitioned table is one box with its partitions
  (sub-partitions too) listed in it — the first and last few, and every one a plan touches — as
  twelve monthly partitions are one line of schema.yaml; a glob naming a partition picks its
  parent.
- **Mermaid** renders as it is in GitHub and GitLab markdown and in most docs tools, and needs
  nothing installed. A name Mermaid cannot take as a word (a space, a quote) is made one
  (`unit price` → `unit_price`), with the real name beside it; names and types are never lost.
- **SVG and PNG** come from Graphviz's `dot` (Debian/Ubuntu `apt install graphviz`, macOS
  `brew install graphviz`; the Python package `graphviz` alone is only a wrapper). When `dot` is
  missing, the error says so, and that Mermaid needs nothing. The format follows `-o`'s suffix, or
  `--format mermaid|dot|svg|png`.
- **`--changes`** plans schema.yaml against the database (`--database-url`, as `plan`) and colors
  what **the plan's own changes** touch, so the picture and the plan never disagree: green added,
  amber changed (a column altered, an index, key, trigger or policy added or dropped in a table,
  a view made again), red dropped (a dropped column stays in its table, struck through). Mermaid
  marks the same with `[+]`, `[~]`, `[-]`.
- **Large schemas**: `--tables` takes globs on the name or `schema.name` (repeat it, or separate
  with commas) and `--depth N` adds the tables up to N foreign keys away. 500 tables take
  {bench} (`bench/diagram_scale.py`).

## The examples

{examples}

## A plan, colored

`schemacode diagram --schema docs/diagrams/after.yaml --changes -o plan.svg` against a database
built from [before.yaml](diagrams/before.yaml):

![what the plan does](diagrams/changes.svg)

This file is made by `python docs/diagrams.py`; a test fails when it is stale.
"""
BENCH = "0.06 s as Mermaid and 0.4 s as SVG (1.8 MB)"


def examples() -> str:
    parts = []
    for title, path in EXAMPLES:
        text = str(api.diagram(path))
        parts.append(f"### {title}\n\n`schemacode diagram --schema {path.relative_to(ROOT)}`:\n\n"
                     f"```mermaid\n{text}```\n")
    return "\n".join(parts)


def changes_svg() -> bytes:
    admin = embedded_admin_url()
    name = "schemacode_docs_" + uuid.uuid4().hex[:8]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = with_database(admin, name)
        api.apply(FOLDER / "before.yaml", url)
        out = api.diagram(FOLDER / "after.yaml", "svg", changes=True, database_url=url)
        assert isinstance(out, bytes)
        return out
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def readme(current: str) -> str:
    start, end = README_MARKS
    text = str(api.diagram(ROOT / "schema.yaml"))
    block = f"{start}\n```mermaid\n{text}```\n{end}"
    return re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, current, flags=re.S)


def _svg_text(svg: str) -> tuple[str, list[str]]:
    version = re.search(r"Generated by graphviz version ([^\s]+)", svg)
    return (version.group(1) if version else "", re.findall(r">([^<>]+)</text>", svg))


def main(check: bool) -> int:
    wanted = {
        DOC: TEMPLATE.format(examples=examples(), bench=BENCH),
        ROOT / "README.md": readme((ROOT / "README.md").read_text()),
    }
    svg = changes_svg().decode()
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text() != text]
    svg_path = FOLDER / "changes.svg"
    if not svg_path.exists():
        stale.append(svg_path)
    else:
        have_version, have_text = _svg_text(svg_path.read_text())
        new_version, new_text = _svg_text(svg)
        if (svg_path.read_text() != svg) if have_version == new_version else (have_text != new_text):
            stale.append(svg_path)
    if check:
        for p in stale:
            print(f"stale: {p.relative_to(ROOT)} (run python docs/diagrams.py)")
        return 1 if stale else 0
    for p, text in wanted.items():
        p.write_text(text)
    svg_path.write_text(svg)
    for p in stale:
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
