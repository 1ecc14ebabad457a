"""Planning against a live target: the plan made, compared again where spelling may be all that
differs, and checked against the database it is for before anything runs. Used by the library API
(api.py) and by a fleet of targets (fleet.py) alike."""
from __future__ import annotations

from typing import Any, Sequence

import psycopg

from .errors import SchemaError
from .loaded import LoadedSchema
from .model import Catalog, Source
from .plan import Plan, make_plan
from .scratch import canonicalize


def plan_from(current: Catalog, desired: Catalog, loaded: LoadedSchema, dev_url: str | None,
              online: bool = False) -> Plan:
    """The plan; where the text differs, compared again against the database's canonical form."""
    p = make_plan(current, desired, loaded.renames, loaded.unpinned_extensions, loaded.text_hash,
                  online=online)
    if p.is_empty or not spelling_suspects(p):
        return p
    canon = canonicalize(current, loaded.scope, dev_url)
    if canon is None or canon == current:
        return p
    return make_plan(canon, desired, loaded.renames, loaded.unpinned_extensions, loaded.text_hash,
                     live=current, online=online)


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
        if isinstance(c, ch.CreateFunction) and c.replace:
            return True
        if isinstance(c, ch.AlterColumn) and c.before.default != c.after.default:
            return True
    dropped = {c.object_key for c in p.changes if c.symbol == "-" and c.object_key}
    created = {c.object_key for c in p.changes if c.symbol == "+" and c.object_key}
    return bool(dropped & created)
