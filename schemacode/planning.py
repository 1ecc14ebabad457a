"""Planning against a live target: the plan made, compared again where spelling may be all that
differs, and checked against the database it is for before anything runs. Used by the library API
(api.py) and by a fleet of targets (fleet.py) alike."""
from __future__ import annotations

from typing import Any

import psycopg

from .changes.online import Target
from .errors import SchemaError
from .load import LoadedSchema
from .model import Catalog
from .plan import Plan, make_plan
from .scratch import canonicalize


def plan_from(current: Catalog, desired: Catalog, loaded: LoadedSchema, dev_url: str | None,
              online: bool | Target = False, batch_size: int = 1000) -> Plan:
    """The plan; where the text differs, compared again against the database's canonical form."""
    p = make_plan(current, desired, loaded.renames, loaded.unpinned_extensions, loaded.text_hash,
                  online=online, batch_size=batch_size)
    if p.is_empty or not spelling_suspects(p):
        return p
    canon = canonicalize(current, loaded.scope, dev_url)
    if canon is None or canon == current:
        return p
    return make_plan(canon, desired, loaded.renames, loaded.unpinned_extensions, loaded.text_hash,
                     live=current, online=online, batch_size=batch_size)


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


def check_roles(conn: psycopg.Connection[Any], c: Catalog, file: str) -> None:
    """Roles belong to the cluster: schemacode creates none. One schema.yaml names that the
    database's server does not have is an error naming it and where, before anything runs.
    ``c``: the desired catalog (its objects carry schema.yaml's lines)."""
    named = c.named_roles()
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
        if isinstance(c, ch.CreateFunction) and c.replace:
            return True
        if isinstance(c, ch.AlterColumn) and c.before.default != c.after.default:
            return True
    dropped = {c.object_key for c in p.changes if c.symbol == "-" and c.object_key}
    created = {c.object_key for c in p.changes if c.symbol == "+" and c.object_key}
    return bool(dropped & created)
