"""aggregates: of schema.yaml (CREATE AGGREGATE)."""
from __future__ import annotations

from typing import Any

from ..model import Aggregate
from ..sqltext import literal, qname_ident, split_call, split_qualified
from .core import LoaderBase, _Ctx, _bool, _items, _keys, _str

# CREATE AGGREGATE's options, in the order it documents them: functions, types, sizes, flags
FUNCTIONS = ("sfunc", "finalfunc", "combinefunc", "serialfunc", "deserialfunc", "msfunc", "minvfunc",
             "mfinalfunc")
TYPES = ("stype", "mstype")
SIZES = ("sspace", "msspace")
ORDER = ("sfunc", "stype", "sspace", "finalfunc", "finalfunc_extra", "finalfunc_modify", "combinefunc",
         "serialfunc", "deserialfunc", "initcond", "msfunc", "minvfunc", "mstype", "msspace", "mfinalfunc",
         "mfinalfunc_extra", "mfinalfunc_modify", "minitcond", "sortop", "parallel")


class AggregateLoader(LoaderBase):
    AGGREGATE_KEYS = {"arguments", "comment", *ORDER}

    def load_aggregates(self, ctx: _Ctx, node: Any) -> None:
        """name(argument types): {sfunc:, stype:, …}; no arguments: name(*)."""
        for name, spec, c in _items(ctx, node, "aggregates"):
            if not isinstance(spec, dict):
                raise c.error(f"aggregate {name} is a mapping: {{sfunc: …, stype: …}}")
            _keys(c, spec, self.AGGREGATE_KEYS, f"aggregate {name}")
            args = "*"
            name, in_name = split_call(name) if isinstance(name, str) else (name, None)
            if in_name is not None:
                args = in_name
                if "arguments" in spec:
                    raise c.child(spec, "arguments").error(f"the arguments of {name} are in its name already")
            elif "arguments" in spec:
                args = _str(c.child(spec, "arguments"), spec["arguments"], "arguments")
            for needed in ("sfunc", "stype"):
                if needed not in spec:
                    raise c.error(f"aggregate {name} needs {needed}:")
            q = self.qname(c, name)
            options = []
            for key in ORDER:
                if key not in spec:
                    continue
                kc = c.child(spec, key)
                value = spec[key]
                if key.endswith("_extra"):
                    if _bool(kc, value, key):
                        options.append(key)
                    continue
                if key in SIZES:
                    if not isinstance(value, int) or isinstance(value, bool):
                        raise kc.error(f"{key} is a whole number of bytes")
                    options.append(f"{key} = {value}")
                    continue
                text = _str(kc, value, key) if not isinstance(value, (int, float)) else str(value)
                if key in ("initcond", "minitcond"):
                    options.append(f"{key} = {literal(text)}")
                elif key == "parallel" or key.endswith("_modify"):
                    allowed = ("safe", "restricted", "unsafe") if key == "parallel" else ("read_only", "shareable", "read_write")
                    if text.lower() not in allowed:
                        raise kc.error(f"{key} is one of {', '.join(allowed)}")
                    options.append(f"{key} = {text.lower()}")
                else:
                    options.append(f"{key} = {text}")
            schema, short = split_qualified(q)
            a = Aggregate(schema, short, args.strip() or "*", tuple(options), self.comment(c, spec), c.source())
            if a.key in self.aggregates:
                raise c.error(f"aggregate {qname_ident(q)}({args}) is declared twice")
            self.aggregates[a.key] = a
