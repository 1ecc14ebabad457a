"""`--models sqlalchemy` (sqlalchemy_models.py): SQLAlchemy 2.0 declarative classes whose
metadata is the schema: exact types, nullability, server defaults as schema.yaml states them,
identity and generated columns, keys with their actions, indexes (partial, expression, method,
DESC, INCLUDE), unique and check constraints, comments; relationships both ways from each
foreign key; views as read-only classes on a metadata of their own.

The proof that it is exact lives in tests/test_codegen_sqlalchemy.py: Alembic autogenerate
finds nothing between this metadata and the database `schemacode apply` built, and a database
built by ``metadata.create_all`` reads back as the same tables.

This module writes text: it never imports SQLAlchemy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Catalog, Column, Constraint, Index, Table, View, serial_sequence_name, split_qualified
from ..sqltext import split_top_level, unquote_ident
from .common import (
    BUILTIN_RANGES, EnumModel, Names, Types, base_name, enum_models, field_name, split_array, type_key, unique,
)

# Attribute names a declarative class cannot use for a column.
RESERVED = frozenset({"metadata", "registry", "type_annotation_map"})

_SIMPLE = {
    "smallint": "sa.SmallInteger()", "integer": "sa.Integer()", "bigint": "sa.BigInteger()",
    "serial": "sa.Integer()", "bigserial": "sa.BigInteger()", "smallserial": "sa.SmallInteger()",
    "real": "pg.REAL()", "double precision": "pg.DOUBLE_PRECISION()", "boolean": "sa.Boolean()",
    "text": "sa.Text()", "uuid": "pg.UUID()", "json": "pg.JSON()", "jsonb": "pg.JSONB()",
    "date": "sa.Date()", "bytea": "pg.BYTEA()", "inet": "pg.INET()", "cidr": "pg.CIDR()",
    "macaddr": "pg.MACADDR()", "macaddr8": "pg.MACADDR8()", "money": "pg.MONEY()",
    "tsvector": "pg.TSVECTOR()", "tsquery": "pg.TSQUERY()", "oid": "pg.OID()", "regclass": "pg.REGCLASS()",
    "citext": "pg.CITEXT()", "jsonpath": "pg.JSONPATH()",
    **{r: f"pg.{r.upper()}()" for r in BUILTIN_RANGES},
}


@dataclass(frozen=True)
class SaColumn:
    attr: str
    annotation: str
    call: str  # mapped_column(...)
    comment_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class SaRelationship:
    attr: str
    annotation: str
    call: str


@dataclass(frozen=True)
class SaClass:
    class_name: str
    table: str
    qname: str
    base: str  # Base or ViewBase
    doc: str
    columns: tuple[SaColumn, ...]
    relationships: list[SaRelationship] = field(default_factory=list)
    table_args: tuple[str, ...] = ()
    mapper_args: str | None = None
    notes: list[str] = field(default_factory=list)  # comments in the class body


class _TypeExpr:
    """PostgreSQL type -> a SQLAlchemy type expression (``sa`` and ``pg`` imported)."""

    def __init__(self, catalog: Catalog, names: Names) -> None:
        self.enums = {type_key(e.schema, e.name): (names.of("enum", k), e.schema, e.name)
                      for k, e in catalog.enums.items()}
        self.domains = {type_key(d.schema, d.name): d for d in catalog.domains.values()}
        self.used_fallback = False

    def __call__(self, pg_type: str, collation: str | None = None) -> str:
        t, dims = split_array(pg_type)
        expr = self._scalar(t, collation)
        if dims:
            expr = f"pg.ARRAY({expr}{', dimensions=%d' % dims if dims > 1 else ''})"
        return expr

    def _scalar(self, t: str, collation: str | None) -> str:
        base = base_name(t)
        mods = [m.strip() for m in re.findall(r"\(([\d,\s]*)\)", t)[:1] for m in m.split(",") if m.strip()]
        coll = f", collation={_collation(collation)!r}" if collation and _collation(collation) else ""
        if base in self.enums:
            cls, schema, name = self.enums[base]
            where = f", schema={schema!r}" if schema != "public" else ""
            return (f"pg.ENUM({cls}, name={name!r}{where}, create_type=False, "
                    f"values_callable=_labels)")
        if base in self.domains:
            d = self.domains[base]
            where = f", schema={d.schema!r}" if d.schema != "public" else ""
            return f"pg.DOMAIN({d.name!r}, {self(d.type)}{where}, create_type=False)"
        if base == "character varying":
            return f"sa.String({', '.join(mods)}{coll})" if mods else f"sa.String({coll[2:]})"
        if base == "character":
            return f"sa.CHAR({', '.join(mods)}{coll})" if mods else f"sa.CHAR({coll[2:]})"
        if base == "text" and coll:
            return f"sa.Text({coll[2:]})"
        if base == "numeric":
            return f"sa.Numeric({', '.join(mods)})"
        if base in ("timestamp with time zone", "timestamp without time zone",
                    "time with time zone", "time without time zone"):
            kind = "TIMESTAMP" if base.startswith("timestamp") else "TIME"
            args = ["timezone=True"] if base.endswith("with time zone") else []
            if mods:
                args.append(f"precision={mods[0]}")
            return f"pg.{kind}({', '.join(args)})"
        if base.startswith("interval"):
            fields = base[len("interval"):].strip()
            args = ([f"fields={fields!r}"] if fields else []) + ([f"precision={mods[0]}"] if mods else [])
            return f"pg.INTERVAL({', '.join(args)})"
        if base in ("bit", "bit varying"):
            n = mods[0] if mods else ("1" if base == "bit" else "None")
            return f"pg.BIT({n}{', varying=True' if base == 'bit varying' else ''})"
        if base in _SIMPLE:
            return _SIMPLE[base]
        self.used_fallback = True  # what SQLAlchemy has no type for: the type by its name
        return f"PgType({t!r})"


def _collation(c: str) -> str | None:
    """A column's collation as SQLAlchemy names it: the pg_catalog ones by their bare name."""
    schema, _, name = c.partition(".")
    return unquote_ident(name) if schema == "pg_catalog" else None


