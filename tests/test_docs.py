"""Every schema.yaml snippet in the docs and the README loads and builds in PostgreSQL."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemacode import api

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
SCHEMA_BLOCKS = [b for b in BLOCKS if not b[1].startswith("targets:")]  # not a targets file


def test_there_are_snippets() -> None:
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize("where,text", BLOCKS, ids=[w for w, _ in BLOCKS])
def test_snippet_builds(db: Database, where: str, text: str, tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    if text.startswith("targets:"):  # a targets file (docs/deploying.md): its queries run, too
        from schemacode import fleet

        for var in ("DATABASE_URL", "DIRECTORY_URL"):
            monkeypatch.setenv(var, db.url)
        monkeypatch.setenv("APP_PASSWORD", "secret")
        db.execute("CREATE TABLE tenants (id int, name text, url text, active boolean);"
                   f"INSERT INTO tenants VALUES (7, 'acme', '{db.url}', true), (8, 'gone', 'x', false)")
        path = tmp_path / "targets.yaml"
        path.write_text(text)
        assert len(fleet.load_targets(path)) >= 3
        return
    loaded = db.load(text, where)
    for role in sorted(loaded.catalog.roles()):  # roles belong to the cluster: made beforehand
        if not db.execute("SELECT 1 FROM pg_roles WHERE quote_ident(rolname) = %s", (role,)):
            db.execute(f"CREATE ROLE {role}")
    planned = api.plan(loaded, db.url).plan
    api.apply(loaded, db.url)
    assert api.plan(loaded, db.url).plan.is_empty, where
    assert planned.forward
