"""Planning against a live target: the plan made, compared again where spelling may be all that
differs, and checked against the database it is for before anything runs. Used by the library API
(api.py) and by a fleet of targets (fleet.py) alike."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

import psycopg

from .changes.online import Target
from .errors import SchemaError
from .loaded import LoadedSchema
from .model import Catalog, Source
from .plan import Plan, make_plan
from .scratch import reprinted


@dataclass(frozen=True)
class Scope:
    """The schemas a plan reads in a database: those schema.yaml declares, and those the last
    apply's schema.yaml declared that this one no longer does (``undeclared``: dropped with what
    they hold). ``others``: the database's schemas schemacode never managed, left alone."""

    read: list[str]
    undeclared: frozenset[str] = frozenset()
    others: tuple[str, ...] = ()


def scope_of(conn: psycopg.Connection[Any], loaded: LoadedSchema) -> Scope:
    from .apply import recorded_schemas
    from .introspect import user_schemas

    declared = set(loaded.scope)
    present = set(user_schemas(conn))
    undeclared = (set(recorded_schemas(conn)) & present) - declared
    return Scope(sorted(declared | undeclared), frozenset(undeclared),
                 tuple(sorted(present - declared - undeclared)))


def plan_from(current: Catalog, desired: Catalog, loaded: LoadedSchema, dev_url: str | None,
              online: bool | Target = False, scope: Scope | None = None, batch_size: int = 1000) -> Plan:
    """The plan; where a change may be only a difference of spelling, made again from both
    catalogs after one more round of PostgreSQL's print → parse (see `compared`). With
    ``scope`` (a target's own, not a fleet's tenant), the plan records schema.yaml's schemas for
    the next one, drops those it no longer declares, and lists those never managed. ``online``
    and ``batch_size``: see make_plan."""
    undeclared = scope.undeclared if scope else frozenset()
    p = make_plan(current, desired, loaded.renames, loaded.unpinned_extensions, loaded.text_hash,
                  online=online, undeclared=undeclared, batch_size=batch_size)
    if not p.is_empty and spelling_suspects(p):
        pair = compared(current, desired, dev_url)
        if pair is not None:
            p = make_plan(pair[0], pair[1], loaded.renames, loaded.unpinned_extensions, loaded.text_hash,
                          live=current, built=desired, online=online, undeclared=undeclared,
                          batch_size=batch_size)
    if scope is None:
        return p
    return replace(p, schemas=tuple(loaded.scope), unmanaged=p.unmanaged + tuple(
        f"schema {n} (no applied schema.yaml declared it: left alone)" for n in scope.others))


