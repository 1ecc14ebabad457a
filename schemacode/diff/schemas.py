"""Schemas and extensions, and default privileges in every schema."""
from __future__ import annotations

from .. import changes as ch
from ..sqltext import ident
from .core import keys_added, keys_common, keys_dropped
from .privileges import PrivilegeDiffer


class SchemaDiffer(PrivilegeDiffer):
    def schemas(self) -> None:
        cur, des = self.cur.schemas, self.des.schemas
        for k in keys_added(cur, des):
            self.emit(ch.CreateSchema(des[k]))
            self.privileges("schema", ident(k), f"schema {k}", None, des[k].acl, created=True)
            if des[k].default_acl:
                self.emit(ch.SetDefaultPrivileges(k, (), des[k].default_acl or ()))
        for k in keys_dropped(cur, des):
            self.emit(ch.DropSchema(cur[k]))
        for k in keys_common(cur, des):
            self.comment(f"SCHEMA {ident(k)}", f"schema {k}", cur[k].comment, des[k].comment)
            self.privileges("schema", ident(k), f"schema {k}", cur[k].acl, des[k].acl)
            a, b = cur[k].default_acl, des[k].default_acl
            if a is not None and b is not None and set(a) != set(b):
                self.emit(ch.SetDefaultPrivileges(k, a, b))
        a, b = self.cur.default_acl, self.des.default_acl  # in every schema: where declared
        if a is not None and b is not None and set(a) != set(b):
            self.emit(ch.SetDefaultPrivileges(None, a, b))

    def extensions(self) -> None:
        cur, des = self.cur.extensions, self.des.extensions
        for k in keys_added(cur, des):
            self.emit(ch.CreateExtension(des[k]))
        for k in keys_dropped(cur, des):
            self.emit(ch.DropExtension(cur[k]))
        for k in keys_common(cur, des):
            if cur[k] != des[k]:
                self.emit(ch.AlterExtension(cur[k], des[k]))
