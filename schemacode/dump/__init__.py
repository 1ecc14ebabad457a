"""Catalog -> schema.yaml text, in the short forms a person would write.

Used by ``schemacode pull`` and ``import``. The contract: loading the text and building it gives
back the same catalog. Where a short form could change the meaning, the long form is written.

One module per kind of object, each a part of the writer (as in load/, diff/ and changes/);
core.py holds the YAML shapes and spellings they share. ``document`` below writes the sections
in the order schema.yaml reads them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .. import __version__
from ..model import Catalog
from .core import Details, Dumper, readable_check, short_type, tidy
from .functions import FunctionDumper
from .schemas import SchemaDumper
from .sequences import SequenceDumper
from .tables import TableDumper
from .types import TypeDumper
from .views import ViewDumper


@dataclass
class Dumped:
    text: str
    warnings: list[str]


class _Dump(SchemaDumper, TypeDumper, FunctionDumper, SequenceDumper, TableDumper, ViewDumper):
    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = dict(self.default_acl(self.c.default_acl))  # (in every schema)
        for section in (self.schemas_section, self.extensions_section, self.enums_section,
                        self.domains_section, self.types_section, self.functions_section,
                        self.aggregates_section, self.sequences_section, self.tables_section,
                        self.views_section):
            doc.update(section())
        return doc


def dump(catalog: Catalog, details: Details, origin: str = "a database",
         privileges_of: str | None = None) -> Dumped:
    """schema.yaml for ``catalog``; with ``privileges_of`` (the role reading it, as SQL names it),
    owners other than that role and grants other than the defaults too (managed from then on)."""
    d = _Dump(catalog, details, privileges_of)
    doc = d.document()
    body = yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100_000,
                     default_flow_style=False)
    body = tidy(body)
    header = (f"# Pulled from {origin} by schemacode {__version__}.\n"
              "# Reference: docs/schema-yaml.md (schemacode)\n")
    warnings = [f"not supported, left out: {u}" for u in catalog.unmanaged.values()]
    warnings += d.warnings
    if warnings:
        header += "# Left out (schema.yaml cannot declare these yet):\n" + "".join(
            f"#   {w.removeprefix('not supported, left out: ')}\n" for w in warnings)
    return Dumped(header + ("\n" + body if doc else ""), warnings)


__all__ = ["Details", "Dumped", "dump", "readable_check", "short_type"]
