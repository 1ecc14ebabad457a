"""`generate --queries DIR` (queries.py): typed psycopg functions for named SQL statements.

A queries file holds statements each under a name line, as sqlc writes them::

    -- name: tasks_by_status :many
    -- Open tasks of a user, newest first.      (comment lines after the name: the docstring)
    SELECT id, title, status FROM tasks WHERE user_id = @user_id AND status = @status
    ORDER BY created_at DESC;

``:one`` (a row or None), ``:many`` (a list of rows), ``:exec`` (nothing), ``:rows`` (the number
of rows affected). Parameters are ``@name`` (``@name?`` where None may be passed), or
PostgreSQL's own ``$1`` (named ``p1``…).

Each statement is PREPAREd against the desired schema, built in a scratch database, and
PostgreSQL says the parameter and result types: nobody writes a type by hand. A result column
that the row description traces to a table column carries that column's NOT NULL (unless the
table is on the nullable side of an outer join); anything else is nullable. A statement that no
longer fits schema.yaml is an error at its file and line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import jinja2

from ..errors import SchemaError
from .config import query_files as query_files  # (beside the settings: the cache key of generate reads it)
from ..model import Catalog
from .common import Names, Types, base_name, field_name, pascal, split_array, unique

KINDS = ("one", "many", "exec", "rows")
_NAME_LINE = re.compile(r"^--\s*name:\s*(?P<name>\S+)\s*(?::(?P<kind>\S+))?\s*$")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    kind: str
    file: str
    line: int  # of the name line
    doc: str
    text: str  # as written
    numbered: str  # parameters as $1, $2 …: what PostgreSQL prepares
    params: tuple[str, ...]  # parameter names, in number order
    body_line: int  # file line of the statement's first line


@dataclass(frozen=True)
class ResultColumn:
    name: str
    type: str  # format_type, qualified
    not_null: bool
    source: tuple[str, str] | None  # (table qname, column) per the row description


@dataclass(frozen=True)
class PreparedQuery:
    query: NamedQuery
    params: tuple[tuple[str, str], ...]  # (name, type)
    columns: tuple[ResultColumn, ...]


def parse_files(files: Sequence[Path]) -> list[NamedQuery]:
    out: list[NamedQuery] = []
    seen: dict[str, NamedQuery] = {}
    for f in files:
        for q in parse(f.read_text(), str(f)):
            if q.name in seen:
                first = seen[q.name]
                raise SchemaError(f"query {q.name} is named twice (first at {first.file}:{first.line})",
                                  file=q.file, line=q.line, hint="each query needs a name of its own")
            seen[q.name] = q
            out.append(q)
    return out


def parse(text: str, file: str) -> list[NamedQuery]:
    """The named statements of one file."""
    lines = text.splitlines()
    starts = [(i, m) for i, line in enumerate(lines) if (m := _NAME_LINE.match(line.strip()))]
    for i, line in enumerate(lines[:starts[0][0] if starts else len(lines)]):
        s = line.strip()
        if s and not s.startswith("--"):
            raise SchemaError("a statement without a name", file=file, line=i + 1,
                              hint="put `-- name: some_query :many` (or :one, :exec, :rows) above it")
    out = []
    for n, (i, m) in enumerate(starts):
        name, kind = m.group("name"), m.group("kind")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or field_name(name) != name:
            raise SchemaError(f"query name {name!r} is not a Python identifier", file=file, line=i + 1)
        if kind not in KINDS:
            raise SchemaError(f"query {name}: {':' + kind if kind else 'no kind'}, expected one of "
                              + ", ".join(":" + k for k in KINDS), file=file, line=i + 1,
                              hint=f"-- name: {name} :many")
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        j = i + 1
        doc = []
        while j < end and lines[j].strip().startswith("--"):
            doc.append(lines[j].strip()[2:].strip())
            j += 1
        body = "\n".join(lines[j:end]).rstrip()
        while body.endswith(";"):
            body = body[:-1].rstrip()
        lead = len(body) - len(body.lstrip("\n"))
        body = body.strip("\n")
        if not body.strip():
            raise SchemaError(f"query {name} has no statement", file=file, line=i + 1)
        numbered, params = number_parameters(body, file, j + lead + 1)
        # (a parameter written @name? may be None: its name carries the mark)
        out.append(NamedQuery(name, kind, file, i + 1, "\n".join(doc).strip(), body, numbered, params,
                              j + lead + 1))
    return out


def _tokens(sql: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of what is not plain SQL text: strings, quoted names, comments,
    dollar-quoted bodies ('skip'), ``@name`` and ``$n`` parameters ('named', 'numbered')."""
    out = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "'" or ch == '"':
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            out.append((i, j + 1, "skip"))
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append((i, j, "skip"))
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append((i, j, "skip"))
            i = j
        elif ch == "$":
            m = re.match(r"\$(\d+)", sql[i:])
            tag = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", sql[i:])
            if m and not (i and re.match(r"[A-Za-z0-9_]", sql[i - 1])):
                out.append((i, i + m.end(), "numbered"))
                i += m.end()
            elif tag:
                close = sql.find(tag.group(0), i + tag.end())
                j = n if close < 0 else close + tag.end()
                out.append((i, j, "skip"))
                i = j
            else:
                i += 1
        elif ch == "@":
            m = re.match(r"@([A-Za-z_][A-Za-z0-9_]*)\??", sql[i:])
            prev = sql[i - 1] if i else " "
            if m and not re.match(r"[A-Za-z0-9_@<>=!~#&|^?*%+\-/]", prev):
                out.append((i, i + m.end(), "named"))
                i += m.end()
            else:
                i += 1
        else:
            i += 1
    return out


