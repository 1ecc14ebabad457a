"""Run a project's own migration code (Alembic's env.py, Django's manage.py) in a child Python
process, against a scratch database, and bring back what happened.

The code is the project's: its logging setup, its imports, its settings and its ``sys.exit``
stay in the child. The child writes the outcome as JSON (ok; a connection it refused, and
where to; or the exception and the project file and line it came from) for the parent to turn
into one located error.
"""
from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import DatabaseError, SchemacodeError

# Where a guard in the child notes a connection it refused (to a database that is not the
# scratch one): the outcome says so whatever exception the refusal turned into on its way up.
REFUSED: list[str] = []


@dataclass(frozen=True)
class Outcome:
    ok: bool
    refused: str | None = None  # "database X on host:port" that the code tried to reach
    type: str | None = None  # the exception's class, module, message, and the project's line
    module: str = ""
    message: str = ""
    file: str | None = None
    line: int | None = None
    exit_code: int | None = None  # a sys.exit other than 0
    stderr: str = ""


def run(entry: str, job: dict[str, Any], cwd: Path, what: str, timeout: float = 3600) -> Outcome:
    """Call ``entry`` ("module:function", given ``job``) in a child process working in ``cwd``."""
    with tempfile.TemporaryDirectory(prefix="schemacode-child-") as tmp:
        result = Path(tmp) / "outcome.json"
        payload = json.dumps({"entry": entry, "job": job, "result": str(result)})
        try:
            proc = subprocess.run([sys.executable, "-c", "from schemacode.child import serve; serve()"],
                                  input=payload, capture_output=True, text=True, cwd=cwd, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise DatabaseError(f"{what} ran for {timeout / 60:.0f} minutes in the scratch database; "
                                "stopped") from None
        data = json.loads(result.read_text()) if result.exists() else {"ok": False}
    return Outcome(**data, stderr=proc.stderr)


def serve() -> None:
    """The child's side: read the job, call the entry, write the outcome."""
    request = json.loads(sys.stdin.read())
    module, _, name = request["entry"].partition(":")
    outcome: dict[str, Any]
    try:
        fn: Callable[[dict[str, Any]], None] = getattr(importlib.import_module(module), name)
        fn(request["job"])
        outcome = {"ok": True}
    except SystemExit as e:  # the project's code ends the process its own way
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        outcome = {"ok": True} if code == 0 and not REFUSED else \
            {"ok": False, **(_refused() or {"exit_code": code})}
    except BaseException as e:
        outcome = {"ok": False, **(_refused() or _exception(e))}
    Path(request["result"]).write_text(json.dumps(outcome))


def _refused() -> dict[str, Any] | None:
    return {"refused": REFUSED[0]} if REFUSED else None


def _exception(e: BaseException) -> dict[str, Any]:
    """The exception, and the deepest frame in the project's own files (a revision, env.py,
    a migration): not the libraries', wherever they are installed."""
    root = Path.cwd()
    found: tuple[str, int | None] | None = None
    for frame in traceback.extract_tb(e.__traceback__):
        path = Path(frame.filename)
        if path.is_absolute() and root in path.parents and not {".venv", "site-packages"} & set(path.parts):
            found = (str(path), frame.lineno)
    if found is None and isinstance(e, SyntaxError) and e.filename:
        found = (str(Path(e.filename).resolve()), e.lineno)
    return {"type": type(e).__name__, "module": type(e).__module__, "message": str(e).strip(),
            "file": found[0] if found else None, "line": found[1] if found else None}


def failure(outcome: Outcome, what: str, refused_hint: str, missing_hint: str,
            setting_hint: str) -> SchemacodeError:
    """The error for an outcome that is not ok. ``what``: the command, as the person knows it
    (``alembic upgrade head of alembic.ini``); the hints: which setting to change when the code
    connected elsewhere, what to do when an import fails or a setting is missing."""
    if outcome.refused:
        return SchemacodeError(
            f"{what}: the project's code connects to {outcome.refused}, not to the scratch database "
            "schemacode made for the import; the connection was refused before it opened, nothing "
            "ran there", hint=refused_hint)
    if outcome.type:
        hint = None
        if outcome.module.startswith(("sqlalchemy", "psycopg", "django.db")):
            hint = ("the scratch database is a fresh, empty one: a migration that needs rows, or an "
                    "extension the server lacks, fails there (pass --dev-url for a server that has it)")
        elif outcome.type in ("ModuleNotFoundError", "ImportError"):
            hint = missing_hint
        elif outcome.type in ("KeyError", "EnvNotSetError", "ImproperlyConfigured"):
            hint = setting_hint
        return DatabaseError(f"{what} failed in the scratch database: {outcome.type}: {outcome.message}",
                             file=shown(outcome.file) if outcome.file else None, line=outcome.line,
                             hint=hint)
    tail = "\n".join(outcome.stderr.strip().splitlines()[-15:])
    code = f" (exit {outcome.exit_code})" if outcome.exit_code is not None else ""
    return DatabaseError(f"{what} failed in the scratch database{code}:\n{tail}")


def shown(path: str) -> str:
    """A path as the person running the command names it: from their folder when it is below."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def same_target(params: dict[str, Any], expected: tuple[str, str, str | None]) -> tuple[bool, str]:
    """Are connection parameters (libpq's names, or a driver's: ``database``) for the scratch
    database ``expected`` (host, port, database)? And the target, said for people."""
    got = (str(params.get("host") or "localhost"), str(params.get("port") or 5432),
           params.get("dbname") or params.get("database") or params.get("NAME"))
    return got == expected, f"database {got[2]} on {got[0]}:{got[1]}"


def target_of(conninfo: str) -> tuple[str, str, str | None]:
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(conninfo)
    return (str(params.get("host") or "localhost"), str(params.get("port") or 5432),
            str(params["dbname"]) if params.get("dbname") else None)


__all__ = ["Outcome", "run", "serve", "failure", "REFUSED", "same_target", "target_of"]
