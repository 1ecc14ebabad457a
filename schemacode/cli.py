"""The command line: a thin layer over schemacode.api."""
from __future__ import annotations

import os
import sys
from typing import Any, Callable, TypeVar

import click

from . import __version__, api
from .errors import SchemacodeError
from .render import plan_json, plan_text

F = TypeVar("F", bound=Callable[..., Any])


def _common(f: F) -> F:
    f = click.option("--dev-url", envvar="SCHEMACODE_DEV_URL", metavar="URL",
                     help="PostgreSQL server for the scratch database (default: the embedded one). "
                          "schemacode creates and drops a temporary database there.")(f)
    f = click.option("--database-url", envvar="DATABASE_URL", metavar="URL",
                     help="The target database (default: $DATABASE_URL, else database "
                          "'schemacode' on the embedded PostgreSQL).")(f)
    f = click.option("--schema", "schema_path", default="schema.yaml", show_default=True,
                     type=click.Path(dir_okay=False), help="The schema file.")(f)
    return f


def _color(no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def _run(fn: Callable[[], int]) -> None:
    try:
        code = fn()
    except SchemacodeError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="schemacode")
def main() -> None:
    """Declarative schema-as-code for PostgreSQL.

    Declare the schema in schema.yaml; `plan` shows what would change in a database,
    `apply` changes it.
    """


@main.command()
@_common
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sql"]), default="text",
              show_default=True, help="text for people, json for programs, sql for the forward script.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when there is nothing to do, 2 when there are changes, 1 on error.")
@click.option("--no-color", is_flag=True, help="No colors (also when NO_COLOR is set).")
def plan(schema_path: str, database_url: str | None, dev_url: str | None, fmt: str,
         detailed_exitcode: bool, no_color: bool) -> None:
    """Show what applying schema.yaml would change: summary, forward SQL, backward SQL, hazards.

    \b
    Example:
      schemacode plan --database-url postgresql://app@db/app --detailed-exitcode
    """
    def go() -> int:
        planned = api.plan(schema_path, database_url, dev_url)
        for w in planned.warnings:
            click.echo(f"Warning: {w}", err=True)
        if fmt == "json":
            click.echo(plan_json(planned.plan, planned.warnings), nl=False)
        elif fmt == "sql":
            from .render import sql_text
            click.echo(sql_text(planned.plan.forward), nl=False)
        else:
            click.echo(plan_text(planned.plan, color=_color(no_color)), nl=False)
        return 2 if detailed_exitcode and not planned.plan.is_empty else 0

    _run(go)


@main.command()
@_common
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option("--allow-destructive", is_flag=True, help="Allow statements that destroy data.")
@click.option("--lock-timeout", default="5s", show_default=True,
              help="How long a statement waits for a lock before the apply fails.")
@click.option("--statement-timeout", default="0", show_default=True,
              help="Longest a statement may run (0: no limit).")
@click.option("--no-color", is_flag=True, help="No colors (also when NO_COLOR is set).")
def apply(schema_path: str, database_url: str | None, dev_url: str | None, auto_approve: bool,
          allow_destructive: bool, lock_timeout: str, statement_timeout: str, no_color: bool) -> None:
    """Apply schema.yaml to the database, in one transaction, recorded in schemacode_history.

    Shows the plan and asks before applying (unless --auto-approve). Two applies at once are
    serialized by an advisory lock; the second finds nothing left to do.

    \b
    Example:
      schemacode apply --database-url "$DATABASE_URL" --auto-approve
    """
    def go() -> int:
        color = _color(no_color)
        planned = api.plan(schema_path, database_url, dev_url)
        for w in planned.warnings:
            click.echo(f"Warning: {w}", err=True)
        if planned.plan.is_empty:
            click.echo("No changes. The database matches the schema.")
            return 0
        click.echo(plan_text(planned.plan, color=color), nl=False)
        from .apply import check_allowed
        check_allowed(planned.plan, allow_destructive)
        if not auto_approve:
            if not sys.stdin.isatty() and not os.environ.get("SCHEMACODE_ASSUME_TTY"):
                click.echo("Error: not applying without confirmation; pass --auto-approve.", err=True)
                return 1
            if not click.confirm("Apply these changes?", default=False):
                click.echo("Nothing applied.")
                return 1
        result = api.apply(planned.loaded, database_url, dev_url,
                           allow_destructive=allow_destructive,
                           expected_fingerprint=planned.plan.current_fingerprint,
                           lock_timeout=lock_timeout, statement_timeout=statement_timeout)
        if not result.applied:
            click.echo("No changes. The database matches the schema.")
            return 0
        click.echo(f"Applied {len(result.plan.forward)} statements in {result.duration_ms} ms "
                   f"(history id {result.history_id}).")
        return 0

    _run(go)


