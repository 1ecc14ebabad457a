"""`schemacode diagram`: Mermaid and Graphviz pictures of schema.yaml and of a plan (docs/diagrams.md)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from schemacode import api
from schemacode.cli import main
from schemacode.diagram import COLORS

from .conftest import Database

ROOT = Path(__file__).parent.parent
EXAMPLES = [ROOT / "schema.yaml", *sorted(ROOT.glob("examples/*/schema.yaml"))]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed (apt install graphviz)")

# What Mermaid's erDiagram grammar takes: a quoted entity name (no " or %), attributes of a type
# word, a name word, keys and a quoted comment, relationships with two cardinalities.
ENTITY = re.compile(r'^    ("[^"%\n]+") \{$')
ATTRIBUTE = re.compile(r'^        ([A-Za-z][-\w()\[\]]*) ([A-Za-z][-\w]*)(?: ((?:PK|FK|UK)(?:, (?:PK|FK|UK))*))?'
                       r'(?: "([^"%\n]*)")?$')
RELATION = re.compile(r'^    ("[^"%\n]+") (\|\||\|o)(--|\.\.)(o\{|o\|) ("[^"%\n]+") : ("[^"%\n]*")$')


def parse_mermaid(text: str) -> tuple[dict[str, list[tuple[str, ...]]], list[tuple[str, ...]]]:
    """Entities with their attributes, and relationships; every line must be one Mermaid takes."""
    lines = text.splitlines()
    assert lines[0] == "erDiagram"
    entities: dict[str, list[tuple[str, ...]]] = {}
    relations = []
    current = None
    for line in lines[1:]:
        if current is not None:
            if line == "    }":
                current = None
                continue
            m = ATTRIBUTE.match(line)
            assert m, f"not a Mermaid attribute: {line!r}"
            entities[current].append(m.groups(""))
        elif (m := ENTITY.match(line)):
            current = m.group(1).strip('"')
            entities[current] = []
        elif (m := RELATION.match(line)):
            relations.append(tuple(x.strip('"') for x in m.groups()))
        else:
            assert line.startswith("    %%"), f"not a Mermaid line: {line!r}"
    return entities, relations


@pytest.mark.parametrize("path", EXAMPLES, ids=[str(p.relative_to(ROOT)) for p in EXAMPLES])
def test_mermaid_of_each_example_has_every_table_column_and_foreign_key(path: Path) -> None:
    loaded = api._load(path)
    catalog = api.desired_catalog(loaded, None)[0]
    entities, relations = parse_mermaid(str(api.diagram(loaded)))
    for t in catalog.tables.values():
        assert t.name in entities, t.name
        assert [a[1] for a in entities[t.name]] == list(t.columns)
        pk = {c for k in t.constraints.values() if k.kind == "primary_key" for c in k.columns}
        for attr in entities[t.name]:
            assert ("PK" in attr[2]) == (attr[1] in pk)
        for fk in (k for k in t.constraints.values() if k.kind == "foreign_key"):
            parent = catalog.tables[fk.ref_table].name
            assert any(r[0] == parent and r[4] == t.name and r[5] == ", ".join(fk.columns) for r in relations), fk
    for e in catalog.enums.values():
        assert [a[1] for a in entities[f"{e.name} (enum)"]] == list(e.values)
    assert len(relations) == sum(k.kind == "foreign_key" for t in catalog.tables.values()
                                 for k in t.constraints.values())


AWKWARD = """
schemas: [sales]
tables:
  "order items":
    columns:
      id: serial primary key
      "unit price": {type: "numeric(10,2)", null: false}
      'say "hi"': text
      "100% off": boolean
      sku: {type: varchar(20), unique: true}
  sales.customers:
    columns:
      id: bigint primary key
      tags: text[]
      seen: timestamp(3) with time zone
  lines:
    columns:
      item_id: {type: int, references: order items.id}
      customer_id: {type: bigint, null: false, references: sales.customers.id}
      n: int
    primary_key: [item_id, n]
