"""A plan is data: ordered forward and backward statements with their hazards.

Ordering lives here and only here (``order``): every change says its phase and what it provides
and needs (see changes/base.py); phases order kinds, needs order what one kind's object needs of
a later kind. The backward plan is diff(desired, current): the same machinery the other way.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .changes import Change, DropSchema, Hazard, HazardKind, Stage, Statement
from .changes.online import Backfill, Split, Step, Target, program as online_program, split, subject
from .diff import Renames, diff
from .errors import UnmanagedError
from .locks import Lock, lock_of
from .model import Catalog, Namespace, Source, fingerprint
from .sqltext import path_part


@dataclass(frozen=True)
class PlannedStatement:
    sql: str
    hazards: tuple[Hazard, ...]
    stage: Stage
    change: str  # the summary line of the change it belongs to
    source: Source | None = None
    concurrent_index: str | None = None
    lock: Lock | None = None  # on tables that exist before the plan runs

    def hazard_kinds(self) -> set[HazardKind]:
        return {h.kind for h in self.hazards}


@dataclass(frozen=True)
class PlannedStep:
    """A step of an online change (changes/online.py): a transaction, a statement on its own, or
    a backfill (its batch statement shown as ``statements[0]``)."""

    phase: str  # expand, backfill, contract
    kind: str  # transaction, alone, backfill
    title: str
    statements: tuple[PlannedStatement, ...]
    backfill: Backfill | None = None


@dataclass(frozen=True)
class Program:
    """The phases of the online rewrites of a plan, and how to abort them (before the contract)."""

    steps: tuple[PlannedStep, ...]
    abort: tuple[PlannedStep, ...]
    batch_size: int = 1000  # as the plan shows the batches

    @property
    def contract_at(self) -> int:
        """The first step of the contract: from there, the change can no longer be aborted."""
        return next((i for i, s in enumerate(self.steps) if s.phase == "contract"), len(self.steps))

    def statements(self) -> list[PlannedStatement]:
        return [s for step in self.steps for s in step.statements]

    def rows(self) -> int | None:
        """The rows to backfill, as estimated; None where a table's are not known."""
        counts = [s.backfill.rows for s in self.steps if s.backfill]
        return None if any(c is None for c in counts) else sum(c or 0 for c in counts)


@dataclass(frozen=True)
class InProgress:
    """An online change that started and has not finished (its state in schemacode_history)."""

    history_id: int
    kind: str  # apply or rollback
    started: Any  # timestamptz
    by: str
    step: int  # the next step
    program: Program
    rows: int = 0  # rows backfilled so far in the current backfill
    total: int | None = None

    @property
    def abortable(self) -> bool:
        return self.step < self.program.contract_at

    @property
    def phase(self) -> str:
        steps = self.program.steps
        return steps[self.step].phase if self.step < len(steps) else "contract"


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    forward: tuple[PlannedStatement, ...]
    backward_changes: tuple[Change, ...]
    backward: tuple[PlannedStatement, ...]
    current_fingerprint: str  # apply re-checks the database is still in this state
    desired_fingerprint: str
    schema_hash: str | None = None
    online: bool = False
    # What the database holds that schema.yaml cannot declare: left as it is, "kind name (why)"
    unmanaged: tuple[str, ...] = ()
    # --online: the changes made in phases (``forward`` then holds the rest, made first as usual),
    # the phases that undo them, and what would rewrite a table but cannot be made online, and why
    program: Program | None = None
    backward_program: Program | None = None
    not_online: tuple[str, ...] = ()
    in_progress: InProgress | None = None  # an online change not finished: only it is shown
    # The schemas schema.yaml declares: an apply records them, and a schema the next schema.yaml
    # no longer declares is dropped (planning.Scope). Empty: not recorded (a fleet's tenants).
    schemas: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.forward and self.program is None and self.in_progress is None

    def all_forward(self) -> list[PlannedStatement]:
        """Every statement the plan runs: the usual ones, then the online phases'."""
        return list(self.forward) + (self.program.statements() if self.program else [])

    def hazards(self, kind: HazardKind | None = None) -> list[tuple[PlannedStatement, Hazard]]:
        return [(s, h) for s in self.all_forward() for h in s.hazards if kind is None or h.kind == kind]

    def counts(self) -> dict[str, int]:
        out = {"add": 0, "change": 0, "destroy": 0}
        for c in self.changes:
            if c.tally:
                out[c.tally] += 1
        return out

    @property
    def listed(self) -> list[Change]:
        """The changes the summary lists (a re-added dependent once)."""
        return [c for c in self.changes if c.listed]


