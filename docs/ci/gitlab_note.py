"""Post a plan (plan --format markdown) as a note on the merge request a GitLab CI job runs
for, or update the note posted before: the one starting with schemacode's marker.

Needs GITLAB_NOTE_TOKEN, a project access token with the api scope; GitLab sets the rest.
Usage: python3 gitlab_note.py plan.md
"""
from __future__ import annotations

import json
import os
import sys
import urllib.request

MARKER = "<!-- schemacode plan -->"


def main(path: str) -> None:
    env = os.environ
    notes = (f"{env['CI_API_V4_URL']}/projects/{env['CI_PROJECT_ID']}/merge_requests/"
             f"{env['CI_MERGE_REQUEST_IID']}/notes")
    headers = {"PRIVATE-TOKEN": env["GITLAB_NOTE_TOKEN"], "Content-Type": "application/json"}
    body = open(path, encoding="utf-8").read()
    with urllib.request.urlopen(urllib.request.Request(f"{notes}?per_page=100&sort=desc", headers=headers)) as r:
        ours = [n for n in json.load(r) if n["body"].startswith(MARKER)]
    method, url = ("PUT", f"{notes}/{ours[0]['id']}") if ours else ("POST", notes)
    request = urllib.request.Request(url, json.dumps({"body": body}).encode(), headers, method=method)
    with urllib.request.urlopen(request) as r:
        print(f"{'updated' if ours else 'posted'} note {json.load(r)['id']}")


if __name__ == "__main__":
    main(sys.argv[1])
