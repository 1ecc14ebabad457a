"""Every `schemacode …` command shown in the README and docs/ runs, in document order, in a
sandbox (a copy of the repo's schema.yaml, a database of its own, the SQL files the commands
name). A command must be accepted as written (no usage error) and end cleanly: exit 0, 2 where
2 means "there are changes", or 1 with a one-line `Error:` (never a traceback)."""
from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from schemacode.cli import main

from .conftest import Database

ROOT = Path(__file__).resolve().parent.parent
ALL_DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MUST_SUCCEED = {"init", "json-schema", "completion", "generate", "pull", "import", "history"}


def commands(path: Path) -> list[str]:
    out = []
    blocks = ci_scripts(path) if path.suffix == ".yml" else \
        re.findall(r"```bash\n(.*?)```", path.read_text(), re.DOTALL)
    for block in blocks:
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("schemacode "):
                    out.append(part)
    return out


def sandbox(db: Database, tmp: Path) -> None:
    shutil.copy(ROOT / "schema.yaml", tmp / "schema.yaml")
    (tmp / "migrations").mkdir()
    for f in sorted((ROOT / "tests" / "sql" / "project_contexts_alembic").glob("*.sql")):
        shutil.copy(f, tmp / "migrations" / f.name)
    shutil.copy(ROOT / "tests" / "sql" / "add_task_management_tables.sql", tmp / "schema_dump.sql")
    shutil.copytree(ROOT / "examples", tmp / "examples")
    (tmp / "sqlite_dump.sql").write_text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n")
    (tmp / "targets.yaml").write_text("targets:\n  - url: ${DATABASE_URL}\n    name: the sandbox\n")
    (tmp / "001_init.sql").write_text("CREATE TABLE a (id serial PRIMARY KEY);\n")
    (tmp / "002_more.sql").write_text("ALTER TABLE a ADD COLUMN name text;\n")
    # an Alembic project (alembic.ini beside its env.py's folder) and a Django one (manage.py)
    shutil.copytree(ROOT / "tests" / "alembic_project" / "migrations", tmp / "alembic")
    (tmp / "alembic.ini").write_text((ROOT / "tests" / "alembic_project" / "alembic.ini").read_text()
                                     .replace("%(here)s/migrations", "%(here)s/alembic"))
    for item in ("manage.py", "site_config", "shop"):
        src = ROOT / "tests" / "django_project" / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp / item)
    db.execute("CREATE SCHEMA app")


def ci_scripts(path: Path) -> list[str]:
    """The shell of a CI file (docs/ci/): GitHub Actions' `run:` steps, GitLab CI's `script:`."""
    import yaml

    doc = yaml.safe_load(path.read_text())
    out = []
    for job in (doc.get("jobs") or doc).values():
        if not isinstance(job, dict):
            continue
        out += [step["run"] for step in job.get("steps", []) if "run" in step]
        out += ["\n".join(job.get("before_script", []) + job.get("script", []))]
    return out


CI_FILES = sorted((ROOT / "docs" / "ci").glob("*.yml"))
DOCS = [d for d in ALL_DOCS + CI_FILES if commands(d)]


def test_the_docs_show_commands() -> None:
    assert len(DOCS) >= 5


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_doc_commands_run(db: Database, tmp_path: Path, doc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cmds = commands(doc)
    sandbox(db, tmp_path)
    monkeypatch.chdir(tmp_path)
    env = {"DATABASE_URL": db.url, "STAGING_URL": db.url, "PROD_URL": db.url,
           "SCHEMACODE_ASSUME_TTY": "1", "DJANGO_SECRET_KEY": "the-docs"}
    for cmd in cmds:
        cmd = cmd.split(" || ")[0]  # the shell's handling of the exit code is the CI's business
        args = [os.path.expandvars(a) if "$" in a else a
                for a in shlex.split(cmd.replace("$DATABASE_URL", db.url))][1:]
        to_file = args[args.index(">") + 1] if ">" in args else None
        args = args[:args.index(">")] if to_file else args
        run_env = env
        if args[:2] == ["server", "stop"]:  # not the servers the other tests use
            run_env = {**env, "SCHEMACODE_HOME": str(tmp_path / "other-home"),
                       "SCHEMACODE_SCRATCH_DIR": str(tmp_path / "other-scratch")}
        result = CliRunner(env=run_env).invoke(main, args, input="y\n")
        where = f"{doc.name}: {cmd}"
        if to_file:
            Path(to_file).write_text(result.stdout)
        if doc in CI_FILES:  # run as CI runs them, they must work, not only be accepted
            assert result.exit_code in (0, 2), f"{where}: exit {result.exit_code} {result.stderr}"
        assert "Traceback" not in result.output, where
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            f"{where}: {result.exception!r}"
        assert "No such option" not in result.stderr and "Usage:" not in result.stderr, \
            f"{where}: {result.stderr}"
        if args[0] in MUST_SUCCEED and "--check" not in args:
            assert result.exit_code == 0, f"{where}: {result.stderr}"
        elif result.exit_code == 1:
            assert result.stderr.startswith(("Error:", "Warning:", "stale:", "migrations:")), \
                f"{where}: {result.stderr}"
        else:
            assert result.exit_code in (0, 2), f"{where}: exit {result.exit_code} {result.stderr}"
