"""The repo's schema.yaml and every example: onto an empty database, apply, re-plan empty, and the
backward SQL takes the database back to empty."""
from __future__ import annotations

from pathlib import Path

import pytest

from schemacode import api
from schemacode.load import load_file

from .conftest import Database

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [ROOT / "schema.yaml", *sorted((ROOT / "examples").glob("*/schema.yaml"))]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_example_round_trip(db: Database, path: Path) -> None:
    loaded = load_file(path)
    empty = db.catalog(loaded.scope)
    planned = api.plan(loaded, db.url).plan
    assert not planned.is_empty
    assert not planned.hazards("data-loss")
    result = api.apply(loaded, db.url)
    assert result.applied
    assert api.plan(loaded, db.url).plan.is_empty
    assert db.catalog(loaded.scope) == db.desired(loaded)
    db.run_script(planned.backward)
    assert db.catalog(loaded.scope) == empty


def test_the_updated_at_trigger_works(db: Database) -> None:
    api.apply(load_file(ROOT / "schema.yaml"), db.url)
    db.execute("INSERT INTO event_plans (client_name) VALUES ('Acme')")
    db.execute("UPDATE event_plans SET updated_at = '2000-01-01', client_name = 'Acme Inc'")
    (updated,), = db.execute("SELECT updated_at > '2020-01-01' FROM event_plans")
    assert updated