def compared(current: Catalog, desired: Catalog, dev_url: str | None) -> tuple[Catalog, Catalog] | None:
    """Both catalogs after the same number of print → parse rounds: one more each, in the
    scratch server (each cached by its fingerprint), both at once.

    Each side's text is PostgreSQL's first print of what someone wrote, and a print does not
    always parse back to the tree that printed it: `status IN ('a', 'b')` on a varchar column and
    `status::text = ANY (ARRAY['a'::varchar::text, …])` mean the same and print differently, and
    so do a database and its pg_dump restored. One more round each gives both what PostgreSQL
    makes of its own print, where such spellings meet; a real difference stays one. Every
    expression is covered alike (checks, defaults, generated columns, indexes, triggers' WHEN,
    policies, views, domains, function bodies), since whole catalogs are rebuilt. None when
    nothing printed otherwise in the round, or a side cannot be rebuilt."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        again = list(pool.map(lambda c: reprinted(c, dev_url), (current, desired)))
    cur, des = again
    if cur is None or des is None or (cur is current and des is desired):
        return None
    return cur, des


def online_target(conn: psycopg.Connection[Any], online: bool) -> bool | Target:
    """For --online: what the plan must know of the server (its major, TimeZone, whether the
    role may keep triggers from firing during a backfill); False without --online."""
    if not online:
        return False
    from .introspect import query_text

    row = conn.execute(query_text("online_target")).fetchone()
    assert row is not None
    return Target(int(row[0]), str(row[1]), bool(row[2]))


def with_estimates(conn: psycopg.Connection[Any], p: Plan) -> Plan:
    """The rows each backfill of the plan has to fill, as the statistics estimate them."""
    from dataclasses import replace

    from .introspect import query_text
    from .sqltext import qname_ident

    if p.program is None:
        return p
    steps = []
    for step in p.program.steps:
        if step.backfill is not None:
            row = conn.execute(query_text("table_size"), {"table": qname_ident(step.backfill.table)}).fetchone()
            rows = int(row[0]) if row and row[2] else None
            step = replace(step, backfill=replace(step.backfill, rows=rows))
        steps.append(step)
    return replace(p, program=replace(p.program, steps=tuple(steps)))


def check_roles(conn: psycopg.Connection[Any], named: Sequence[tuple[str, Source | None]], file: str) -> None:
    """Roles belong to the cluster: schemacode creates none. One schema.yaml names that the
    database's server does not have is an error naming it and where, before anything runs.
    ``named``: the roles schema.yaml names, with where (LoadedSchema.named_roles)."""
    if not named:
        return
    have = {r[0] for r in conn.execute("SELECT quote_ident(rolname) FROM pg_roles").fetchall()}
    for role, src in named:
        if role not in have:
            raise SchemaError(
                f"role {role} does not exist on the database's server; nothing was applied",
                file=src.file if src else file, line=src.line if src else None,
                path=src.path if src else None,
                hint=f"schemacode does not create roles (they belong to the cluster): CREATE ROLE {role} "
                     "first, or name a role that exists")


def check_conversions(conn: psycopg.Connection[Any], p: Plan) -> Plan:
    """Every column whose type changes without `using:` must have a cast PostgreSQL knows;
    else a located error, before anything runs (a type the plan creates is not there yet:
    PostgreSQL checks that one when the plan runs, in its transaction)."""
    from .changes import AlterColumn

    for c in p.changes:
        if not isinstance(c, AlterColumn) or not c.type_changed or c.after.using:
            continue
        try:
            with conn.transaction():
                conn.execute(c.cast_check_sql.encode())
        except psycopg.errors.CannotCoerce as e:
            src = c.after.source
            raise SchemaError(
                f"column {c.table}.{c.after.name} cannot change from {c.before.type} to {c.after.type}: "
                f"{e.diag.message_primary}; nothing was applied",
                file=src.file if src else None, line=src.line if src else None,
                path=src.path if src else None,
                hint=f"say how to convert the values: using: <expression of {c.after.name}>, e.g. "
                     f"using: to_timestamp({c.after.name})") from None
        except psycopg.Error:
            pass  # a type the plan creates: checked when it runs
    return p


def spelling_suspects(p: Plan) -> bool:
    """Could a change be only a difference of spelling? An object dropped and created again
    under the same name, a replaced body, a changed default: then the live text is compared
    again in its canonical form. Additions, drops and retypes are real whatever the spelling."""
    from . import changes as ch

    for c in p.changes:
        if isinstance(c, (ch.AlterDomain, ch.AlterSequence)):
            return True
        if isinstance(c, (ch.CreateFunction, ch.CreateView, ch.CreateRule)) and c.replace:
            return True
        if isinstance(c, ch.AlterForeignTable):  # (a default or a check, maybe only spelled otherwise)
            return True
        if isinstance(c, ch.AlterPolicy) and (c.before.using, c.before.with_check) != (c.after.using,
                                                                                        c.after.with_check):
            return True
        if isinstance(c, ch.AlterColumn) and c.before.default != c.after.default:
            return True
    dropped = {c.object_key for c in p.changes if c.symbol == "-" and c.object_key}
    created = {c.object_key for c in p.changes if c.symbol == "+" and c.object_key}
    return bool(dropped & created)
