"""`generate --models pydantic`: what the insert model accepts, PostgreSQL inserts (no constraint
error on the fields the model constrains); what PostgreSQL rejects for length, precision, range,
enum, NOT NULL or a carried check, the model rejects first. A property test (hypothesis)."""
from __future__ import annotations

import decimal
from typing import Any

import psycopg
import pytest

pydantic = pytest.importorskip("pydantic")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.types.json import Jsonb  # noqa: E402

from schemacode import api  # noqa: E402
from schemacode.load import load_text  # noqa: E402

from .codegen_schemas import generate_package  # noqa: E402
from .conftest import Database  # noqa: E402

SCHEMA = """
enums:
  level: [low, high]
tables:
  items:
    columns:
      id: bigserial primary key
      code: {type: varchar(5), null: false}
      note: char(3)
      price: {type: "numeric(5,2)", null: false}
      qty: {type: integer, null: false, default: 0}
      small: smallint
      level: {type: level, null: false}
      status: {type: varchar(10), null: false, default: new}
      title: {type: text, null: false}
      ratio: numeric(4,1)
      data: {type: jsonb, null: false, default: {sql: "'{}'::jsonb"}}
      tags: varchar(3)[]
    checks:
      chk_qty: qty >= 0
      chk_status: status IN ('new', 'done')
      chk_title: length(title) > 0 AND length(title) <= 4
      chk_ratio: ratio BETWEEN 0 AND 100
      chk_small: small IS NULL OR small > 0
      chk_mixed: price < 100 OR code <> 'x'
"""
# What the model leaves to the database (listed in its docstring): never a failure of the model.
LEFT_TO_DATABASE = {"chk_mixed"}
# SQLSTATEs of the rejections the model must see first: string too long, numeric out of range,
# not a label of the enum, NOT NULL, a check.
MODEL_FIRST = {"22001", "22003", "22P02", "23502", "23514"}

_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=7)
_ABSENT = object()


def _decimals(lo: int, hi: int) -> st.SearchStrategy[decimal.Decimal]:
    return st.integers(0, 3).flatmap(lambda p: st.decimals(min_value=lo, max_value=hi, places=p,
                                                         allow_nan=False, allow_infinity=False))


CANDIDATES: dict[str, st.SearchStrategy[Any]] = {
    "code": _TEXT | st.just("x"),
    "note": _TEXT,
    "price": _decimals(-2000, 2000),
    "qty": st.integers(-3, 3) | st.integers(-(2**40), 2**40),
    "small": st.integers(-3, 3) | st.integers(-(2**20), 2**20),
    "level": st.sampled_from(["low", "high", "mid", ""]),
    "status": st.sampled_from(["new", "done", "other", "a-very-long-status"]),
    "title": _TEXT,
    "ratio": _decimals(-200, 200),
    "data": st.dictionaries(st.text(max_size=3), st.integers(), max_size=2) | st.just([1, "a"]),
    "tags": st.lists(st.none() | st.text(alphabet="abcd", max_size=5), max_size=3),
}
VALID: dict[str, st.SearchStrategy[Any]] = {
    "code": st.text(alphabet="abxy", min_size=1, max_size=5),
    "price": st.decimals(min_value=-999, max_value=999, places=2, allow_nan=False, allow_infinity=False),
    "level": st.sampled_from(["low", "high"]),
    "title": st.text(alphabet="ab", min_size=1, max_size=4),
    "note": st.text(alphabet="ab ", max_size=3),
    "qty": st.integers(0, 100),
    "small": st.integers(1, 100),
    "status": st.sampled_from(["new", "done"]),
    "ratio": st.decimals(min_value=0, max_value=100, places=1, allow_nan=False, allow_infinity=False),
    "data": CANDIDATES["data"],
    "tags": st.lists(st.none() | st.text(alphabet="ab", max_size=3), max_size=3),
}
REQUIRED = ("code", "price", "level", "title")


def _mostly_valid(k: str) -> st.SearchStrategy[Any]:
    """A value that is usually right, sometimes anything, sometimes None."""
    valid = VALID[k]
    return st.one_of(valid, valid, valid, valid, valid, valid, CANDIDATES[k], st.none())


ROWS = st.fixed_dictionaries({k: _mostly_valid(k) for k in REQUIRED},
                             optional={k: _mostly_valid(k) for k in CANDIDATES if k not in REQUIRED})