"""


def test_names_with_spaces_and_quotes_become_words_mermaid_takes(db: Database) -> None:
    entities, relations = parse_mermaid(str(api.diagram(db.load(AWKWARD))))
    assert set(entities) == {"order items", "sales.customers", "lines"}
    items = {a[1]: a for a in entities["order items"]}
    assert items["unit_price"] == ("numeric", "unit_price", "", "unit price, numeric(10,2), not null")
    assert items["say__hi_"][3] == "say 'hi'"
    assert items["x_100__off"][3] == "100 pct off"
    assert items["sku"][:3] == ("varchar(20)", "sku", "UK")
    customers = {a[1]: a for a in entities["sales.customers"]}
    assert customers["tags"][0] == "text[]" and customers["seen"][0] == "timestamptz(3)"
    # item_id is part of the key (so NOT NULL: exactly one item): identifying; many lines each
    assert ("order items", "||", "--", "o{", "lines", "item_id") in relations
    assert ("sales.customers", "||", "..", "o{", "lines", "customer_id") in relations
    assert ("order items", "|o", "..", "o{", "lines", "item_id") in parse_mermaid(str(api.diagram(
        db.load(AWKWARD.replace("    primary_key: [item_id, n]\n", "")))))[1]  # may be null: zero or one


MERMAID = ROOT / "tests" / "mermaid"


@pytest.mark.skipif(shutil.which("node") is None or not (MERMAID / "node_modules" / "mermaid").exists(),
                    reason="Mermaid's parser is not installed: (cd tests/mermaid && npm install), as .ci/run does")
def test_mermaids_own_parser_takes_every_diagram(db: Database, tmp_path: Path) -> None:
    """The examples, awkward names, part of a schema and a plan's changes, parsed by Mermaid."""
    api.apply(db.load(OLD), db.url)
    texts = {f"example{i}": api.diagram(p) for i, p in enumerate(EXAMPLES)}
    texts["awkward"] = api.diagram(db.load(AWKWARD))
    texts["part"] = api.diagram(db.load(NEW), tables=["orders"], depth=1)
    texts["changes"] = api.diagram(db.load(NEW), changes=True, database_url=db.url)
    files = []
    for name, text in texts.items():
        (tmp_path / f"{name}.mmd").write_text(str(text))
        files.append(str(tmp_path / f"{name}.mmd"))
    (tmp_path / "broken.mmd").write_text("erDiagram\n    \"a\" {\n        timestamp with time zone t\n    }\n")
    done = subprocess.run(["node", str(MERMAID / "parse.mjs"), *files, str(tmp_path / "broken.mmd")],
                          capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert lines[:-1] == [f"ok {f}" for f in files], done.stdout + done.stderr
    assert lines[-1].startswith("FAIL") and done.returncode == 1  # the parser does reject what it must


def _nodes(dot_text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r'^\s+"[tve]:([^"]+)" \[label=<(.*)>, tooltip', dot_text, re.M)}


