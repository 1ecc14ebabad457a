"""Random pairs of schemas: A → B applied, re-plan is empty, backward returns to A exactly."""
from __future__ import annotations

import os
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemacode import api

from .conftest import Database

# Columns whose type may change between A and B: every pair here casts both ways.
CASTABLE = ["integer", "bigint", "text", "varchar(40)", "numeric(12,2)"]
FIXED = {"payload": "jsonb", "seen_at": "timestamptz", "tags": "text[]", "ref": "uuid",
         "active": "boolean"}
COMMENTS = st.one_of(st.none(), st.sampled_from(["a comment", "it's quoted", "line\nbreak"]))


@st.composite
def column(draw: Any, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": FIXED.get(name) or draw(st.sampled_from(CASTABLE))}
    if draw(st.booleans()):
        spec["null"] = False
    if name.startswith("n") and draw(st.booleans()):
        spec["default"] = draw(st.integers(0, 9))
    if name == "seen_at" and draw(st.booleans()):
        spec["default"] = {"sql": "now()"}
    if name == "active" and draw(st.booleans()):
        spec["default"] = draw(st.booleans())
    comment = draw(COMMENTS)
    if comment:
        spec["comment"] = comment
    return spec


TOUCH = {"returns": "trigger", "language": "plpgsql",
         "body": "BEGIN NEW.seen_at = now(); RETURN NEW; END;"}


@st.composite
def schema(draw: Any) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    out: dict[str, Any] = {"tables": tables}
    moods = draw(st.lists(st.sampled_from(["ok", "meh", "sad", "glad"]), unique=True, max_size=4))
    if moods:
        out["enums"] = {"mood": moods}
    if draw(st.booleans()):
        out["functions"] = {"touch": dict(TOUCH)}
    names = draw(st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta"]), unique=True,
                          max_size=3))
    for i, t in enumerate(names):
        cols: dict[str, Any] = {"id": {"type": draw(st.sampled_from(["serial", "bigint"])),
                                       "primary_key": True}}
        for c in draw(st.lists(st.sampled_from(["n1", "n2", "label"] + sorted(FIXED)),
                               unique=True, max_size=5)):
            cols[c] = draw(column(c))
        if moods and draw(st.booleans()):
            cols["mood"] = {"type": "mood"}
            if draw(st.booleans()):
                cols["mood"]["default"] = draw(st.sampled_from(moods))
        if i > 0 and draw(st.booleans()):
            parent = names[draw(st.integers(0, i - 1))]
            cols["parent_id"] = {"type": "bigint", "references": f"{parent}.id",
                                 "on_delete": draw(st.sampled_from(["cascade", "set null", "restrict"]))}
        spec: dict[str, Any] = {"columns": cols}
        if draw(st.booleans()):
            cols["qty"] = {"type": "integer"}
            spec["checks"] = {f"chk_{t}_qty": draw(st.sampled_from(["qty >= 0", "qty > 0 AND qty < 100"]))}
        others = [c for c in cols if c != "id"]
        if others and draw(st.booleans()):
            spec["unique"] = {f"uq_{t}": [draw(st.sampled_from(others))]}
        indexes: dict[str, Any] = {}
        for k in range(draw(st.integers(0, 2))):
            if not others:
                break
            col = draw(st.sampled_from(others))
            idx: dict[str, Any] = {"columns": [col + draw(st.sampled_from(["", " desc"]))]}
            if cols[col]["type"] in ("jsonb", "text[]"):
                idx = {"using": "gin", "columns": [col]}
            elif "qty" in cols and draw(st.booleans()):
                idx["where"] = "qty > 0"
            indexes[f"idx_{t}_{k}"] = idx
        if indexes:
            spec["indexes"] = indexes
        if "functions" in out and draw(st.booleans()):
            event = draw(st.sampled_from(["update", "insert or update", "update of id"]))
            spec["triggers"] = {f"trg_{t}": {"before": event, "execute": "touch",
                                             "enabled": draw(st.booleans())}}
        comment = draw(COMMENTS)
        if comment:
            spec["comment"] = comment
        tables[t] = spec
    return out


@settings(max_examples=int(os.environ.get("SCHEMACODE_EXAMPLES", "25")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(a=schema(), b=schema())
def test_random_pairs_round_trip(db: Database, a: dict[str, Any], b: dict[str, Any]) -> None:
    db.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
               "COMMENT ON SCHEMA public IS 'standard public schema'")
    old = db.load(yaml.safe_dump(a), "a.yaml")
    new = db.load(yaml.safe_dump(b), "b.yaml")
    api.apply(old, db.url, allow_destructive=True)
    before = db.catalog()
    planned = api.plan(new, db.url).plan
    api.apply(new, db.url, allow_destructive=True)
    assert api.plan(new, db.url).plan.is_empty
    assert db.catalog() == db.desired(new)
    db.run_script(planned.backward)
    assert db.catalog() == before


@settings(max_examples=int(os.environ.get("SCHEMACODE_EXAMPLES", "15")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(a=schema())
def test_random_schema_pulls_back_to_itself(db: Database, a: dict[str, Any]) -> None:
    db.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
               "COMMENT ON SCHEMA public IS 'standard public schema'")
    api.apply(db.load(yaml.safe_dump(a), "a.yaml"), db.url, allow_destructive=True)
    pulled = api.pull(db.url)
    loaded = db.load(pulled.text, "pulled.yaml")
    assert api.plan(loaded, db.url).plan.is_empty, pulled.text
    assert db.desired(loaded) == db.catalog()
