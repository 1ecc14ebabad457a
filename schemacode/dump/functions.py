"""Functions, procedures and aggregates."""
from __future__ import annotations

from typing import Any

from ..model import Catalog
from .core import Block, Flow, FlowList, number, short_name, short_type
from .privileges import PrivilegeDumper


class FunctionDumper(PrivilegeDumper):
    def functions_section(self) -> dict[str, Any]:
        functions = {}
        for key, f in sorted(self.c.functions.items()):
            spec = self.function(key)
            if spec is None:
                continue
            if overloads(self.c, f.qname) == 1:
                functions[short_name(f.qname)] = spec
            else:  # the arguments in the key tell overloads apart
                functions[f"{short_name(f.qname)}({spec.pop('arguments', '')})"] = spec
        return {"functions": functions} if functions else {}

    def aggregates_section(self) -> dict[str, Any]:
        if not self.c.aggregates:
            return {}
        return {"aggregates": {f"{short_name(a.qname)}({a.arguments})": self.aggregate(a.options, a.comment)
                               for _, a in sorted(self.c.aggregates.items())}}

    def function(self, key: str) -> dict[str, Any] | None:
        f = self.c.functions[key]
        parts = self.d.functions.get(key)
        if parts is None:  # pragma: no cover - both read the same catalog
            raise ValueError(f"no details for function {key}")
        spec: dict[str, Any] = {}
        procedure = parts["kind"] == "p"
        if procedure:
            spec["kind"] = "procedure"
        if parts["arguments"]:
            spec["arguments"] = parts["arguments"]
        if not procedure:
            spec["returns"] = parts["returns"]
        if parts["language"] != "plpgsql":
            spec["language"] = parts["language"]
        if not procedure:
            vol = {"i": "immutable", "s": "stable", "v": "volatile"}[parts["volatility"]]
            if vol != "volatile":
                spec["volatility"] = vol
            if parts["strict"]:
                spec["strict"] = True
            if parts["leakproof"]:
                spec["leakproof"] = True
            parallel = {"s": "safe", "r": "restricted", "u": "unsafe"}[parts["parallel"]]
            if parallel != "unsafe":
                spec["parallel"] = parallel
            if parts["cost"] != 100:
                spec["cost"] = number(str(parts["cost"]).removesuffix(".0"))
            if parts["rows"] != (1000 if parts["returns_set"] else 0):
                spec["rows"] = number(str(parts["rows"]).removesuffix(".0"))
        if parts["security_definer"]:
            spec["security"] = "definer"
        settings: dict[str, Any] = {}
        for setting in parts["config"] or []:
            name, _, value = setting.partition("=")
            if name == "search_path":
                spec["search_path"] = FlowList(p.strip().strip('"') for p in value.split(","))
            else:
                settings[name] = value
        if settings:
            spec["set"] = Flow(settings)
        if f.comment:
            spec["comment"] = f.comment
        if parts["sql_body"] is not None:
            spec["sql_body"] = Block(parts["sql_body"].strip() + "\n")
        else:
            spec["body"] = body_text(parts["body"])
        spec.update(self.acl("function", f"function {key}", f.acl))
        return spec

    def aggregate(self, options: tuple[str, ...], comment: str | None) -> Any:
        spec: dict[str, Any] = {}
        for option in options:
            key, sep, value = option.partition(" = ")
            if not sep:
                spec[key] = True  # finalfunc_extra, mfinalfunc_extra
            elif key in ("initcond", "minitcond"):
                spec[key] = value[1:-1].replace("''", "'")
            elif key in ("sspace", "msspace"):
                spec[key] = int(value)
            elif key in ("stype", "mstype"):
                spec[key] = short_type(value)
            else:  # a function (or an operator): public's by its name alone
                spec[key] = value.removeprefix("public.")
        if comment:
            spec["comment"] = comment
        return Flow(spec)


def overloads(c: Catalog, qname: str) -> int:
    return sum(1 for f in c.functions.values() if f.qname == qname)


def body_text(src: str) -> str | Block:
    """The body byte for byte: a literal block where YAML keeps every character so (the
    dumper falls back to a quoted string where it would not, say for trailing spaces)."""
    return Block(src) if src.endswith("\n") and not src.endswith("\n\n") else src
