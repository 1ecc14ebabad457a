"""A dependent PostgreSQL will not carry through a change of what it reads (a check on a retyped
column, a view on it, …) is dropped and added again: the plan lists it once, as re-added, and
says why, rather than as a drop and an add the user made."""
from __future__ import annotations

import json

import pytest

from schemacode import api
from schemacode.diff.core import same_but_printing
from schemacode.markdown import plan_markdown
from schemacode.render import plan_json, plan_text

from .acceptance import Case, run_case
from .conftest import Database

RUNS = """
tables:
  runs:
    columns:
      id: bigint primary key
      status: varchar(50) not null default 'new'
      score: integer
    checks:
      chk_status: status IN ('new', 'done')
"""

# (case, the lines the summary lists, the lines it must not list)
CASES = [
    (Case("a check on a retyped column", RUNS, RUNS.replace("varchar(50)", "text")),
     ["~ check chk_status on public.runs re-added (column status retyped)",
      "Plan: 0 to add, 2 to change, 0 to destroy."],
     ["- check", "+ check"]),
    (Case("a check changed as its column is retyped", RUNS,
          RUNS.replace("varchar(50)", "text").replace("'done')", "'done', 'failed')")),
     ["- check chk_status on public.runs", "+ check chk_status on public.runs"], ["re-added"]),
    (Case("an expression index on a retyped column", RUNS + "    indexes:\n      idx_lower: [lower(status)]\n",
          RUNS.replace("varchar(50)", "text") + "    indexes:\n      idx_lower: [lower(status)]\n"),
     ["~ index public.idx_lower on public.runs re-added (column status retyped)"], ["- index", "+ index"]),
    (Case("a view on a retyped column", RUNS + "views:\n  open_runs: SELECT id, status FROM runs WHERE status = 'new'\n",
          RUNS.replace("varchar(50)", "text")
          + "views:\n  open_runs: SELECT id, status FROM runs WHERE status = 'new'\n"),
     ["re-added (column public.runs.status retyped)"], ["- view", "+ view"]),
    (Case("a foreign key onto a retyped key", RUNS.replace("  runs:", "  users:\n    columns:\n"
                                                                      "      id: integer primary key\n  runs:")
          .replace("      score: integer\n", "      score: integer\n      user_id: integer references users\n"),
          RUNS.replace("  runs:", "  users:\n    columns:\n      id: bigint primary key\n  runs:")
          .replace("      score: integer\n", "      score: integer\n      user_id: bigint references users\n")),
     ["~ foreign key runs_user_id_fkey on public.runs re-added (column user_id retyped)"],
     ["- foreign key", "+ foreign key"]),
    (Case("a trigger on a retyped column",
          "functions:\n  touch: {returns: trigger, body: BEGIN RETURN NEW; END;}\n" + RUNS
          + "    triggers:\n      on_score: {before: update of score, execute: touch}\n",
          "functions:\n  touch: {returns: trigger, body: BEGIN RETURN NEW; END;}\n"
          + RUNS.replace("score: integer", "score: bigint")
          + "    triggers:\n      on_score: {before: update of score, execute: touch}\n"),
     ["~ trigger on_score on public.runs re-added (column score retyped)"], ["- trigger", "+ trigger"]),
    (Case("a check calling a function made again",
          "functions:\n  ok: {arguments: s text, returns: boolean, language: sql, body: SELECT s <> ''}\n"
          + RUNS + "      chk_ok: ok(status)\n",
          "functions:\n  ok: {arguments: s text, returns: integer, language: sql, body: SELECT 1}\n"
          + RUNS + "      chk_ok: ok(status) = 1\n"),
     ["- check chk_ok", "+ check chk_ok"], ["chk_ok on public.runs re-added"]),
]


@pytest.mark.parametrize("case,listed,unlisted", CASES, ids=[c[0].name for c in CASES])
def test_a_dependent_re_added_says_why(db: Database, case: Case, listed: list[str], unlisted: list[str]) -> None:
    planned = run_case(db, case)
    text = plan_text(planned, sql=False)
    for line in listed:
        assert line in text, f"{line!r} not in:\n{text}"
    for line in unlisted:
        assert line not in text, f"{line!r} in:\n{text}"
    # the backward plan says it too, and the SQL still drops and adds
    back = [c.summary() for c in planned.backward_changes if c.listed]
    if "re-added" in listed[0]:
        assert any("re-added" in s for s in back), back
        halves = [c for c in planned.changes if c.because]  # each a drop and an add, listed once
        assert len(halves) == 2 * len([c for c in halves if c.listed])
        assert {c.summary() for c in halves if not c.listed} == {c.summary() for c in halves if c.listed}


def test_the_json_summary_lists_it_once(db: Database) -> None:
    api.apply(db.load(RUNS), db.url)
    planned = api.plan(db.load(RUNS.replace("varchar(50)", "text")), db.url).plan
    summary = json.loads(plan_json(planned))["summary"]
    assert len(summary) == 2 and summary[0].startswith("~ column public.runs.status type "), summary
    assert summary[1] == "~ check chk_status on public.runs re-added (column status retyped)", summary
    assert plan_text(planned, sql=False).split("\nPlan:")[0].count("chk_status") == 1
    markdown = plan_markdown(planned)  # (a pull request's comment): one line, with its statements
    assert markdown.count("re-added (column status retyped)") == 1, markdown
    assert "0 to add, 2 to change, 0 to destroy" in markdown


def test_same_but_printing() -> None:
    assert same_but_printing("CHECK (((status)::text = ANY ((ARRAY['a'::character varying, "
                             "'b'::character varying])::text[])))",
                             "CHECK ((status = ANY (ARRAY['a'::text, 'b'::text])))")
    assert same_but_printing("((x)::timestamp(3) with time zone > now())", "(x > now())")
    assert not same_but_printing("CHECK ((status = ANY (ARRAY['a'::text])))",
                                 "CHECK ((status = ANY (ARRAY['b'::text])))")
    assert not same_but_printing("CHECK ((s = 'x::int'::text))", "CHECK ((s = 'x'::text))")
