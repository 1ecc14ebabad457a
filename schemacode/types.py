"""The column types schema.yaml accepts, and how to tell a typo from a type."""
from __future__ import annotations

import difflib
import re

BUILTIN_TYPES = frozenset("""
smallint int2 integer int int4 bigint int8 serial serial4 bigserial serial8 smallserial serial2
numeric decimal real float4 float8 float double_precision money boolean bool
text varchar character_varying character char bpchar name
uuid json jsonb xml date time timetz time_without_time_zone time_with_time_zone
timestamp timestamptz timestamp_without_time_zone timestamp_with_time_zone interval
bytea inet cidr macaddr macaddr8 bit varbit bit_varying tsvector tsquery
point line lseg box path polygon circle int4range int8range numrange tsrange tstzrange daterange
int4multirange int8multirange nummultirange tsmultirange tstzmultirange datemultirange
oid regclass regproc regtype pg_lsn
""".split())

# Types an extension brings: allowed when the extension is declared.
EXTENSION_TYPES = {
    "citext": {"citext"},
    "vector": {"vector", "halfvec", "sparsevec"},
    "hstore": {"hstore"},
    "ltree": {"ltree", "lquery", "ltxtquery"},
    "cube": {"cube"},
    "seg": {"seg"},
    "isn": {"isbn", "isbn13", "ismn", "ismn13", "issn", "issn13", "ean13", "upc"},
    "postgis": {"geometry", "geography", "box2d", "box3d"},
}
SERIAL_TYPES = frozenset({"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"})
INTEGER_TYPES = frozenset({"smallint", "int2", "integer", "int", "int4", "bigint", "int8"})
TEXT_TYPES = frozenset({"text", "varchar", "character_varying", "character", "char", "bpchar",
                        "citext", "name"})

_ARGS = re.compile(r"\(\s*\d+\s*(,\s*-?\d+\s*)?\)")
_ARRAY = re.compile(r"(\s*\[\s*\d*\s*\])+$|\s+array$", re.IGNORECASE)


def type_base(type_: str) -> tuple[str, bool]:
    """('timestamp_with_time_zone', is_array) for 'timestamp(3) with time zone[]'."""
    t = type_.strip()
    is_array = bool(_ARRAY.search(t))
    t = _ARRAY.sub("", t)
    t = _ARGS.sub("", t)
    return "_".join(t.lower().split()), is_array


def check_type(type_: str, extra: set[str]) -> tuple[str, str | None] | None:
    """None if the type is known; otherwise (message, hint)."""
    if not type_ or not type_.strip():
        return "a column needs a type", None
    if re.search(r"[;]|--", type_):
        return f"{type_!r} is not a type", None
    base, _ = type_base(type_)
    if "(" in base or ")" in base:
        return f"{type_!r}: type arguments must be whole numbers", "like varchar(50) or numeric(10,2)"
    if base in BUILTIN_TYPES or base in extra:
        return None
    if "." in base or base.startswith('"'):
        return None  # a qualified or quoted user type: the scratch database will tell
    for ext, types in EXTENSION_TYPES.items():
        if base in types:
            return (f"unknown type {type_!r}: it comes with the extension {ext}",
                    f"declare it: extensions: [{ext}]")
    close = difflib.get_close_matches(base, sorted(BUILTIN_TYPES | extra), n=1)
    return f"unknown type {type_!r}", f"did you mean {close[0].replace('_', ' ')}?" if close else None
