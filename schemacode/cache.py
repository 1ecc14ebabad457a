"""Files in ``$SCHEMACODE_HOME/cache``: pickles written atomically, read back or ignored.

Keys are chosen by the callers (hashes of the input, with the tool's version and code: `key`);
a damaged or foreign entry reads as a miss and is rebuilt.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import threading
import types
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")


def key(*parts: str) -> str:
    """A cache key for ``parts``, with the tool's version and a hash of its code: an entry is
    only read back by the code that wrote it."""
    from . import __version__

    return hashlib.sha256("\0".join([__version__, source_hash(), *parts]).encode()).hexdigest()[:32]


@lru_cache(maxsize=1)
def source_hash() -> str:
    """The package's code (Python, catalog queries and templates): what reads, builds, pickles
    and renders a catalog. The version alone does not say it: a development install changes
    code under one version."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.sql"), *root.rglob("*.j2")]):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def read(path: Path | str, kind: type[T]) -> T | None:
    try:
        with open(path, "rb") as f:
            value = _Reader(f).load()
    except Exception:
        return None
    return value if isinstance(value, kind) else None


def write(path: Path, value: object) -> None:
    """Streamed to a temporary file and renamed: never a half-written entry.

    Catalogs are trees, so the pickler's memo (which remembers every object it wrote, to keep
    shared references shared) only costs: without it, a 5,000-table catalog is written twice as
    fast and without ~60 MB of memo. Anything cyclic falls back to it. (Classes are the one thing
    a catalog refers to over and over: see _Writer.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as f:
            pickler = _Writer(f)
            try:
                pickler.dump(value)
            except (ValueError, KeyError):  # a cycle (or what fast mode takes for one)
                f.seek(0)
                f.truncate()
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class _Writer(pickle.Pickler):
    """Without a memo, but each class (and function) written once and then referred to by its
    number: every object of a catalog names its class, and reading a class's name back (the
    module and attribute looked up) cost a third of reading a catalog."""

    def __init__(self, f: IO[bytes]) -> None:
        super().__init__(f, protocol=pickle.HIGHEST_PROTOCOL)
        self.fast = True
        self.numbers: dict[Any, int] = {}

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is frozenset:
            # Written as its items: the C pickler's fast mode counts a frozenset into its nesting
            # and never out, and from about the 49th in one value takes every object for a
            # cycle (KeyError, ValueError; CPython 3.11–3.13). A plan's changes each hold some.
            return ("frozenset", tuple(obj))
        if type(obj) is type or type(obj) is types.FunctionType:
            n = self.numbers.get(obj)
            if n is None:
                n = self.numbers[obj] = len(self.numbers)
                return (n, obj.__module__, obj.__qualname__)
            return n
        return None


class _Reader(pickle.Unpickler):
    def __init__(self, f: IO[bytes]) -> None:
        super().__init__(f)
        self.known: list[Any] = []

    def persistent_load(self, pid: Any) -> Any:
        if type(pid) is int:
            return self.known[pid]
        if pid[0] == "frozenset":
            return frozenset(pid[1])
        _, module, name = pid
        obj = self.find_class(module, name)
        self.known.append(obj)
        return obj


def replace(path: Path, value: object, older: list[Path]) -> None:
    """``value`` written at ``path`` after the entries it replaces (``older``) are dropped; a
    failure only means a miss next time, never a failed command (as `write_behind`)."""
    for old in older:
        if old != path:
            old.unlink(missing_ok=True)
    try:
        write(path, value)
    except Exception:
        pass


def write_behind(*entries: tuple[Path, object]) -> threading.Thread:
    """Write ``entries`` in order on a thread of their own, while the caller goes on; for values
    the caller no longer changes. Pickling holds the interpreter, so this pays off while the
    caller waits on a database (a cold plan builds the scratch schema meanwhile). The process
    waits for the thread before it exits; a failure only means a miss next time."""
    def run() -> None:
        try:
            for path, value in entries:
                write(path, value)
        except Exception:
            pass

    thread = threading.Thread(target=run, name="schemacode-cache-write")
    thread.start()
    return thread
