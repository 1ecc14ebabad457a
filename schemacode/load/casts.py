"""casts: of schema.yaml (CREATE CAST)."""
from __future__ import annotations

import re
from typing import Any

from ..model import Cast, CastContext, CastMethod
from .core import LoaderBase, _Ctx, _bool, _items, _keys, _str

CONTEXTS: dict[str, CastContext] = {"explicit": "explicit", "assignment": "assignment", "implicit": "implicit"}
METHODS: dict[str, CastMethod] = {"function": "function", "inout": "inout", "binary": "binary"}
_AS = re.compile(r'\s+as\s+(?=(?:[^"]*"[^"]*")*[^"]*$)', re.IGNORECASE)  # (outside double quotes)


class CastLoader(LoaderBase):
    CAST_KEYS = {"function", "inout", "binary", "context", "comment", "sqlite"}

    def load_casts(self, ctx: _Ctx, node: Any) -> None:
        """source AS target: function(argument types) | {function: …, context: assignment} |
        {inout: true} | {binary: true}."""
        for key, spec, c in _items(ctx, node, "casts"):
            parts = _AS.split(key.strip())
            if len(parts) != 2 or not all(p.strip() for p in parts):
                raise c.error(f"a cast is keyed source AS target (like `text AS email`), not {key!r}")
            source, target = (p.strip() for p in parts)
            if isinstance(spec, str):
                spec = {"function": spec}
            _keys(c, spec, self.CAST_KEYS, f"cast {key}")
            how = [k for k in ("function", "inout", "binary") if k in spec]
            if len(how) != 1:
                raise c.error(f"cast {key} needs one of function: (its signature), inout: true or binary: true")
            function = None
            if how[0] == "function":
                function = _str(c.child(spec, "function"), spec["function"], "function").strip()
            elif not _bool(c.child(spec, how[0]), spec[how[0]], how[0]):
                raise c.child(spec, how[0]).error(f"{how[0]}: true, or leave it out and name a function:")
            context = CONTEXTS.get(str(spec.get("context", "explicit")).lower())
            if context is None:
                raise c.child(spec, "context").error("context is explicit, assignment or implicit")
            cast = Cast(source, target, METHODS[how[0]], function, context, self.comment(c, spec),
                        _schema_of(function or target), c.source())
            if cast.key.lower() in {k.lower() for k in self.casts}:
                raise c.error(f"cast {key} is declared twice")
            self.casts[cast.key] = cast


def _schema_of(name: str) -> str:
    """The schema a name is qualified with (public where it is not)."""
    m = re.match(r'^("(?:[^"]|"")+"|[^."(\s]+)\.', name)
    if m is None:
        return "public"
    return m.group(1)[1:-1].replace('""', '"') if m.group(1).startswith('"') else m.group(1)
