"""Alembic on both sides of schemacode: its history as the source of schema.yaml
(``import --alembic``), and its runner for schemacode's plans (``plan --format alembic``).

Importing runs the project's own env.py, as ``alembic upgrade head`` would, in a child process
(env.py is the project's code: its logging setup, its imports and its ``sys.exit`` stay there),
with the URL of a scratch database handed over every way env.py files commonly read one. A guard
on SQLAlchemy's connect refuses any other database before a connection is opened: an env.py that
hard-codes its URL stops with the setting to change, and nothing runs anywhere else.

A revision file carries a plan's forward SQL in ``upgrade()`` and its backward SQL in
``downgrade()``, staged as ``schemacode apply`` stages them: what PostgreSQL will not run in a
transaction block goes in ``autocommit_block()``, before or after the transactional part.

Alembic and SQLAlchemy are an optional extra (``schemacode[alembic]``): only these two paths
import them, inside the functions that need them.
"""
from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import SchemacodeError

if TYPE_CHECKING:
    from .model import Catalog
    from .plan import Plan, PlannedStatement

VERSION_TABLE = "alembic_version"  # Alembic's record of the revision a database is at
# Where env.py files read their database URL from, besides Alembic's own sqlalchemy.url and
# `-x url=…`: schemacode sets all of these in the child process, to the scratch database.
URL_VARIABLES = ("DATABASE_URL", "SQLALCHEMY_DATABASE_URL", "SQLALCHEMY_DATABASE_URI")
# What `plan` and `check` say when schema.yaml leaves out the version table Alembic keeps
UNDECLARED_VERSION_TABLE = (
    f"schema.yaml does not declare {VERSION_TABLE}, which Alembic keeps in this database: the "
    "revision leaves it to Alembic, but `schemacode plan` and `check` will list it as a table to "
    f"drop. Declare it under tables: as `import --alembic` writes it: {VERSION_TABLE}: "
    "{primary_key: {columns: [version_num], name: alembic_version_pkc}, columns: "
    "{version_num: varchar(32) not null}}")
INSTALL_HINT = "pip install 'schemacode[alembic]' (Alembic and SQLAlchemy)"


def require() -> None:
    """Alembic and SQLAlchemy are there, or a clear error saying how to get them."""
    try:
        import alembic  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as e:
        raise SchemacodeError(f"this needs Alembic and SQLAlchemy ({e.name} is not installed)",
                              hint=INSTALL_HINT) from None


# -- import: run the history in a scratch database ---------------------------------------------

@dataclass(frozen=True)
class Project:
    """Where Alembic's configuration is: an alembic.ini, or only the folder holding env.py."""

    ini: Path | None
    script_location: Path | None  # set when there is no ini to say it
    cwd: Path  # where `alembic upgrade head` is run from: relative paths in the ini mean this

    def __str__(self) -> str:
        return str(self.ini or self.script_location)


def locate(path: str | Path) -> Project:
    """An alembic.ini, a folder holding one, or the folder holding env.py (its alembic.ini,
    if any, is the one beside the folder, as `alembic init` lays them out)."""
    p = Path(path)
    if p.is_file():
        return Project(p.resolve(), None, p.resolve().parent)
    if not p.is_dir():
        raise SchemacodeError(f"{p}: no such file or folder",
                              hint="pass the project's alembic.ini, or the folder holding it")
    p = p.resolve()
    if (p / "alembic.ini").is_file():
        return Project(p / "alembic.ini", None, p)
    if (p / "env.py").is_file():
        beside = p.parent / "alembic.ini"
        if beside.is_file():
            return Project(beside, None, p.parent)
        return Project(None, p, p.parent)
    raise SchemacodeError(f"{p}: no alembic.ini and no env.py in this folder",
                          hint="pass the project's alembic.ini, or the folder holding it (or env.py)")


