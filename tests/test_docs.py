"""Every schema.yaml snippet in the docs and the README loads and builds in PostgreSQL."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemacode import api
from schemacode.load import load_text

from .conftest import Database

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def yaml_blocks() -> list[tuple[str, str]]:
    out = []
    for path in DOCS:
        text = path.read_text()
        for m in re.finditer(r"```yaml\n(.*?)```", text, re.DOTALL):
            line = text[: m.start()].count("\n") + 2
            out.append((f"{path.relative_to(ROOT)}:{line}", m.group(1)))
    return out


BLOCKS = yaml_blocks()


def test_there_are_snippets() -> None:
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize("where,text", BLOCKS, ids=[w for w, _ in BLOCKS])
def test_snippet_builds(db: Database, where: str, text: str) -> None:
    loaded = db.load(text, where)
    for role in sorted(loaded.catalog.roles()):  # roles belong to the cluster: made beforehand
        if not db.execute("SELECT 1 FROM pg_roles WHERE quote_ident(rolname) = %s", (role,)):
            db.execute(f"CREATE ROLE {role}")
    planned = api.plan(loaded, db.url).plan
    api.apply(loaded, db.url)
    assert api.plan(loaded, db.url).plan.is_empty, where
    assert planned.forward
