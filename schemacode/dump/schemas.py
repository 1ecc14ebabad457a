"""schemas and extensions."""
from __future__ import annotations

from typing import Any

from .core import Flow
from .privileges import PrivilegeDumper


class SchemaDumper(PrivilegeDumper):
    def schemas_section(self) -> dict[str, Any]:
        schemas = {n: ns for n, ns in self.c.schemas.items()
                   if n != "public" or ns.comment not in (None, "standard public schema")
                   or (self.privileges_of and n != "public" and self.acl("schema", n, ns.acl))
                   or (self.privileges_of and ns.default_acl)}
        if not schemas:
            return {}
        return {"schemas": {n: Flow({**({"comment": ns.comment} if ns.comment else {}),
                                     **(self.acl("schema", f"schema {n}", ns.acl) if n != "public" else {}),
                                     **self.default_acl(ns.default_acl)})
                            for n, ns in sorted(schemas.items())}}

    def extensions_section(self) -> dict[str, Any]:
        if not self.c.extensions:
            return {}
        exts: list[Any] = []
        for name, e in sorted(self.c.extensions.items()):
            if e.schema in (None, "public"):
                exts.append(name)
            else:
                exts.append(Flow({"name": name, "schema": e.schema}))
        return {"extensions": exts}