def upgrade_head(project: Project, conninfo: str, url_env: tuple[str, ...] = ()) -> None:
    """Run ``alembic upgrade head`` for ``project`` against the database ``conninfo`` names
    (a libpq connection string), in a child process; a located error if it fails."""
    from . import child

    require()
    job = {"ini": str(project.ini) if project.ini else None,
           "script_location": str(project.script_location) if project.script_location else None,
           "conninfo": conninfo, "url_env": list(url_env)}
    what = f"alembic upgrade head of {child.shown(str(project))}"
    outcome = child.run("schemacode.alembic:upgrade_in_child", job, project.cwd, what)
    if not outcome.ok:
        raise child.failure(
            outcome, what,
            refused_hint="make env.py take its URL from config.get_main_option(\"sqlalchemy.url\") "
                         f"(schemacode sets it), `-x url=…`, or ${URL_VARIABLES[0]}; or, if it reads "
                         "another environment variable, name it with --url-env NAME",
            missing_hint="env.py imports what is not installed where schemacode runs: run schemacode "
                         "from the project's own environment (pip install 'schemacode[alembic]' there)",
            setting_hint="a setting is missing from the environment; if it is the database URL, name "
                         "the variable with --url-env NAME and schemacode sets it to the scratch "
                         "database's")


def upgrade_in_child(job: dict[str, Any]) -> None:
    """In the child process: the project's history to head, every connection its env.py makes
    checked to be the scratch database's before it opens."""
    from argparse import Namespace

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from . import child

    text = sqlalchemy_url(job["conninfo"])
    expected = child.target_of(job["conninfo"])

    def guard(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        ok, target = child.same_target(cparams, expected)
        if not ok:
            child.REFUSED.append(target)
            raise ConnectionRefusedError(f"schemacode refused a connection to {target}")

    event.listen(Engine, "do_connect", guard)  # every engine env.py makes, of any dialect
    for name in (*URL_VARIABLES, *job["url_env"]):
        os.environ[name] = text
    config = Config(job["ini"]) if job["ini"] else Config()
    if job["script_location"]:
        config.set_main_option("script_location", job["script_location"])
    config.set_main_option("sqlalchemy.url", text.replace("%", "%%"))
    config.cmd_opts = Namespace(x=[f"url={text}"])
    command.upgrade(config, "head")


def sqlalchemy_url(conninfo: str) -> str:
    """A libpq connection string as SQLAlchemy's URL for psycopg 3 (a socket folder as host=)."""
    from psycopg.conninfo import conninfo_to_dict
    from sqlalchemy import URL

    params = {k: str(v) for k, v in conninfo_to_dict(conninfo).items() if v is not None}
    host = params.get("host") or "localhost"
    socket = host.startswith("/")
    url = URL.create("postgresql+psycopg", username=params.get("user"), password=params.get("password"),
                     host=None if socket else host,
                     port=int(params["port"]) if params.get("port") else None,
                     database=params.get("dbname"), query={"host": host} if socket else {})
    return url.render_as_string(hide_password=False)


def leave_out_version_table(catalog: Catalog) -> Catalog:
    """The catalog without Alembic's version table: Alembic writes it, a revision never does."""
    tables = {k: t for k, t in catalog.tables.items() if t.name != VERSION_TABLE}
    return catalog if len(tables) == len(catalog.tables) else replace(catalog, tables=tables)


# -- revision files: a plan for Alembic to run --------------------------------------------------

@dataclass(frozen=True)
class Revision:
    path: Path
    revision: str
    down_revision: str | None


def heads(folder: Path) -> list[str]:
    """The head revisions of the revision files in ``folder`` (Alembic's own reading of them)."""
    require()
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    if not folder.exists() or not any(folder.glob("*.py")):
        return []
    try:
        scripts = ScriptDirectory(str(folder.resolve().parent), version_locations=[str(folder.resolve())])
        return list(scripts.get_heads())
    except CommandError as e:
        raise SchemacodeError(f"{folder}: Alembic cannot read the revision files: {e}") from None
    except Exception as e:  # a revision file that does not import
        raise SchemacodeError(f"{folder}: a revision file does not load: "
                              f"{type(e).__name__}: {e}".strip()) from None


def head_of(folder: Path) -> str | None:
    """The one head of ``folder`` (None: no revisions yet); several are an error."""
    found = heads(folder)
    if len(found) > 1:
        raise SchemacodeError(f"{folder} has {len(found)} heads ({', '.join(sorted(found))})",
                              hint="merge them first (alembic merge heads), then plan again")
    return found[0] if found else None


def next_revision(head: str | None) -> str:
    """The id after ``head``: an id ending in a number is followed by that number plus one, as
    wide (0003 → 0004, rev_12 → rev_13); the first is 0001; after any other id (Alembic's own
    are random hex), a new one made as Alembic makes them."""
    if head is None:
        return "0001"
    m = re.fullmatch(r"(.*?)(\d+)", head)
    if m:
        return f"{m.group(1)}{int(m.group(2)) + 1:0{len(m.group(2))}d}"
    from alembic.util import rev_id

    return str(rev_id())


def database_revision(conn: Any) -> list[str] | None:
    """The revisions the database's alembic_version holds (None: it has no such table)."""
    from .introspect import query_text

    tables = conn.execute(query_text("named_tables"), {"name": VERSION_TABLE}).fetchall()
    if not tables:
        return None
    from .sqltext import qident

    rows = conn.execute(f"SELECT version_num FROM {qident(tables[0][0], tables[0][1])}".encode())
    return sorted(r[0] for r in rows.fetchall())


def check_at_head(database: list[str] | None, head: str | None, folder: Path) -> None:
    """A revision is planned against the state it will run on: the folder's head."""
    if head is None and not database:
        return
    if database == ([head] if head else None):
        return
    at = ", ".join(database) if database else "no revision (it has no alembic_version table)"
    raise SchemacodeError(
        f"the database is at {at}, but {folder}'s head is {head or 'nothing'}: a revision "
        "planned from here would not run after the head",
        hint="run `alembic upgrade head` on this database first (or plan against one that is at "
             "the head), then plan again")


def write(plan: Plan, folder: Path, database: list[str] | None, message: str | None = None,
          source: str | None = None) -> Revision:
    """Write the next revision for ``plan`` into ``folder`` (Alembic's versions folder);
    ``database``: the revisions the planned database is at (database_revision)."""
    from . import migrations

    head = head_of(folder)
    check_at_head(database, head, folder)
    rev = next_revision(head)
    path = folder / f"{rev}_{migrations.slug(plan)}.py"
    if path.exists():
        raise SchemacodeError(f"{path} exists; not overwriting it")
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(revision_text(plan, rev, head, message or _message(plan), source))
    return Revision(path, rev, head)


def _message(plan: Plan) -> str:
    first = plan.changes[0].summary() if plan.changes else "no changes"
    more = len(plan.changes) - 1
    return first + (f" and {more} more change{'s' if more > 1 else ''}" if more > 0 else "")


def revision_text(plan: Plan, rev: str, down: str | None, message: str, source: str | None = None,
                  now: datetime | None = None) -> str:
    from . import __version__

    when = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M:%S")
    head = re.sub(r'[\\"]', "'", message.replace("\n", " "))
    origin = re.sub(r'[\\"]', "'", source or "schema.yaml")
    lines = [
        f'"""{head}',
        "",
        f"Revision ID: {rev}",
        f"Revises: {down or ''}",
        f"Create Date: {when}",
        "",
        f"Written by schemacode {__version__} (plan --format alembic) from {origin}.",
        "upgrade() runs the plan's forward SQL and downgrade() its backward SQL, staged as",
        "`schemacode apply` runs them. Change schema.yaml and plan again rather than edit this file.",
        '"""',
        "from alembic import op",
        "",
        "# revision identifiers, used by Alembic.",
        f"revision = {rev!r}",
        f"down_revision = {down!r}",
        "branch_labels = None",
        "depends_on = None",
        "",
        "",
        "def upgrade() -> None:",
        *_body(plan.forward),
        "",
        "",
        "def downgrade() -> None:",
        *_body(plan.backward),
    ]
    return "\n".join(lines) + "\n"


_PRE = ("# Before the transaction, each on its own: PostgreSQL cannot use an enum value in the",
        "# transaction that adds it, nor drop an index CONCURRENTLY inside one.")
_POST = ("# After the transaction, each on its own: PostgreSQL runs CONCURRENTLY (and what must",
         "# follow it) only outside a transaction block.")


def _body(stmts: tuple[PlannedStatement, ...]) -> list[str]:
    from .apply import Settings
    from .sqltext import literal

    main = [s for s in stmts if s.stage == "main"]
    out = _outside([s for s in stmts if s.stage == "pre"], _PRE)
    if main:
        out += [""] if out else []
        # As apply runs them: a statement waiting longer than this for a lock fails (and the
        # transaction with it) instead of stopping every query queued behind it.
        out.append(f"    op.execute({'SET LOCAL lock_timeout = ' + literal(Settings().lock_timeout)!r})")
        if any(re.match(r"CREATE (OR REPLACE )?(FUNCTION|PROCEDURE)\b", s.sql) for s in main):
            # a function may name a table created later in the same transaction
            out.append("    op.execute('SET LOCAL check_function_bodies = off')")
        for s in main:
            out += _execute(s, "    ")
    post = _outside([s for s in stmts if s.stage == "post"], _POST)
    out += ([""] if out and post else []) + post
    return out or ["    pass"]


def _outside(stmts: list[PlannedStatement], why: tuple[str, ...]) -> list[str]:
    """Statements Alembic must run outside its transaction, each committed on its own."""
    if not stmts:
        return []
    out = ["    " + line for line in why] + ["    with op.get_context().autocommit_block():"]
    for s in stmts:
        out += _execute(s, "        ")
    return out


def _execute(s: PlannedStatement, indent: str) -> list[str]:
    notes = [f"{indent}# {h.kind}: {' '.join(h.message.split())}" for h in s.hazards]
    return notes + [f"{indent}op.execute({python_literal(escape_binds(s.sql.rstrip().rstrip(';')))})"]


def escape_binds(sql: str) -> str:
    """``sql`` as op.execute must be given it to run it as it is: op.execute makes a string a
    SQLAlchemy text(), which reads ``:name`` as a bind parameter (a JSON literal's ``"a":1``)
    and turns ``\\:`` into ``:``. A backslash before each keeps them; checked by undoing it
    with SQLAlchemy's own patterns."""
    from sqlalchemy.sql.compiler import BIND_PARAMS, BIND_PARAMS_ESC

    escaped = BIND_PARAMS_ESC.sub(lambda m: "\\" + m.group(0), sql)
    escaped = BIND_PARAMS.sub(lambda m: "\\" + m.group(0), escaped)
    if BIND_PARAMS.search(escaped) or BIND_PARAMS_ESC.sub(lambda m: m.group(1), escaped) != sql:
        raise SchemacodeError("a statement cannot be written for op.execute as it is "
                              f"(its colons and backslashes): {sql[:200]}")
    return escaped


def python_literal(text: str) -> str:
    """A Python string literal for ``text``: a raw triple-quoted one for SQL over several lines
    (it reads as the SQL does), else repr()."""
    if "\n" in text:
        for q in ('"""', "'''"):
            candidate = f"r{q}{text}{q}"
            try:
                if ast.literal_eval(candidate) == text:
                    return candidate
            except (SyntaxError, ValueError):
                pass
    return repr(text)


__all__ = ["VERSION_TABLE", "Project", "locate", "upgrade_head", "leave_out_version_table",
           "heads", "next_revision", "write", "revision_text"]