def order(changes: list[Change]) -> list[Change]:
    """Changes in the order they run: by phase (changes/base.py), and, across kinds where the
    phases cannot know, by what each needs (Change.needs): a change that creates comes after
    what it needs is created, a drop before what it needed is dropped.

    A function whose signature names a table's row type is created after that table, though
    functions come before tables (whose defaults may call them); a domain over a domain, after
    it; a domain whose check calls a function, after the function; and everything that needs
    one of those, after it in turn. A change moved so runs right after what it waits for (a
    drop, right before): the rest keeps its phase. Where needs go round in a circle (names
    are found broadly, in the text), the phases decide."""
    ranked = sorted(changes, key=lambda c: c.sort_key())  # stable: diff's name order within a phase
    edges = _dependencies(ranked)
    if all(i < j for i, j in edges):
        return ranked  # (the phases have it right: the usual case)
    n = len(ranked)
    after: list[list[int]] = [[] for _ in range(n)]  # i → the changes that must run after it
    before: list[list[int]] = [[] for _ in range(n)]
    for i, j in edges:
        after[i].append(j)
        before[j].append(i)
    # Where each change goes, as the rank of the change it runs next to: a change that creates
    # is raised to what it waits for, a drop lowered to what waits for it.
    place = list(range(n))
    visited = _topological(n, after, before, place)
    for i in visited:
        for j in after[i]:
            if not ranked[j].drops:
                place[j] = max(place[j], place[i])
    for j in reversed(visited):
        for i in before[j]:
            if ranked[i].drops:
                place[i] = min(place[i], place[j])
    return [ranked[i] for i in _topological(n, after, before, place)]


def _dependencies(ranked: list[Change]) -> set[tuple[int, int]]:
    """(i, j): ``ranked[i]`` must run before ``ranked[j]``."""
    providers: tuple[dict[str, list[int]], dict[str, list[int]]] = ({}, {})  # creating, dropping
    drops = [c.drops for c in ranked]
    for i, c in enumerate(ranked):
        for name in c.provides():
            providers[drops[i]].setdefault(name, []).append(i)
    edges: set[tuple[int, int]] = set()
    if not providers[0] and not providers[1]:
        return edges
    for j, c in enumerate(ranked):
        mine = providers[drops[j]]
        if not mine:
            continue
        for name in c.needs():
            for i in mine.get(name, ()):
                if i != j:
                    edges.add((j, i) if drops[j] else (i, j))  # a drop goes before what it used
    return edges


def _topological(n: int, after: list[list[int]], before: list[list[int]], place: list[int]) -> list[int]:
    """Every change after the ones it must follow, the lowest place first; where a circle leaves
    none ready, the lowest place goes anyway."""
    import heapq

    waiting = [len(before[j]) for j in range(n)]
    ready = [(place[j], j) for j in range(n) if not waiting[j]]
    heapq.heapify(ready)
    done = [False] * n
    out: list[int] = []
    while len(out) < n:
        if not ready:  # a circle: the first of what is left breaks it
            j = min((place[j], j) for j in range(n) if not done[j])[1]
            waiting[j] = 0
            ready.append((place[j], j))
        _, i = heapq.heappop(ready)
        if done[i]:
            continue
        done[i] = True
        out.append(i)
        for j in after[i]:
            waiting[j] -= 1
            if waiting[j] == 0 and not done[j]:
                heapq.heappush(ready, (place[j], j))
    return out