def number_parameters(sql: str, file: str, line: int) -> tuple[str, tuple[str, ...]]:
    """``@name`` -> ``$k`` (a name used twice is one parameter); the parameter names."""
    toks = _tokens(sql)
    named = [sql[a + 1:b].rstrip("?") for a, b, k in toks if k == "named"]
    nullable = {sql[a + 1:b - 1] for a, b, k in toks if k == "named" and sql[b - 1] == "?"}
    numbered = [int(sql[a + 1:b]) for a, b, k in toks if k == "numbered"]
    if named and numbered:
        raise SchemaError("a query uses both @name and $n parameters", file=file, line=line,
                          hint="name them all (@user_id) or number them all ($1)")
    if numbered:
        top = max(numbered)
        return sql, tuple(f"p{k}" for k in range(1, top + 1))
    order = list(dict.fromkeys(named))
    out, pos = [], 0
    for a, b, k in toks:
        if k == "named":
            out.append(sql[pos:a] + f"${order.index(sql[a + 1:b].rstrip('?')) + 1}")
            pos = b
    out.append(sql[pos:])
    return "".join(out), tuple(n + "?" if n in nullable else n for n in order)


def to_psycopg(numbered: str, params: Sequence[str]) -> str:
    """The statement as psycopg takes it: ``$k`` -> ``%(name)s``, every other ``%`` doubled."""
    out, pos = [], 0
    for a, b, k in _tokens(numbered):
        if k == "numbered":
            out.append(numbered[pos:a].replace("%", "%%") + f"%({params[int(numbered[a + 1:b]) - 1].rstrip('?')})s")
            pos = b
    out.append(numbered[pos:].replace("%", "%%"))
    return "".join(out)


def prepare(loaded: Any, desired: Catalog, queries: Sequence[NamedQuery], dev_url: str | None
            ) -> list[PreparedQuery]:
    """Every query prepared against schema.yaml (cached by the schema's and the queries' text)."""
    from .. import cache
    from ..scratch import describe_statements
    from ..server import home

    if not queries:
        return []
    key = cache.key(loaded.text_hash, dev_url or "", *(f"{q.file}\0{q.line}\0{q.numbered}" for q in queries))
    path = home() / "cache" / f"queries-{key}.pickle"
    cached = cache.read(path, list)
    if cached is not None:
        return cached
    described = describe_statements(loaded, [q.numbered for q in queries], dev_url)
    out = []
    for q, d in zip(queries, described):
        if isinstance(d, str):  # PostgreSQL's error
            raise _located(q, d)
        params, columns = d
        outer = nullable_tables(q.numbered)
        if len(params) != len(q.params):
            raise SchemaError(f"query {q.name}: PostgreSQL sees {len(params)} parameter(s), the query "
                              f"names {len(q.params)}", file=q.file, line=q.body_line)
        if q.kind in ("one", "many") and not columns:
            raise SchemaError(f"query {q.name} is :{q.kind} but returns no columns", file=q.file, line=q.line,
                              hint="use :exec (or :rows for the number of rows) for a statement without RETURNING")
        cols = tuple(ResultColumn(name, type_, nn and src is not None and "*" not in outer
                                  and src[0].split(".", 1)[1] not in outer, src)
                     for name, type_, nn, src in columns)
        out.append(PreparedQuery(q, tuple(zip(q.params, params)), cols))
    cache.write(path, out)
    return out


def nullable_tables(sql: str) -> set[str]:
    """The tables (bare names) on the nullable side of an outer join in ``sql``: their columns
    can be NULL in a row whatever their NOT NULL says. ``{"*"}`` when the statement cannot be
    read (then no column is trusted to be NOT NULL)."""
    import sqlglot
    from sqlglot import exp

    try:
        trees = sqlglot.parse(sql, read="postgres")
    except sqlglot.errors.SqlglotError:
        return {"*"}
    out: set[str] = set()
    for tree in trees:
        if tree is None:
            continue
        for join in tree.find_all(exp.Join):
            side = (join.side or "").upper()
            joined = {t.name for t in join.this.find_all(exp.Table)} if join.this else set()
            if side in ("LEFT", "FULL"):
                out |= joined
            if side in ("RIGHT", "FULL"):
                select = join.parent
                out |= {t.name for t in select.find_all(exp.Table)} - (joined if side == "RIGHT" else set()) \
                    if select is not None else {"*"}
    return out


