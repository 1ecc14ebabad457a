"""Aggregates (CREATE AGGREGATE): declared, replaced in place (CREATE OR REPLACE AGGREGATE keeps
the views that use it), made again when the state type changes, pulled."""
from __future__ import annotations

import pytest

from schemacode import api
from schemacode.errors import SchemaError
from schemacode.load import load_text

from .acceptance import Case, run_case
from .conftest import Database
from .roundtrip import round_trip

BASE = """
functions:
  add2:
    arguments: a integer, b integer
    returns: integer
    language: sql
    volatility: immutable
    sql_body: RETURN a + b
  half:
    arguments: n integer
    returns: numeric
    language: sql
    sql_body: RETURN n / 2.0
aggregates:
  total(integer): {sfunc: add2, stype: integer, initcond: 0, parallel: safe, comment: sums}
views:
  totals: SELECT total(x) AS total FROM generate_series(1, 4) x
"""

CASES = [
    Case("an aggregate added", BASE.replace("  total(integer): {sfunc: add2, stype: integer, initcond: 0, "
                                             "parallel: safe, comment: sums}\n", "  {}\n").replace(
        "aggregates:\n  {}\n", "").replace("views:\n  totals: SELECT total(x) AS total FROM generate_series(1, 4) x\n", ""),
         BASE, expect_summary=("+ aggregate public.total(integer)",)),
    Case("an aggregate's initial state changes: replaced in place, its view kept", BASE,
         BASE.replace("initcond: 0,", "initcond: 100,"),
         expect_summary=("~ aggregate public.total(integer)",), no_hazards=frozenset({"data-loss"}),
         check="SELECT (SELECT total FROM totals) = 110"),
    Case("an aggregate's result type changes: made again with the views calling it", BASE,
         BASE.replace("initcond: 0,", "initcond: 0, finalfunc: half,"),
         expect_summary=("- aggregate public.total(integer)", "+ aggregate public.total(integer)",
                         "~ view public.totals re-added (aggregate public.total made again)"),
         check="SELECT (SELECT total FROM totals) = 5"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_aggregate_case(db: Database, case: Case) -> None:
    run_case(db, case)


def test_an_aggregate_computes(db: Database) -> None:
    api.apply(load_text(BASE), db.url)
    assert db.execute("SELECT total FROM totals") == [(10,)]
    assert api.plan(load_text(BASE), db.url).plan.is_empty


def test_aggregates_round_trip(db: Database) -> None:
    rt = round_trip(db, """
        CREATE FUNCTION add2(int, int) RETURNS int LANGUAGE sql IMMUTABLE RETURN $1 + $2;
        CREATE FUNCTION half(int) RETURNS numeric LANGUAGE sql IMMUTABLE RETURN $1 / 2.0;
        CREATE AGGREGATE total(int) (SFUNC = add2, STYPE = int, INITCOND = '0', PARALLEL = SAFE,
                                     COMBINEFUNC = add2);
        CREATE AGGREGATE half_total(int) (SFUNC = add2, STYPE = int, FINALFUNC = half);
        COMMENT ON AGGREGATE total(int) IS 'sums';
        CREATE AGGREGATE text_concat(text) (SFUNC = textcat, STYPE = text, INITCOND = '');
        CREATE VIEW totals AS SELECT total(x) FROM generate_series(1, 3) x;
    """, older="CREATE FUNCTION add2(int, int) RETURNS int LANGUAGE sql IMMUTABLE RETURN $1 + $2;")
    assert "total(integer): {sfunc: add2, stype: integer, combinefunc: add2, initcond: '0', parallel: safe" in rt.text


@pytest.mark.parametrize("text,error", [
    ("aggregates:\n  a(int): {stype: int}\n", "needs sfunc"),
    ("aggregates:\n  a(int): {sfunc: f, stype: int, parallel: maybe}\n", "parallel is one of"),
    ("aggregates:\n  a(int): {sfunc: f, stype: int, sfnuc: g}\n", "unknown key 'sfnuc'"),
])
def test_bad_aggregates_are_located_errors(text: str, error: str) -> None:
    with pytest.raises(SchemaError) as e:
        load_text(text)
    assert error in str(e.value) and e.value.line is not None


OWN_FINAL = """
CREATE SCHEMA stats;
CREATE FUNCTION stats.z_step(numeric[], numeric) RETURNS numeric[] LANGUAGE plpgsql IMMUTABLE
    AS $$BEGIN RETURN ARRAY[$1[1] + $2, $1[2] + 1]; END$$;
CREATE FUNCTION stats.z_final(numeric[]) RETURNS numeric LANGUAGE plpgsql IMMUTABLE
    AS $$BEGIN RETURN CASE WHEN $1[2] = 0 THEN NULL ELSE $1[1] / $1[2] END; END$$;
CREATE FUNCTION stats.z_merge(numeric[], numeric[]) RETURNS numeric[] LANGUAGE sql IMMUTABLE
    RETURN ARRAY[$1[1] + $2[1], $1[2] + $2[2]];
CREATE AGGREGATE stats.a_avg(numeric) (SFUNC = stats.z_step, STYPE = numeric[], FINALFUNC = stats.z_final,
                                       COMBINEFUNC = stats.z_merge, INITCOND = '{0,0}');
CREATE TABLE prices (p numeric);
CREATE VIEW avg_price AS SELECT stats.a_avg(p) AS avg FROM prices;
"""


def test_an_aggregate_with_final_and_combine_functions_of_its_own_round_trips(db: Database) -> None:
    """Its functions are declared in the same schema.yaml, in another schema, named to sort after
    it: created before it, dropped after it."""
    rt = round_trip(db, OWN_FINAL, older="CREATE TABLE prices (p numeric);")
    assert "  stats.a_avg(numeric): {sfunc: stats.z_step, stype: 'numeric[]', finalfunc: stats.z_final, " \
           "combinefunc: stats.z_merge, initcond: '{0,0}'}" in rt.text
    rt.source.execute("INSERT INTO prices VALUES (1), (2), (6)")
    assert rt.source.execute("SELECT avg FROM avg_price") == [(3,)]


FINAL = """
functions:
  step:
    arguments: s numeric[], v numeric
    returns: numeric[]
    language: sql
    volatility: immutable
    sql_body: RETURN ARRAY[s[1] + v, s[2] + 1]
  final:
    arguments: s numeric[]
    returns: numeric
    body: BEGIN RETURN s[1] / nullif(s[2], 0); END;
aggregates:
  my_avg(numeric): {sfunc: step, stype: "numeric[]", finalfunc: final, initcond: "{0,0}"}
tables:
  prices:
    columns: {p: numeric}
views:
  avg_price: SELECT my_avg(p) AS avg FROM prices
"""


def test_a_final_function_made_again_takes_its_aggregate_and_views_along(db: Database) -> None:
    """The final function's result type changes: it is dropped and created again, so the
    aggregate (which PostgreSQL would not let it drop) goes before it and comes back after."""
    run_case(db, Case("a final function retyped", FINAL,
                      FINAL.replace("    returns: numeric\n    body:", "    returns: double precision\n    body:")
                           .replace("RETURN s[1] / nullif(s[2], 0)", "RETURN (s[1] / nullif(s[2], 0))::float8"),
                      expect_summary=("- aggregate public.my_avg(numeric)", "- function public.final(s numeric[])",
                                      "+ aggregate public.my_avg(numeric)",
                                      "~ view public.avg_price re-added (aggregate public.my_avg made again)"),
                      data="INSERT INTO prices VALUES (1), (2)",
                      check="SELECT avg = 1.5 FROM avg_price"))
