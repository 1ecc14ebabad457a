"""functions: of schema.yaml (and procedures)."""
from __future__ import annotations

from typing import Any

from ..model import Function
from ..sqltext import ident, literal, qname_ident, split_call, split_qualified
from .core import LoaderBase, VOLATILITY, _Ctx, _items, _keys, _names, _str, privileges


class FunctionLoader(LoaderBase):
    FUNCTION_KEYS = {"name", "kind", "arguments", "returns", "language", "body", "sql_body",
                     "volatility", "strict", "security", "parallel", "leakproof", "cost", "rows",
                     "search_path", "set", "comment", "grants", "owner", "sqlite"}

    def load_functions(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "functions"):
            _keys(c, spec, self.FUNCTION_KEYS, f"function {name}")
            key_args = None
            if isinstance(name, str):
                # Overloads: the arguments in the key, `add(a integer, b integer):`
                name, key_args = split_call(name)
                if key_args is not None and "arguments" in spec:
                    raise c.child(spec, "arguments").error(
                        f"the arguments of {name} are in its name already")
            q = self.qname(c, name)
            kind = str(spec.get("kind", "function")).lower()
            if kind not in ("function", "procedure"):
                raise c.child(spec, "kind").error("kind is function or procedure")
            if kind == "function" and "returns" not in spec:
                raise c.error(f"function {name} needs returns:",
                              "a procedure returns nothing: say kind: procedure")
            if kind == "procedure" and "returns" in spec:
                raise c.child(spec, "returns").error(f"procedure {name} returns nothing: drop returns:")
            if ("body" in spec) == ("sql_body" in spec):
                raise c.error(f"function {name} needs body: (or sql_body: for a SQL-standard body)"
                              if "body" not in spec else f"function {name} has both body: and sql_body:")
            args = key_args if key_args is not None else \
                _str(c.child(spec, "arguments"), spec.get("arguments", ""), "arguments")
            language = _str(c.child(spec, "language"), spec.get("language", "plpgsql"), "language")
            head = f"CREATE OR REPLACE {kind.upper()} {qname_ident(q)}({args})"
            parts = [head]
            returns = ""
            if kind == "function":
                returns = _str(c.child(spec, "returns"), spec["returns"], "returns")
                parts.append(f" RETURNS {returns}")
            parts.append(f" LANGUAGE {ident(language.lower())}")
            if kind == "function":
                vol = str(spec.get("volatility", "volatile")).lower()
                if vol not in VOLATILITY:
                    raise c.child(spec, "volatility").error(
                        f"volatility is one of {', '.join(VOLATILITY)}, not {vol!r}")
                parts.append(f" {VOLATILITY[vol]}")
                if spec.get("strict"):
                    parts.append(" STRICT")
                if spec.get("leakproof"):
                    parts.append(" LEAKPROOF")
                parallel = str(spec.get("parallel", "unsafe")).lower()
                if parallel not in ("safe", "restricted", "unsafe"):
                    raise c.child(spec, "parallel").error("parallel is safe, restricted or unsafe")
                if parallel != "unsafe":
                    parts.append(f" PARALLEL {parallel.upper()}")
                for key in ("cost", "rows"):
                    if key in spec:
                        value = spec[key]
                        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                            raise c.child(spec, key).error(f"{key} is a number")
                        parts.append(f" {key.upper()} {value}")
            security = str(spec.get("security", "invoker")).lower()
            if security not in ("invoker", "definer"):
                raise c.child(spec, "security").error("security is invoker or definer")
            if security == "definer":
                parts.append(" SECURITY DEFINER")
            if "search_path" in spec:
                paths = _names(c.child(spec, "search_path"), spec["search_path"], "search_path")
                parts.append(" SET search_path TO " + ", ".join(ident(p) for p in paths))
            settings = spec.get("set", {})
            if not isinstance(settings, dict):
                raise c.child(spec, "set").error("set is a mapping of settings, like {work_mem: 64MB}")
            for setting, value in settings.items():
                parts.append(f" SET {ident(str(setting))} TO {literal(str(value))}")
            if "sql_body" in spec:
                # SQL-standard: parsed by PostgreSQL at creation, and printed back by it.
                if language.lower() != "sql":
                    raise c.child(spec, "sql_body").error("sql_body: is for language: sql")
                body = _str(c.child(spec, "sql_body"), spec["sql_body"], "sql_body").strip()
                parts.append(f"\n{body.rstrip(';')}")
            else:
                body = _str(c.child(spec, "body"), spec["body"], "body")
                tag = "$schemacode$"
                while tag in body:
                    tag = tag[:-1] + "_$"
                parts.append(f"\nAS {tag}{body}{tag}")  # the body byte for byte
            schema, short = split_qualified(q)
            f = Function(schema, short, args, returns, "".join(parts), self.comment(c, spec),
                         c.source(), acl=privileges(c, spec, "function"))
            if f.key in self.functions:
                raise c.error(f"function {qname_ident(q)}({args}) is declared twice")
            self.functions[f.key] = f