def _sql_target(qname: str, column: str) -> str:
    schema, name = split_qualified(qname)
    return f"{name}.{column}" if schema == "public" else f"{schema}.{name}.{column}"


def _opts(pairs: list[str]) -> str:
    return "".join(f", {p}" for p in pairs)


_FK = re.compile(r"^FOREIGN KEY \((?P<cols>.*?)\) REFERENCES (?P<ref>.+?)\((?P<refcols>.*?)\)(?P<rest>.*)$",
                 re.DOTALL)


def _names(text: str) -> list[str]:
    return [unquote_ident(p.strip()) for p in split_top_level(text)]


def _deferrable(rest: str) -> list[str]:
    out = []
    if " DEFERRABLE" in rest and " NOT DEFERRABLE" not in rest:
        out.append("deferrable=True")
    if "INITIALLY DEFERRED" in rest:
        out.append("initially='DEFERRED'")
    return out


def foreign_key(c: Constraint) -> str:
    m = _FK.match(c.definition)
    assert m is not None and c.ref_table, c.definition
    rest = m.group("rest")
    opts = [f"name={c.name!r}"]
    for action in ("UPDATE", "DELETE"):
        am = re.search(rf" ON {action} (SET NULL|SET DEFAULT|CASCADE|RESTRICT)( \([^)]*\))?", rest)
        if am:
            opts.append(f"on{action.lower()}={(am.group(1) + (am.group(2) or '')).strip()!r}")
    if " MATCH FULL" in rest:
        opts.append("match='FULL'")
    opts += _deferrable(rest)
    cols = [repr(x) for x in c.columns]
    refs = [repr(_sql_target(c.ref_table, x)) for x in c.ref_columns]
    return f"sa.ForeignKeyConstraint([{', '.join(cols)}], [{', '.join(refs)}]{_opts(opts)})"


