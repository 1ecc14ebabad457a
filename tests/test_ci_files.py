"""The CI files docs/deploying.md shows (docs/ci/) are valid YAML of the shape GitHub Actions and
GitLab CI read; their schemacode commands run in tests/test_doc_commands.py; the script that
posts the plan on a GitLab merge request posts once, then updates that note."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemacode.markdown import MARKER

from .test_doc_commands import CI_FILES, commands

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "docs" / "ci"


def test_the_ci_files_are_there_and_shown_in_the_docs() -> None:
    names = {p.name for p in CI_FILES}
    assert names == {"github-schema-plan.yml", "github-schema-drift.yml", "gitlab-ci.yml"}
    deploying = (ROOT / "docs" / "deploying.md").read_text()
    assert all(f"docs/ci/{n}" in deploying for n in names | {"gitlab_note.py"})


@pytest.mark.parametrize("path", CI_FILES, ids=lambda p: p.name)
def test_ci_file_is_valid_yaml_for_its_ci(path: Path) -> None:
    doc = yaml.safe_load(path.read_text())
    if path.name.startswith("github"):
        triggers = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
        assert triggers and doc["jobs"]
        for job in doc["jobs"].values():
            assert job["runs-on"] and job["steps"]
            assert all(("run" in s) != ("uses" in s) for s in job["steps"])
    else:
        stages = doc["stages"]
        jobs = {k: v for k, v in doc.items() if k != "stages" and not k.startswith(".")}
        assert jobs
        for job in jobs.values():
            merged = {**doc.get(job.get("extends", ""), {}), **job}
            assert merged["stage"] in stages and merged["script"] and merged["image"]
            assert all(isinstance(line, str) for line in merged["script"])
    cmds = commands(path)
    assert cmds and all(c.startswith("schemacode plan ") and "--detailed-exitcode" in c for c in cmds)


def test_the_pull_request_job_posts_the_markdown_plan() -> None:
    plan = yaml.safe_load((CI / "github-schema-plan.yml").read_text())
    steps = plan["jobs"]["plan"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "--format markdown" in runs and "--body-file plan.md --edit-last --create-if-none" in runs
    assert plan["permissions"]["pull-requests"] == "write"
    gitlab = yaml.safe_load((CI / "gitlab-ci.yml").read_text())
    assert any("gitlab_note.py plan.md" in line for line in gitlab["schema-plan"]["script"])
    assert gitlab["schema-plan"]["rules"][0]["changes"] == ["schema.yaml"]


class _GitLab(BaseHTTPRequestHandler):
    """GitLab's notes API for one merge request, as far as gitlab_note.py uses it."""

    notes: list[dict[str, Any]] = []
    seen: list[tuple[str, str, str | None]] = []

    def _reply(self, data: Any) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self.seen.append(("GET", self.path, self.headers["PRIVATE-TOKEN"]))
        self._reply(list(reversed(self.notes)))

    def _body(self) -> str:
        return str(json.loads(self.rfile.read(int(self.headers["Content-Length"])))["body"])

    def do_POST(self) -> None:  # noqa: N802
        self.seen.append(("POST", self.path, None))
        self.notes.append({"id": len(self.notes) + 1, "body": self._body()})
        self._reply(self.notes[-1])

    def do_PUT(self) -> None:  # noqa: N802
        self.seen.append(("PUT", self.path, None))
        note = next(n for n in self.notes if self.path.endswith(f"/notes/{n['id']}"))
        note["body"] = self._body()
        self._reply(note)

    def log_message(self, *args: Any) -> None:
        pass


def test_gitlab_note_posts_then_updates(tmp_path: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _GitLab)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _GitLab.notes = [{"id": 1, "body": "LGTM"}]
    env = {**os.environ, "CI_API_V4_URL": f"http://127.0.0.1:{server.server_port}/api/v4",
           "CI_PROJECT_ID": "7", "CI_MERGE_REQUEST_IID": "42", "GITLAB_NOTE_TOKEN": "t0ken"}
    try:
        for text in ("first plan", "second plan"):
            (tmp_path / "plan.md").write_text(f"{MARKER}\n{text}\n")
            result = subprocess.run([sys.executable, str(CI / "gitlab_note.py"), "plan.md"], cwd=tmp_path,
                                    env=env, capture_output=True, text=True, timeout=30)
            assert result.returncode == 0, result.stderr
    finally:
        server.shutdown()
    notes = "/api/v4/projects/7/merge_requests/42/notes"
    assert [(m, p.split("?")[0]) for m, p, _ in _GitLab.seen] == [
        ("GET", notes), ("POST", notes), ("GET", notes), ("PUT", f"{notes}/2")]
    assert _GitLab.seen[0][2] == "t0ken"
    assert _GitLab.notes == [{"id": 1, "body": "LGTM"}, {"id": 2, "body": f"{MARKER}\nsecond plan\n"}]
