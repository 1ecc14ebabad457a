"""diff(current, desired) -> [Change]: a pure function of two catalogs.

Both catalogs come from PostgreSQL (the live database and the scratch database holding the
desired schema), so text is compared as PostgreSQL prints it. The backward plan is the same
function called the other way round. Changes are returned in no particular order: plan.py orders
them by phase.

One module per kind of object, each a part of the differ (as in load/ and changes/); core.py
holds the state they share. ``run`` below visits the kinds in the order their dependents need:
what a table's column change does to views, policies and triggers is known before those are
compared.
"""
from __future__ import annotations

from .. import changes as ch
from ..model import Catalog, Renames
from .functions import FunctionDiffer
from .schemas import SchemaDiffer
from .sequences import SequenceDiffer
from .tables import TableDiffer
from .types import TypeDiffer
from .views import ViewDiffer


class _Differ(SchemaDiffer, TypeDiffer, SequenceDiffer, FunctionDiffer, TableDiffer, ViewDiffer):
    def run(self) -> list[ch.Change]:
        self.schemas()
        self.extensions()
        self.enums()
        self.types()
        self.domains()
        self.sequences()
        self.functions()
        self.aggregates()
        tables = self.rename_tables()
        self.tables(tables)
        self.views(tables)
        return self.out


def diff(current: Catalog, desired: Catalog, renames: Renames | None = None) -> list[ch.Change]:
    return _Differ(current, desired, renames or Renames()).run()


__all__ = ["Renames", "diff"]
