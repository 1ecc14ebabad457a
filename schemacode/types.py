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

_QUOTED = re.compile(r'"(?:[^"]|"")*"')
_ARGS = re.compile(r"\(\s*\d+\s*(,\s*-?\d+\s*)?\)")
# interval's fields: `interval day to second(3)` is an interval
_INTERVAL_FIELDS = re.compile(r"^interval\s+(?:year|month|day|hour|minute|second)"
                              r"(?:\s+to\s+(?:month|hour|minute|second))?$", re.IGNORECASE)
_ARRAY = re.compile(r"(\s*\[\s*\d*\s*\])+$|\s+array$", re.IGNORECASE)


def type_base(type_: str) -> tuple[str, bool]:
    """('timestamp_with_time_zone', is_array) for 'timestamp(3) with time zone[]'."""
    t = type_.strip()
    is_array = bool(_ARRAY.search(t))
    t = _ARRAY.sub("", t)
    t = _ARGS.sub("", t)
    t = _INTERVAL_FIELDS.sub("interval", t)
    return "_".join(t.lower().split()), is_array


def check_type(type_: str, extra: set[str]) -> tuple[str, str | None] | None:
    """None if the type is known; otherwise (message, hint)."""
    if not type_ or not type_.strip():
        return "a column needs a type", None
    bare = _QUOTED.sub('"q"', type_) if '"' in type_ else type_  # a quoted name may hold anything
    if re.search(r"[;]|--", bare):
        return f"{type_!r} is not a type", None
    base, _ = type_base(bare)
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

# Operator classes (pg_opclass) of PostgreSQL 18 and of the extensions that ship them.
BUILTIN_OPCLASSES = frozenset("""
aclitem_ops array_ops bit_minmax_ops bit_ops bool_ops box_inclusion_ops box_ops bpchar_bloom_ops
bpchar_minmax_ops bpchar_ops bpchar_pattern_ops bytea_bloom_ops bytea_minmax_ops bytea_ops
char_bloom_ops char_minmax_ops char_ops cid_ops cidr_ops circle_ops date_bloom_ops
date_minmax_multi_ops date_minmax_ops date_ops enum_ops float4_bloom_ops float4_minmax_multi_ops
float4_minmax_ops float4_ops float8_bloom_ops float8_minmax_multi_ops float8_minmax_ops
float8_ops inet_bloom_ops inet_inclusion_ops inet_minmax_multi_ops inet_minmax_ops inet_ops
int2_bloom_ops int2_minmax_multi_ops int2_minmax_ops int2_ops int4_bloom_ops
int4_minmax_multi_ops int4_minmax_ops int4_ops int8_bloom_ops int8_minmax_multi_ops
int8_minmax_ops int8_ops interval_bloom_ops interval_minmax_multi_ops interval_minmax_ops
interval_ops jsonb_ops jsonb_path_ops kd_point_ops macaddr8_bloom_ops macaddr8_minmax_multi_ops
macaddr8_minmax_ops macaddr8_ops macaddr_bloom_ops macaddr_minmax_multi_ops macaddr_minmax_ops
macaddr_ops money_ops multirange_ops name_bloom_ops name_minmax_ops name_ops numeric_bloom_ops
numeric_minmax_multi_ops numeric_minmax_ops numeric_ops oid_bloom_ops oid_minmax_multi_ops
oid_minmax_ops oid_ops oidvector_ops pg_lsn_bloom_ops pg_lsn_minmax_multi_ops pg_lsn_minmax_ops
pg_lsn_ops point_ops poly_ops quad_point_ops range_inclusion_ops range_ops record_image_ops
record_ops text_bloom_ops text_minmax_ops text_ops text_pattern_ops tid_bloom_ops
tid_minmax_multi_ops tid_minmax_ops tid_ops time_bloom_ops time_minmax_multi_ops time_minmax_ops
time_ops timestamp_bloom_ops timestamp_minmax_multi_ops timestamp_minmax_ops timestamp_ops
timestamptz_bloom_ops timestamptz_minmax_multi_ops timestamptz_minmax_ops timestamptz_ops
timetz_bloom_ops timetz_minmax_multi_ops timetz_minmax_ops timetz_ops tsquery_ops tsvector_ops
uuid_bloom_ops uuid_minmax_multi_ops uuid_minmax_ops uuid_ops varbit_minmax_ops varbit_ops
varchar_ops varchar_pattern_ops xid8_ops xid_ops
""".split())
EXTENSION_OPCLASSES: dict[str, frozenset[str]] = {
    "btree_gin": frozenset("""
        bit_ops bool_ops bpchar_ops bytea_ops char_ops cidr_ops date_ops enum_ops
        float4_ops float8_ops inet_ops int2_ops int4_ops int8_ops interval_ops
        macaddr8_ops macaddr_ops money_ops name_ops numeric_ops oid_ops text_ops
        time_ops timestamp_ops timestamptz_ops timetz_ops uuid_ops varbit_ops
        varchar_ops
    """.split()),
    "btree_gist": frozenset("""
        gist_bit_ops gist_bool_ops gist_bpchar_ops gist_bytea_ops gist_cash_ops
        gist_cidr_ops gist_date_ops gist_enum_ops gist_float4_ops gist_float8_ops
        gist_inet_ops gist_int2_ops gist_int4_ops gist_int8_ops gist_interval_ops
        gist_macaddr8_ops gist_macaddr_ops gist_numeric_ops gist_oid_ops gist_text_ops
        gist_time_ops gist_timestamp_ops gist_timestamptz_ops gist_timetz_ops
        gist_uuid_ops gist_vbit_ops
    """.split()),
    "citext": frozenset("citext_ops citext_pattern_ops".split()),
    "cube": frozenset("cube_ops gist_cube_ops".split()),
    "hstore": frozenset("btree_hstore_ops gin_hstore_ops gist_hstore_ops hash_hstore_ops".split()),
    "intarray": frozenset("gin__int_ops gist__int_ops gist__intbig_ops".split()),
    "isn": frozenset("ean13_ops isbn13_ops isbn_ops ismn13_ops ismn_ops issn13_ops issn_ops upc_ops".split()),
    "ltree": frozenset("gist__ltree_ops gist_ltree_ops hash_ltree_ops ltree_ops".split()),
    "pg_trgm": frozenset("gin_trgm_ops gist_trgm_ops".split()),
    "seg": frozenset("gist_seg_ops seg_ops".split()),
    "vector": frozenset("""
        bit_hamming_ops bit_jaccard_ops halfvec_cosine_ops halfvec_ip_ops halfvec_l1_ops
        halfvec_l2_ops halfvec_ops sparsevec_cosine_ops sparsevec_ip_ops
        sparsevec_l1_ops sparsevec_l2_ops sparsevec_ops vector_cosine_ops vector_ip_ops
        vector_l1_ops vector_l2_ops vector_ops
    """.split()),
}
