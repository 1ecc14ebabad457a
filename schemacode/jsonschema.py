"""The JSON Schema of schema.yaml, for editors (completion, typo flags as you type).

Kept beside the loader's own key lists (a test checks they agree): the loader remains the
authority (it also checks types, references and SQL), the JSON Schema is what an editor can
check alone.
"""
from __future__ import annotations

import json
from typing import Any

from .load.aggregates import ORDER as AGGREGATE_ORDER
from .load import FK_ACTIONS, INDEX_METHODS, VOLATILITY, _Loader

SCHEMA_ID = "urn:schemacode:schema.yaml"

_str = {"type": "string"}
_bool = {"type": "boolean"}
_int = {"type": "integer"}
_names: dict[str, Any] = {"oneOf": [_str, {"type": "array", "items": _str, "minItems": 1}]}
_comment = {"type": "string", "description": "COMMENT ON the object"}
_sql = {"type": "object", "properties": {"sql": {**_str, "description": "an SQL expression"}},
        "required": ["sql"], "additionalProperties": False}
_default = {"description": "a literal (text, number, boolean) or {sql: expression}",
            "oneOf": [_str, {"type": "number"}, _bool, {"type": "null"}, _sql]}
_action = {"enum": sorted(FK_ACTIONS) + [a.replace(" ", "_") for a in FK_ACTIONS if " " in a]}


