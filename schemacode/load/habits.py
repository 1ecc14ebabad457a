"""What people bring from elsewhere: other tools' words for schema.yaml's keys, and SQL written
where schema.yaml takes a literal.

Someone who knows Django, SQLAlchemy, Prisma, Atlas, Rails, Sequelize or Liquibase writes
`nullable: false`, `method: gin` or `indices:`; an unknown key that another well-known tool uses
for the same thing gets "did you mean" with ours (and the value as ours spells it), before the
spelling-based guess. The lists are in docs/schema-yaml.md ("Other tools' words"); a test
checks the two agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Word:
    """Their words for one of ours (or, where we have no such key, what to write instead)."""

    ours: str | None  # our key; None: no key of ours says it (see note)
    theirs: tuple[str, ...]
    note: str = ""
    invert: bool = False  # their true is our false: `not_null: true` is `null: false`


def _w(ours: str | None, theirs: str, note: str = "", invert: bool = False) -> Word:
    return Word(ours, tuple(theirs.split()), note, invert)


_COMMENT = _w("comment", "description doc docs remarks db_comment comments")
_UNDER_TABLE = "declared under its table: tables: {{name: {{{0}: …}}}}"

# Kind of object (the first word of what _keys says it reads) → their words.
WORDS: dict[str, tuple[Word, ...]] = {
    "schema.yaml": (
        _w("tables", "table model models entity entities"),
        _w("enums", "enum enum_types enumerations"),
        _w("views", "view materialized_views"),
        _w("sequences", "sequence"),
        _w("functions", "function procedure procedures routines"),
        _w("extensions", "extension plugins"),
        _w("schemas", "schema namespaces"),
        _w("domains", "domain"),
        _w("types", "type composite_types"),
        _w(None, "index indices", "an index is " + _UNDER_TABLE.format("indexes")),
        _w(None, "trigger", "a trigger is " + _UNDER_TABLE.format("triggers")),
        _w(None, "policy", "a policy is " + _UNDER_TABLE.format("policies")),
        _w(None, "roles users", "schemacode creates no roles: grants: and owner: name existing ones"),
        _w(None, "datasource generator", "schema.yaml holds the schema only: the database is "
           "--database-url (or DATABASE_URL)"),
    ),
    "table": (
        _w("indexes", "index indices"),
        _w("columns", "fields field attributes column cols"),
        _w("primary_key", "pk primary primarykey primaryKey id"),
        _w("foreign_keys", "fk fks foreign_key foreignKeys references relations"),
        _w("checks", "check check_constraints"),
        _w("unique", "unique_together uniques unique_constraints unique_keys unique_key"),
        _w("exclude", "exclusion exclusions exclusion_constraints"),
        _w(None, "constraints", "constraints are declared by kind: primary_key:, unique:, checks:, "
           "foreign_keys:, exclude:"),
        _COMMENT,
        _w("partition_by", "partition partitioned_by partition_key partitioning"),
        _w("row_security", "rls row_level_security enable_rls"),
        _w("inherits", "inherit parent parents extends"),
        _w("with", "storage_parameters options settings"),
        _w("renamed_from", "previous_name old_name rename_from renamed was"),
        _w("policies", "policy"),
        _w("triggers", "trigger"),
        _w("grants", "permissions privileges grant"),
        _w(None, "db_table table_name map", "the key is the table's name (schema.name); renamed_from: "
           "keeps the data when it changes"),
        _w(None, "schema", "write the table's name as schema.name"),
    ),
    "column": (
        _w("null", "nullable allow_null allowNull allownull optional"),
        _w("null", "not_null notnull notNull required", invert=True),
        _w("primary_key", "pk primary primarykey primaryKey is_primary_key id"),
        _w("references", "fk foreign_key foreignKey ref refs relation references_table to"),
        _w("default", "server_default db_default defaultValue default_value defaultValueComputed "
           "default_sql default_expr", "an SQL expression is written default: {sql: …}"),
        _w("identity", "autoincrement auto_increment autoIncrement increments",
           "identity: by default (or always), or the type serial / bigserial"),
        _w("generated", "computed generated_as as expression generated_always_as",
           "GENERATED ALWAYS AS (expression) STORED"),
        _w("collation", "collate db_collation"),
        _COMMENT,
        _w("unique", "uniq is_unique unique_key"),
        _w("check", "checks check_constraint constraint"),
        _w("on_delete", "ondelete onDelete"),
        _w("on_update", "onupdate onUpdate", "a foreign key's action; a value set on every UPDATE "
           "is a trigger's work (see triggers:)"),
        _w("initially_deferred", "deferred"),
        _w("renamed_from", "rename_from previous_name old_name was db_column"),
        _w("using", "postgresql_using cast using_expr"),
        _w("type", "data_type datatype dataType sql_type db_type column_type"),
        _w(None, "length max_length maxLength size limit", "the length is part of the type: "
           "varchar(100)"),
        _w(None, "precision scale", "precision and scale are part of the type: numeric(12,2)"),
        _w(None, "index db_index indexed", "an index is declared under the table's indexes:"),
        _w(None, "choices enum values allowed_values", "a check (check: status IN ('a', 'b')) or an "
           "enum type (enums:)"),
        _w(None, "auto_now updatedAt", "a trigger sets a column on every UPDATE: see triggers: "
           "(docs/schema-yaml.md, touch_updated_at)"),
        _w(None, "auto_now_add", "default: {sql: now()}"),
    ),
    "index": (
        _w("using", "method type index_type kind postgresql_using algorithm access_method"),
        _w("columns", "fields keys on expressions cols column"),
        _w("where", "condition postgresql_where predicate filter partial"),
        _w("opclass", "opclasses ops postgresql_ops operator_class op_class"),
        _w("include", "covering postgresql_include includes"),
        _w("with", "storage_parameters postgresql_with options"),
        _w("nulls_not_distinct", "nulls_distinct", invert=True),
        _w("unique", "is_unique"),
        _COMMENT,
        _w(None, "concurrently postgresql_concurrently online", "schemacode apply --online builds "
           "indexes CONCURRENTLY"),
    ),
    "foreign key": (
        _w("references", "ref_columns referenced_columns ref_table referenced_table to target ref"),
        _w("columns", "fields from local_columns"),
        _w("on_delete", "ondelete onDelete"),
        _w("on_update", "onupdate onUpdate"),
        _w("initially_deferred", "deferred"),
        _COMMENT,
    ),
    "references": (
        _w("to", "table model target ref"),
        _w("on_delete", "ondelete onDelete"),
        _w("on_update", "onupdate onUpdate"),
        _w("initially_deferred", "deferred"),
        _w(None, "column key field columns", "write the target whole: to: table.column"),
    ),
    "check": (
        _w("expr", "expression condition check sql definition predicate"),
        _w("no_inherit", "noinherit"),
        _COMMENT,
    ),
    "trigger": (
        _w("execute", "function procedure execute_procedure execute_function func handler call"),
        _w("for_each", "level for each granularity"),
        _w("when", "condition where if"),
        _w("arguments", "args params parameters"),
        _w(None, "event events on operation operations timing", "the timing is the key, the events "
           "its value: before: [insert, update], after: delete, instead_of: insert"),
        _COMMENT,
    ),
    "function": (
        _w("language", "lang"),
        _w("returns", "return return_type returns_type rettype output"),
        _w("arguments", "args params parameters signature"),
        _w("body", "definition source code sql as src script"),
        _w("volatility", "immutable stable volatile"),
        _w("security", "security_definer"),
        _w("set", "config settings configuration"),
        _w("kind", "type"),
        _COMMENT,
    ),
    "sequence": (
        _w("start", "start_with startWith start_value initial"),
        _w("increment", "increment_by incrementBy step"),
        _w("min", "min_value minvalue minValue"),
        _w("max", "max_value maxvalue maxValue"),
        _w("cycle", "cycles is_cycled"),
        _w("owned_by", "owned owner_column"),
        _w("type", "data_type as"),
        _COMMENT,
    ),
    "view": (
        _w("query", "sql definition select as body statement"),
        _w("materialized", "materialised is_materialized"),
        _COMMENT,
    ),
    "enum": (
        _w("values", "options choices labels members items variants"),
        _COMMENT,
    ),
    "identity": (
        _w("generation", "always type kind mode"),
        _w("start", "start_with seed"),
        _w("increment", "increment_by step"),
        _w("min", "min_value minvalue"),
        _w("max", "max_value maxvalue"),
    ),
}
WORDS["partition"] = WORDS["table"]


# Other databases' words where a column definition (the short form) has a constraint: what to write.
DEFINITION_WORDS = {
    "autoincrement": "write `generated by default as identity` (or the type serial / bigserial)",
    "auto_increment": "write `generated by default as identity` (or the type serial / bigserial)",
    "identity": "write `generated always as identity` (or `generated by default as identity`)",
    "pk": "write `primary key`",
    "primary_key": "write `primary key`",
    "key": "write `primary key` (or `unique`)",
    "nullable": "a column is nullable unless it says `not null`",
    "required": "write `not null`",
    "notnull": "write `not null`",
    "unsigned": "PostgreSQL has no unsigned types: write `check (column >= 0)`",
    "signed": "PostgreSQL's integers are signed: leave it out",
    "zerofill": "PostgreSQL has no ZEROFILL: format the number when you read it",
    "index": "an index is declared under the table's indexes:",
    "indexed": "an index is declared under the table's indexes:",
    "fk": "write `references table (column)`",
    "foreign": "a column's foreign key is `references table (column)`",
    "on": "MySQL's ON UPDATE …: PostgreSQL sets a value on update with a trigger (see triggers:)",
    "comment": "the long form has comment: {type: …, comment: …}",
    "charset": "PostgreSQL's text has the database's encoding; a column may have `collate \"…\"`",
    "character": "PostgreSQL's text has the database's encoding; a column may have `collate \"…\"`",
    "using": "using: (how to convert values when the type changes) is a key of the long form",
}


def _kind(what: str) -> str:
    """The kind _keys's ``what`` names: "column id" → column, "foreign key fk_x" → foreign key."""
    for kind in ("foreign key", "schema.yaml"):
        if what.startswith(kind):
            return kind
    return what.split(" ", 1)[0]


