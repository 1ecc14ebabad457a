"""schemas: and extensions: of schema.yaml."""
from __future__ import annotations

from typing import Any

from ..model import Extension, Namespace
from ..sqltext import qualify
from ..types import EXTENSION_TYPES
from .core import LoaderBase, RESERVED_SCHEMAS, _Ctx, _items, _keys, _str, default_privileges, privileges


class SchemaLoader(LoaderBase):
    def load_schemas(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "schemas"):
            if name in RESERVED_SCHEMAS:
                raise c.error(f"schema {name!r} is reserved")
            comment = None
            if spec is not None:
                _keys(c, spec, {"comment", "name", "grants", "owner", "default_privileges"}, f"schema {name}")
                comment = self.comment(c, spec)
            self.schemas[name] = Namespace(name, comment, c.source(), acl=privileges(c, spec, "schema"),
                                           default_acl=default_privileges(c, spec))

    def load_extensions(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "extensions"):
            schema = version = None
            if spec is not None:
                _keys(c, spec, {"name", "schema", "version", "sqlite"}, f"extension {name}")
                if "schema" in spec:
                    schema = _str(c.child(spec, "schema"), spec["schema"], "schema")
                    self.qname(c.child(spec, "schema"), qualify(schema, "x"))
                if "version" in spec:
                    version = _str(c.child(spec, "version"), spec["version"], "version")
            if version is None:
                self.unpinned.add(name)
            self.extensions[name] = Extension(name, schema or "public", version, c.source())
            self.extra_types |= EXTENSION_TYPES.get(name, set())
