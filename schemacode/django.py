"""A Django project's migrations as the source of schema.yaml (``import --django``).

``manage.py migrate`` runs in a child process (see child.py) with the project's own settings,
as the team runs it, except for one thing: once Django has read the settings, every PostgreSQL
database in ``DATABASES`` is pointed at the scratch database. However the settings find their
database (a URL, separate variables, a .env file, a vault), the override comes after, so nothing
in the project needs changing and no other database is reached.

Django is not a dependency of schemacode: it is the project's, and schemacode runs in the
project's environment to import it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import SchemacodeError

RECORD_TABLE = "django_migrations"  # Django's record of the migrations a database has had
# Connection settings of an OPTIONS dict that would send the connection elsewhere (or fail on
# the scratch server's socket): dropped; the rest (a search_path, say) is kept.
_TARGET_OPTIONS = {"service", "passfile", "host", "hostaddr", "port", "dbname", "user", "password",
                   "sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "sslcrl"}


def locate(path: str | Path) -> Path:
    """The project's manage.py: given, or in the folder given."""
    p = Path(path)
    if p.is_dir():
        p = p / "manage.py"
    if not p.is_file():
        raise SchemacodeError(f"{p}: no such file",
                              hint="pass the Django project's manage.py, or the folder holding it")
    return p.resolve()


def migrate(manage: Path, conninfo: str) -> None:
    """``manage.py migrate`` against the database ``conninfo`` names, in a child process."""
    from . import child

    what = f"manage.py migrate of {child.shown(str(manage))}"
    outcome = child.run("schemacode.django:migrate_in_child", {"manage": str(manage), "conninfo": conninfo},
                        manage.parent, what)
    if not outcome.ok:
        raise child.failure(
            outcome, what,
            refused_hint="schemacode points every PostgreSQL database of DATABASES at the scratch "
                         "database; a connection made outside DATABASES cannot be pointed there",
            missing_hint="the project imports what is not installed where schemacode runs: run "
                         "schemacode from the project's own environment",
            setting_hint="the project's settings need a value the environment lacks: set it as for "
                         "running manage.py migrate (the database settings need not point anywhere)")


def migrate_in_child(job: dict[str, Any]) -> None:
    """In the child process: manage.py migrate, its databases pointed at the scratch one."""
    import runpy
    import sys

    from django.conf import LazySettings

    from . import child

    target = child.target_of(job["conninfo"])
    read = LazySettings._setup

    def setup(self: Any, name: str | None = None) -> None:
        read(self, name)
        point_at(self._wrapped.DATABASES, job["conninfo"])

    LazySettings._setup = setup
    _guard(target)
    manage = job["manage"]
    sys.path.insert(0, str(Path(manage).parent))
    sys.argv = [manage, "migrate", "--noinput"]
    runpy.run_path(manage, run_name="__main__")


def point_at(databases: dict[str, dict[str, Any]], conninfo: str) -> None:
    """Every PostgreSQL database of ``DATABASES`` at the scratch database (in place)."""
    from psycopg.conninfo import conninfo_to_dict

    if not databases.get("default"):
        raise SchemacodeError("the project's settings have no DATABASES['default'] to migrate")
    params = conninfo_to_dict(conninfo)
    for alias, db in databases.items():
        engine = str(db.get("ENGINE", ""))
        if "postgres" not in engine and "postgis" not in engine:
            if alias == "default":
                raise SchemacodeError(f"DATABASES['default'] uses {engine or 'no ENGINE'}: "
                                      "import --django builds the migrations in PostgreSQL",
                                      hint="import the migrations of a project whose database is PostgreSQL")
            continue
        db.update({"NAME": params.get("dbname"), "USER": params.get("user"),
                   "PASSWORD": params.get("password") or "", "HOST": params.get("host") or "",
                   "PORT": params.get("port") or ""})
        db["OPTIONS"] = {k: v for k, v in (db.get("OPTIONS") or {}).items() if k not in _TARGET_OPTIONS}


def _guard(target: tuple[str, str, str | None]) -> None:
    """A second lock on the door: Django's PostgreSQL backend refuses, before it connects, any
    database that is not the scratch one (a router or app that builds its own settings)."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    from . import child

    params_of = DatabaseWrapper.get_connection_params

    def checked(self: Any) -> dict[str, Any]:
        params: dict[str, Any] = params_of(self)
        ok, where = child.same_target(params, target)
        if not ok:
            child.REFUSED.append(where)
            raise ConnectionRefusedError(f"schemacode refused a connection to {where}")
        return params

    DatabaseWrapper.get_connection_params = checked


__all__ = ["RECORD_TABLE", "locate", "migrate", "point_at"]
