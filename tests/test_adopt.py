"""A database built by hand-written SQL, in its authors' style, plans empty against the
equivalent schema.yaml: differences of PostgreSQL's spelling are not changes."""
from __future__ import annotations

from pathlib import Path

from schemacode import api
from schemacode.load import load_file

from .conftest import Database

ROOT = Path(__file__).resolve().parent.parent


def test_hand_written_migration_matches_schema_yaml(db: Database) -> None:
    db.execute((ROOT / "tests" / "sql" / "add_task_management_tables.sql").read_text())
    loaded = load_file(ROOT / "schema.yaml")
    planned = api.plan(loaded, db.url).plan
    assert planned.is_empty, "\n".join(c.summary() for c in planned.changes)
    result = api.apply(loaded, db.url)
    assert not result.applied


def test_a_real_difference_is_still_seen_through_spelling(db: Database) -> None:
    db.execute((ROOT / "tests" / "sql" / "add_task_management_tables.sql").read_text())
    db.execute("ALTER TABLE task_conflicts DROP CONSTRAINT chk_task_conflicts_resolution_status;"
               "ALTER TABLE task_conflicts ADD CONSTRAINT chk_task_conflicts_resolution_status "
               "CHECK (resolution_status IN ('unresolved', 'resolved'))")
    planned = api.plan(load_file(ROOT / "schema.yaml"), db.url).plan
    assert [c.summary() for c in planned.changes] == [
        "- check chk_task_conflicts_resolution_status on public.task_conflicts",
        "+ check chk_task_conflicts_resolution_status on public.task_conflicts",
    ]
    api.apply(load_file(ROOT / "schema.yaml"), db.url)
    assert api.plan(load_file(ROOT / "schema.yaml"), db.url).plan.is_empty