def unique_constraint(c: Constraint) -> str | None:
    m = re.match(r"^UNIQUE (NULLS NOT DISTINCT )?\((.*?)\)(.*)$", c.definition, re.DOTALL)
    if m is None or " INCLUDE " in m.group(3) or " WITH (" in m.group(3):
        return None
    opts = [f"name={c.name!r}"] + _deferrable(m.group(3))
    if m.group(1):
        opts.append("postgresql_nulls_not_distinct=True")
    return f"sa.UniqueConstraint({', '.join(repr(x) for x in c.columns)}{_opts(opts)})"


def check_constraint(c: Constraint) -> str | None:
    text = c.definition_sql
    m = re.match(r"^CHECK \((.*)\)( NO INHERIT)?( NOT VALID)?$", text, re.DOTALL)
    if m is None or m.group(2) or m.group(3):
        return None
    return f"sa.CheckConstraint({m.group(1)!r}, name={c.name!r})"


_INDEX = re.compile(
    r"^CREATE (?P<unique>UNIQUE )?INDEX (?P<name>.+?) ON (?:ONLY )?(?P<table>.+?) USING (?P<method>\w+) "
    r"\((?P<keys>.*)$", re.DOTALL)


def index(i: Index) -> str | None:
    """An Index(...) expression, or None when SQLAlchemy cannot say it (say, a tablespace)."""
    m = _INDEX.match(i.definition_sql)
    if m is None:
        return None
    text = m.group("keys")
    depth, end = 1, 0
    quote = None
    for pos, ch in enumerate(text):  # the key list's closing parenthesis
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                end = pos
                break
    keys, rest = split_top_level(text[:end]), text[end + 1:]
    args, ops = [], []
    for k in keys:
        k = k.strip()
        parts = k.split()
        name = unquote_ident(parts[0]) if re.fullmatch(r'[a-z_][a-z0-9_$]*|"(?:[^"]|"")+"', parts[0]) else None
        if name is not None and len(parts) == 1:
            args.append(repr(name))
        elif name is not None and len(parts) == 2 and re.fullmatch(r"[a-z_][a-z0-9_.]*", parts[1]) \
                and parts[1].upper() not in ("ASC", "DESC"):
            args.append(repr(name))
            ops.append(f"{name!r}: {parts[1]!r}")
        else:
            args.append(f"sa.text({k!r})")
    opts = []
    if m.group("unique"):
        opts.append("unique=True")
    if m.group("method") != "btree":
        opts.append(f"postgresql_using={m.group('method')!r}")
    if ops:
        opts.append(f"postgresql_ops={{{', '.join(ops)}}}")
    im = re.match(r"^ INCLUDE \((.*?)\)", rest)
    if im:
        opts.append(f"postgresql_include=[{', '.join(repr(x) for x in _names(im.group(1)))}]")
        rest = rest[im.end():]
    if rest.startswith(" NULLS NOT DISTINCT"):
        opts.append("postgresql_nulls_not_distinct=True")
        rest = rest[len(" NULLS NOT DISTINCT"):]
    wm = re.match(r"^ WITH \((.*?)\)", rest)
    if wm:
        pairs = [p.strip().split("=", 1) for p in split_top_level(wm.group(1))]
        opts.append("postgresql_with={" + ", ".join(f"{k!r}: {v!r}" for k, v in pairs) + "}")
        rest = rest[wm.end():]
    if rest.startswith(" TABLESPACE"):
        return None
    wh = re.match(r"^ WHERE (.*)$", rest, re.DOTALL)
    if wh:
        pred = wh.group(1).strip()
        if pred.startswith("(") and pred.endswith(")") and len(split_top_level(pred[1:-1])) == 1:
            pred = pred[1:-1]
        opts.append(f"postgresql_where=sa.text({pred!r})")
    elif rest.strip():
        return None
    return f"sa.Index({i.name!r}, {', '.join(args)}{_opts(opts)})"


