"""plan --format markdown: a golden file (`pytest --update-golden` writes it), and the same text
read by a CommonMark parser (markdown-it-py): hazards before the changes, changes under their
table's heading with their schema.yaml line and locks, the SQL folded in <details> exactly."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from schemacode import api
from schemacode.markdown import MARKER, code, fence, plan_markdown, source_of, table_of, text
from schemacode.render import sql_text

from .conftest import Database

GOLDEN = Path(__file__).resolve().parent / "golden" / "plan.md"

BEFORE = """
CREATE TYPE mood AS ENUM ('ok', 'meh');
CREATE TABLE people (id bigserial PRIMARY KEY, name text NOT NULL, age integer, legacy text,
                     mood mood, note varchar(20));
CREATE TABLE old_stuff (id serial PRIMARY KEY, what text);
CREATE TABLE visits (id bigserial PRIMARY KEY, person_id bigint, at timestamptz DEFAULT now());
"""
AFTER = """\
enums:
  mood: [ok, meh, sad]

functions:
  touch:
    returns: trigger
    body: BEGIN NEW.at = now(); RETURN NEW; END;

tables:
  people:
    comment: People who visit `us` & <others>
    columns:
      id: bigserial primary key
      name: {type: varchar(100), null: false}
      age: bigint
      mood: mood
      remark: varchar(20)
    checks:
      age_positive: age > 0
    indexes:
      people_age: [age]
  visits:
    columns:
      id: bigserial primary key
      person_id: {type: bigint, references: people.id, on_delete: cascade}
      at: {type: timestamptz, default: {sql: now()}}
    triggers:
      visits_touch: {before: update, execute: touch}
  events:
    columns:
      id: serial primary key
      what: text not null
"""


def markdown_of(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    db.execute(BEFORE)
    (tmp_path / "schema.yaml").write_text(AFTER)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main_cli(), ["plan", "--format", "markdown", "--database-url", db.url])
    assert result.exit_code == 0, result.output
    return result.stdout, api.plan("schema.yaml", db.url)


def main_cli() -> Any:
    from schemacode.cli import main

    return main


def test_markdown_golden(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         update_golden: bool) -> None:
    db.skip_unless_embedded_major()  # other majors print the backward SQL their own way
    md, _ = markdown_of(db, tmp_path, monkeypatch)
    if update_golden:
        GOLDEN.write_text(md)
    assert md == GOLDEN.read_text(), "rendering changed: review, then pytest --update-golden"


def test_markdown_reads_as_commonmark(db: Database, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    md, planned = markdown_of(db, tmp_path, monkeypatch)
    plan = planned.plan
    assert md == plan_markdown(plan, planned.warnings, planned.desired)
    tokens = MarkdownIt("commonmark").parse(md)
    kinds = [t.type for t in tokens]

    assert tokens[0].type == "html_block" and tokens[0].content.strip() == MARKER
    title = tokens[kinds.index("heading_open") + 1].content
    n = plan.counts()
    assert title == f"schemacode plan: {n['add']} to add, {n['change']} to change, {n['destroy']} to destroy"

    # hazards first: a block quote holding every hazard, before the first table's heading
    first_h4 = next(i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h4")
    quote = kinds.index("blockquote_open")
    assert quote < first_h4
    quoted = tokens[quote:kinds.index("blockquote_close")]
    strong = [t.children[i + 1].content for t in quoted if t.type == "inline"
              for i, c in enumerate(t.children or []) if c.type == "strong_open"]
    found = plan.hazards()
    assert {"data-loss", "rewrite", "lock"} <= {h.kind for _, h in found}
    assert sorted(s for s in strong if s.isupper()) == sorted(
        {"data-loss": "DATA LOSS", "rewrite": "TABLE REWRITE", "lock": "LOCK"}[h.kind] for _, h in found)

    # every change once, under its table's heading, with where in schema.yaml it comes from
    heading, placed = None, {}
    for i, t in enumerate(tokens):
        if t.type == "heading_open" and t.tag == "h4":
            heading = tokens[i + 1].children[0].content if tokens[i + 1].children[0].type == "code_inline" \
                else tokens[i + 1].content
        if t.type == "inline" and t.children and t.children[0].type == "code_inline" and heading \
                and i > first_h4 and tokens[i - 2].type == "list_item_open" and tokens[i - 2].level in (1,):
            placed[t.children[0].content] = (heading, t)
    assert sorted(placed) == sorted(c.summary() for c in plan.changes)
    for c in plan.changes:
        heading_of, line = placed[c.summary()]
        assert heading_of == (table_of(c) or "Other objects"), c.summary()
        spans = [x.content for x in line.children if x.type == "code_inline"]
        src = source_of(c, planned.desired)
        if src is not None:
            assert f"{src.file}:{src.line}" in spans and src.path in spans
        else:
            assert c.symbol == "-" and "no longer in schema.yaml" in line.content
    assert placed["+ enum value public.mood.sad"][0] == "Other objects"
    assert "- `~ comment on table public.people` (`schema.yaml:10` `tables.people`)" in md  # the table's comment: where the table is

    # the lock of each statement on an existing table, under its change
    inline = [t.content for t in tokens if t.type == "inline"]
    for s in plan.forward:
        if s.lock:
            first = s.sql.strip().splitlines()[0]
            assert any(first[:100] in x and f"**{s.lock.level}**" in x for x in inline), s.sql

    # the SQL, folded and exact
    fences = [t for t in tokens if t.type == "fence"]
    assert [f.content for f in fences] == [sql_text(plan.forward), sql_text(plan.backward)]
    assert all(f.info == "sql" for f in fences)
    for f in fences:
        i = tokens.index(f)
        assert tokens[i - 1].type == "html_block" and tokens[i - 1].content.startswith("<details>")
        assert tokens[i + 1].type == "html_block" and tokens[i + 1].content.strip() == "</details>"

    html = MarkdownIt("commonmark").render(md)
    assert '<pre><code class="language-sql">' in html and "<summary>Forward SQL (" in html
    # the rename hint of a column dropped and one added, as a note, its markup-like text kept
    assert any("renamed_from: note" in w for w in planned.warnings)
    assert "<code>renamed_from: note</code>" not in html and "renamed_from: note" in html


def test_markdown_text_is_never_markup() -> None:
    md = MarkdownIt("commonmark")
    for value in ["a *b* _c_ `d` <e> [f](g) # h | i ~ j ! k & l \\ m", "1. not a list", "+ not a list"]:
        assert md.render(text(value)).strip() == f"<p>{_escaped(value)}</p>"
    for value in ["a`b", "``", "` x", "SELECT 'a' || `b`"]:
        rendered = md.renderInline(code(value))
        assert rendered == f"<code>{_escaped(value)}</code>"
    body = "SELECT 1;\n```\nnot the end\n````\n"
    tokens = md.parse(fence(body, "sql"))
    assert [t.type for t in tokens] == ["fence"] and tokens[0].content == body


def _escaped(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def test_an_empty_plan_says_so(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "schema.yaml"
    path.write_text("tables:\n  t:\n    columns:\n      id: serial primary key\n")
    api.apply(str(path), db.url)
    md = plan_markdown(api.plan(str(path), db.url).plan)
    tokens = MarkdownIt("commonmark").parse(md)
    assert tokens[2].content == "schemacode plan: no changes"
    assert "fence" not in [t.type for t in tokens]