@needs_dot
@pytest.mark.parametrize("path", EXAMPLES, ids=[str(p.relative_to(ROOT)) for p in EXAMPLES])
def test_svg_of_each_example_holds_every_table(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "schema.svg"
    r = CliRunner().invoke(main, ["diagram", "--schema", str(path), "-o", str(out)])
    assert r.exit_code == 0, r.output
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    catalog = api.desired_catalog(api._load(path), None)[0]
    for t in catalog.tables.values():
        assert f">{t.name}</text>" in svg, t.name
        for c in t.columns:
            assert f">{c}</text>" in svg, (t.name, c)


OLD = (ROOT / "docs" / "diagrams" / "before.yaml").read_text()  # the --changes picture of docs/diagrams.md
NEW = (ROOT / "docs" / "diagrams" / "after.yaml").read_text()


def test_changes_color_exactly_what_the_plan_changes(db: Database) -> None:
    api.apply(db.load(OLD), db.url)
    new = db.load(NEW)
    summary = [c.summary() for c in api.plan(new, db.url).plan.changes]
    assert "~ column public.orders.total type numeric(10,2) → numeric(12,2)" in summary
    dot_text = str(api.diagram(new, "dot", changes=True, database_url=db.url))
    nodes = _nodes(dot_text)

    def header(name: str) -> str | None:
        m = re.match(r'<TABLE BORDER="1"[^>]*><TR><TD COLSPAN="\d" BGCOLOR="([^"]+)"', nodes[name])
        assert m, nodes[name]
        return next((k for k, (fill, _) in COLORS.items() if fill == m.group(1)), None)

    def rows(name: str) -> dict[str, str | None]:
        out = {}
        for m in re.finditer(r'<TR><TD PORT="i\d+" ALIGN="LEFT"(?: BGCOLOR="([^"]+)")?>(?:<[US]>)*([^<]+)', nodes[name]):
            out[m.group(2)] = next((k for k, (fill, _) in COLORS.items() if fill == m.group(1)), None)
        return out

    assert {t: header(t) for t in ("public.users", "public.orders", "public.invoices", "public.legacy_audit",
                                   "public.untouched")} == {
        "public.users": "changed", "public.orders": "changed", "public.invoices": "added",
        "public.legacy_audit": "dropped", "public.untouched": None}
    assert rows("public.users") == {"id": None, "email": None, "created_at": "added", "nickname": "dropped"}
    assert rows("public.orders") == {"id": None, "user_id": None, "total": "changed", "status": None}
    assert rows("public.untouched") == {"id": None, "note": None}
    assert "<S>nickname</S>" in nodes["public.users"]
    assert 'tooltip="who signs in\nemail: lower case"' in dot_text  # comments, in SVG a tooltip
    assert "BGCOLOR" not in nodes["public.calm"].split("</TD>", 1)[1]  # a view the plan leaves alone
    assert COLORS["changed"][0] in nodes["public.big_orders"].split("</TD>", 1)[0]  # dropped and made again
    enums = re.search(r"^  enums \[label=<(.*)>", str(api.diagram(new, "dot", changes=True, database_url=db.url)),
                      re.M)
    assert enums and f'BGCOLOR="{COLORS["changed"][0]}" TITLE="status"' in enums.group(1)

    entities, _ = parse_mermaid(str(api.diagram(new, changes=True, database_url=db.url)))
    assert set(entities) == {"users [~]", "orders [~]", "invoices [+]", "legacy_audit [-]", "untouched",
                             "big_orders (view) [~]", "calm (view)", "status (enum) [~]"}
    assert {a[1]: a[3] for a in entities["users [~]"]} == {
        "id": "", "email": "not null", "created_at": "+ added, not null", "nickname": "- dropped"}

    api.apply(new, db.url, allow_destructive=True)  # nothing left to do: nothing colored
    unchanged = str(api.diagram(new, "dot", changes=True, database_url=db.url))
    assert not any(fill in unchanged.split("legend", 1)[0] for fill, _ in COLORS.values())


def test_tables_and_depth_choose_a_part_and_its_neighbours(db: Database) -> None:
    new = db.load(NEW)

    def shown(*args: str, depth: int = 0) -> set[str]:
        return set(parse_mermaid(str(api.diagram(new, tables=list(args), depth=depth)))[0])

    assert shown("orders") == {"orders", "status (enum)"}  # with the enums its columns use
    assert shown("orders", depth=1) == {"orders", "users", "invoices", "status (enum)"}
    assert shown("inv*") == {"invoices"}
    assert shown("inv*", depth=2) == {"invoices", "orders", "users", "status (enum)"}
    assert shown("public.untouched", "calm") == {"untouched", "calm (view)"}
    r = CliRunner().invoke(main, ["diagram", "--schema", str(db.write(NEW)), "--tables", "orders,untouched"])
    assert r.exit_code == 0 and set(parse_mermaid(r.stdout)[0]) == {"orders", "untouched", "status (enum)"}


def test_without_dot_the_error_says_how_to_install_it(db: Database, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = db.write(NEW)
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    r = CliRunner().invoke(main, ["diagram", "--schema", str(path), "-o", str(tmp_path / "x.svg")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "needs Graphviz's `dot`" in r.stderr and "apt install graphviz" in r.stderr
    assert "--format mermaid" in r.stderr and not (tmp_path / "x.svg").exists()
    r = CliRunner().invoke(main, ["diagram", "--schema", str(path)])
    assert r.exit_code == 0 and r.stdout.startswith("erDiagram\n")  # Mermaid needs nothing
    r = CliRunner().invoke(main, ["diagram", "--schema", str(path), "--format", "svg"])
    assert r.exit_code == 1 and "pass -o FILE" in r.stderr


@needs_dot
def test_docs_diagrams_are_fresh(pg_admin: str) -> None:
    """docs/diagrams.md and its pictures are what docs/diagrams.py makes of the examples now
    (run with the tests' SCHEMACODE_HOME, which pg_admin sets)."""
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "diagrams.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


PARTITIONED = """
tables:
  accounts:
    columns: {id: bigint primary key}
  payments:
    columns:
      id: bigint
      account_id: {type: bigint, references: accounts.id}
      paid_at: {type: timestamptz, null: false}
    primary_key: [id, paid_at]
    partition_by: range (paid_at)
    partitions:
      payments_{yyyy}_{mm}: {from: 2024-01-01, to: 2025-01-01, every: 1 month}
  sites:
    columns: {id: int, region: text, country: text}
    partition_by: list (region)
    partitions:
      sites_eu:
        in: [eu, uk]
        partition_by: list (country)
        partitions:
          sites_eu_fr: {in: [fr]}
          sites_eu_rest: default
      sites_rest: default
"""


def test_partitions_are_drawn_inside_their_parent(db: Database) -> None:
    """Twelve monthly partitions are one box, as they are one line of schema.yaml; a partition a
    plan adds marks its parent changed and is named, marked, in it."""
    loaded = db.load(PARTITIONED)
    entities, relations = parse_mermaid(str(api.diagram(loaded)))
    assert set(entities) == {"accounts", "payments (12 partitions)", "sites (4 partitions)"}
    assert ("accounts", "|o", "..", "o{", "payments (12 partitions)", "account_id") in relations
    nodes = _nodes(str(api.diagram(loaded, "dot")))
    assert set(nodes) == {"public.accounts", "public.payments", "public.sites"}
    assert "12 partitions:<BR/>&#160;&#160;payments_2024_01" in nodes["public.payments"]
    assert "…" in nodes["public.payments"] and "payments_2024_12" in nodes["public.payments"]
    assert "sites_eu_fr" in nodes["public.sites"]  # a sub-partition, in the topmost parent
    assert shown_tables(api.diagram(loaded, tables=["payments_2024_05"])) == {"payments (12 partitions)"}

    api.apply(loaded, db.url)
    more = db.load(PARTITIONED.replace("to: 2025-01-01, every", "to: 2025-02-01, every"))
    nodes = _nodes(str(api.diagram(more, "dot", changes=True, database_url=db.url)))
    assert f'BGCOLOR="{COLORS["changed"][0]}"><B>payments</B>' in nodes["public.payments"]
    assert f'<FONT COLOR="{COLORS["added"][1]}">+ payments_2025_01</FONT>' in nodes["public.payments"]
    assert f'BGCOLOR="{COLORS["changed"][0]}"' not in nodes["public.sites"]


def shown_tables(text: str | bytes) -> set[str]:
    return set(parse_mermaid(str(text))[0])