@main.command()
@click.option("--schema", "schema_path", default="schema.yaml", show_default=True,
              type=click.Path(dir_okay=False), help="The schema file.")
@click.option("--out", default="generated", show_default=True, type=click.Path(file_okay=False),
              help="The package folder to write.")
@click.option("--dev-url", envvar="SCHEMACODE_DEV_URL", metavar="URL",
              help="PostgreSQL server for the scratch database (default: the embedded one).")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 and name the stale files if --out is not up to date.")
def generate(schema_path: str, out: str, dev_url: str | None, check: bool) -> None:
    """Write typed Python dataclasses (one per table and view, an Enum per enum) into --out.

    \b
    Example:
      schemacode generate --out app/db/generated
      schemacode generate --check        # in CI: fails when generated/ is stale
    """
    def go() -> int:
        result = api.generate(schema_path, out, dev_url, check=check)
        if check:
            if result.stale:
                for p in result.stale:
                    click.echo(f"stale: {p}", err=True)
                click.echo("Generated code is out of date; run `schemacode generate`.", err=True)
                return 1
            click.echo(f"{out} is up to date.")
            return 0
        for p in result.written:
            click.echo(f"wrote {p}")
        if not result.written:
            click.echo(f"{out} is up to date.")
        return 0

    _run(go)


def _write_pulled(pulled: api.Pulled, output: str | None) -> None:
    for w in pulled.warnings:
        click.echo(f"Warning: {w}", err=True)
    if output in (None, "-"):
        click.echo(pulled.text, nl=False)
    else:
        from pathlib import Path
        Path(output).write_text(pulled.text)
        click.echo(f"wrote {output} (schemas: {', '.join(pulled.schemas)})", err=True)


@main.command()
@click.option("--database-url", envvar="DATABASE_URL", metavar="URL",
              help="The database to read (default: $DATABASE_URL, else the embedded one).")
@click.option("--schemas", help="Comma-separated schemas to read (default: every user schema).")
@click.option("-o", "--output", metavar="FILE", help="Write here instead of standard output.")
def pull(database_url: str | None, schemas: str | None, output: str | None) -> None:
    """Write schema.yaml for what a live database holds.

    Objects schema.yaml cannot declare yet are named in a warning, never dropped silently.

    \b
    Example:
      schemacode pull --database-url "$DATABASE_URL" -o schema.yaml
    """
    def go() -> int:
        scope = [s.strip() for s in schemas.split(",") if s.strip()] if schemas else None
        _write_pulled(api.pull(database_url, scope), output)
        return 0

    _run(go)


@main.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--dev-url", envvar="SCHEMACODE_DEV_URL", metavar="URL",
              help="PostgreSQL server to run the SQL in (default: the embedded one).")
@click.option("--schemas", help="Comma-separated schemas to read (default: every user schema).")
@click.option("-o", "--output", metavar="FILE", help="Write here instead of standard output.")
def import_(paths: tuple[str, ...], dev_url: str | None, schemas: str | None,
            output: str | None) -> None:
    """Write schema.yaml for what SQL files build (a pg_dump --schema-only, or a folder of
    migrations applied in name order).

    \b
    Example:
      schemacode import migrations/ -o schema.yaml
      pg_dump --schema-only app > app.sql && schemacode import app.sql -o schema.yaml
    """
    def go() -> int:
        scope = [s.strip() for s in schemas.split(",") if s.strip()] if schemas else None
        _write_pulled(api.import_sql(list(paths), dev_url, scope), output)
        return 0

    _run(go)


if __name__ == "__main__":  # pragma: no cover
    main()
