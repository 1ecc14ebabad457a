"""import --django: a Django project's migrations (ours: tables, an index, a check, a renamed
field, a deleted model, beside Django's own auth and contenttypes) run by its manage.py against a
scratch database, whatever its settings say, and pulled; planned against a database Django
migrated, the result is empty."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from schemacode import api
from schemacode.django import point_at
from schemacode.errors import SchemacodeError

from .conftest import Database

PROJECT = Path(__file__).resolve().parent / "django_project"


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SECRET_KEY", "only-for-tests")  # the settings require it


def test_import_runs_the_migrations_and_plans_empty_against_what_django_built(db: Database) -> None:
    pulled = api.import_django(PROJECT)
    tables = yaml.safe_load(pulled.text)["tables"]
    assert {"shop_product", "shop_order", "django_migrations", "auth_user"} <= set(tables)
    assert "shop_coupon" not in tables  # deleted
    order = tables["shop_order"]["columns"]
    assert "note" in order and "comment" not in order  # renamed
    assert "price_not_negative" in tables["shop_product"]["checks"]
    assert "shop_product_created" in tables["shop_product"]["indexes"]
    assert not [w for w in pulled.warnings if w.startswith("not exact")]
    assert any("django_migrations" in w for w in pulled.warnings)

    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(db.url)
    env = {**os.environ, "POSTGRES_DB": str(params["dbname"]), "POSTGRES_USER": str(params["user"]),
           "POSTGRES_HOST": str(params["host"]), "POSTGRES_PASSWORD": "", "POSTGRES_SSLMODE": "disable"}
    result = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=PROJECT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert api.plan(db.load(pulled.text, "imported.yaml"), db.url).plan.is_empty


REFUSED = '''from django.db import migrations


def elsewhere(apps, schema_editor):
    from django.db.backends.postgresql.base import DatabaseWrapper

    DatabaseWrapper({"ENGINE": "django.db.backends.postgresql", "NAME": "production",
                     "HOST": "127.0.0.1", "PORT": "1", "USER": "app", "PASSWORD": "", "OPTIONS": {},
                     "TIME_ZONE": None, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False,
                     "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False, "TEST": {}}, "other").cursor()


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_delete_coupon")]
    operations = [migrations.RunPython(elsewhere)]
'''


def test_a_connection_made_outside_databases_is_refused(tmp_path: Path) -> None:
    shutil.copytree(PROJECT, tmp_path / "project")
    (tmp_path / "project" / "shop" / "migrations" / "0005_elsewhere.py").write_text(REFUSED)
    with pytest.raises(SchemacodeError) as e:
        api.import_django(tmp_path / "project" / "manage.py")
    assert "connects to database production on 127.0.0.1:1" in str(e.value)
    assert "nothing ran there" in str(e.value)


def test_a_setting_the_environment_lacks_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SECRET_KEY")
    with pytest.raises(SchemacodeError) as e:
        api.import_django(PROJECT)
    assert "django_project/site_config/settings.py:5: manage.py migrate of " in str(e.value)
    assert "KeyError: 'DJANGO_SECRET_KEY'" in str(e.value) and "set it as for running" in str(e.value)


def test_databases_are_pointed_at_the_scratch_database() -> None:
    dbs = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "HOST": "db", "PORT": "6432",
                       "OPTIONS": {"sslmode": "require", "options": "-c search_path=app"}},
           "reports": {"ENGINE": "django.contrib.gis.db.backends.postgis", "NAME": "reports"},
           "cache": {"ENGINE": "django.db.backends.sqlite3", "NAME": "cache.db"}}
    point_at(dbs, "host=/tmp/s dbname=scratch_1 user=postgres")
    assert dbs["default"] == {"ENGINE": "django.db.backends.postgresql", "NAME": "scratch_1",
                              "USER": "postgres", "PASSWORD": "", "HOST": "/tmp/s", "PORT": "",
                              "OPTIONS": {"options": "-c search_path=app"}}
    assert dbs["reports"]["NAME"] == "scratch_1" and dbs["cache"]["NAME"] == "cache.db"
    with pytest.raises(SchemacodeError, match="django.db.backends.sqlite3"):
        point_at({"default": {"ENGINE": "django.db.backends.sqlite3"}}, "dbname=x")
