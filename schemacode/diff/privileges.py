"""Owners and grants, where both sides manage them."""
from __future__ import annotations

from itertools import compress
from operator import attrgetter

from .. import changes as ch
from ..model import SERIAL_TYPES, Acl, Column, Table, qualify, serial_sequence_name
from ..sqltext import qname_ident, split_qualified
from .core import DifferBase


class PrivilegeDiffer(DifferBase):
    def privileges(self, kind: str, name: str, label: str, a: Acl | None, b: Acl | None,
                   created: bool = False) -> None:
        """Owner and grants, where both sides manage them (schema.yaml declares them; a database
        always has them), or for an object created with them; grants only to the roles managed
        (Acl.managed_roles, of whichever side says: schema.yaml's)."""
        if b is None:
            return
        if not created:
            if a is None:
                return
            grants = b.grants if a.grants is not None else None
            owner = b.owner if a.owner is not None else None
            if grants is None and owner is None:
                return
            if (owner is None or owner == a.owner) and (grants is None or (
                    grants == a.grants and not any(g.startswith("NONE TO ") for g in grants))):
                return  # nothing to grant, revoke or give (SetPrivileges would say none)
            b = Acl(grants, owner, b.managed_roles)
        roles = b.managed_roles if b.managed_roles is not None else a.managed_roles if a is not None else None
        change = ch.SetPrivileges(kind, name, label, None if created else a, b, roles)
        if change.statements():
            self.emit(change)

    def sequence_privileges(self, table: str, a: Column | None, b: Column) -> None:
        """The grants of a serial's or identity's own sequence (a column's sequence_grants:):
        created with it where the column gets its sequence, else as any sequence's. Named as the
        database named it, else as PostgreSQL names a new one (table_column_seq)."""
        if b.sequence_acl is None:
            return
        mine = a.sequence_acl if a is not None else None
        schema, short = split_qualified(table)
        name = (mine[0] if mine and mine[0] else b.sequence_acl[0]) or \
            qualify(schema, serial_sequence_name(short, b.name))
        new = a is None or (mine is None and a.type not in SERIAL_TYPES and not a.identity)
        self.privileges("sequence", qname_ident(name), f"sequence {qname_ident(name)}", mine[1] if mine else None,
                        b.sequence_acl[1], created=new)


def acl_unchanged(a: Table, b: Table) -> bool:
    """Nothing to do about a table's grants, nor those of its columns' own sequences (as the
    differ would find: only what schema.yaml manages counts)."""
    if not same_acl(a.acl, b.acl):
        return False
    # (the columns that have a sequence of their own picked out in C: a serial key, one a table)
    for n in compress(b.columns, map(_SEQUENCE_ACL, b.columns.values())):
        mine, theirs = a.columns.get(n), b.columns[n].sequence_acl
        if mine is not None and mine.sequence_acl is not None and theirs is not None \
                and not same_acl(mine.sequence_acl[1], theirs[1]):
            return False
    return True


_SEQUENCE_ACL = attrgetter("sequence_acl")


def same_acl(a: Acl | None, b: Acl | None) -> bool:
    """Would `privileges` find nothing to do from ``a`` to ``b`` (an object both sides have)? It
    acts only where both sides manage the owner or the grants (the desired side's say which;
    the other side's as read always do)."""
    if a is None or b is None or a is b:
        return True
    if a.grants == b.grants and a.owner == b.owner and a.managed_roles == b.managed_roles:
        return True  # (the common case, without the grants' sets)
    judge = b if b.managed_roles is not None else a
    return (a.owner is None or b.owner is None or a.owner == b.owner) and (
        a.grants is None or b.grants is None or a.managed_grants(judge) == b.managed_grants(judge))
