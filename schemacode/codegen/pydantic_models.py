"""`--models pydantic` (pydantic_models.py): per table a row model and an insert model.

Constraints are carried where PostgreSQL's meaning and Pydantic's agree: ``max_length`` from
``varchar(n)``/``char(n)``, ``max_digits``/``decimal_places`` from ``numeric(p, s)``, the range
of ``smallint``/``integer``/``bigint``, enums as Python enums, NOT NULL as "not None", and the
simple checks on one column: ``x >= 0`` (and ``>``, ``<``, ``<=``), ``x BETWEEN a AND b``,
``x IN (…)``, ``length(x) > 0``, ``x <> ''``, each part of an ``AND``, ``x IS NULL OR …``.
Everything else stays with the database and is listed in the model's docstring.

The proof (tests/test_codegen_pydantic.py): what the insert model accepts, PostgreSQL inserts
without a constraint error on the fields it constrains; what PostgreSQL rejects for length,
precision, range, enum or NOT NULL, the model rejects first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlglot
from sqlglot import exp

from ..model import Catalog, Column, Constraint, Table
from .common import INT_BOUNDS, Names, Types, base_name, field_name, split_array, unique
from .dataclass_models import db_fills

RESERVED = frozenset({"model_config", "model_fields", "model_computed_fields", "values", "schema",
                      "json", "dict", "copy", "construct", "validate", "fields"})
_NUMERIC = {"smallint", "integer", "bigint", "numeric", "real", "double precision", "serial", "bigserial",
            "smallserial"}
_STRINGS = {"text", "character varying", "citext"}


@dataclass
class _Rules:
    """What a column's value must satisfy, as Pydantic says it."""

    kwargs: dict[str, str] = field(default_factory=dict)  # Field(...) keyword -> Python literal
    choices: list[str] | None = None  # Literal[...] members (Python literals)


@dataclass(frozen=True)
class PField:
    name: str
    column: str
    annotation: str
    default: str | None  # "= …" right-hand side, or None: required
    doc: str | None


@dataclass(frozen=True)
class PTable:
    class_name: str
    qname: str
    row_doc: str
    insert_doc: str
    row_fields: tuple[PField, ...]
    insert_fields: tuple[PField, ...]
    defaulted_not_null: tuple[str, ...]  # columns: None in the insert model means the default


def build(catalog: Catalog, names: Names) -> list[PTable]:
    types = Types(catalog, names, "pydantic")
    out = []
    for key in sorted(catalog.tables):
        t = catalog.tables[key]
        if t.partition_of or not t.columns:
            continue
        out.append(_table(t, names.of("table", key), types))
    return out