def _identity(c: Column) -> str:
    opts = {k: int(v) for k, v in re.findall(r"(START WITH|INCREMENT BY|MINVALUE|MAXVALUE|CACHE) (-?\d+)",
                                               c.identity_options or "")}
    args = [f"always={c.identity == 'always'}"]
    increment = opts.get("INCREMENT BY", 1)
    bits = {"smallint": 15, "integer": 31, "bigint": 63}.get(c.type, 63)
    lo, hi = (1, 2**bits - 1) if increment > 0 else (-(2**bits), -1)
    start = opts.get("START WITH", lo if increment > 0 else hi)
    if start != (lo if increment > 0 else hi):
        args.append(f"start={start}")
    if increment != 1:
        args.append(f"increment={increment}")
    if opts.get("MINVALUE", lo) != lo:
        args.append(f"minvalue={opts['MINVALUE']}")
    if opts.get("MAXVALUE", hi) != hi:
        args.append(f"maxvalue={opts['MAXVALUE']}")
    if opts.get("CACHE", 1) != 1:
        args.append(f"cache={opts['CACHE']}")
    if (c.identity_options or "").endswith(" CYCLE") and "NO CYCLE" not in (c.identity_options or ""):
        args.append("cycle=True")
    return f"sa.Identity({', '.join(args)})"


def _pk_of(t: Table) -> tuple[tuple[str, ...], str | None]:
    """The columns the mapper identifies rows by, and why when it is not the primary key."""
    pk = t.primary_key()
    if pk:
        return tuple(pk.columns), None
    for c in sorted(t.constraints.values(), key=lambda c: c.name or ""):
        if c.kind == "unique" and c.columns and all(t.columns[x].not_null for x in c.columns if x in t.columns):
            return tuple(c.columns), f"no primary key: rows are identified by the unique key {c.name}"
    return tuple(t.columns), "no primary key: the mapper identifies rows by all their columns"