def _spelled(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return f"`{key}: {str(value).lower()}`"
    if isinstance(value, (int, float)) or (isinstance(value, str) and value and "\n" not in value
                                           and len(value) <= 40):
        return f"`{key}: {value}`"
    return f"`{key}:`"


def their_word(what: str, key: str, value: Any, allowed: set[str]) -> str | None:
    """The hint for an unknown key another tool uses: ours, spelled with the value, or what to
    write where no key of ours says it; None for a word no tool we know uses there."""
    for word in WORDS.get(_kind(what), ()):
        if key not in word.theirs:
            continue
        if word.ours is None:
            return word.note
        if word.ours not in allowed:
            continue
        if word.invert and isinstance(value, bool):
            value = not value
        hint = f"did you mean {_spelled(word.ours, value)}?"
        return f"{hint} ({word.note})" if word.note else hint
    return None


# -- SQL where schema.yaml takes a literal -------------------------------------------------------

# Words SQL reads as a function's value; as a literal, each is text that names it.
SQL_VALUE_WORDS = frozenset({"current_timestamp", "current_date", "current_time", "localtimestamp",
                             "localtime", "current_user", "session_user", "current_role",
                             "current_catalog", "current_schema"})
# Inputs a date or time type reads as the moment the value is read: a literal default with one
# is the moment the table was created, for ever.
_MOMENTS = frozenset({"now", "today", "tomorrow", "yesterday"})
_TIME_TYPES = frozenset({"date", "timestamp", "timestamptz", "timestamp_with_time_zone",
                         "timestamp_without_time_zone", "time", "timetz", "time_with_time_zone",
                         "time_without_time_zone"})
_CALL = re.compile(r"[A-Za-z_][\w.]*\s*\(.*\)", re.DOTALL)
_CAST = re.compile(r"('(?:[^']|'')*'|-?\d+(?:\.\d+)?|\(.*\)|[A-Za-z_]\w*\(.*\))\s*::\s*[\w .\"]+(\(\d+(,\s*\d+)?\))?"
                   r"(\[\])*", re.DOTALL)
_QUOTED = re.compile(r"'(?:[^']|'')*'")


def sql_in_literal(text: str, base: str) -> tuple[str, str] | None:
    """(problem, hint) where a bare default reads as SQL but would be taken as the literal text;
    None where it is a plain literal. A bare default is always a literal: the long form never
    guesses (on a text column `now()` could be either; on a timestamp column the literal `now`
    is valid and means the moment the table was created)."""
    t = text.strip()
    expression = f"{{sql: {t}}}" if ":" not in t and "#" not in t and not t.startswith(("'", "{", "[")) \
        else f"{{sql: \"{t}\"}}" if '"' not in t else "{sql: …}"
    if _QUOTED.fullmatch(t):
        inner = t[1:-1].replace("''", "'")
        return (f"default {text!r} is the text {text!r}, quotes and all",
                f"the text {inner!r} is written default: {inner}; SQL is written {expression}")
    if _CALL.fullmatch(t) or _CAST.fullmatch(t) or t.lower() in SQL_VALUE_WORDS:
        return (f"default {text!r} is taken as the literal text {text!r}",
                f"for the SQL expression write default: {expression}")
    if t.lower() in _MOMENTS and base in _TIME_TYPES:
        return (f"default {text!r} is the moment the table was created, stored as a constant",
                f"for the moment a row is inserted write default: {{sql: {'current_date' if base == 'date' else 'now()'}}}")
    return None


def reads_as_sql(text: str, base: str) -> bool:
    """Whether a literal default must be written {sql: …} to stay a literal (see sql_in_literal)."""
    return sql_in_literal(text, base) is not None


def markdown() -> str:
    """The lists as docs/schema-yaml.md shows them (tests/test_short_form.py checks the docs
    hold this text)."""
    rows = ["| in | their words | ours |", "|---|---|---|"]
    for kind, words in WORDS.items():
        if kind == "partition":  # (a partition's keys are a table's)
            continue
        for w in words:
            ours = w.note if w.ours is None else f"`{w.ours}`" + (" (true and false swapped)" if w.invert else "") \
                + (f": {w.note}" if w.note else "")
            rows.append(f"| {kind} | {', '.join(f'`{t}`' for t in w.theirs)} | {ours} |")
    rows += ["", "In a column's short form (after its type):", "",
             "| their word | what to write |", "|---|---|"]
    rows += [f"| `{word}` | {note} |" for word, note in DEFINITION_WORDS.items()]
    return "\n".join(rows) + "\n"