def _table(t: Table, cls: str, types: Types) -> PTable:
    cols = list(t.columns.values())
    attrs = unique([field_name(c.name, RESERVED) for c in cols])
    rules: dict[str, _Rules] = {c.name: _Rules() for c in cols}
    left: list[str] = []
    for c in cols:
        if not split_array(c.type)[1]:
            rules[c.name].kwargs.update(_type_rules(c.type, types))
    not_null_checks: set[str] = set()
    for con in sorted(t.constraints.values(), key=lambda c: (c.kind, c.name or "")):
        if con.kind == "check" and not con.not_valid:
            rest = _carry_check(con, t, types, rules, not_null_checks)
            if rest:
                left.append(f"check {con.name}: {rest}")
        elif con.kind == "check":
            left.append(f"check {con.name} (NOT VALID): {_check_text(con)}")
        elif con.kind == "unique":
            left.append(f"unique {con.name} ({', '.join(con.columns)})")
        elif con.kind == "primary_key":
            left.append(f"primary key {con.name} ({', '.join(con.columns)}): unique")
        elif con.kind == "foreign_key":
            left.append(f"foreign key {con.name} ({', '.join(con.columns)}) -> {con.ref_table}"
                        f"({', '.join(con.ref_columns)})")
        else:
            left.append(f"{con.kind.replace('_', ' ')} {con.name}: {con.definition}")
    for c in cols:
        if types.annotation(c.type) in ("Any", "list[Any | None]"):
            left.append(f"column {c.name} ({c.type}): not validated here")
        d = types.domains.get(base_name(split_array(c.type)[0]))
        if d is not None:
            for cname in sorted(d.checks):
                left.append(f"domain {d.schema}.{d.name} check {cname.lstrip('~')}: {d.checks[cname]}")
    row_fields, insert_fields, defaulted = [], [], []
    for c, attr in zip(cols, attrs):
        not_null = c.not_null or c.name in not_null_checks
        ann = _annotation(c, types, rules[c.name])
        alias = c.name if attr != c.name else None
        row_fields.append(PField(attr, c.name, ann if not_null else f"{ann} | None", _field(None, alias),
                                 c.comment))
        if c.generated is not None or c.identity is not None or c.type in ("serial", "bigserial", "smallserial"):
            continue  # the database gives these (an identity BY DEFAULT may be given: rarely wanted)
        if db_fills(c):  # a default: leave it out (or None) and the database fills it
            if not_null:
                defaulted.append(c.name)
            insert_fields.append(PField(attr, c.name, f"{ann} | None", _field("None", alias), c.comment))
        elif not_null:
            insert_fields.append(PField(attr, c.name, ann, _field(None, alias), c.comment))
        else:
            insert_fields.append(PField(attr, c.name, f"{ann} | None", _field("None", alias), c.comment))
    doc = t.comment or f"A row of the table {t.qname}."
    left_text = ("\n\nLeft to the database:\n" + "\n".join(f"- {x}" for x in left)) if left else ""
    insert_doc = (f"A new row of the table {t.qname}: what an INSERT gives. Columns the database fills "
                  "(serial, identity, generated) are not here; a column with a default may be left out "
                  "(or None where it is NOT NULL) and the database fills it. `values()` is the column -> "
                  "value mapping to insert.")
    return PTable(cls, t.qname, doc + left_text, insert_doc + left_text, tuple(row_fields),
                  tuple(insert_fields), tuple(defaulted))


def _field(default: str | None, alias: str | None) -> str | None:
    if alias is None:
        return default
    args = ([f"default={default}"] if default is not None else []) + [
        f"validation_alias={alias!r}", f"serialization_alias={alias!r}"]
    return f"Field({', '.join(args)})"


def _annotation(c: Column, types: Types, r: _Rules) -> str:
    t, dims = split_array(c.type)
    py = types.annotation(t)
    if dims:  # an array: its elements carry what the element type says
        element = _type_rules(t, types)
        if element:
            py = f"Annotated[{py}, Field({', '.join(f'{k}={v}' for k, v in sorted(element.items()))})]"
    elif r.choices is not None:
        py = f"Literal[{', '.join(r.choices)}]"
    elif r.kwargs:
        py = f"Annotated[{py}, Field({', '.join(f'{k}={v}' for k, v in sorted(r.kwargs.items()))})]"
    if py == "JsonValue" and c.not_null and not dims:
        py = "JsonNotNull"  # JSON null is a value, but None is SQL's NULL: refused here
    for _ in range(dims):
        py = f"list[{py} | None]"
    return py


def _type_rules(pg_type: str, types: Types) -> dict[str, str]:
    """What a (scalar) type itself says: length, precision, range."""
    t = types.resolve_domain(pg_type)
    base = base_name(t)
    m = re.search(r"\(([\d,\s]*)\)", t)
    mods = [int(x) for x in re.findall(r"\d+", m.group(1))] if m else []
    if base in ("character varying", "character") and mods:
        return {"max_length": str(mods[0])}
    if base == "numeric" and mods:
        return {"max_digits": str(mods[0]), "decimal_places": str(mods[1] if len(mods) > 1 else 0)}
    if base in INT_BOUNDS:
        return {"ge": str(-INT_BOUNDS[base]), "le": str(INT_BOUNDS[base] - 1)}
    return {}


