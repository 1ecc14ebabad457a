"""A second opinion on every plan's locks: squawk, the PostgreSQL migration linter, reads the
forward SQL of the acceptance scenarios (as `plan --out` writes it). Every lock, rewrite or
data loss it flags must be something the plan already names; `--online` plans must pass its
lock rules except where the plan says why they cannot be met."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from schemacode import api
from schemacode.apply import Settings
from schemacode.locks import lock_of
from schemacode.migrations import _script
from schemacode.plan import PlannedStatement

from .acceptance import Case
from .conftest import Database
from .test_cases_objects import CASES as OBJECT_CASES
from .test_cases_tables import CASES as TABLE_CASES

SQUAWK = shutil.which("squawk") or str(Path(sys.executable).parent / "squawk")

# Squawk rules about how statements lock, rewrite or lose data, and what the plan must show for
# a statement squawk flags with one: a hazard of one of these kinds, or a named lock.
LOCK_RULES = {
    "adding-field-with-default": {"rewrite"},
    "adding-foreign-key-constraint": {"lock"},
    "adding-not-nullable-field": {"lock"},
    "adding-required-field": {"lock"},
    "adding-serial-primary-key-field": {"lock", "rewrite"},
    "changing-column-type": {"rewrite"},
    "constraint-missing-not-valid": {"lock"},
    "disallowed-unique-constraint": {"lock"},
    "require-concurrent-index-creation": {"lock"},
    "require-concurrent-index-deletion": {"named"},  # brief: ACCESS EXCLUSIVE, named in Locks
    "ban-drop-column": {"data-loss"},
    "ban-drop-table": {"data-loss"},
    "ban-drop-not-null": {"named"},
    "renaming-column": {"named"},
    "renaming-table": {"named"},
    "renaming-object": {"named"},
    "ban-drop-default": {"named"},
    "ban-drop-constraint": {"named"},
    "ban-alter-identity": {"named"},
}
# Rules about what breaks the applications that use the object: the plan's summary lists the
# change as a drop or a rename.
CLIENT_RULES = {"ban-drop-function", "ban-drop-view", "ban-drop-type"}
# Rules about style or habits, not about what a statement does to a live table
STYLE_RULES = {"prefer-robust-stmts", "prefer-bigint-over-int", "prefer-bigint-over-smallint",
               "prefer-identity", "prefer-text-field", "prefer-timestamptz", "prefer-timestamp-tz", "ban-char-field",
               "prefer-big-int", "ban-create-domain-with-constraint", "ban-alter-domain-with-add-constraint",
               "ban-truncate-cascade", "transaction-nesting"}


@dataclass
class Finding:
    rule: str
    statement: PlannedStatement


def _squawk(db: Database, stmts: tuple[PlannedStatement, ...]) -> list[Finding]:
    text = _script("scenario", stmts, Settings())
    path = db.tmp / "up.sql"
    path.write_text(text)
    out = subprocess.run([SQUAWK, "--reporter", "json", "--pg-version", "16.0", str(path)],
                         capture_output=True, text=True)
    lines = text.splitlines()
    spans: list[tuple[int, int, PlannedStatement]] = []  # lines (0-based) of each statement
    at = 0
    for s in sorted(stmts, key=lambda s: ["pre", "main", "post"].index(s.stage)):  # as written
        first = s.sql.strip().splitlines()[0]
        at = next(i for i in range(at, len(lines)) if lines[i].startswith(first))
        spans.append((at, at + len(s.sql.strip().splitlines()) - 1, s))
    findings = []
    for v in json.loads(out.stdout or "[]"):
        stmt = next((s for a, b, s in spans if a <= v["line"] <= b), None)
        assert stmt is not None, f"squawk flags a line that is not a statement: {v}"
        findings.append(Finding(v["rule_name"], stmt))
    return findings


def _explained(f: Finding) -> bool:
    kinds = f.statement.hazard_kinds()
    wanted = LOCK_RULES[f.rule]
    if "named" in wanted:  # a lock on a table it names; else it locks no table (a type, a sequence)
        return f.statement.lock is not None or lock_of(f.statement.sql) is None
    if wanted & kinds:
        return True
    # squawk reads the file alone: a statement the plan knows takes no write-blocking lock on a
    # table that holds rows (a table it just created, a catalog-only type change) has nothing
    # to name. Those classifications are tested against PostgreSQL in test_locks and
    # test_light_plans (relfilenodes).
    return f.statement.lock is None or not f.statement.lock.stalls_writes


CASES: list[Case] = [c for c in TABLE_CASES + OBJECT_CASES]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_squawk_flags_nothing_the_plan_does_not_name(db: Database, case: Case) -> None:
    old, new = db.load(case.old, "old.yaml"), db.load(case.new, "new.yaml")
    api.apply(old, db.url, allow_destructive=True)
    if case.data:
        db.execute(case.data)
    for online in (False, True):
        plan = api.plan(new, db.url, online=online).plan
        findings = _squawk(db, plan.forward)
        unknown = {f.rule for f in findings} - set(LOCK_RULES) - STYLE_RULES - CLIENT_RULES
        assert not unknown, f"squawk rules this test does not know yet: {unknown}"
        for f in findings:
            if f.rule in LOCK_RULES:
                assert _explained(f), f"squawk {f.rule}: the plan does not name it: {f.statement.sql}"
            if f.rule in CLIENT_RULES:
                assert f.statement.change[:1] in "-~→", f"squawk {f.rule}: not a drop in the plan: {f.statement.change}"
        if online:
            # online: squawk's lock rules pass, except for a rewrite the plan announces or a
            # drop (data loss is allowed with --allow-destructive, never silently)
            for f in findings:
                if f.rule in LOCK_RULES and LOCK_RULES[f.rule] & {"lock", "rewrite"}:
                    lock = f.statement.lock
                    assert "rewrite" in f.statement.hazard_kinds() or lock is None \
                        or not lock.stalls_writes, f"online plan breaks {f.rule}: {f.statement.sql}"


def test_squawk_reads_the_online_phases(db: Database) -> None:
    """The statements of the online phases (changes/online.py) as squawk reads them: what it
    flags is named by the plan (the lock, a hazard), or is the old column dropped in the
    contract once its shadow has its values and takes its name."""
    from .test_online import FK

    api.apply(db.load(FK.old), db.url)
    db.execute(FK.fill)
    planned = api.plan(db.load(FK.new), db.url, online=True).plan
    assert planned.program is not None
    stmts = tuple(s for s in planned.program.statements() if not s.sql.startswith("WITH batch"))
    sql = [s.sql for s in stmts]
    findings = _squawk(db, stmts)
    assert findings, "squawk read nothing"
    unknown = {f.rule for f in findings} - set(LOCK_RULES) - STYLE_RULES - CLIENT_RULES
    assert not unknown, f"squawk rules this test does not know yet: {unknown}"
    for f in findings:
        if f.rule == "ban-drop-column":  # the old column, its values in the shadow renamed to its name
            name = f.statement.sql.rsplit(" ", 1)[1]
            assert any(s.endswith(f" TO {name}") and "RENAME COLUMN _sc_" in s for s in sql), f.statement.sql
        elif f.rule in LOCK_RULES:
            assert _explained(f), f"squawk {f.rule}: the plan does not name it: {f.statement.sql}"
            lock = f.statement.lock
            assert lock is None or not lock.stalls_writes, f"online phase breaks {f.rule}: {f.statement.sql}"
