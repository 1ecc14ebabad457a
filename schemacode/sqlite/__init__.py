"""SQLite as a second target: the same schema.yaml, translated (translate.py), built in an
in-memory SQLite and read back through SQLite's own catalog (catalog.py), compared catalog
against catalog (diff.py), applied under BEGIN IMMEDIATE with SQLite's table rebuild where
SQLite cannot ALTER (api.py). A database URL starting ``sqlite:`` picks this path."""
from __future__ import annotations

from ..errors import DatabaseError


def q(name: str) -> str:
    """An SQLite identifier, always quoted (the text stays the same whatever the name)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """An SQLite string literal (no E'' syntax: a backslash is an ordinary character there)."""
    return "'" + value.replace("'", "''") + "'"


def is_sqlite(url: str | None) -> bool:
    return bool(url) and str(url).startswith("sqlite:")


def path_of(url: str) -> str:
    """sqlite:///relative.db, sqlite:////absolute.db, sqlite:///:memory: → the file SQLite opens."""
    rest = url[len("sqlite:"):]
    if rest.startswith("///"):
        return rest[3:] or ":memory:"
    if rest.startswith("//"):
        raise DatabaseError(f"{url}: a SQLite URL has no host: sqlite:///relative.db or sqlite:////abs/path.db")
    return rest or ":memory:"


__all__ = ["is_sqlite", "path_of", "q", "literal"]
