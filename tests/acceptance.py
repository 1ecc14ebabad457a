"""The contract every change kind is held to, as one runner over cases that are data.

A case: an old schema.yaml, a new one, the hazards the plan must show. The runner builds the old
schema, plans to the new one, applies it, requires that planning again finds nothing, that the
catalog equals the new schema built directly, and that the backward SQL brings the catalog back
to exactly the old one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from schemacode import api
from schemacode.plan import Plan

from .conftest import Database


@dataclass(frozen=True)
class Case:
    name: str
    old: str
    new: str
    hazards: frozenset[str] = field(default_factory=frozenset)  # kinds the forward plan must show
    no_hazards: frozenset[str] = field(default_factory=frozenset)  # kinds it must not show
    data: str = ""  # SQL run on the old schema before the change
    expect_summary: tuple[str, ...] = ()  # substrings the summary must contain
    check: str = ""  # SQL run after the forward apply; its one value must be true

    def __str__(self) -> str:
        return self.name


def run_case(db: Database, case: Case) -> Plan:
    old, new = db.load(case.old, "old.yaml"), db.load(case.new, "new.yaml")
    api.apply(old, db.url, allow_destructive=True)
    assert api.plan(old, db.url).plan.is_empty, "old schema does not re-plan empty"
    scope = sorted(set(old.scope) | set(new.scope))
    before = db.catalog(scope)
    if case.data:
        db.execute(case.data)

    planned = api.plan(new, db.url).plan
    assert not planned.is_empty, "the plan should not be empty"
    kinds = {h.kind for _, h in planned.hazards()}
    assert case.hazards <= kinds, f"expected hazards {set(case.hazards)}, got {kinds}"
    assert not (case.no_hazards & kinds), f"unexpected hazards {case.no_hazards & kinds}"
    summary = "\n".join(c.summary() for c in planned.changes)
    for text in case.expect_summary:
        assert text in summary, f"{text!r} not in summary:\n{summary}"

    result = api.apply(new, db.url, allow_destructive=True)
    assert result.applied
    if case.check:
        assert db.execute(case.check) == [(True,)], f"check failed: {case.check}"
    again = api.plan(new, db.url).plan
    assert again.is_empty, "re-plan after apply is not empty:\n" + "\n".join(
        s.sql for s in again.forward)

    desired = db.desired(new)
    assert db.catalog(scope) == _strip(desired, scope), "catalog differs from the new schema built directly"

    db.run_script(planned.backward)
    assert db.catalog(scope) == _strip(before, scope), "backward SQL did not restore the old catalog"
    return planned


def _strip(catalog, scope):  # type: ignore[no-untyped-def]
    from dataclasses import replace
    return replace(catalog, schemas={k: v for k, v in catalog.schemas.items() if k in scope})