def _check_text(con: Constraint) -> str:
    m = re.match(r"^CHECK \((.*)\)( NO INHERIT)?( NOT VALID)?$", con.definition_sql, re.DOTALL)
    return m.group(1) if m else con.definition_sql


def _carry_check(con: Constraint, t: Table, types: Types, rules: dict[str, _Rules],
                 not_null: set[str]) -> str:
    """Carry what the check says that Pydantic can say; the text of what it cannot ("" when all)."""
    text = _check_text(con)
    try:
        tree = sqlglot.parse_one(text, read="postgres")
    except sqlglot.errors.SqlglotError:
        return text
    parts = list(tree.flatten()) if isinstance(tree, exp.And) else [tree]
    left = []
    for part in parts:
        if not isinstance(part, exp.Expression) or not _carry(_unparen(part), t, types, rules, not_null):
            left.append(part.sql(dialect="postgres") if isinstance(part, exp.Expression) else str(part))
    if not left:
        return ""
    return text if len(left) == len(parts) else " AND ".join(left) + " (the rest is carried)"


def _unparen(e: exp.Expression) -> exp.Expression:
    while isinstance(e, exp.Paren):
        e = e.this
    return e


def _column(e: exp.Expression, t: Table) -> str | None:
    e = _unparen(e)
    if isinstance(e, exp.Column) and not e.table and e.name in t.columns:
        return e.name
    return None


def _number(e: exp.Expression) -> Decimal | None:
    e = _unparen(e)
    sign = 1
    if isinstance(e, exp.Neg):
        sign, e = -1, _unparen(e.this)
    if isinstance(e, exp.Literal) and not e.is_string:
        try:
            return sign * Decimal(e.this)
        except InvalidOperation:
            return None
    return None


def _pynum(d: Decimal, base: str) -> str:
    if base in ("smallint", "integer", "bigint") and d == d.to_integral_value():
        return str(int(d))
    return f"decimal.Decimal({str(d)!r})" if base == "numeric" else repr(float(d))


