"""A plan is data: ordered forward and backward statements with their hazards.

Ordering lives here and only here: every change says its phase (see changes/base.py) and
plan() sorts by it. The backward plan is diff(desired, current): the same machinery the other way.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from .changes import Change, Hazard, HazardKind, Stage, Statement
from .diff import Renames, diff
from .errors import UnmanagedError
from .locks import Lock, lock_of
from .model import Catalog, Namespace, Source, fingerprint


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

    @property
    def is_empty(self) -> bool:
        return not self.forward

    def hazards(self, kind: HazardKind | None = None) -> list[tuple[PlannedStatement, Hazard]]:
        return [(s, h) for s in self.forward for h in s.hazards if kind is None or h.kind == kind]

    def counts(self) -> dict[str, int]:
        out = {"add": 0, "change": 0, "destroy": 0}
        for c in self.changes:
            key = {"+": "add", "-": "destroy"}.get(c.symbol, "change")
            out[key] += 1
        return out


def order(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: c.sort_key())  # stable: diff's name order within a phase


def statements(changes: list[Change], online: bool = False) -> list[PlannedStatement]:
    from . import changes as ch

    created = {c.table.qname for c in changes if isinstance(c, ch.CreateTable)}
    created |= {c.view.qname for c in changes if isinstance(c, ch.CreateView) and not c.replace}
    created -= {c.table.qname for c in changes if isinstance(c, ch.DropTable)}  # created again:
    created -= {c.view.qname for c in changes if isinstance(c, ch.DropView)}  # it was there
    # Online, a new key on an existing table is made after the transaction (its index built
    # CONCURRENTLY): a foreign key in the plan that references it must come after it too.
    later_keys = {(c.table, c.constraint.columns) for c in changes if online
                  and isinstance(c, ch.AddConstraint) and not c.new_table and c.online_key_index()}
    out = []
    for c in changes:
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
              live: Catalog | None = None, online: bool = False) -> Plan:
    """Plan from ``current`` to ``desired``. ``live``, when ``current`` is a canonical copy of
    what the database holds, is what the database holds: its fingerprint is the one apply checks."""
    live_fingerprint = fingerprint(live if live is not None else current)
    current = _unpin(current, unpinned_extensions)
    desired = _unpin(desired, unpinned_extensions)
    renames = renames or Renames()
    forward = order(diff(current, desired, renames))
    held = live if live is not None else current  # a canonical copy holds no unmanaged objects
    check_unmanaged(forward, held)
    backward = order(diff(desired, current, renames.inverted()))
    back_statements = [_irreversible(s) for s in statements(backward, online)]
    unmanaged = tuple(f"{u} (schema.yaml cannot declare {u.what})" for u in held.unmanaged.values())
    return Plan(tuple(forward), tuple(statements(forward, online)), tuple(backward),
                tuple(back_statements), live_fingerprint, fingerprint(desired), schema_hash, online,
                unmanaged)


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


__all__ = ["Plan", "PlannedStatement", "Statement", "make_plan", "creation_statements", "script"]
