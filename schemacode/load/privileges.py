"""privileges: of schema.yaml's top level: the roles whose grants schema.yaml manages, on every
object it declares (foreign servers and tables too) (where an object lists none, it grants them nothing: remove a grant's line and
the plan revokes it). Owners stay managed where an object declares `owner:`."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..errors import SchemaError
from ..model import SERIAL_TYPES, Acl, Catalog, Source, Table, split_grant
from ..sqltext import ident, qname_ident
from .core import LoaderBase, _keys, _role


class PrivilegeLoader(LoaderBase):
    PRIVILEGES_KEYS = {"roles"}

    def manage_privileges(self, catalog: Catalog) -> Catalog:
        node = self.data.get("privileges")
        if node is None:
            return catalog
        ctx = self.root.child(self.data, "privileges")
        _keys(ctx, node, self.PRIVILEGES_KEYS, "privileges")
        rc = ctx.child(node, "roles")
        value = node.get("roles")
        roles: tuple[str, ...] | None = None
        if isinstance(value, list) and value:
            roles = tuple(sorted({_role(rc.child(value, i), r) for i, r in enumerate(value)}))
        elif value != "all":
            raise rc.error("roles is all, or a list of the roles whose grants schema.yaml manages",
                           "like roles: [app, reporting, public]")

        def managed(acl: Acl | None, source: Source | None, what: str) -> Acl:
            acl = acl or Acl()
            grants = acl.grants if acl.grants is not None else ()  # none listed: none granted
            for g in grants:
                grantee = split_grant(g)[1]
                if roles is not None and grantee not in roles:
                    role = "public" if grantee == "PUBLIC" else grantee
                    raise SchemaError(
                        f"{what} grants to {role}, which privileges: roles does not name",
                        file=source.file if source else self.file, line=source.line if source else None,
                        path=source.path if source else None,
                        hint="add it to privileges: roles (grants to the roles it names are managed), "
                             "or grant to one it names")
            return Acl(grants, acl.owner, roles)

        def group(objs: dict[str, Any], kind: str) -> dict[str, Any]:
            return {k: replace(o, acl=managed(o.acl, o.source, f"{kind} {k}")) for k, o in objs.items()}

        def table(t: Table) -> Table:
            columns = {n: replace(c, sequence_acl=("", managed(c.sequence_acl[1] if c.sequence_acl else None,
                                                               c.source, f"the sequence of {qname_ident(t.qname)}.{ident(n)}")))
                       if c.type in SERIAL_TYPES or c.identity else c for n, c in t.columns.items()}
            return replace(t, columns=columns, acl=managed(t.acl, t.source, f"table {qname_ident(t.qname)}"))

        # (the public schema is every database's before schema.yaml: its own grants: only)
        schemas = {k: replace(n, acl=managed(n.acl, n.source, f"schema {k}")) if k != "public" else n
                   for k, n in catalog.schemas.items()}
        return replace(catalog, schemas=schemas, tables={k: table(t) for k, t in catalog.tables.items()},
                       views=group(catalog.views, "view"), sequences=group(catalog.sequences, "sequence"),
                       functions=group(catalog.functions, "function"), enums=group(catalog.enums, "enum"),
                       domains=group(catalog.domains, "domain"), composites=group(catalog.composites, "type"),
                       ranges=group(catalog.ranges, "type"),
                       foreign_tables=group(catalog.foreign_tables, "foreign table"),
                       servers=group(catalog.servers, "server"))
