"""Identifier quoting and literal escaping: one function each, used everywhere."""
from __future__ import annotations

import re

# Words PostgreSQL will not accept as a bare column name (pg_get_keywords() catcode <> 'U').
_KEYWORDS = frozenset(
    """all analyse analyze and any array as asc asymmetric authorization between bigint binary bit
    boolean both case cast char character check coalesce collate collation column concurrently
    constraint create cross current_catalog current_date current_role current_schema current_time
    current_timestamp current_user dec decimal default deferrable desc distinct do else end except
    exists extract false fetch float for foreign freeze from full grant greatest group grouping
    having ilike in initially inner inout int integer intersect interval into is isnull join json
    json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar
    json_serialize json_table json_value lateral leading least left like limit localtime
    localtimestamp merge_action national natural nchar none normalize not notnull null nullif numeric
    offset on only or order out outer overlaps overlay placing position precision primary real
    references returning right row select session_user setof similar smallint some substring
    symmetric system_user table tablesample then time timestamp to trailing treat trim true union
    unique user using values varchar variadic verbose when where window with xmlattributes
    xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize
    xmltable""".split()
)
_PLAIN = re.compile(r"^[a-z_][a-z0-9_$]*$")


def ident(name: str) -> str:
    """Quote an identifier the way PostgreSQL's quote_ident() does."""
    if _PLAIN.match(name) and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def qident(schema: str, name: str) -> str:
    """A schema-qualified identifier."""
    return f"{ident(schema)}.{ident(name)}"


def qname_ident(qname: str) -> str:
    """Quote ``schema.name`` (as the model keys objects) as a qualified identifier."""
    schema, _, name = qname.partition(".")
    return qident(schema, name)


def literal(value: str) -> str:
    """A string literal, with E'' syntax when it holds a backslash."""
    escaped = value.replace("'", "''")
    if "\\" in value:
        return "E'" + escaped.replace("\\", "\\\\") + "'"
    return "'" + escaped + "'"