def statements(changes: list[Change], online: bool | Target = False) -> list[PlannedStatement]:
    from . import changes as ch

    created = {c.table.qname for c in changes if isinstance(c, (ch.CreateTable, ch.CreateForeignTable))}
    created |= {c.view.qname for c in changes if isinstance(c, ch.CreateView) and not c.replace}
    # created again: it was there
    created -= {c.table.qname for c in changes if isinstance(c, (ch.DropTable, ch.DropForeignTable))}
    created -= {c.view.qname for c in changes if isinstance(c, ch.DropView)}
    # Online, a new key on an existing table is made after the transaction (its index built
    # CONCURRENTLY): a foreign key in the plan that references it must come after it too.
    later_keys = {(c.table, c.constraint.columns) for c in changes if online
                  and isinstance(c, ch.AddConstraint) and not c.new_table and c.online_key_index()}
    out = []
    for c in changes:
        if isinstance(online, Target) and isinstance(c, ch.AlterColumn):
            c = replace(c, major=online.major)
        stmts = c.online_statements() if online else c.statements()
        if isinstance(c, ch.AddConstraint) and c.constraint.kind == "foreign_key" \
                and (c.constraint.ref_table, c.constraint.ref_columns) in later_keys:
            stmts = [replace(s, stage="post") for s in stmts]
        for s in stmts:
            lock = _lock(s, getattr(c, "table", None), created)
            out.append(PlannedStatement(s.sql, s.hazards + _stall(s, lock), s.stage, c.summary(),
                                        c.source, s.concurrent_index, lock))
    return out


def _lock(s: Statement, table: object, created: set[str]) -> Lock | None:
    """The lock a statement takes on relations that exist before the plan: a table the plan
    creates has no one waiting for it."""
    lock = lock_of(s.sql, "rewrite" in {h.kind for h in s.hazards},
                   table if isinstance(table, str) else None)
    if lock is None:
        return None
    existing = tuple(r for r in lock.relations if r not in created)
    if not existing:
        return None
    work = s.work or lock.work
    if lock.relations[0] in created:  # what it reads or builds is the new, empty table
        work = "catalog"
    return replace(lock, relations=existing, work=work)


def _stall(s: Statement, lock: Lock | None) -> tuple[Hazard, ...]:
    """Every statement that holds a lock blocking writes while it reads or writes a whole table
    is a hazard; the change usually says so in its own words, else the lock says it here."""
    if lock is None or not lock.stalls_writes or {"lock", "rewrite"} & {h.kind for h in s.hazards}:
        return ()
    return (Hazard("lock", lock.describe()),)


