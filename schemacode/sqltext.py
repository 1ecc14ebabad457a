"""Identifier quoting and literal escaping: one function each, used everywhere."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

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


@lru_cache(maxsize=32768)
def ident(name: str) -> str:
    """Quote an identifier the way PostgreSQL's quote_ident() does."""
    if _PLAIN.match(name) and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def unquote_ident(text: str) -> str:
    """The name an identifier as PostgreSQL prints it stands for: ``"col""1"`` is ``col"1``."""
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('""', '"')
    return text


def qident(schema: str, name: str) -> str:
    """A schema-qualified identifier."""
    return f"{ident(schema)}.{ident(name)}"


@lru_cache(maxsize=32768)
def qname_ident(qname: str) -> str:
    """Quote ``schema.name`` (as the model keys objects) as a qualified identifier: the SQL
    spelling, and how plans and errors print a name."""
    return qident(*split_qualified(qname))


# Dotted paths of names: how the model keys an object (``schema.name``), and how schema.yaml
# writes a qualified name or a reference (``api.orders``, ``orders.customer_id``). A part is
# written as it is (capitals, spaces, any letter), except one that holds a dot or an opening
# bracket, or begins with a double quote: that part is double-quoted the SQL way, a double
# quote inside doubled (``api."my.table"``, ``"a""b(c"``). So every name has one spelling, the
# same in schema.yaml, in pull's output and in the model's keys, and a path splits one way.
def path_part(name: str) -> str:
    """One name as a part of a dotted path (see above)."""
    if "." in name or "(" in name or name[:1] == '"':
        return '"' + name.replace('"', '""') + '"'
    return name


def qualify(schema: str, name: str) -> str:
    """The model's key of an object: ``schema.name``, each part as path_part writes it."""
    return f"{path_part(schema)}.{path_part(name)}"


def split_path(text: str) -> list[str] | None:
    """The names of a dotted path (``api."my.table".id`` → ``['api', 'my.table', 'id']``);
    None when it is not one (an empty part, an unclosed quote, text after a closing quote)."""
    if '"' not in text:  # (the common case, cheaply)
        plain = text.split(".")
        return None if "" in plain else plain
    parts: list[str] = []
    i, n = 0, len(text)
    while True:
        if i < n and text[i] == '"':
            j = _skip_quoted(text, i)
            if j > n or text[j - 1] != '"' or j == i + 1:
                return None
            part = text[i + 1:j - 1].replace('""', '"')
            if not part:
                return None
            parts.append(part)
            i = j
            if i == n:
                return parts
            if text[i] != ".":
                return None
            i += 1
        else:
            j = text.find(".", i)
            part = text[i:] if j < 0 else text[i:j]
            if not part:
                return None
            parts.append(part)
            if j < 0:
                return parts
            i = j + 1


def split_qualified(qname: str) -> tuple[str, str]:
    """(schema, name) of a model key made by qualify."""
    if qname[:1] != '"' and qname.count(".") == 1 and '"' not in qname and "(" not in qname:
        schema, _, name = qname.partition(".")  # (the common case, cheaply)
        return schema, name
    parts = split_path(qname)
    if parts is None or len(parts) != 2:
        raise ValueError(f"not a qualified name: {qname!r}")
    return parts[0], parts[1]


def schema_of(qname: str) -> str:
    return split_qualified(qname)[0]


def name_of(qname: str) -> str:
    return split_qualified(qname)[1]


def path_head(text: str) -> str:
    """The first name of a dotted path, whatever follows it (``"a.b".t: rule`` → ``a.b``)."""
    if text[:1] == '"':
        j = _skip_quoted(text, 0)
        return text[1:j - 1].replace('""', '"')
    return text.partition(".")[0]


def last_name(path: str) -> str:
    """The last name of a dotted path: a qualified name's own name, an unqualified one as it is."""
    parts = split_path(path)
    return parts[-1] if parts else path


def split_head(text: str) -> tuple[str, str]:
    """The first name of a dotted path and the text after its dot (``"a.b".t(x)`` → ``a.b``,
    ``t(x)``)."""
    if text[:1] == '"':
        j = _skip_quoted(text, 0)
        return text[1:j - 1].replace('""', '"'), text[j + 1:]
    head, _, rest = text.partition(".")
    return head, rest