def _obj(props: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    out.update(extra)
    return out


def build() -> dict[str, Any]:
    sqlite = {"oneOf": [{"enum": ["skip"]}, {"type": "object"}],
              "description": "on SQLite: skip, or its SQLite form ({type:, default:} of a column, {expr:} "
                             "of a check, {body:} or {sql:} of a trigger, {query:} or {sql:} of a view, "
                             "{sql:} of an index); docs/sqlite.md"}
    grants = {"type": "object", "description": "role → privilege(s), or {privileges: [...], grant_option: "
              "true}; [] takes a default away (public: [] on a function). Declared: managed exactly",
              "additionalProperties": {"oneOf": [_str, {"type": "array", "items": _str}, _obj(
                  {"privileges": {"type": "array", "items": _str}, "grant_option": _bool})]}}
    owner = {**_str, "description": "the owning role (it must exist: schemacode creates none)"}
    deferral = {"deferrable": _bool, "initially_deferred": _bool}
    column_check = _obj({"expr": _str, "name": _str, "comment": _comment, "no_inherit": _bool,
                         "not_valid": _bool}, ["expr"])
    column_long = _obj({
        "type": {**_str, "description": "a PostgreSQL type: text, varchar(50), numeric(10,2), uuid, jsonb, text[] …"},
        "null": {**_bool, "description": "false for NOT NULL"},
        "default": _default,
        "primary_key": {"oneOf": [_bool, _str, _obj({"name": _str, "comment": _comment, **deferral})],
                        "description": "true, the key's name, or {name:, deferrable:, initially_deferred:}"},
        "unique": {"oneOf": [_bool, _str, _obj({"name": _str, "comment": _comment, "nulls_not_distinct": _bool,
                                               **deferral})],
                   "description": "true, the constraint's name, or {name:, nulls_not_distinct:, deferrable:, …}"},
        "references": {"oneOf": [_str, _obj({"to": _str, "name": _str, "comment": _comment,
                                            "on_delete": _action, "on_update": _action,
                                            "deferrable": _bool, "initially_deferred": _bool,
                                            "match": {"enum": ["simple", "full"]}, "not_valid": _bool},
                                           ["to"])]},
        "on_delete": _action, "on_update": _action,
        "deferrable": _bool, "initially_deferred": _bool, "match": {"enum": ["simple", "full"]},
        "not_valid": _bool,
        "check": {"oneOf": [_str, column_check, {"type": "array", "items": {"oneOf": [_str, column_check]},
                                                 "minItems": 1}],
                  "description": "a condition, {expr:, name:, no_inherit:, not_valid:}, or a list of them"},
        "comment": _comment,
        "identity": {"oneOf": [{"enum": ["always", "by default"]},
                               _obj({"generation": {"enum": ["always", "by default"]}, "start": _int,
                                     "increment": _int, "min": _int, "max": _int, "cache": _int,
                                     "cycle": _bool})]},
        "generated": {**_str, "description": "GENERATED ALWAYS AS (expression) STORED"},
        "collation": _str,
        "using": {**_str, "description": "how to convert values when the type changes"},
        "renamed_from": _str, "sqlite": sqlite,
        "not_null_name": {**_str, "description": "the NOT NULL constraint's name, where it is not "
                          "PostgreSQL's own choice (table_column_not_null); PostgreSQL 18"},
        "statistics": {"type": "integer", "minimum": 0, "maximum": 10000,
                       "description": "ALTER COLUMN … SET STATISTICS: the planner's sample target"},
        "storage": {"enum": ["plain", "external", "extended", "main"],
                    "description": "ALTER COLUMN … SET STORAGE, where not its type's"},
        "compression": {"enum": ["pglz", "lz4"], "description": "ALTER COLUMN … SET COMPRESSION"},
        "n_distinct": {"type": ["number", "string"], "description": "distinct values the planner assumes; "
                       "negative: minus their share of the rows (-0.5: half)"},
        "n_distinct_inherited": {"type": ["number", "string"],
                                 "description": "n_distinct of the table with its children"},
        "sequence_grants": {**grants, "description": "grants on a serial's or identity's own sequence"},
    }, ["type"])
    column = {"oneOf": [{**_str, "description": "a PostgreSQL column definition: type [NOT NULL] [DEFAULT expr] "
                         "[PRIMARY KEY] [UNIQUE] [CHECK (…)] [REFERENCES t (c) ON DELETE …] [GENERATED … AS "
                         "IDENTITY] [GENERATED ALWAYS AS (…) STORED] [COLLATE \"C\"] [CONSTRAINT name …]"},
                        column_long]}
    index_column = {"oneOf": [_str, _obj({"column": _str, "expr": _str, "order": {"enum": ["asc", "desc"]},
                                          "nulls": {"enum": ["first", "last"]}, "opclass": _str,
                                          "collation": _str})]}
    index_long = _obj({
        "columns": {"oneOf": [_str, {"type": "array", "items": index_column, "minItems": 1}]},
        "using": {"enum": sorted(INDEX_METHODS)}, "unique": _bool, "where": _str,
        "include": _names, "opclass": _str, "comment": _comment, "nulls_not_distinct": _bool,
        "with": {"type": "object"}, "sqlite": sqlite,
    }, ["columns"])
    index = {"oneOf": [_str, {"type": "array", "items": index_column}, index_long]}
    events = {"oneOf": [_str, {"type": "array", "items": _str}]}
    trigger = _obj({"before": events, "after": events, "instead_of": events,
                    "for_each": {"enum": ["row", "statement"]}, "execute": _str,
                    "arguments": {"oneOf": [_str, {"type": "array"}]}, "when": _str,
                    "enabled": _bool, "constraint": {**_bool, "description": "CREATE CONSTRAINT TRIGGER"},
                    "deferrable": _bool, "initially_deferred": _bool,
                    "referencing": _obj({"old_table": _str, "new_table": _str}), "comment": _comment,
                    "sqlite": sqlite},
                   anyOf=[{"required": ["execute"]}, {"required": ["sqlite"]}])  # (a SQLite-only trigger)
    rule = _obj({"event": {"enum": ["insert", "update", "delete"]},
                 "where": {**_str, "description": "a condition on NEW and OLD"},
                 "instead": {**_bool, "description": "DO INSTEAD (default: DO ALSO)"},
                 "do": {"description": "nothing, a statement (SELECT, INSERT, UPDATE, DELETE, NOTIFY) or a list of them",
                        "oneOf": [_str, {"type": "array", "items": _str, "minItems": 1}]},
                 "enabled": {"description": "false: disabled; replica or always: fires then (tables only)",
                             "oneOf": [_bool, {"enum": ["replica", "always"]}]},
                 "comment": _comment}, ["event", "do"])
    fdw_options = {"type": "object", "description": "OPTIONS (name 'value'), in order: {host: db.internal, port: 5432}",
                   "additionalProperties": {"type": ["string", "number", "boolean"]}}
    deferral = {"deferrable": _bool, "initially_deferred": _bool}
    key_list = {"oneOf": [{"type": "array", "items": _str}, _obj({"columns": _names, "comment": _comment,
                                                                  "nulls_not_distinct": _bool, **deferral},
                                                                 ["columns"])]}
    table = _obj({
        "name": _str, "comment": _comment, "renamed_from": _str, "sqlite": sqlite,
        "columns": {"type": "object", "additionalProperties": column},
        "primary_key": {"oneOf": [_names, _obj({"columns": _names, "name": _str, "comment": _comment,
                                                **deferral}, ["columns"])]},
        "unique": {"oneOf": [{"type": "object", "additionalProperties": key_list},
                             {"type": "array", "items": _names}]},
        "checks": {"oneOf": [{"type": "object", "additionalProperties": {
            "oneOf": [_str, _obj({"expr": _str, "comment": _comment, "sqlite": sqlite, "not_valid": _bool,
                                  "no_inherit": _bool}, ["expr"])]}},
            {"type": "array", "items": _str}]},
        "foreign_keys": {"type": "object", "additionalProperties": _obj({
            "columns": _names,
            "references": {"oneOf": [_str, _obj({"table": _str, "columns": _names}, ["table"])]},
            "on_delete": _action, "on_update": _action, "match": {"enum": ["simple", "full"]},
            "not_valid": _bool, **deferral, "comment": _comment}, ["columns", "references"])},
        "exclude": {"type": "object", "additionalProperties": _obj({
            "using": {"enum": sorted(INDEX_METHODS)},
            "elements": {"oneOf": [_str, {"type": "array", "items": _str, "minItems": 1}],
                         "description": "expression WITH operator, e.g. `room_id WITH =`"},
            "include": _names, "where": _str, **deferral, "comment": _comment}, ["elements"])},
        "indexes": {"type": "object", "additionalProperties": index},
        "triggers": {"type": "object", "additionalProperties": trigger},
        "rules": {"type": "object", "additionalProperties": rule},
        "with": {"type": "object", "description": "storage parameters: {fillfactor: 70}"},
        "unlogged": _bool,
        "replica_identity": {"oneOf": [{"enum": ["default", "full", "nothing"]},
                                       _obj({"index": _str}, ["index"])]},
        "grants": grants, "owner": owner,
        "inherits": {"oneOf": [_str, {"type": "array", "items": _str, "minItems": 1}],
                     "description": "INHERITS: the parent table(s); columns: lists this table's own"},
        "partition_by": {"type": "string",
                         "description": "range (column), list (column) or hash (column); columns or (expressions)"},
        "partitions": {"type": "object", "description": "partition name → {from:, to:} | {in: [...]} | "
                       "{modulus:, remainder:} | default, and what is its own (keys, checks, indexes, "
                       "its partitions); name_{yyyy}_{mm}: {from:, to:, every: 1 month} stands for many",
                       "additionalProperties": {"oneOf": [{"enum": ["default"]}, {"type": "object"}]}},
        "row_security": {"oneOf": [{"enum": ["enabled", "forced", "disabled"]}, _bool,
                                   _obj({"enabled": _bool, "forced": _bool})],
                         "description": "row-level security: enabled, forced (the owner too) or disabled"},
        "policies": {"type": "object", "additionalProperties": {"oneOf": [_str, _obj({
            "for": {"enum": ["all", "select", "insert", "update", "delete"]},
            "as": {"enum": ["permissive", "restrictive"]},
            "to": {"oneOf": [_str, {"type": "array", "items": _str, "minItems": 1}],
                   "description": "roles (they must exist: schemacode creates none); default public"},
            "using": _str, "with_check": _str, "comment": _comment})]}},
    }, ["columns"])
    enum_value = {"oneOf": [_str, {"type": "object", "maxProperties": 1, "additionalProperties":
                                   _obj({"renamed_from": _str}, ["renamed_from"])}]}
    enum_values = {"type": "array", "items": enum_value, "minItems": 1}
    named = {"oneOf": [{"type": "object"}, {"type": "array"}]}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "schemacode schema.yaml",
        "description": "A PostgreSQL schema, declared. Reference: docs/schema-yaml.md",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "privileges": _obj({"roles": {"oneOf": [{"enum": ["all"]}, {"type": "array", "items": _str,
                                                                          "minItems": 1}]}}, ["roles"],
                               description="the roles whose grants schema.yaml manages on every object it "
                               "declares (no grants: none), or all; others' are left alone"),
            "default_privileges": {"type": "object", "description": "in every schema: creating role → "
                                   "{tables: grants, sequences: …, functions: …, types: …}; role: [] takes "
                                   "PostgreSQL's built-in default away (public: [] on functions)",
                                   "additionalProperties": _obj({"tables": grants, "sequences": grants,
                                                                 "functions": grants, "types": grants})},
            "schemas": {"oneOf": [{"type": "object", "additionalProperties": {
                "oneOf": [{"type": "null"}, _obj({"comment": _comment, "name": _str, "grants": grants,
                                                  "owner": owner, "default_privileges": {
                                                      "type": "object", "description": "creating role → "
                                                      "{tables: grants, sequences: …, functions: …, types: …}",
                                                      "additionalProperties": _obj({
                                                          "tables": grants, "sequences": grants,
                                                          "functions": grants, "types": grants})}})]}},
                {"type": "array", "items": _str}]},
            "extensions": {"oneOf": [{"type": "array", "items": {"oneOf": [_str, _obj(
                {"name": _str, "schema": _str, "version": _str, "sqlite": sqlite}, ["name"])]}},
                {"type": "object", "additionalProperties": {"oneOf": [{"type": "null"}, _obj(
                    {"name": _str, "schema": _str, "version": _str, "sqlite": sqlite})]}}]},
            "enums": {"type": "object", "additionalProperties": {"oneOf": [
                enum_values, _obj({"values": enum_values, "comment": _comment, "name": _str, "grants": grants,
                                   "owner": owner}, ["values"])]}},
            "domains": {"type": "object", "additionalProperties": {"oneOf": [_str, _obj({
                "name": _str, "type": _str, "null": _bool, "default": _default, "check": _str,
                "checks": {"type": "object", "additionalProperties": _str}, "comment": _comment,
                "grants": grants, "owner": owner}, ["type"])]}},
            "types": {"type": "object", "description": "composite types ({attributes: {name: type}}) "
                      "and range types ({range: subtype})", "additionalProperties": {"oneOf": [
                          _obj({"attributes": {"type": "object", "additionalProperties": _str},
                                "comment": _comment, "name": _str, "grants": grants, "owner": owner},
                               ["attributes"]),
                          _obj({"range": _str, "subtype_opclass": _str, "collation": _str, "canonical": _str,
                                "subtype_diff": _str, "multirange_type_name": _str, "comment": _comment,
                                "name": _str, "grants": grants, "owner": owner}, ["range"])]}},
            "aggregates": {"type": "object", "description": "name(argument types): CREATE AGGREGATE's options",
                           "additionalProperties": _obj({**{k: _str for k in AGGREGATE_ORDER},
                                                         "sspace": _int, "msspace": _int,
                                                         "finalfunc_extra": _bool, "mfinalfunc_extra": _bool,
                                                         "initcond": {"type": ["string", "number"]},
                                                         "minitcond": {"type": ["string", "number"]},
                                                         "arguments": _str, "comment": _comment},
                                                        ["sfunc", "stype"])},
            "functions": {"type": "object", "additionalProperties": _obj({
                "name": _str, "kind": {"enum": ["function", "procedure"]}, "arguments": _str,
                "returns": _str, "language": _str,
                "body": {**_str, "description": "the body, byte for byte (dollar-quoted for you)"},
                "sql_body": {**_str, "description": "a SQL-standard body: RETURN … or BEGIN ATOMIC … END"},
                "volatility": {"enum": sorted(VOLATILITY)}, "strict": _bool, "leakproof": _bool,
                "parallel": {"enum": ["safe", "restricted", "unsafe"]},
                "cost": {"type": "number"}, "rows": {"type": "number"},
                "security": {"enum": ["invoker", "definer"]}, "search_path": _names,
                "set": {"type": "object", "description": "settings for the call: {work_mem: 64MB}"},
                "comment": _comment, "grants": grants, "owner": owner, "sqlite": sqlite}, oneOf=[{"required": ["body"]}, {"required": ["sql_body"]}])},
            "sequences": {"type": "object", "additionalProperties": {"oneOf": [{"type": "null"}, _obj({
                "name": _str, "type": {"enum": ["smallint", "integer", "bigint", "int", "int2", "int4", "int8"]},
                "start": _int, "increment": _int, "min": _int, "max": _int, "cache": _int,
                "cycle": _bool, "owned_by": {**_str, "description": "table.column: dropped with it"},
                "comment": _comment, "grants": grants, "owner": owner})]}},
            "tables": {"type": "object", "additionalProperties": table},
            "views": {"type": "object", "additionalProperties": {"oneOf": [_str, _obj({
                "query": _str, "sqlite": sqlite, "materialized": _bool, "comment": _comment,
                "check_option": {"enum": ["local", "cascaded"]}, "security_barrier": _bool,
                "security_invoker": _bool,
                "with": {"type": "object", "description": "storage parameters (materialized views)"},
                "indexes": {"type": "object", "additionalProperties": index},
                "triggers": {"type": "object", "additionalProperties": trigger},
                "rules": {"type": "object", "additionalProperties": rule},
                "grants": grants, "owner": owner}, ["query"])]}},
            "casts": {"type": "object", "description": "source AS target: its function's signature, or "
                      "{function: …, context: assignment} | {inout: true} | {binary: true}",
                      "additionalProperties": {"oneOf": [_str, _obj({
                          "function": _str, "inout": _bool, "binary": _bool,
                          "context": {"enum": ["explicit", "assignment", "implicit"]}, "comment": _comment,
                          "sqlite": sqlite})]}},
            "foreign_data_wrappers": {"type": "object", "description": "wrappers made by hand (one an extension "
                                      "brings is its extension's): {handler: f, validator: g, options: {…}}",
                                      "additionalProperties": {"oneOf": [{"type": "null"}, _obj({
                                          "handler": _str, "validator": _str, "options": fdw_options,
                                          "comment": _comment, "sqlite": sqlite})]}},
            "foreign_servers": {"type": "object", "additionalProperties": _obj({
                "wrapper": {**_str, "description": "its foreign data wrapper: postgres_fdw, file_fdw, … (its "
                            "extension declared)"},
                "type": _str, "version": _str,
                "options": {**fdw_options, "description": "OPTIONS: {host: …, port: …, dbname: …}; never a "
                            "password (a user mapping's, left alone)"},
                "comment": _comment, "grants": grants, "owner": owner, "sqlite": sqlite}, ["wrapper"])},
            "foreign_tables": {"type": "object", "additionalProperties": _obj({
                "server": _str, "options": fdw_options,
                "columns": {"type": "object", "additionalProperties": {"oneOf": [
                    {**_str, "description": "type [not null]"},
                    _obj({"type": _str, "null": _bool, "default": _default, "generated": _str, "collation": _str,
                          "check": _str, "not_null_name": _str, "comment": _comment, "options": fdw_options},
                         ["type"])]}},
                "checks": {"type": "object", "additionalProperties": {
                    "oneOf": [_str, _obj({"expr": _str, "comment": _comment}, ["expr"])]}},
                "triggers": {"type": "object", "additionalProperties": trigger},
                "comment": _comment, "grants": grants, "owner": owner, "sqlite": sqlite}, ["server", "columns"])},
        },
        "definitions": {"named": named},
    }


def text() -> str:
    return json.dumps(build(), indent=2) + "\n"


TABLE_KEYS = _Loader.TABLE_KEYS
COLUMN_KEYS = _Loader.COLUMN_KEYS