def _table_class(t: Table, cls: str, ty: Types, te: _TypeExpr) -> tuple[SaClass, dict[str, str]]:
    """The class of a table, and its column -> attribute names."""
    cols = list(t.columns.values())
    attrs = unique([field_name(c.name, RESERVED) for c in cols])
    pk_cols, why = _pk_of(t)
    pk = t.primary_key()
    single_int_pk = pk is not None and len(pk.columns) == 1
    out = []
    for c, attr in zip(cols, attrs):
        py = ty.annotation(c.type)
        ann = py if c.not_null else f"{py} | None"
        args = [repr(c.name)] if attr != c.name else []
        args.append(te(c.type, c.collation))
        kw = []
        if c.identity:
            args.append(_identity(c))
        if c.generated is not None:
            args.append(f"sa.Computed({c.generated_sql!r}, persisted=True)")
        in_pk = c.name in pk_cols
        if in_pk:
            kw.append("primary_key=True")
        kw.append(f"nullable={c.not_null is False}")
        serial = c.type in ("serial", "bigserial", "smallserial")
        if serial and not (single_int_pk and in_pk):
            # Not the table's one integer key, so SQLAlchemy would not make it SERIAL: its
            # sequence gives the values (create_all makes it). No server default here: SQLAlchemy
            # reads a serial column back without one, so Alembic would see a change that is not.
            where = f", schema={t.schema!r}" if t.schema != "public" else ""
            args.append(f"sa.Sequence({serial_sequence_name(t.name, c.name)!r}{where}, "
                        f"data_type={_SIMPLE[c.type]})")
        elif c.default_sql is not None:
            kw.append(f"server_default=sa.text({c.default_sql!r})")
        if single_int_pk and in_pk and not serial and not c.identity and base_name(c.type) in (
                "smallint", "integer", "bigint") and c.default is None:
            kw.append("autoincrement=False")  # SQLAlchemy would make it SERIAL
        if c.comment is not None:
            kw.append(f"comment={c.comment!r}")
        out.append(SaColumn(attr, ann, f"mapped_column({', '.join(args + kw)})"))
    targs: list[str] = []
    notes: list[str] = [why] if why else []
    if pk:
        targs.append(f"sa.PrimaryKeyConstraint({', '.join(repr(x) for x in pk.columns)}, name={pk.name!r})")
    for con in sorted(t.constraints.values(), key=lambda k: (k.kind, k.name or "")):
        expr = None
        if con.kind == "foreign_key":
            expr = foreign_key(con) if not con.not_valid else None
        elif con.kind == "unique":
            expr = unique_constraint(con)
        elif con.kind == "check":
            expr = check_constraint(con)
        elif con.kind == "primary_key":
            continue
        if expr is None:
            notes.append(f"not expressed in SQLAlchemy's metadata: {con.name} {con.definition}")
        else:
            targs.append(expr)
    for name in sorted(t.indexes):
        expr = index(t.indexes[name])
        if expr is None:
            notes.append(f"not expressed in SQLAlchemy's metadata: {t.indexes[name].definition}")
        else:
            targs.append(expr)
    kwargs = {}
    if t.schema != "public":
        kwargs["schema"] = t.schema
    if t.comment is not None:
        kwargs["comment"] = t.comment
    if kwargs:
        targs.append("{" + ", ".join(f"{k!r}: {v!r}" for k, v in kwargs.items()) + "}")
    mapper = None
    if not pk:
        by_attr = dict(zip([c.name for c in cols], attrs))
        mapper = "{'primary_key': (" + "".join(f"{by_attr[x]!r}, " for x in pk_cols) + ")}"
        out = [SaColumn(c.attr, c.annotation, c.call.replace(", primary_key=True", "")) for c in out]
    doc = t.comment or f"Rows of the table {t.qname}."
    return SaClass(cls, t.name, t.qname, "Base", doc, tuple(out), [], tuple(targs), mapper, notes), \
        dict(zip([c.name for c in cols], attrs))


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _view_class(v: View, cls: str, ty: Types, te: _TypeExpr) -> SaClass:
    attrs = unique([field_name(c, RESERVED) for c in v.columns])
    out = []
    for name, attr, t in zip(v.columns, attrs, v.column_types):
        args = ([repr(name)] if attr != name else []) + [te(t)]
        # A view has no key: the mapper identifies its rows by all their columns.
        out.append(SaColumn(attr, f"{ty.annotation(t)} | None",
                            f"mapped_column({', '.join(args)}, primary_key=True, nullable=True)"))
    targs = (f"{{'schema': {v.schema!r}}}",) if v.schema != "public" else ()
    kind = "materialized view" if v.materialized else "view"
    doc = (v.comment + "\n\n" if v.comment else "") + f"Rows of the {kind} {v.qname} (read-only)."
    return SaClass(cls, v.name, v.qname, "ViewBase", doc, tuple(out), [], targs, None, [])


