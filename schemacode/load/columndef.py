"""A column's short form: a PostgreSQL column definition, read with PostgreSQL's grammar.

`bigint generated always as identity primary key`, `timestamptz not null default now()`,
`bigint references users (id) on delete cascade` … are read the way CREATE TABLE reads what
follows a column's name (gram.y's ``columnDef``: a type, then column constraints, each optionally
named, with their attributes), and turned into the long form's mapping, which the loader then
reads like any other: one meaning, one model object, whichever form is written.

Why a grammar of our own rather than sqlglot's parser on a wrapped CREATE TABLE: sqlglot accepts
more than PostgreSQL does (a misplaced DEFERRABLE, a second PRIMARY KEY) and normalizes what it
reads (types, names, expressions), so neither the errors nor the text would be PostgreSQL's. Here
the tokens keep their place in the text: an expression is handed on exactly as written (sqlglot
then checks it, as it checks the long form's), and an error names the clause and points at it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .habits import DEFINITION_WORDS

# Fully reserved words (PostgreSQL's catcode 'R'): never a bare name.
RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric both case cast check collate column
    constraint create current_catalog current_date current_role current_time current_timestamp
    current_user default deferrable desc distinct do else end except false fetch for foreign from
    grant group having in initially intersect into lateral leading limit localtime localtimestamp
    not null offset on only or order placing primary references returning select session_user some
    symmetric system_user table then to trailing true union unique user using variadic when where
    window with""".split())

# Words that end a type or a DEFAULT expression: each starts a column constraint or attribute.
_CLAUSE_WORDS = frozenset({"constraint", "not", "null", "check", "default", "generated", "unique",
                           "primary", "references", "collate", "deferrable", "initially", "enforced",
                           "storage", "compression"})
_VALUE_CLAUSES = {"default": "default", "identity": "identity", "generated": "generation expression"}
_TWICE = {"default": "multiple default values specified for the column",
          "identity": "multiple identity specifications for the column",
          "generated": "multiple generation clauses specified for the column"}
FK_ACTION_WORDS = {("no", "action"): "no action", ("restrict",): "restrict", ("cascade",): "cascade",
                   ("set", "null"): "set null", ("set", "default"): "set default"}


