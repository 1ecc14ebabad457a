"""The one error type users see."""
from __future__ import annotations


class SchemacodeError(Exception):
    """An error meant for a person: what is wrong, where, and what to do about it.

    The CLI prints it and exits 1, without a traceback. ``file``/``line``/``path`` locate the
    problem in schema.yaml when it comes from there.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.path = path
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        if self.path:
            where += f"{self.path}: "
        text = where + self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class SchemaError(SchemacodeError):
    """schema.yaml is wrong."""


class DatabaseError(SchemacodeError):
    """A database could not be reached or refused what we asked."""


class UnmanagedError(SchemacodeError):
    """The plan would drop or change what an object schemacode does not manage depends on."""