def make_plan(current: Catalog, desired: Catalog, renames: Renames | None = None,
              unpinned_extensions: frozenset[str] = frozenset(), schema_hash: str | None = None,
              live: Catalog | None = None, online: bool | Target = False, built: Catalog | None = None,
              undeclared: frozenset[str] = frozenset(), batch_size: int = 1000) -> Plan:
    """Plan from ``current`` to ``desired``. ``live``, when ``current`` is a copy of what the
    database holds as compared (planning.compared), is what the database holds: its fingerprint
    is the one apply checks; ``built``, likewise, the desired schema as built. ``undeclared``:
    schemas the last apply's schema.yaml declared and this one does not (dropped: data loss).
    ``online``: the online forms, and (a Target: the server they are for) the changes that would
    rewrite a table made in phases (changes/online.py)."""
    live_fingerprint = fingerprint(live if live is not None else current)
    current = _unpin(current, unpinned_extensions)
    desired = _unpin(desired, unpinned_extensions)
    renames = renames or Renames()
    forward = order([replace(c, undeclared=True) if isinstance(c, DropSchema) and c.schema.name in undeclared else c
                     for c in diff(current, desired, renames)])
    held = live if live is not None else current  # a copy as compared holds no unmanaged objects
    check_unmanaged(forward, held)
    backward = order(diff(desired, current, renames.inverted()))
    usual, back_usual = forward, backward
    prog = back_prog = None
    notes: tuple[str, ...] = ()
    if online:
        target = online if isinstance(online, Target) else Target()
        parts = split(forward, current, desired, target)
        notes = tuple(parts.notes)
        if parts.rewrites:
            usual = parts.ordinary
            prog = _program(parts, online, batch_size)
            # What undoes the online part is itself made online, by the same means; the rest of
            # the backward plan undoes the rest (found by what each change is about).
            taken = {subject(c) for c in parts.absorbed} - {None}
            back_part = [c for c in backward if subject(c) in taken]
            back_usual = [c for c in backward if subject(c) not in taken]
            back_split = split(back_part, desired, current, target)
            back_prog = _program(Split([], back_part, back_split.rewrites, back_split.notes), online, batch_size)
    back_statements = [_irreversible(s) for s in statements(back_usual, online)]
    unmanaged = tuple(f"{u} (schema.yaml cannot declare {u.what})" for u in held.unmanaged.values())
    return Plan(tuple(forward), tuple(statements(usual, online)), tuple(backward),
                tuple(back_statements), live_fingerprint,
                fingerprint(_unpin(built, unpinned_extensions) if built is not None else desired),
                schema_hash, bool(online), unmanaged, prog, back_prog, notes)


def _program(parts: Split, online: bool | Target, batch_size: int) -> Program:
    """The online rewrites' steps, each statement with its lock; the data a conversion may lose
    is said on the backfill that converts it."""
    from . import changes as ch
    from .backfill import shown_sql
    from .locks import Lock

    steps, abort = online_program(parts)
    lost: dict[str, tuple[Hazard, ...]] = {}
    for c in parts.absorbed:
        if isinstance(c, ch.AlterColumn):
            lost[c.table] = lost.get(c.table, ()) + tuple(
                h for s in c.statements() for h in s.hazards if h.kind == "data-loss")
    summary = {r.table: ", ".join(f"{c.name}" for c in r.columns) for r in parts.rewrites}

    def planned(step: Step) -> PlannedStep:
        table = step.backfill.table if step.backfill else None
        if step.backfill:
            b = step.backfill
            sql = shown_sql(b, batch_size)
            how = "its primary key" if b.key else "ctid ranges (no primary key)"
            stmt = PlannedStatement(sql, tuple(h for t, hs in lost.items() if t == b.table for h in hs), "main",
                                    f"backfill {b.table} ({summary.get(b.table, '')}) in batches of "
                                    f"{batch_size} over {how}", None, None,
                                    Lock("ROW EXCLUSIVE", (b.table,), "batches"))
            return PlannedStep(step.phase, step.kind, step.title, (stmt,), b)
        stmts = []
        for s in step.statements:
            lock = _lock(s, table, set())
            stage: Stage = "main" if step.kind == "transaction" else "post"  # post: on its own
            stmts.append(PlannedStatement(s.sql, s.hazards + _stall(s, lock), stage, step.title, None,
                                          s.concurrent_index, lock))
        return PlannedStep(step.phase, step.kind, step.title, tuple(stmts))

    return Program(tuple(planned(s) for s in steps), tuple(planned(s) for s in abort), batch_size)


