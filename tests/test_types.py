"""Composite and range types: declared, changed in place where PostgreSQL can (attributes), made
again where it cannot (a range's subtype), pulled, and generated as dataclasses and psycopg Ranges."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import class_row
from psycopg.types.range import Range

from schemacode import api
from schemacode.errors import SchemaError
from schemacode.load import load_text

from .acceptance import Case, run_case
from .conftest import Database
from .roundtrip import round_trip
from .test_codegen import generate_into

TYPES = """
types:
  address:
    comment: A postal address
    attributes:
      street: text
      city: text
      zip: varchar(10)
  floatrange: {range: double precision, subtype_diff: float8mi}
tables:
  shops:
    columns:
      id: int primary key
      addr: address
      hours: floatrange
      open_days: daterange
"""

CASES = [
    Case("types added", "tables: {}\n", TYPES, expect_summary=("+ composite type public.address",
                                                               "+ range type public.floatrange")),
    Case("an attribute added, in place (columns of the type keep their values)", TYPES,
         TYPES.replace("      zip: varchar(10)\n", "      zip: varchar(10)\n      country: text\n"),
         data="INSERT INTO shops (id, addr) VALUES (1, ROW('a', 'b', 'c'))",
         expect_summary=("~ composite type public.address attributes",),
         check="SELECT count(*) = 4 FROM pg_attribute WHERE attrelid = (SELECT typrelid FROM pg_type "
               "WHERE typname = 'address') AND attnum > 0"),
    Case("an attribute dropped", TYPES, TYPES.replace("      zip: varchar(10)\n", ""),
         hazards=frozenset({"data-loss"})),
    Case("an attribute retyped where no column uses the type", TYPES.replace("      addr: address\n", ""),
         TYPES.replace("      addr: address\n", "").replace("zip: varchar(10)", "zip: varchar(12)"),
         expect_summary=("~ composite type public.address attributes",)),
    Case("a range type's options change: made again", "types:\n  r: {range: integer}\n",
         "types:\n  r: {range: integer, multirange_type_name: r_many}\n",
         expect_summary=("- range type public.r", "+ range type public.r")),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_type_case(db: Database, case: Case) -> None:
    run_case(db, case)


def test_types_round_trip(db: Database) -> None:
    rt = round_trip(db, """
        CREATE TYPE address AS (street text, city text COLLATE "C", zip varchar(10));
        COMMENT ON TYPE address IS 'a postal address';
        CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
        CREATE TYPE textrange AS RANGE (subtype = text, collation = "C", multirange_type_name = textranges);
        CREATE TABLE shops (id int PRIMARY KEY, addr address, hours floatrange, names textrange[]);
    """, older="CREATE TABLE shops (id int PRIMARY KEY);")
    assert "floatrange: {range: double precision, subtype_diff: float8mi}" in rt.text
    assert "#" not in rt.text.split("\n\n", 1)[1]  # nothing left out (a range's constructors are its own)


def test_generated_models_read_composites_and_ranges(db: Database) -> None:
    api.apply(load_text(TYPES), db.url)
    models = generate_into(db, TYPES, "types_models")
    with psycopg.connect(db.url) as conn:
        models.register_types(conn)
        conn.execute("INSERT INTO shops VALUES (1, ROW('Main St', 'Paris', '75001'), '[8.5,18)', '[2024-01-01,2024-02-01)')")
        shop = conn.cursor(row_factory=class_row(models.Shops)).execute("SELECT * FROM shops").fetchone()
    assert isinstance(shop.addr, models.Address) and shop.addr.city == "Paris"
    assert isinstance(shop.hours, Range) and shop.hours.lower == 8.5
    assert isinstance(shop.open_days, Range)
    assert models.COMPOSITES == {"public.address": models.Address}
    source = (db.tmp / "pkgs" / "types_models" / "models.py").read_text()
    assert "hours: Range[float] | None" in source and "open_days: Range[datetime.date] | None" in source


def test_generated_types_pass_mypy_strict(tmp_path: Path, pg_admin: str) -> None:
    api.generate(load_text(TYPES), tmp_path / "types_pkg")
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                             str(tmp_path / "types_pkg")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("text,error", [
    ("types:\n  t: {attributes: {a: int}, range: int}\n", "is {attributes:"),
    ("types:\n  t: {attributes: {a: nosuchtype}}\n", "nosuchtype"),
    ("types:\n  t: {range: int, subtype_dif: x}\n", "unknown key 'subtype_dif'"),
    ("types:\n  t: {attributes: {a: int}, subtype_diff: x}\n", "subtype_diff is for range types"),
])
def test_bad_types_are_located_errors(text: str, error: str) -> None:
    with pytest.raises(SchemaError) as e:
        load_text(text)
    assert error in str(e.value) and e.value.line is not None
