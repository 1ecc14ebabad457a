"""Foreign servers and foreign tables."""
from __future__ import annotations

import re
from typing import Any

from ..model import ForeignDataWrapper, ForeignServer, ForeignTable
from ..sqltext import reproducible
from .core import Flow, readable_check, short_name, strip_check
from .tables import COLUMN_KEYS, TableDumper, column_value


class ForeignDumper(TableDumper):
    def foreign_data_wrappers_section(self) -> dict[str, Any]:
        if not self.c.wrappers:
            return {}
        return {"foreign_data_wrappers": {k: self.wrapper(w) for k, w in sorted(self.c.wrappers.items())}}

    def wrapper(self, w: ForeignDataWrapper) -> Any:
        spec: dict[str, Any] = {k: f.removeprefix("public.") for k, f in (("handler", w.handler),
                                                                          ("validator", w.validator)) if f}
        if w.options:
            spec["options"] = fdw_options(w.options)
        if w.comment:
            spec["comment"] = w.comment
        self.secrets_left_out(f"foreign data wrapper {w.name}", w.secrets)
        return Flow(spec) if spec else None

    def secrets_left_out(self, what: str, names: tuple[str, ...]) -> None:
        for name in names:
            self.warnings.append(f"option {name} of {what} (a secret: it stays on the database, never in "
                                 "schema.yaml)")

    def foreign_servers_section(self) -> dict[str, Any]:
        if not self.c.servers:
            return {}
        return {"foreign_servers": {k: self.server(s) for k, s in sorted(self.c.servers.items())}}

    def server(self, s: ForeignServer) -> dict[str, Any]:
        spec: dict[str, Any] = {"wrapper": s.wrapper}
        if s.type is not None:
            spec["type"] = s.type
        if s.version is not None:
            spec["version"] = s.version
        if s.options:
            spec["options"] = fdw_options(s.options)
        if s.comment:
            spec["comment"] = s.comment
        self.secrets_left_out(f"server {s.name}", s.secrets)
        spec.update(self.acl("foreign server", f"server {s.name}", s.acl))
        return spec

    def foreign_tables_section(self) -> dict[str, Any]:
        if not self.c.foreign_tables:
            return {}
        return {"foreign_tables": {short_name(k): self.foreign_table(t)
                                   for k, t in sorted(self.c.foreign_tables.items())}}

    def foreign_table(self, t: ForeignTable) -> dict[str, Any]:
        spec: dict[str, Any] = {"server": t.server}
        if t.options:
            spec["options"] = fdw_options(t.options)
        if t.comment:
            spec["comment"] = t.comment
        columns: dict[str, Any] = {}
        for n, c in t.columns.items():
            col = self.column(t, c)
            if n in t.column_options:  # (the long form, with its OPTIONS)
                columns[n] = Flow({**{k: col[k] for k in COLUMN_KEYS if k in col},
                                   "options": fdw_options(t.column_options[n])})
            else:
                columns[n] = column_value(col)
        spec["columns"] = columns
        checks: dict[str, Any] = {}
        for name, con in sorted(t.constraints.items()):
            expr = reproducible(readable_check(self.d.checks.get((t.qname, name)) or strip_check(con.definition)))
            checks[name] = Flow({"expr": expr, "comment": con.comment}) if con.comment else expr
        if checks:
            spec["checks"] = checks
        if t.triggers:
            spec["triggers"] = {n: self.trigger(t.qname, g) for n, g in sorted(t.triggers.items())}
        spec.update(self.acl("table", f"foreign table {t.qname}", t.acl))
        return spec


def fdw_options(options: tuple[str, ...]) -> Flow:
    """{name: value}: a number where the text is one exactly as written ('5432', not '05432')."""
    out = Flow()
    for option in options:
        name, _, value = option.partition("=")
        out[name] = int(value) if re.fullmatch(r"-?[1-9]\d*|0", value) else value
    return out