def _relationships(catalog: Catalog, names: Names, classes: dict[str, SaClass],
                   attrs: dict[str, dict[str, str]]) -> None:
    """relationship() both ways for every foreign key between two mapped tables. Names: the
    referencing side takes the key's column without ``_id`` (``assigned_agent_id`` ->
    ``assigned_agent``; else the referenced table's name); the referenced side takes the
    referencing table's name, or ``<table>_by_<name>`` when that table has several keys to it or
    refers to itself. A name already taken in a class gives no relationship (said in a comment)."""
    fks = []
    for key in sorted(catalog.tables):
        t = catalog.tables[key]
        if key not in classes:
            continue
        for c in sorted(t.constraints.values(), key=lambda c: c.name or ""):
            if c.kind == "foreign_key" and c.ref_table in classes and c.columns:
                fks.append((t, c))
    count: dict[tuple[str, str], int] = {}
    for t, c in fks:
        assert c.ref_table
        count[(t.qname, c.ref_table)] = count.get((t.qname, c.ref_table), 0) + 1
    wanted: list[tuple[str, str, str, str, Table, Constraint]] = []  # (class key, name, ...)
    for t, c in fks:
        assert c.ref_table
        col = c.columns[0]
        many = (field_name(col[:-3], RESERVED) if len(c.columns) == 1 and col.endswith("_id") and len(col) > 3
                else field_name(split_qualified(c.ref_table)[1], RESERVED))
        one = field_name(t.name, RESERVED)
        if count[(t.qname, c.ref_table)] > 1 or t.qname == c.ref_table:
            one = f"{one}_by_{many}"
        wanted.append((t.qname, many, c.ref_table, one, t, c))
    taken: dict[str, list[str]] = {k: list(a.values()) for k, a in attrs.items()}
    claims: dict[tuple[str, str], int] = {}
    for child, many, parent, one, _, _ in wanted:
        claims[(child, many)] = claims.get((child, many), 0) + 1
        claims[(parent, one)] = claims.get((parent, one), 0) + 1
    for child, many, parent, one, t, c in wanted:
        clash = [(k, n) for k, n in ((child, many), (parent, one))
                 if claims[(k, n)] > 1 or n in taken[k] or n in RESERVED]
        if clash:
            k, n = clash[0]
            why = "another relationship" if claims[(k, n)] > 1 else "a column"
            note = (f"no relationship for foreign key {c.name}: the name {n!r} in {classes[k].class_name} "
                    f"would clash with {why}")
            classes[child].notes.append(note)
            if parent != child:
                classes[parent].notes.append(note)
            continue
        child_cls, parent_cls = classes[child].class_name, classes[parent].class_name
        fk_attrs = [attrs[child][x] for x in c.columns]
        ref_attrs = [attrs[parent][x] for x in c.ref_columns]
        nullable = any(not t.columns[x].not_null for x in c.columns)
        unique_ref = any(k.kind in ("primary_key", "unique") and set(k.columns) == set(c.columns)
                         for k in t.constraints.values())
        fk_list = "[" + ", ".join(f"{child_cls}.{a}" for a in fk_attrs) + "]"
        passive = ", passive_deletes=True" if re.search(r" ON DELETE (CASCADE|SET NULL)", c.definition) else ""
        remote = ""
        if child == parent:
            remote = ", remote_side=" + repr("[" + ", ".join(f"{parent_cls}.{a}" for a in ref_attrs) + "]")
        classes[child].relationships.append(SaRelationship(
            many, f"{parent_cls}{' | None' if nullable else ''}",
            f"relationship(foreign_keys={fk_list!r}{remote}, back_populates={one!r})"))
        if unique_ref:
            ann, extra = f"{child_cls} | None", ", uselist=False"
        else:
            ann, extra = f"list[{child_cls}]", ""
        classes[parent].relationships.append(SaRelationship(
            one, ann, f"relationship(foreign_keys={fk_list!r}, back_populates={many!r}{extra}{passive})"))
        taken[child].append(many)
        taken[parent].append(one)


@dataclass(frozen=True)
class SaModule:
    enums: list[EnumModel]
    classes: list[SaClass]
    views: list[SaClass]
    fallback: bool  # PgType is used


def build(catalog: Catalog, names: Names) -> SaModule:
    ty = Types(catalog, names, "sqlalchemy")
    te = _TypeExpr(catalog, names)
    classes: dict[str, SaClass] = {}
    attrs: dict[str, dict[str, str]] = {}
    for key in sorted(catalog.tables):
        t = catalog.tables[key]
        if t.partition_of or not t.columns:
            continue
        classes[key], attrs[key] = _table_class(t, names.of("table", key), ty, te)
    _relationships(catalog, names, classes, attrs)
    views = [_view_class(catalog.views[k], names.of("view", k), ty, te) for k in sorted(catalog.views)
             if catalog.views[k].columns]
    return SaModule(enum_models(catalog, names), list(classes.values()), views, te.used_fallback)