def split_call(text: str) -> tuple[str, str | None]:
    """A name and the text inside the brackets after it: ``api."f(x)"(a integer)`` →
    (``api."f(x)"``, ``a integer``); (text, None) when no bracket follows the name."""
    for i, ch, _ in _outside_quotes(text):
        if ch == "(":
            if not text.endswith(")"):
                return text, None
            return text[:i], text[i + 1:-1]
    return text, None


def literal(value: str) -> str:
    """A string literal, with E'' syntax when it holds a backslash."""
    escaped = value.replace("'", "''")
    if "\\" in value:
        return "E'" + escaped.replace("\\", "\\\\") + "'"
    return "'" + escaped + "'"


def _skip_quoted(sql: str, i: int) -> int:
    """The index after the quoted string or identifier that starts at ``i``."""
    quote = sql[i]
    i += 1
    while i < len(sql):
        if sql[i] == quote:
            if i + 1 < len(sql) and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return i


def _outside_quotes(sql: str, i: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, bracket depth after it) of the text from ``i``, quoted strings and
    identifiers passed over."""
    depth = 0
    while i < len(sql):
        ch = sql[i]
        if ch in "'\"":
            i = _skip_quoted(sql, i)
            continue
        depth += 1 if ch in "([" else -1 if ch in ")]" else 0
        yield i, ch, depth
        i += 1


def closing_bracket(sql: str, i: int) -> int:
    """Index of the bracket that closes the one at ``i`` (``(`` or ``[``); -1 if none."""
    return next((j for j, ch, depth in _outside_quotes(sql, i) if depth == 0 and ch in ")]"), -1)


def split_top_level(body: str) -> list[str]:
    """The items of a comma-separated list, commas inside brackets and quotes left alone."""
    items, start = [], 0
    for i, ch, depth in _outside_quotes(body):
        if ch == "," and depth == 0:
            items.append(body[start:i].strip())
            start = i + 1
    items.append(body[start:].strip())
    return items


_ELEMENT_CAST = re.compile(r"::((?:[a-z_][a-z0-9_ ]*|\"(?:[^\"]|\"\")+\")(?:\.(?:[a-z_][a-z0-9_]*|\"(?:[^\"]|\"\")+\"))?)$")


def reproducible(sql: str) -> str:
    """PostgreSQL's printed text, spelled so that running it stores what printed it.

    PostgreSQL prints an array constructor coerced to another array type as
    ``(ARRAY['a'::character varying, …])::text[]`` (``ARRAY[…]::text[]`` when printing pretty):
    what ``status IN ('a', 'b')`` on a varchar column stores. Its parser, though, pushes a cast
    written on an ARRAY[…] into the elements, storing ``ARRAY[('a'::character varying)::text,
    …]``: another tree, another print, another pg_dump. Casting the constructor to its own
    type first (``ARRAY[…]::character varying[]``, a no-op) keeps the coercion whole. Every
    other printed expression we know of runs back to itself (tests/test_exact.py checks a list)."""
    if "ARRAY[" not in sql:
        return sql
    out: list[str] = []
    done = i = 0
    while i < len(sql):
        if sql[i] in "'\"":
            i = _skip_quoted(sql, i)
            continue
        if not sql.startswith("ARRAY[", i) or (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] in "_$")):
            i += 1
            continue
        open_bracket = i + len("ARRAY")
        close = closing_bracket(sql, open_bracket)
        grouped = i > 0 and sql[i - 1] == "(" and not (
            i > 1 and (sql[i - 2].isalnum() or sql[i - 2] in '_$"'))  # not a call's parenthesis
        cast_follows = sql.startswith("::", close + 1) or (grouped and sql.startswith(")::", close + 1))
        if close >= 0 and cast_follows:
            elements = split_top_level(sql[open_bracket + 1:close])
            types = {m.group(1) if (m := _ELEMENT_CAST.search(e)) else None for e in elements}
            if len(types) == 1 and None not in types:
                out.append(sql[done:close + 1] + f"::{types.pop()}[]")
                done = close + 1
        i = open_bracket
    out.append(sql[done:])
    return "".join(out)


_REF_TOKENS = re.compile(r"""
    (?P<skip>'(?:[^']|'')*'                         # a string
      | \$(?P<tag>[^\W\d]\w*|)\$.*?\$(?P=tag)\$     # a dollar-quoted string (a body)
      | --[^\n]* | /\*.*?\*/)                        # a comment
  | (?P<quoted>"(?:[^"]|"")*")
  | (?P<word>[^\W\d][\w$]*)
  | (?P<punct>::|[.(])
  | (?P<other>\S)
""", re.VERBOSE | re.DOTALL)


@lru_cache(maxsize=65536)
def name_references(sql: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    """The names SQL text mentions, each as its parts (quotes taken off, words folded to lower
    case as PostgreSQL reads them) and how it is used: "call" (a name before a bracket: a
    function, or a type with modifiers), "cast" (after ::) or "name" (anything else: a type
    where a type is written, a column, a table, a keyword). Strings, comments and quoted bodies
    are passed over. Over-broad on purpose: dependencies are found by looking the names up."""
    out: list[tuple[tuple[str, ...], str]] = []
    parts: list[str] = []
    cast = after_dot = False
    pending_cast = False

    def end(role: str) -> None:
        nonlocal parts
        if parts:
            out.append((tuple(parts), "cast" if cast and role == "name" else role))
        parts = []

    for m in _REF_TOKENS.finditer(sql):
        kind = m.lastgroup
        if kind == "skip":
            continue
        text = m.group()
        if kind in ("quoted", "word"):
            if parts and not after_dot:
                end("name")
            if not parts:
                cast, pending_cast = pending_cast, False
            parts.append(unquote_ident(text) if kind == "quoted" else text.lower())
            after_dot = False
        elif text == ".":
            after_dot = bool(parts)
        else:
            end("call" if text == "(" else "name")
            after_dot = False
            pending_cast = text == "::"
    end("name")
    return tuple(out)


_IDENT = r'(?:"(?:[^"]|"")*"|[^\W\d][\w$]*)'
_CHAIN = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
_CALLS_AND_CASTS = re.compile(rf"""
    '(?:[^']|'')*' | \$(?P<tag>[^\W\d]\w*|)\$.*?\$(?P=tag)\$ | --[^\n]* | /\*.*?\*/ | "(?:[^"]|"")*"(?!\s*[.(])
  | ::\s*(?P<cast>{_CHAIN})
  | (?<![\w$"])(?P<call>{_CHAIN})\s*\(
""", re.VERBOSE | re.DOTALL)
_PART = re.compile(_IDENT)


@lru_cache(maxsize=65536)
def calls_and_casts(sql: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    """What name_references finds as "call" and "cast", found faster: the regular expression
    passes over everything else (an expression's columns and keywords) without a step in Python."""
    if "(" not in sql and "::" not in sql:
        return ()
    out = []
    for m in _CALLS_AND_CASTS.finditer(sql):
        chain, role = (m.group("cast"), "cast") if m.group("cast") else (m.group("call"), "call")
        if chain:
            parts = tuple(unquote_ident(p) if p[0] == '"' else p.lower() for p in _PART.findall(chain))
            out.append((parts, role))
    return tuple(out)


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def rename_columns(sql: str, names: dict[str, str]) -> str:
    """``sql`` (an index's columns and predicate, a check) with the columns ``names`` maps
    renamed: every identifier that stands for one of them, quoted or not. Strings, qualified
    names (``t.c``), function names (``c(``), type names (``::c``) and collations are left alone."""
    out: list[str] = []
    i = done = 0
    while i < len(sql):
        ch = sql[i]
        if ch == "'":
            i = _skip_quoted(sql, i)
            continue
        m = _WORD.match(sql, i) if ch != '"' else None
        if ch != '"' and (m is None or (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] in "_$"))):
            i += 1
            continue
        end = _skip_quoted(sql, i) if ch == '"' else m.end() if m else i + 1
        token = sql[i:end]
        name = unquote_ident(token) if ch == '"' else token.lower()
        before = sql[:i].rstrip()
        qualified = before.endswith(".") or before.endswith("::") or before.upper().endswith("COLLATE")
        called = sql[end:].lstrip().startswith("(") and ch != '"'
        if name in names and not qualified and not called and not sql[end:].startswith("."):
            out.append(sql[done:i] + ident(names[name]))
            done = end
        i = end
    out.append(sql[done:])
    return "".join(out)


def short_name(*parts: str) -> str:
    """A name made of ``parts`` joined by "_" that fits PostgreSQL's 63 bytes: cut, with a short
    hash of the whole so that two long names cut alike still differ."""
    from hashlib import sha256

    name = "_".join(parts)
    if len(name.encode()) <= 63:
        return name
    digest = sha256(name.encode()).hexdigest()[:8]
    cut = name.encode()[:54].decode(errors="ignore")
    return f"{cut}_{digest}"