def _insert(conn: psycopg.Connection[Any], values: dict[str, Any]) -> str | None:
    """Insert, in a savepoint; the SQLSTATE and constraint of the error, or None."""
    values = {k: Jsonb(v) if k == "data" and v is not None else v for k, v in values.items()}
    query = sql.SQL("INSERT INTO items ({}) VALUES ({})").format(
        sql.SQL(", ").join(map(sql.Identifier, values)), sql.SQL(", ").join(sql.Placeholder() * len(values)))
    if not values:
        query = sql.SQL("INSERT INTO items DEFAULT VALUES")
    try:
        with conn.transaction():
            conn.execute(query, list(values.values()))
    except psycopg.Error as e:
        return f"{e.sqlstate} {e.diag.constraint_name or ''}".strip()
    return None


def test_what_the_model_accepts_postgresql_inserts(db: Database) -> None:
    loaded = load_text(SCHEMA)
    api.apply(loaded, db.url)
    models = generate_package(loaded, db.tmp, "pyd_items", ["pydantic"]).pydantic_models
    Insert = models.ItemsInsert
    assert "chk_mixed" in (Insert.__doc__ or "") and "chk_qty" not in (Insert.__doc__ or "")
    seen = {"accepted": 0, "rejected by both": 0}
    defaulted = {"qty", "status", "data"}  # NOT NULL with a default: None means "the default"

    with psycopg.connect(db.url) as conn:

        @settings(max_examples=150, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
        @given(ROWS)
        def check(row: dict[str, Any]) -> None:
            try:
                model = Insert.model_validate(row)
            except pydantic.ValidationError as e:
                model, why = None, e
            # what an application would send: the same values (a defaulted column given None left out)
            raw = _insert(conn, {k: v for k, v in row.items() if not (v is None and k in defaulted)})
            if model is not None:
                error = _insert(conn, model.values())
                assert error is None or error.split(" ")[-1] in LEFT_TO_DATABASE, (row, error)
                seen["accepted"] += 1
            if raw is not None and raw.split(" ")[0] in MODEL_FIRST and raw.split(" ")[-1] not in LEFT_TO_DATABASE:
                assert model is None, (row, raw)
                seen["rejected by both"] += 1
            if model is None and raw is None:
                # the model may be stricter only where PostgreSQL rounds or cuts: more decimals than
                # the scale (rounded), spaces past a varchar's or char's length (cut off)
                for err in why.errors():
                    value = err.get("input")
                    stricter = err["type"] in ("decimal_max_places", "decimal_max_digits") or (
                        err["type"] == "string_too_long" and isinstance(value, str)
                        and len(value.rstrip(" ")) <= err["ctx"]["max_length"])
                    assert stricter, (row, why)

        check()
    assert seen["accepted"] > 5 and seen["rejected by both"] > 5, seen


def test_row_model_validates_rows_and_objects(db: Database) -> None:
    loaded = load_text(SCHEMA)
    api.apply(loaded, db.url)
    models = generate_package(loaded, db.tmp, "pyd_rows", ["dataclasses", "pydantic"])
    db.execute("INSERT INTO items (code, price, level, title, tags) VALUES ('ab', 1.5, 'high', 'hey', '{a,NULL}')")
    with psycopg.connect(db.url) as conn:
        from psycopg.rows import dict_row

        row = conn.cursor(row_factory=dict_row).execute("SELECT * FROM items").fetchone()
    assert row is not None
    r = models.pydantic_models.ItemsRow.model_validate(row)
    assert r.level is models.Level.HIGH and r.status == "new" and r.price == decimal.Decimal("1.50")
    assert r.tags == ["a", None] and r.data == {}
    dc = models.models.Items.from_row(row)  # a dataclass (or any object with the attributes)
    assert models.pydantic_models.ItemsRow.model_validate(dc) == r
    with pytest.raises(pydantic.ValidationError, match="extra"):
        models.pydantic_models.ItemsInsert(code="a", price=1, level="low", title="t", id=5)
    ins = models.pydantic_models.ItemsInsert(code="a", price=1, level="low", title="t", status=None)
    assert ins.values() == {"code": "a", "price": decimal.Decimal(1), "level": models.Level.LOW, "title": "t"}