def _located(q: NamedQuery, error: str) -> SchemaError:
    message, _, position = error.partition("\0")
    line = q.body_line
    if position.isdigit():
        line += q.numbered[:int(position) - 1].count("\n")
    return SchemaError(f"query {q.name} does not fit the schema: {message}", file=q.file, line=line,
                       hint="change the query (or schema.yaml) so that PostgreSQL can prepare it")


# --- rendering ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Param:
    name: str  # in SQL (the key psycopg binds)
    py: str  # the Python argument
    annotation: str
    value: str  # the expression passed to psycopg


@dataclass(frozen=True)
class _Field:
    name: str
    annotation: str
    convert: str  # the expression building the field from r[i]
    doc: str


@dataclass(frozen=True)
class _Func:
    name: str
    kind: str
    doc: str
    constant: str
    sql_lines: tuple[str, ...]
    params: tuple[_Param, ...]
    row: str | None  # row class name
    fields: tuple[_Field, ...]
    table_row: bool  # the row class is a table's dataclass from models.py
    location: str


def render_queries(e: jinja2.Environment, ctx: dict[str, Any], catalog: Catalog, names: Names,
                   queries: Sequence[PreparedQuery], models_by_table: dict[str, Any]) -> str:
    types = Types(catalog, names)
    funcs = []
    row_names = set(names.by_key.values()) | set(Names.RESERVED)
    imports = set()
    for p in queries:
        q = p.query
        params = tuple(_param(n, t, types) for n, t in p.params)
        row: str | None = None
        fields: tuple[_Field, ...] = ()
        table_row = False
        if q.kind in ("one", "many"):
            model = _table_row(p, models_by_table)
            if model is not None:
                row, table_row = model.class_name, True
                imports.add(model.class_name)
                fnames = {f.column: f.name for f in model.fields}
                fields = tuple(_Field(fnames[c.name], "", _convert(c.type, f"r[{i}]", types, c.not_null), "")
                               for i, c in enumerate(p.columns))
            else:
                row = pascal(q.name) + "Row"
                while row in row_names:
                    row += "_"
                row_names.add(row)
                fnames_ = unique([field_name(c.name) for c in p.columns])
                fields = tuple(_Field(n, _annotation(c, types), _convert(c.type, f"r[{i}]", types, c.not_null),
                                      _column_doc(c)) for i, (n, c) in enumerate(zip(fnames_, p.columns)))
        sql = to_psycopg(q.numbered, q.params)
        funcs.append(_Func(q.name, q.kind, q.doc, q.name.upper(), tuple(_sql_lines(sql)), params, row,
                           fields, table_row, f"{Path(q.file).name}:{q.line}"))
    return e.get_template("queries.py.j2").render(**ctx, funcs=funcs, table_rows=sorted(imports))


def _sql_lines(sql: str) -> list[str]:
    lines = sql.split("\n")
    return [repr(line + ("\n" if i < len(lines) - 1 else "")) for i, line in enumerate(lines)]


def _table_row(p: PreparedQuery, models: dict[str, Any]) -> Any:
    """The table's dataclass when the result is exactly that table's row (its columns, in order,
    each from it)."""
    sources = {c.source[0] for c in p.columns if c.source}
    if len(sources) != 1 or any(c.source is None for c in p.columns):
        return None
    model = models.get(next(iter(sources)))
    if model is None or tuple(c.name for c in p.columns) != model.columns \
            or any(c.source != (model.qname, c.name) for c in p.columns):
        return None
    return model


def _annotation(c: ResultColumn, types: Types) -> str:
    py = types.annotation(c.type)
    return py if c.not_null else f"{py} | None"


def _column_doc(c: ResultColumn) -> str:
    if c.source:
        return f"{c.source[0]}.{c.source[1]}"
    return "computed"


def _param(marked: str, pg_type: str, types: Types) -> _Param:
    name = marked.rstrip("?")
    py = types.annotation(pg_type) + (" | None" if marked.endswith("?") else "")
    t, dims = split_array(types.resolve_domain(pg_type))
    base = base_name(t)
    arg = field_name(name)
    value = arg
    if base in ("json", "jsonb") and not dims:
        value = f"{'Jsonb' if base == 'jsonb' else 'Json'}({arg})"
    elif base in types.enums and not dims:
        value = f"{arg}.value"  # the label, whether or not the connection has the enum registered
    if value != arg and marked.endswith("?"):
        value = f"None if {arg} is None else {value}"
    return _Param(name, arg, py, value)


def _convert(pg_type: str, expr: str, types: Types, not_null: bool) -> str:
    """``expr`` (a value as psycopg returns it) as the field's type: enums made Python enums
    (psycopg returns an unregistered enum as its label)."""
    t, dims = split_array(types.resolve_domain(pg_type))
    base = base_name(t)
    if base not in types.enums:
        return expr
    cls = types.classes[base]
    if dims == 0:
        return f"{cls}({expr})" if not_null else f"_opt({cls}, {expr})"
    if dims == 1:
        return f"_enums({cls}, {expr})" if not_null else f"_opt_enums({cls}, {expr})"
    return expr
