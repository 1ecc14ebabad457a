"""Which lock each statement takes, on which tables, and what it does while it holds it.

A plan runs against live tables: the cost of a statement is how long others wait for its lock.
PostgreSQL documents a lock level for every DDL command (ALTER TABLE's page lists one per
subcommand); this module reads a planned statement and names that level, the relations it is
taken on, and whether the statement only changes the catalog (held for milliseconds), scans the
table, builds an index, or rewrites the table while holding it.

What a statement rewrites is known to the change that made it (a type change says so in a
``rewrite`` hazard); everything else follows from the statement's text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from .sqltext import qualify, unquote_ident

Work = Literal["catalog", "scan", "build", "rewrite", "batches"]

# What each level makes others wait for (PostgreSQL's "Conflicting Lock Modes" table, read for
# what applications do: SELECT takes ACCESS SHARE, INSERT/UPDATE/DELETE take ROW EXCLUSIVE).
BLOCKS = {
    "ACCESS EXCLUSIVE": "reads and writes",
    "EXCLUSIVE": "writes",
    "SHARE ROW EXCLUSIVE": "writes",
    "SHARE": "writes",
    "SHARE UPDATE EXCLUSIVE": "other schema changes and VACUUM",
    "ROW EXCLUSIVE": "schema changes",
    "ACCESS SHARE": "only what needs ACCESS EXCLUSIVE",
}

_WORK_TEXT = {"catalog": "catalog only", "scan": "scans the table", "build": "builds an index",
              "rewrite": "rewrites the table",
              "batches": "updates its rows in short batches (a transaction each, row locks only)"}


@dataclass(frozen=True)
class Lock:
    level: str  # ACCESS EXCLUSIVE, SHARE, SHARE UPDATE EXCLUSIVE, …
    relations: tuple[str, ...]  # qualified names, the statement's own table first
    work: Work = "catalog"

    @property
    def blocks(self) -> str:
        return BLOCKS[self.level]

    @property
    def stalls_writes(self) -> bool:
        """Writers wait for as long as the table takes to read or write, not milliseconds."""
        return self.work != "catalog" and self.blocks in ("reads and writes", "writes")

    def describe(self) -> str:
        return f"{self.level} on {', '.join(self.relations)}: {_WORK_TEXT[self.work]}, blocks {self.blocks}"

    def as_json(self) -> dict[str, object]:
        return {"level": self.level, "relations": list(self.relations), "work": self.work,
                "blocks": self.blocks}


_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_QNAME = rf"({_NAME}(?:\.{_NAME})?)"


class _rx:
    """A pattern compiled on its first use, then once for the process: a plan asks for the lock
    of each of its statements (thousands), and compiling or even looking a pattern up in re's
    cache per call was most of that time; compiling them all at import would cost every command
    that plans nothing."""

    __slots__ = ("text", "flags", "match", "search", "findall")

    def __init__(self, text: str, flags: int = re.IGNORECASE | re.DOTALL) -> None:
        self.text, self.flags = text, flags

    def __getattr__(self, name: str) -> Any:  # (only before the first use: then the slots are set)
        compiled = re.compile(self.text, self.flags)
        self.match, self.search, self.findall = compiled.match, compiled.search, compiled.findall
        return getattr(compiled, name)


_NAMES = _rx(_NAME, 0)


def _qname(text: str) -> str:
    names = [unquote_ident(p) for p in _NAMES.findall(text)]
    return qualify(names[0], names[1]) if len(names) > 1 else qualify("public", names[0])


# ALTER TABLE subcommands and their levels, first match wins (ALTER TABLE's documentation); by
# the subcommand's first word (only those patterns are tried, and compiled).
_ALTER_TABLE_WRITTEN: list[tuple[tuple[str, ...], str, str, Work]] = [
    (("VALIDATE",), r"VALIDATE CONSTRAINT", "SHARE UPDATE EXCLUSIVE", "scan"),
    (("ADD",), r"ADD (?:CONSTRAINT \S+ )?(?:PRIMARY KEY|UNIQUE|EXCLUDE)\b.*\bUSING INDEX\b", "ACCESS EXCLUSIVE",
     "catalog"),
    (("ADD",), r"ADD (?:CONSTRAINT \S+ )?(?:PRIMARY KEY|UNIQUE|EXCLUDE)\b", "ACCESS EXCLUSIVE", "build"),
    (("ADD",), r"ADD (?:CONSTRAINT \S+ )?CHECK\b.*\bNOT VALID\s*$", "ACCESS EXCLUSIVE", "catalog"),
    (("ADD",), r"ADD (?:CONSTRAINT \S+ )?CHECK\b", "ACCESS EXCLUSIVE", "scan"),
    (("ADD",), r"ADD (?:CONSTRAINT \S+ )?NOT NULL\b.*\bNOT VALID\s*$", "ACCESS EXCLUSIVE", "catalog"),
    (("ADD",), r"ADD (?:CONSTRAINT \S+ )?NOT NULL\b", "ACCESS EXCLUSIVE", "scan"),
    (("ALTER",), r"ALTER (?:COLUMN )?\S+ SET NOT NULL", "ACCESS EXCLUSIVE", "scan"),
    (("ALTER",), r"ALTER (?:COLUMN )?\S+ SET STATISTICS", "SHARE UPDATE EXCLUSIVE", "catalog"),
    (("ALTER",), r"ALTER (?:COLUMN )?\S+ (?:SET|RESET) \(", "SHARE UPDATE EXCLUSIVE", "catalog"),
    (("SET", "RESET"), r"(?:SET|RESET) \(", "SHARE UPDATE EXCLUSIVE", "catalog"),
    (("ENABLE", "DISABLE"), r"(?:ENABLE|DISABLE) (?:ALWAYS |REPLICA )?TRIGGER", "SHARE ROW EXCLUSIVE", "catalog"),
    (("SET",), r"SET (?:UN)?LOGGED", "ACCESS EXCLUSIVE", "rewrite"),
    (("CLUSTER", "SET"), r"(?:CLUSTER ON|SET WITHOUT CLUSTER)", "SHARE UPDATE EXCLUSIVE", "catalog"),
]


def _by_first_word(written: list[tuple[tuple[str, ...], str, str, Work]]) -> dict[str, list[tuple[_rx, str, Work]]]:
    out: dict[str, list[tuple[_rx, str, Work]]] = {}
    for words, pattern, level, work in written:
        entry = (_rx(pattern), level, work)
        for word in words:
            out.setdefault(word, []).append(entry)
    return out


_ALTER_TABLE = _by_first_word(_ALTER_TABLE_WRITTEN)


def _first_word(text: str) -> str:
    """(Only the patterns a statement or subcommand can match are tried.)"""
    return text.split(None, 1)[0].upper() if text.strip() else ""


# The statements lock_of reads, in the order it tries them.
_GUARDED_ALTER = _rx(r"DO \$\$DECLARE v bigint; BEGIN EXECUTE .*? INTO v; IF [^;]* THEN (ALTER TABLE [^;]*);")
_FOUND_RENAME = _rx(r"DO \$\$.*?EXECUTE format\('ALTER TABLE %s RENAME CONSTRAINT %I TO %I', '((?:[^']|'')+)'")
_LOCK = _rx(rf"LOCK (?:TABLE )?((?:{_NAME}(?:\.{_NAME})?)(?:\s*,\s*{_NAME}(?:\.{_NAME})?)*) IN ([A-Z ]+?) MODE")
_LOCKED = _rx(rf"{_NAME}(?:\.{_NAME})?", 0)
_MAINTAIN = _rx(rf"(?:ANALYZE|VACUUM)(?: \([^)]*\))? (?:VERBOSE )?{_QNAME}")
_PARTITION = _rx(rf"ALTER TABLE (?:IF EXISTS )?(?:ONLY )?{_QNAME}\s+(ATTACH|DETACH) PARTITION {_QNAME}(.*)$")
_ALTER = _rx(rf"ALTER TABLE (?:IF EXISTS )?(?:ONLY )?{_QNAME}\s+(.*)$")
_FOREIGN_KEY = _rx(r"ADD (?:CONSTRAINT \S+ )?FOREIGN KEY\b.*?\bREFERENCES\s+" + _QNAME)
_NOT_VALID = _rx(r"\bNOT VALID\s*$")
_CREATE_INDEX = _rx(rf"CREATE (?:UNIQUE )?INDEX (CONCURRENTLY )?(?:IF NOT EXISTS )?(?:{_NAME} )?ON (?:ONLY )?{_QNAME}")
_DROP_INDEX = _rx(rf"DROP INDEX (CONCURRENTLY )?(?:IF EXISTS )?{_QNAME}")
_ATTACH_INDEX = _rx(rf"ALTER INDEX (?:IF EXISTS )?{_QNAME}\s+ATTACH PARTITION {_QNAME}")
_ALTER_INDEX = _rx(rf"ALTER INDEX (?:IF EXISTS )?{_QNAME}")
_CREATE_TRIGGER = _rx(rf"CREATE (?:OR REPLACE )?(?:CONSTRAINT )?TRIGGER \S+ .*?\bON {_QNAME}")
_DROP_TRIGGER = _rx(rf"DROP TRIGGER (?:IF EXISTS )?{_NAME} ON {_QNAME}")
_RULE = _rx(rf"(?:CREATE (?:OR REPLACE )?RULE {_NAME} AS\s+ON \w+ TO|DROP RULE (?:IF EXISTS )?{_NAME} ON) {_QNAME}")
_COMMENT_RULE = _rx(rf"COMMENT ON RULE {_NAME} ON {_QNAME}")
_FOREIGN_TABLE = _rx(rf"(?:ALTER|DROP) FOREIGN TABLE (?:IF EXISTS )?{_QNAME}")
_COMMENT_FOREIGN_TABLE = _rx(rf"COMMENT ON FOREIGN TABLE {_QNAME}")
_POLICY = _rx(rf"(?:CREATE|ALTER|DROP) POLICY {_NAME} ON {_QNAME}")
_VIEW = _rx(rf"(?:DROP|ALTER) (?:MATERIALIZED )?VIEW (?:IF EXISTS )?{_QNAME}")
_REPLACE_VIEW = _rx(rf"CREATE OR REPLACE VIEW {_QNAME}")
_DROP_TABLE = _rx(rf"DROP TABLE (?:IF EXISTS )?{_QNAME}")
_CREATE_TABLE = _rx(rf"CREATE (?:UNLOGGED )?TABLE {_QNAME}")
_REFERENCES = _rx(rf"\bREFERENCES\s+{_QNAME}")
_COMMENT_RELATION = _rx(rf"COMMENT ON (?:TABLE|VIEW|MATERIALIZED VIEW|INDEX) {_QNAME}")
_COMMENT_COLUMN = _rx(rf"COMMENT ON COLUMN ({_NAME}(?:\.{_NAME})?)\.{_NAME} IS")
_COMMENT_ON_TABLE = _rx(rf"COMMENT ON (?:CONSTRAINT|TRIGGER|POLICY) {_NAME} ON {_QNAME}")
_WRITE = _rx(rf"(?:UPDATE|INSERT INTO|DELETE FROM) {_QNAME}")


def lock_of(sql: str, rewrites: bool = False, table: str | None = None) -> Lock | None:
    """The lock ``sql`` takes on tables and views, or None when it locks none (functions,
    types, schemas, sequences). ``rewrites``: the change knows the statement rewrites its
    table; ``table``: the table of an index a DROP INDEX names."""
    s = sql.strip()
    word = _first_word(s)
    if word == "DO":
        if m := _GUARDED_ALTER.match(s):
            # an identity's new limits, restarting it only if its value falls outside (types.restart_guard)
            return lock_of(m.group(1), rewrites, table)
        if m := _FOUND_RENAME.match(s):
            # a rename that finds its constraint first (changes.NameNotNull, NameAttached)
            return Lock("ACCESS EXCLUSIVE", (_qname(m.group(1).replace("''", "'")),))
    elif word == "LOCK":
        if m := _LOCK.match(s):
            return Lock(m.group(2).upper(), tuple(_qname(n) for n in _LOCKED.findall(m.group(1))))
    elif word in ("ANALYZE", "VACUUM"):
        if m := _MAINTAIN.match(s):  # writes go on
            return Lock("SHARE UPDATE EXCLUSIVE", (_qname(m.group(1)),), "scan")
    elif word == "ALTER":
        if m := _PARTITION.match(s):
            parent, part = _qname(m.group(1)), _qname(m.group(3))
            if m.group(2).upper() == "ATTACH":  # SHARE UPDATE EXCLUSIVE on the parent; the table
                return Lock("ACCESS EXCLUSIVE", (part,), "scan")  # attached is scanned against the bound
            concurrently = "CONCURRENTLY" in m.group(4).upper()
            return Lock("SHARE UPDATE EXCLUSIVE" if concurrently else "ACCESS EXCLUSIVE", (parent, part))
        if m := _ALTER.match(s):
            table_name, rest = _qname(m.group(1)), m.group(2)
            if fk := _FOREIGN_KEY.match(rest):
                others = tuple(r for r in (_qname(fk.group(1)),) if r != table_name)
                work: Work = "catalog" if _NOT_VALID.search(rest) else "scan"
                return Lock("SHARE ROW EXCLUSIVE", (table_name, *others), work)
            for pattern, level, work in _ALTER_TABLE.get(_first_word(rest), ()):
                if pattern.match(rest):
                    return Lock(level, (table_name,), "rewrite" if rewrites else work)
            return Lock("ACCESS EXCLUSIVE", (table_name,), "rewrite" if rewrites else "catalog")
        if _ATTACH_INDEX.match(s):
            # the tables: ACCESS SHARE (the indexes: SHARE UPDATE EXCLUSIVE on the parent's,
            # ACCESS EXCLUSIVE on the copy): reads and writes go on
            return Lock("ACCESS SHARE", (table,)) if table else None
        if m := _ALTER_INDEX.match(s):
            return Lock("SHARE UPDATE EXCLUSIVE", (table or _qname(m.group(1)),))
        if m := _FOREIGN_TABLE.match(s):
            return Lock("ACCESS EXCLUSIVE", (_qname(m.group(1)),))  # (no storage: catalog only)
        if m := _POLICY.match(s) or _VIEW.match(s):
            return Lock("ACCESS EXCLUSIVE", (_qname(m.group(1)),))
    elif word == "CREATE":
        if m := _CREATE_INDEX.match(s):
            return Lock("SHARE UPDATE EXCLUSIVE" if m.group(1) else "SHARE", (_qname(m.group(2)),), "build")
        if m := _CREATE_TRIGGER.match(s):
            return Lock("SHARE ROW EXCLUSIVE", (_qname(m.group(1)),))
        if m := _RULE.match(s):
            # (CREATE RULE also takes the lock its actions would on the relations they write)
            return Lock("ACCESS EXCLUSIVE", (_qname(m.group(1)),))
        if m := _POLICY.match(s) or _REPLACE_VIEW.match(s):
            return Lock("ACCESS EXCLUSIVE", (_qname(m.group(1)),))
        if m := _CREATE_TABLE.match(s):
            # a new table locks nothing but the tables its foreign keys reference
            refs = tuple(dict.fromkeys(_qname(r) for r in _REFERENCES.findall(s)))
            refs = tuple(r for r in refs if r != _qname(m.group(1)))
            return Lock("SHARE ROW EXCLUSIVE", refs) if refs else None
    elif word == "DROP":
        if m := _DROP_INDEX.match(s):
            return Lock("SHARE UPDATE EXCLUSIVE" if m.group(1) else "ACCESS EXCLUSIVE",
                        (table or _qname(m.group(2)),))
        if m := (_DROP_TRIGGER.match(s) or _RULE.match(s) or _FOREIGN_TABLE.match(s) or _POLICY.match(s)
                 or _VIEW.match(s) or _DROP_TABLE.match(s)):
            return Lock("ACCESS EXCLUSIVE", (_qname(m.group(1)),))
    elif word == "COMMENT":
        if m := _COMMENT_RULE.match(s):
            return Lock("ACCESS SHARE", (_qname(m.group(1)),))
        if m := _COMMENT_FOREIGN_TABLE.match(s):
            return Lock("SHARE UPDATE EXCLUSIVE", (_qname(m.group(1)),))
        if m := _COMMENT_RELATION.match(s):
            return Lock("SHARE UPDATE EXCLUSIVE", (table or _qname(m.group(1)),))
        if m := _COMMENT_COLUMN.match(s) or _COMMENT_ON_TABLE.match(s):
            return Lock("SHARE UPDATE EXCLUSIVE", (_qname(m.group(1)),))
    elif word in ("UPDATE", "INSERT", "DELETE"):
        if m := _WRITE.match(s):
            return Lock("ROW EXCLUSIVE", (_qname(m.group(1)),), "scan")
    return None


__all__ = ["Lock", "lock_of", "BLOCKS"]
