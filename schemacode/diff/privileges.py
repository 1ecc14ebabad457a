"""Owners and grants, where both sides manage them."""
from __future__ import annotations

from .. import changes as ch
from ..model import (
    Acl,
)
from .core import DifferBase


class PrivilegeDiffer(DifferBase):
    def privileges(self, kind: str, name: str, label: str, a: Acl | None, b: Acl | None,
                   created: bool = False) -> None:
        """Owner and grants, where both sides manage them (schema.yaml declares them; a database
        always has them), or for an object created with them."""
        if b is None:
            return
        if not created:
            if a is None:
                return
            b = Acl(b.grants if a.grants is not None else None, b.owner if a.owner is not None else None)
            if b.grants is None and b.owner is None:
                return
        change = ch.SetPrivileges(kind, name, label, None if created else a, b)
        if change.statements():
            self.emit(change)