def touched(c: Change, current: Catalog) -> list[str]:
    """What a change drops or retypes, named as Unmanaged.pins name things."""
    from . import changes as ch

    if isinstance(c, ch.DropTable):
        return [f"table {c.table.qname}"] + [f"column {c.table.qname}.{n}" for n in c.table.columns]
    if isinstance(c, ch.DropView):
        return [f"table {c.view.qname}"] + [f"column {c.view.qname}.{n}" for n in c.view.columns]
    if isinstance(c, ch.DropColumn):
        return [f"column {c.table}.{c.column.name}"]
    if isinstance(c, ch.AlterColumn) and c.type_changed:
        return [f"column {c.table}.{c.after.name}"]
    if isinstance(c, ch.DropFunction):
        return [f"function {c.function.key}"]
    if isinstance(c, (ch.DropEnum, ch.DropDomain)):
        t = c.enum if isinstance(c, ch.DropEnum) else c.domain
        return [f"type {t.qname}"]
    if isinstance(c, ch.RebuildEnum):
        return [f"type {c.after.qname}"]
    if isinstance(c, ch.DropType):
        return [f"type {c.type.qname}"]
    if isinstance(c, ch.DropAggregate):
        return [f"function {c.aggregate.key}"]
    if isinstance(c, ch.DropForeignTable):
        return [f"table {c.table.qname}"] + [f"column {c.table.qname}.{n}" for n in c.table.columns]
    if isinstance(c, ch.AlterForeignTable):
        a, b = c.before, c.after
        return [f"column {a.qname}.{n}" for n, col in a.columns.items()
                if n not in b.columns or (col.type, col.generated) != (b.columns[n].type, b.columns[n].generated)]
    if isinstance(c, ch.DropServer):
        return [f"server {c.server.name}"]
    return []


def check_unmanaged(changes: list[Change], current: Catalog) -> None:
    """Dropping or retyping what an unmanaged object depends on would break it (or fail with
    PostgreSQL's "other objects depend on it" halfway through an apply): refused, by name."""
    if not current.unmanaged:
        return
    pinned: dict[str, list[str]] = {}
    for u in current.unmanaged.values():
        for pin in u.pins:
            pinned.setdefault(pin, []).append(str(u))
    conflicts = [f"{c.summary()}: {', '.join(pinned[t])} depends on {t}"
                 for c in changes for t in touched(c, current) if t in pinned]
    for c in changes:  # a schema that goes must be empty: what schemacode does not manage stays in it
        if isinstance(c, DropSchema):
            held = [str(u) for u in current.unmanaged.values() if u.name.startswith(path_part(c.schema.name) + ".")]
            if held:
                conflicts.append(f"{c.summary()}: it holds {', '.join(held)}")
    if conflicts:
        raise UnmanagedError(
            "the plan would drop or change what objects schemacode does not manage depend on; "
            "nothing was applied:\n  " + "\n  ".join(conflicts),
            hint="keep those in schema.yaml, or change the objects that depend on them by hand first")


def _irreversible(s: PlannedStatement) -> PlannedStatement:
    """Undoing a drop brings the object back, not its data."""
    if s.change.startswith("+ table") or s.change.startswith("+ column"):
        note = Hazard("irreversible", "comes back empty: the data dropped going forward is not restored")
        return replace(s, hazards=s.hazards + (note,))
    return s


def _unpin(catalog: Catalog, unpinned: frozenset[str]) -> Catalog:
    """Versions of extensions declared without one are whatever the server installs."""
    if not any(name in catalog.extensions for name in unpinned):
        return catalog
    exts = {k: replace(e, version=None) if k in unpinned else e for k, e in catalog.extensions.items()}
    return replace(catalog, extensions=exts)


def creation_statements(catalog: Catalog) -> list[PlannedStatement]:
    """The DDL that builds ``catalog`` in an empty database (public exists there already)."""
    empty = Catalog(schemas={"public": Namespace("public")}, default_acl=())  # (no default privileges yet)
    target = catalog
    if "public" not in catalog.schemas:
        target = replace(catalog, schemas={"public": Namespace("public"), **catalog.schemas})
    return statements(order(diff(empty, target)))


def script(stmts: list[PlannedStatement] | tuple[PlannedStatement, ...]) -> str:
    return "".join(s.sql.rstrip().rstrip(";") + ";\n" for s in stmts)


__all__ = ["Plan", "PlannedStatement", "PlannedStep", "Program", "InProgress", "Statement", "make_plan",
           "creation_statements", "script"]