class ColumnSyntaxError(Exception):
    """What is wrong in a column definition, and where (a character offset into it)."""

    def __init__(self, message: str, position: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.position, self.hint = message, position, hint


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # word, ident (quoted), string, number, op, param, or the punctuation itself
    text: str
    start: int
    end: int

    @property
    def word(self) -> str:
        """The keyword this token is (lower case), or "" for anything but a bare word."""
        return self.text.lower() if self.kind == "word" else ""

    def shown(self) -> str:
        return f'"{self.text}"' if self.kind != "end" else "the end of the definition"


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>--[^\n]*)
  | (?P<string>[eE]'(?:[^'\\]|\\.|'')*'|(?:[bBxXnN]|[uU]&)?'(?:[^']|'')*')
  | (?P<ident>(?:[uU]&)?"(?:[^"]|"")*")
  | (?P<dollar>\$(?:[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*)?\$)
  | (?P<param>\$\d+)
  | (?P<number>0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_\x80-\U0010ffff][\w$\x80-\U0010ffff]*)
  | (?P<punct>::|[()\[\],.;:])
  | (?P<op>[+\-*/<>=~!@#%^&|`?]+)
""", re.VERBOSE)


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        if text.startswith("/*", pos):  # comments nest in PostgreSQL
            depth, i = 0, pos
            while i < len(text):
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                    if depth == 0:
                        break
                else:
                    i += 1
            if depth:
                raise ColumnSyntaxError("unterminated /* comment", pos)
            pos = i
            continue
        m = _TOKEN.match(text, pos)
        if m is None or m.lastgroup is None:
            if text[pos] in "'\"":
                what = "quoted string" if text[pos] == "'" else "quoted identifier"
                raise ColumnSyntaxError(f"unterminated {what}", pos)
            if text[pos:pos + 2].lower() in ("e'", "b'", "x'", "n'", "u&"):
                raise ColumnSyntaxError("unterminated quoted string", pos)
            raise ColumnSyntaxError(f"unexpected character {text[pos]!r}", pos)
        kind, end = m.lastgroup, m.end()
        if kind == "dollar":  # $tag$ … $tag$
            close = text.find(m.group(), end)
            if close < 0:
                raise ColumnSyntaxError("unterminated dollar-quoted string", pos)
            kind, end = "string", close + len(m.group())
        elif kind == "op" and ("--" in m.group() or "/*" in m.group()):  # a comment starts inside
            cut = min(i for i in (m.group().find("--"), m.group().find("/*")) if i >= 0)
            if cut == 0:  # pragma: no cover - the comment patterns come first
                raise ColumnSyntaxError("unexpected comment", pos)
            end = pos + cut
        elif kind == "punct":
            kind = m.group()
        if kind not in ("space", "comment"):
            out.append(Token(kind, text[pos:end], pos, end))
        pos = end
    return out


def identifier(token: Token) -> str:
    """The name a token stands for: a bare word folded to lower case (ASCII letters only, as
    PostgreSQL folds), a quoted one as written."""
    if token.kind == "ident":
        if token.text[:2].lower() == "u&":
            raise ColumnSyntaxError("U&\"…\" names are not supported here: write the name plainly",
                                    token.start)
        return token.text[1:-1].replace('""', '"')
    return token.text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass
class _Last:
    """The constraint the attributes that follow (DEFERRABLE, INITIALLY …, ENFORCED) apply to."""

    kind: str  # NOT NULL, NULL, CHECK, DEFAULT, GENERATED, UNIQUE, PRIMARY KEY, REFERENCES
    spec: dict[str, Any]  # where its options go
    deferrability: str | None = None  # "DEFERRABLE" or "NOT DEFERRABLE", once said
    initially: str | None = None
    enforced: bool = False


@dataclass
class _Column:
    """What has been read so far, with what PostgreSQL refuses to see twice."""

    spec: dict[str, Any] = field(default_factory=dict)
    nullness: str | None = None  # "NULL" or "NOT NULL"
    checks: list[Any] = field(default_factory=list)


class Parser:
    """One column definition; :meth:`column` returns its long form."""

    def __init__(self, text: str, is_type: Callable[[str], bool]) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.is_type = is_type
        self.end = Token("end", "", len(text), len(text))

    # -- tokens ----------------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else self.end

    def take(self) -> Token:
        token = self.peek()
        self.pos += 1
        return token

    def at(self, *words: str) -> bool:
        return all(self.peek(i).word == w for i, w in enumerate(words))

    def accept(self, *words: str) -> bool:
        if self.at(*words):
            self.pos += len(words)
            return True
        return False

    def expect(self, clause: str, *words: str) -> None:
        for word in words:
            token = self.peek()
            if token.word != word:
                raise self.error(f"{clause}: expected {word.upper()}, found {token.shown()}", token)
            self.pos += 1

    def error(self, message: str, token: Token | None = None, hint: str | None = None) -> ColumnSyntaxError:
        return ColumnSyntaxError(message, (token or self.peek()).start, hint)

    def name(self, clause: str, what: str) -> str:
        token = self.peek()
        if token.kind == "ident" or (token.kind == "word" and token.word not in RESERVED):
            self.pos += 1
            return identifier(token)
        if token.kind == "word":
            raise self.error(f"{clause}: {token.text} is a reserved word, not {what}", token,
                             f'quote it to use it as a name: "{token.text.lower()}"')
        raise self.error(f"{clause}: expected {what}, found {token.shown()}", token)

    def parenthesized(self, clause: str, what: str) -> str:
        """The text inside ( … ), exactly as written (brackets and quotes balanced)."""
        open_ = self.peek()
        if open_.kind != "(":
            raise self.error(f"{clause}: expected ( {what} ), found {open_.shown()}", open_)
        depth = 0
        while True:
            token = self.take()
            if token.kind == "end":
                raise self.error(f"{clause}: the ( opened here is never closed", open_)
            depth += {"(": 1, ")": -1}.get(token.kind, 0)
            if depth == 0:
                inner = self.text[open_.end:token.start].strip()
                if not inner:
                    raise self.error(f"{clause}: {what} is empty", open_)
                return inner

    def number(self, clause: str) -> int:
        sign = 1
        if self.peek().kind == "op" and self.peek().text in ("-", "+"):
            sign = -1 if self.take().text == "-" else 1
        token = self.peek()
        if token.kind != "number" or not re.fullmatch(r"\d[\d_]*", token.text):
            raise self.error(f"{clause}: expected a whole number, found {token.shown()}", token)
        self.pos += 1
        return sign * int(token.text.replace("_", ""))

    # -- the column --------------------------------------------------------------------------
    def column(self) -> dict[str, Any]:
        col = _Column()
        col.spec["type"] = self.type_name()
        last: _Last | None = None
        while self.peek().kind != "end":
            token = self.peek()
            if token.word in ("deferrable", "initially", "enforced") or (
                    token.word == "not" and self.peek(1).word in ("deferrable", "enforced")):
                self.attribute(last)
                continue
            if token.word == "collate":
                self.collate(col)
                last = None
                continue
            if token.word in ("storage", "compression"):
                raise self.error(f"{token.text.upper()}: a column's {token.word} is not declared in "
                                 "schema.yaml (PostgreSQL's default is kept)", token)
            name = None
            if self.accept("constraint"):
                name = self.name("CONSTRAINT", "the constraint's name")
                if self.peek().word not in ("not", "null", "check", "default", "generated", "unique",
                                            "primary", "references"):
                    raise self.error(f"CONSTRAINT {name}: expected NOT NULL, NULL, CHECK, DEFAULT, "
                                     f"GENERATED, UNIQUE, PRIMARY KEY or REFERENCES, found "
                                     f"{self.peek().shown()}")
            last = self.constraint(col, name)
        if col.checks:
            col.spec["check"] = col.checks[0] if len(col.checks) == 1 else col.checks
        return _shortest(col.spec)

    def type_name(self) -> str:
        """The type: every token up to the first column constraint, as written."""
        start = self.pos
        depth = 0
        while self.peek().kind != "end":
            token = self.peek()
            if depth == 0 and token.word in _CLAUSE_WORDS:
                break
            depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(token.kind, 0)
            self.pos += 1
        words = self.tokens[start:self.pos]
        if not words:
            raise self.error("a column definition starts with its type, like `text not null`")
        text = self.text[words[0].start:words[-1].end]
        if self.is_type(text):
            return text
        # The longest start that is a type: what follows it is the clause that is wrong
        for n in range(len(words) - 1, 0, -1):
            head = self.text[words[0].start:words[n - 1].end]
            if words[n].kind in ("word", "ident") and self.is_type(head):
                extra = words[n]
                hint = DEFINITION_WORDS.get(extra.word)
                raise self.error(f"after the type {head}, {extra.shown()} is not a column constraint "
                                 "(NOT NULL, NULL, DEFAULT, CHECK, UNIQUE, PRIMARY KEY, REFERENCES, "
                                 "GENERATED, COLLATE)", extra, hint)
        return text  # the loader says what is wrong with the type

    def attribute(self, last: _Last | None) -> None:
        """DEFERRABLE, NOT DEFERRABLE, INITIALLY DEFERRED|IMMEDIATE, ENFORCED, NOT ENFORCED:
        of the constraint just before."""
        token = self.peek()
        if self.accept("not", "enforced") or self.accept("enforced"):
            said = "NOT ENFORCED" if token.word == "not" else "ENFORCED"
            if last is None or last.kind not in ("CHECK", "REFERENCES"):
                raise self.error(f"misplaced {said} clause: it applies to a CHECK or REFERENCES "
                                 "just before it", token)
            if said == "NOT ENFORCED":
                raise self.error("NOT ENFORCED (PostgreSQL 18) is not declared in schema.yaml: a "
                                 "constraint there is enforced", token)
            if last.enforced:
                raise self.error("multiple ENFORCED/NOT ENFORCED clauses not allowed", token)
            last.enforced = True
            return
        if self.accept("initially"):
            said = "INITIALLY " + self.peek().text.upper()
            if not (self.accept("deferred") or self.accept("immediate")):
                raise self.error(f"INITIALLY: expected DEFERRED or IMMEDIATE, found {self.peek().shown()}")
        else:
            said = "NOT DEFERRABLE" if token.word == "not" else "DEFERRABLE"
            self.pos += 2 if token.word == "not" else 1
        if last is None or last.kind not in ("UNIQUE", "PRIMARY KEY", "REFERENCES"):
            raise self.error(f"misplaced {said} clause: it applies to a UNIQUE, PRIMARY KEY or "
                             "REFERENCES just before it", token)
        if said.startswith("INITIALLY"):
            if last.initially is not None:
                raise self.error("multiple INITIALLY IMMEDIATE/DEFERRED clauses not allowed", token)
            last.initially = said
            if said == "INITIALLY DEFERRED":
                if last.deferrability == "NOT DEFERRABLE":
                    raise self.error("constraint declared INITIALLY DEFERRED must be DEFERRABLE", token)
                # INITIALLY DEFERRED alone makes the constraint DEFERRABLE (as PostgreSQL reads it)
                last.spec["deferrable"] = last.spec["initially_deferred"] = True
            return
        if last.deferrability is not None:
            raise self.error("multiple DEFERRABLE/NOT DEFERRABLE clauses not allowed", token)
        last.deferrability = said
        if said == "NOT DEFERRABLE" and last.initially == "INITIALLY DEFERRED":
            raise self.error("constraint declared INITIALLY DEFERRED must be DEFERRABLE", token)
        if said == "DEFERRABLE":
            last.spec["deferrable"] = True

    def collate(self, col: _Column) -> None:
        token = self.take()
        if "collation" in col.spec:
            raise self.error("multiple COLLATE clauses not allowed", token)
        first = self.name("COLLATE", "a collation's name")
        name = first
        if self.peek().kind == ".":
            self.pos += 1
            name = self.name("COLLATE", "a collation's name")
            if first != "pg_catalog":
                raise self.error(f"COLLATE {first}.{name}: a collation of another schema than "
                                 "pg_catalog is not declared in schema.yaml", token)
        if self.tokens[self.pos - 1].kind == "word" and name in ("c", "posix") and first == name:
            # an unquoted name is folded to lower case: PostgreSQL has no collation "c"
            raise self.error(f'collation "{name}" does not exist: an unquoted name is folded to '
                             "lower case", token, f'write COLLATE "{name.upper()}"')
        col.spec["collation"] = name

    def constraint(self, col: _Column, name: str | None) -> _Last:
        token = self.peek()
        spec = col.spec
        if self.accept("not", "null") or self.accept("null"):
            said = "NOT NULL" if token.word == "not" else "NULL"
            if col.nullness is not None and col.nullness != said or (
                    said == "NULL" and ("identity" in spec or "primary_key" in spec)):
                raise self.error("conflicting NULL/NOT NULL declarations for the column", token)
            if self.at("no", "inherit"):
                raise self.error("NOT NULL NO INHERIT is not declared in schema.yaml", self.peek())
            col.nullness = said
            spec["null"] = said == "NULL"
            if name is not None and said == "NOT NULL":
                if spec.get("not_null_name", name) != name:
                    raise self.error("the NOT NULL constraint is named twice", token)
                spec["not_null_name"] = name
            elif name is not None:
                raise self.unkept(name, "NULL", token)
            return _Last(said, spec)
        if self.accept("default"):
            if name is not None:
                raise self.unkept(name, "DEFAULT", token)
            self.one_value(spec, "default", token)
            expr = self.default_expression()
            # DEFAULT NULL is no default (PostgreSQL stores none), as `default: null` says
            spec["default"] = None if expr.lower() == "null" else {"sql": expr}
            return _Last("DEFAULT", spec)
        if self.accept("check"):
            expr = self.parenthesized("CHECK", "the condition")
            check: dict[str, Any] = {"expr": expr}
            if name is not None:
                check["name"] = name
            if self.accept("no", "inherit"):
                check["no_inherit"] = True
            col.checks.append(check if len(check) > 1 else expr)
            return _Last("CHECK", check)
        if self.accept("generated"):
            return self.generated(col, name, token)
        if self.accept("unique"):
            return self.key(col, "unique", name, token)
        if self.accept("primary"):
            self.expect("PRIMARY KEY", "key")
            return self.key(col, "primary_key", name, token)
        if self.accept("references"):
            return self.references(col, name, token)
        if token.word == "not" and self.peek(1).word == "valid":
            raise self.error("NOT VALID is ALTER TABLE's, not a column definition's", token,
                             "the long form says it: not_valid: true (a check under checks:, or a "
                             "foreign key)")
        hint = DEFINITION_WORDS.get(token.word)
        raise self.error(f"expected a column constraint (NOT NULL, NULL, DEFAULT, CHECK, UNIQUE, "
                         f"PRIMARY KEY, REFERENCES, GENERATED) or COLLATE, found {token.shown()}",
                         token, hint)

    def unkept(self, name: str, clause: str, token: Token) -> ColumnSyntaxError:
        return self.error(f"CONSTRAINT {name} {clause}: PostgreSQL keeps no name for {clause}", token,
                          "drop `CONSTRAINT name` (only NOT NULL, CHECK, UNIQUE, PRIMARY KEY and "
                          "REFERENCES keep their names)")

    def one_value(self, spec: dict[str, Any], key: str, token: Token) -> None:
        """A column's value comes from one DEFAULT, identity or generation expression, said once
        (in PostgreSQL's words)."""
        if key in spec:
            raise self.error(_TWICE[key], token)
        for other in _VALUE_CLAUSES:
            if other != key and other in spec:
                first, second = sorted((key, other), key=list(_VALUE_CLAUSES).index)
                raise self.error(f"both {_VALUE_CLAUSES[first]} and {_VALUE_CLAUSES[second]} specified "
                                 "for the column", token)

    def default_expression(self) -> str:
        """DEFAULT's expression (gram.y's b_expr): up to the next constraint at the top level.
        Its first token is always part of it (`default null`); a NOT after IS, and any word
        inside brackets or CASE … END, are the expression's own."""
        start = self.peek()
        if start.kind == "end" or start.kind == ")":
            raise self.error("DEFAULT: expected an expression, found " + start.shown())
        depth = 0
        first = self.pos
        while self.peek().kind != "end":
            token = self.peek()
            if depth == 0 and self.pos > first and token.word in _CLAUSE_WORDS:
                prev = self.tokens[self.pos - 1]
                operand = prev.kind in ("op", "(", ",", "[") or prev.word in ("is", "then", "else", "when")
                if not (token.word == "not" and prev.word == "is") and not (
                        token.word == "null" and operand):
                    break
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(token.kind, 0)
            depth += {"case": 1, "end": -1}.get(token.word, 0)
            if depth < 0:
                raise self.error("DEFAULT: unbalanced " + token.shown(), token)
            self.pos += 1
        if depth:
            raise self.error("DEFAULT: a bracket or CASE … END is not closed", start)
        return self.text[start.start:self.tokens[self.pos - 1].end]

    def generated(self, col: _Column, name: str | None, token: Token) -> _Last:
        spec = col.spec
        if self.accept("always"):
            kind = "always"
        elif self.accept("by", "default"):
            kind = "by default"
        else:
            raise self.error(f"GENERATED: expected ALWAYS or BY DEFAULT, found {self.peek().shown()}")
        self.expect(f"GENERATED {kind.upper()}", "as")
        if self.accept("identity"):
            if name is not None:
                raise self.unkept(name, "GENERATED … AS IDENTITY", token)
            self.one_value(spec, "identity", token)
            if col.nullness == "NULL":
                raise self.error("conflicting NULL/NOT NULL declarations for the column", token)
            options = self.identity_options() if self.peek().kind == "(" else {}
            spec["identity"] = {"generation": kind, **options} if options else kind
            return _Last("GENERATED", spec)
        if kind != "always":
            raise self.error("GENERATED BY DEFAULT: expected AS IDENTITY (a generated column is "
                             "GENERATED ALWAYS AS (expression) STORED)", token)
        if self.peek().kind != "(":
            raise self.error("GENERATED ALWAYS AS: expected IDENTITY or ( expression ), found "
                             + self.peek().shown())
        if name is not None:
            raise self.unkept(name, "GENERATED ALWAYS AS", token)
        expr = self.parenthesized("GENERATED ALWAYS AS", "the expression")
        self.one_value(spec, "generated", token)
        if not self.accept("stored"):
            virtual = self.peek() if self.at("virtual") else token
            raise self.error("a VIRTUAL generated column (PostgreSQL 18's default without STORED) is "
                             "not declared in schema.yaml", virtual,
                             "write GENERATED ALWAYS AS (…) STORED")
        spec["generated"] = expr
        return _Last("GENERATED", spec)

    def identity_options(self) -> dict[str, Any]:
        """( START WITH 1 INCREMENT BY 1 MINVALUE … ): the long form's identity options."""
        open_ = self.take()
        out: dict[str, Any] = {}
        clause = "GENERATED … AS IDENTITY ( … )"

        def put(key: str, value: Any, at: Token) -> None:
            if key in out:
                raise self.error(f"{clause}: conflicting or redundant options", at)
            out[key] = value

        while self.peek().kind != ")":
            token = self.peek()
            if token.kind == "end":
                raise self.error(f"{clause}: the ( opened here is never closed", open_)
            if self.accept("start"):
                self.accept("with")
                put("start", self.number("START WITH"), token)
            elif self.accept("increment"):
                self.accept("by")
                put("increment", self.number("INCREMENT BY"), token)
            elif self.accept("minvalue"):
                put("min", self.number("MINVALUE"), token)
            elif self.accept("maxvalue"):
                put("max", self.number("MAXVALUE"), token)
            elif self.accept("no", "minvalue"):
                put("min", None, token)
            elif self.accept("no", "maxvalue"):
                put("max", None, token)
            elif self.accept("cache"):
                put("cache", self.number("CACHE"), token)
            elif self.accept("cycle"):
                put("cycle", True, token)
            elif self.accept("no", "cycle"):
                put("cycle", False, token)
            elif token.word in ("as", "sequence", "owned", "restart", "logged", "unlogged"):
                raise self.error(f"{clause}: {token.text.upper()} is not declared in schema.yaml (the "
                                 "sequence is the column's type, named and owned as PostgreSQL does)",
                                 token)
            else:
                raise self.error(f"{clause}: expected START WITH, INCREMENT BY, MINVALUE, MAXVALUE, "
                                 f"CACHE or [NO] CYCLE, found {token.shown()}", token)
        self.pos += 1
        return {k: v for k, v in out.items() if v is not None}  # NO MINVALUE: the default

    def key(self, col: _Column, key: str, name: str | None, token: Token) -> _Last:
        spec = col.spec
        said = "UNIQUE" if key == "unique" else "PRIMARY KEY"
        if key in spec:
            raise self.error("multiple primary keys for the table are not allowed" if key == "primary_key"
                             else "UNIQUE twice on one column", token)
        if key == "primary_key" and col.nullness == "NULL":
            raise self.error("conflicting NULL/NOT NULL declarations for the column", token)
        options: dict[str, Any] = {}
        if name is not None:
            options["name"] = name
        if key == "unique" and self.accept("nulls"):
            negated = self.accept("not")
            self.expect("UNIQUE NULLS [NOT]", "distinct")
            if negated:
                options["nulls_not_distinct"] = True
        if self.peek().word in ("include", "with", "using"):
            raise self.error(f"{said}: {self.peek().text.upper()} (index parameters of a key) is not "
                             "declared in schema.yaml", self.peek())
        spec[key] = options
        return _Last(said, options)

    def references(self, col: _Column, name: str | None, token: Token) -> _Last:
        spec = col.spec
        if "references" in spec:
            raise self.error("REFERENCES twice on one column", token,
                             "a second foreign key goes under the table's foreign_keys:")
        parts = [self.name("REFERENCES", "the referenced table's name")]
        while self.peek().kind == ".":
            self.pos += 1
            parts.append(self.name("REFERENCES", "the referenced table's name"))
        if len(parts) > 2:
            raise self.error(f"REFERENCES {'.'.join(parts)}: a table is table or schema.table", token)
        if any("." in p for p in parts):
            raise self.error("REFERENCES: a name with a dot in it: write this foreign key under "
                             "foreign_keys:", token)
        target = ".".join(parts)
        if self.peek().kind == "(":
            open_ = self.peek()
            inner = self.parenthesized("REFERENCES", "the referenced column")
            cols = Parser(inner, self.is_type)
            column = cols.name("REFERENCES", "the referenced column")
            if cols.peek().kind != "end":
                raise self.error("REFERENCES: one column references one column", open_,
                                 "a foreign key of several columns goes under the table's foreign_keys:")
            if "." in column:
                raise self.error("REFERENCES: a column name with a dot in it: write this foreign key "
                                 "under foreign_keys:", open_)
            # schema.table.column says exactly which (a bare table is in public, as in schema.yaml)
            target = ".".join(parts if len(parts) == 2 else ["public", *parts]) + "." + column
        ref: dict[str, Any] = {"to": target}
        if name is not None:
            ref["name"] = name
        if self.accept("match"):
            how = self.peek()
            if self.accept("full"):
                ref["match"] = "full"
            elif self.accept("partial"):
                raise self.error("MATCH PARTIAL not yet implemented (by PostgreSQL)", how)
            elif not self.accept("simple"):
                raise self.error(f"MATCH: expected FULL, PARTIAL or SIMPLE, found {how.shown()}", how)
        if self.at("match"):
            raise self.error("REFERENCES: MATCH twice")
        while self.at("on"):
            on = self.take()
            event = self.peek().word
            if event not in ("delete", "update"):
                raise self.error(f"REFERENCES … ON: expected DELETE or UPDATE, found {self.peek().shown()}")
            self.pos += 1
            key = f"on_{event}"
            if key in ref:
                raise self.error(f"ON {event.upper()} twice", on)
            ref[key] = self.fk_action(f"ON {event.upper()}")
        if self.at("match"):
            raise self.error("REFERENCES: MATCH comes before ON DELETE and ON UPDATE")
        spec["references"] = ref
        return _Last("REFERENCES", ref)

    def fk_action(self, clause: str) -> str:
        token = self.peek()
        for words, action in FK_ACTION_WORDS.items():
            if self.accept(*words):
                if words[0] == "set" and self.peek().kind == "(":
                    raise self.error(f"{clause} {action.upper()} (columns) is not declared in schema.yaml",
                                     self.peek())
                return action
        raise self.error(f"{clause}: expected NO ACTION, RESTRICT, CASCADE, SET NULL or SET DEFAULT, "
                         f"found {token.shown()}", token)


def _shortest(spec: dict[str, Any]) -> dict[str, Any]:
    """A key with no options is `true`, one with only a name its name; a foreign key with
    nothing but its target, the target."""
    for key in ("primary_key", "unique"):
        if key in spec:
            options = spec[key]
            spec[key] = options["name"] if options.keys() == {"name"} else options or True
    if "references" in spec and spec["references"].keys() == {"to"}:
        spec["references"] = spec["references"]["to"]
    return spec


def parse_column(text: str, is_type: Callable[[str], bool]) -> dict[str, Any]:
    """The long form of a column's short form; ColumnSyntaxError where it is not one."""
    return Parser(text, is_type).column()


def pointer(text: str, position: int) -> str:
    """The line of ``text`` holding ``position``, and a caret under it."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    line = text[start:end if end >= 0 else len(text)]
    return f"    {line}\n    {' ' * len(text[start:position])}^"
