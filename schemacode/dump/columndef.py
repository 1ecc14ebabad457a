"""A column's short form, written: its long form as a PostgreSQL column definition, where one
says it all and reads back to the same long form (load/columndef.py reads it)."""
from __future__ import annotations

from typing import Any

import yaml

from ..load.columndef import ColumnSyntaxError, parse_column
from ..sqltext import closing_bracket, ident, literal

# What a column definition can say; a comment, not_valid, renamed_from … need the long form.
SAID = {"type", "null", "not_null_name", "default", "primary_key", "unique", "check", "references",
        "on_delete", "on_update", "match", "deferrable", "initially_deferred", "identity", "generated",
        "collation"}
_FK_OPTIONS = ("on_delete", "on_update", "match", "deferrable", "initially_deferred")
_IDENTITY = (("start", "start with"), ("increment", "increment by"), ("min", "minvalue"),
             ("max", "maxvalue"), ("cache", "cache"))


def definition(spec: dict[str, Any]) -> str | None:
    """`timestamptz not null default now()` for {type: timestamptz, null: false, default: {sql:
    now()}}; None where the long form says more than a column definition can, or where the text
    would not be a plain YAML scalar, or would not read back to the same long form."""
    if not set(spec) <= SAID:
        return None
    parts = [str(spec["type"])]
    if "collation" in spec:
        parts.append(f"collate {ident(spec['collation'])}")
    if "generated" in spec:
        parts.append(f"generated always as ({unwrap(spec['generated'])}) stored")
    if "identity" in spec:
        parts.append(_identity(spec["identity"]))
    # in the order people write them: `uuid primary key default gen_random_uuid()`,
    # `text not null unique`, `bigint not null default 0 references users (id)`
    if spec.get("primary_key"):
        parts.append(_key("primary key", spec["primary_key"]))
    if "not_null_name" in spec:
        parts.append(f"constraint {ident(spec['not_null_name'])} not null")
    elif spec.get("null") is False and not spec.get("primary_key") and "identity" not in spec:
        parts.append("not null")
    if spec.get("unique"):
        parts.append(_key("unique", spec["unique"]))
    if spec.get("default") is not None:
        parts.append(f"default {_sql(spec['default'])}")
    if "references" in spec:
        parts.append(_references(spec))
    if spec.get("check") is not None:
        parts.append(f"check ({unwrap(spec['check'])})")
    text = " ".join(parts)
    try:
        plain = yaml.safe_load(text) == text and "\n" not in text
        back = parse_column(text, lambda t: True)
    except (yaml.YAMLError, ColumnSyntaxError):
        return None
    return text if plain and _canonical(back) == _canonical(spec) else None


def unwrap(expr: str) -> str:
    """An expression without the brackets PostgreSQL prints around it whole (`(price > 0)`):
    the clause's own brackets hold it; the same expression, the same tree."""
    expr = expr.strip()
    while expr.startswith("(") and closing_bracket(expr, 0) == len(expr) - 1:
        expr = expr[1:-1].strip()
    return expr


def _sql(default: Any) -> str:
    """A long form's default as SQL: what the loader makes of it."""
    if isinstance(default, dict):
        return str(default["sql"])
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, (int, float)):
        return str(default)
    return literal(str(default))


def _identity(identity: Any) -> str:
    if not isinstance(identity, dict):
        return f"generated {identity} as identity"
    options = [f"{words} {identity[key]}" for key, words in _IDENTITY if key in identity]
    if "cycle" in identity:
        options.append("cycle" if identity["cycle"] else "no cycle")
    return f"generated {identity.get('generation', 'by default')} as identity ({' '.join(options)})"


def _key(head: str, value: Any) -> str:
    if value is True:
        return head
    if isinstance(value, str):
        return f"constraint {ident(value)} {head}"
    out = f"constraint {ident(value['name'])} {head}" if value.get("name") else head
    if value.get("nulls_not_distinct"):
        out += " nulls not distinct"
    return out + _deferral(value)


def _deferral(options: Any) -> str:
    if options.get("initially_deferred"):
        return " deferrable initially deferred"
    return " deferrable" if options.get("deferrable") else ""


def _references(spec: dict[str, Any]) -> str:
    ref = spec["references"]
    options = {k: spec[k] for k in _FK_OPTIONS if k in spec}
    name = None
    if isinstance(ref, dict):
        options.update({k: ref[k] for k in _FK_OPTIONS if k in ref})
        name, ref = ref.get("name"), ref["to"]
    *table, column = str(ref).split(".")
    out = f"constraint {ident(name)} " if name else ""
    out += f"references {'.'.join(ident(p) for p in table)} ({ident(column)})"
    if options.get("match") == "full":
        out += " match full"
    for key, clause in (("on_delete", "on delete"), ("on_update", "on update")):
        if options.get(key):
            out += f" {clause} {options[key]}"
    return out + _deferral(options)


def _canonical(spec: dict[str, Any]) -> dict[str, Any]:
    """A long form as the loader reads it, whichever way it is spelled: what two spellings of
    one column must agree on."""
    out = {k: v for k, v in spec.items() if k not in _FK_OPTIONS}
    for key in ("generated", "check"):
        if isinstance(out.get(key), str):
            out[key] = unwrap(out[key])
    if out.get("default") is not None:
        out["default"] = _sql(out["default"])
    else:
        out.pop("default", None)
    if out.get("primary_key") or "identity" in out or "not_null_name" in out:
        out.pop("null", None)  # (implied)
    if out.get("null") is True:
        del out["null"]
    for key in ("primary_key", "unique"):
        value = out.get(key)
        if value is True or isinstance(value, str):
            out[key] = {"name": value} if isinstance(value, str) else {}
        elif isinstance(value, dict) and value.get("initially_deferred"):
            out[key] = {**value, "deferrable": True}
    if "references" in out:
        ref = out["references"]
        ref = dict(ref) if isinstance(ref, dict) else {"to": ref}
        ref.update({k: spec[k] for k in _FK_OPTIONS if k in spec})
        parts = str(ref["to"]).split(".")
        ref["to"] = ".".join(parts if len(parts) == 3 else ["public", *parts])
        if ref.get("match") == "simple":
            del ref["match"]
        if ref.get("initially_deferred"):
            ref["deferrable"] = True
        out["references"] = ref
    return out