_OPS: dict[type[exp.Expression], str] = {exp.GT: "gt", exp.GTE: "ge", exp.LT: "lt", exp.LTE: "le"}
_FLIP = {"gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}


def _carry(e: exp.Expression, t: Table, types: Types, rules: dict[str, _Rules], not_null: set[str]) -> bool:
    # x IS NULL OR <rule on x>: NULL passes a check anyway, so it is the rule
    if isinstance(e, exp.Or):
        a, b = _unparen(e.this), _unparen(e.expression)
        for null_side, other in ((a, b), (b, a)):
            if isinstance(null_side, exp.Is) and isinstance(null_side.expression, exp.Null):
                col = _column(null_side.this, t)
                if col and col in _columns_of(other, t) and _columns_of(other, t) == {col}:
                    return _carry(other, t, types, rules, not_null)
        return False
    if isinstance(e, exp.Not) and isinstance(_unparen(e.this), exp.Is) \
            and isinstance(_unparen(e.this).expression, exp.Null):
        col = _column(_unparen(e.this).this, t)
        if col:
            not_null.add(col)
            return True
        return False
    if isinstance(e, tuple(_OPS)):
        op = _OPS[type(e)]
        if _column(e.this, t) is not None and _number(e.expression) is not None:
            return _bound(_column(e.this, t) or "", op, _number(e.expression) or Decimal(0), t, types, rules)
        if _column(e.expression, t) is not None and _number(e.this) is not None:
            return _bound(_column(e.expression, t) or "", _FLIP[op], _number(e.this) or Decimal(0), t, types,
                          rules)
        # length(x) > n, char_length(x) >= n, length(x) <= n
        fn, n = _length_of(e.this, t), _number(e.expression)
        if fn is None or n is None:
            fn, n, op = _length_of(e.expression, t), _number(e.this), _FLIP[op]
        if fn is not None and n is not None and n == n.to_integral_value():
            k = int(n)
            bound = {"gt": ("min_length", k + 1), "ge": ("min_length", k), "lt": ("max_length", k - 1),
                     "le": ("max_length", k)}[op]
            return _length(fn, bound, rules)
        return False
    if isinstance(e, exp.NEQ):
        col = _column(e.this, t) or _column(e.expression, t)
        other = e.expression if _column(e.this, t) else e.this
        if col and isinstance(_unparen(other), exp.Literal) and _unparen(other).is_string \
                and _unparen(other).this == "" and _string_column(col, t, types):
            return _length(col, ("min_length", 1), rules)
        return False
    if isinstance(e, exp.Between):
        col, lo, hi = _column(e.this, t), _number(e.args["low"]), _number(e.args["high"])
        if col is not None and lo is not None and hi is not None:
            return _bound(col, "ge", lo, t, types, rules) and _bound(col, "le", hi, t, types, rules)
        return False
    if isinstance(e, exp.In) and not e.args.get("query"):
        col = _column(e.this, t)
        if col is None or _array(col, t):
            return False
        values = [_unparen(v) for v in e.expressions]
        base = base_name(types.resolve_domain(t.columns[col].type))
        if _string_column(col, t, types) and all(isinstance(v, exp.Literal) and v.is_string for v in values):
            limit = rules[col].kwargs.get("max_length")
            members = [v.this for v in values if limit is None or len(v.this) <= int(limit)]
            rules[col].choices = [repr(m) for m in dict.fromkeys(members)]
            rules[col].kwargs.clear()
            return True
        if base in ("smallint", "integer", "bigint") and all(_number(v) is not None for v in values):
            nums = [_number(v) for v in values]
            if all(n is not None and n == n.to_integral_value() for n in nums):
                rules[col].choices = [str(int(n)) for n in dict.fromkeys(nums) if n is not None]
                rules[col].kwargs.clear()
                return True
        return False
    return False


def _columns_of(e: exp.Expression, t: Table) -> set[str]:
    return {c.name for c in e.find_all(exp.Column)}


def _array(col: str, t: Table) -> bool:
    return split_array(t.columns[col].type)[1] > 0


def _string_column(col: str, t: Table, types: Types) -> bool:
    return not _array(col, t) and base_name(types.resolve_domain(t.columns[col].type)) in _STRINGS


def _length_of(e: exp.Expression, t: Table) -> str | None:
    """The column in length(x) / char_length(x) / character_length(x)."""
    e = _unparen(e)
    if isinstance(e, exp.Length):
        return _column(e.this, t)
    if isinstance(e, exp.Anonymous) and e.name.lower() in ("length", "char_length", "character_length") \
            and len(e.expressions) == 1:
        return _column(e.expressions[0], t)
    return None


def _length(col: str, limit: tuple[str, int], rules: dict[str, _Rules]) -> bool:
    r = rules[col]
    if r.choices is not None:
        return False
    key, value = limit
    old = r.kwargs.get(key)
    if old is not None:
        value = max(int(old), value) if key == "min_length" else min(int(old), value)
    r.kwargs[key] = str(value)
    return True


def _bound(col: str, op: str, value: Decimal, t: Table, types: Types, rules: dict[str, _Rules]) -> bool:
    c = t.columns[col]
    base = base_name(types.resolve_domain(c.type))
    if _array(col, t) or base not in _NUMERIC or rules[col].choices is not None:
        return False
    r = rules[col]
    base = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}.get(base, base)
    if base in ("smallint", "integer", "bigint") and value != value.to_integral_value():
        return False
    old = r.kwargs.get(op)
    if old is not None and op in ("ge", "le") and re.fullmatch(r"-?\d+", old):
        keep = max(int(old), int(value)) if op == "ge" else min(int(old), int(value))
        r.kwargs[op] = str(keep)
        return True
    r.kwargs[op] = _pynum(value, base)
    return True
