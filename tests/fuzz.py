"""A mutator of schema.yaml files, and the loader run on what it makes.

Seeds are the repository's own schemas (schema.yaml, examples/**/schema.yaml) and the schema.yaml
snippets of the docs (they cover every kind). Each input is made from one seed by a few
mutations, chosen by a ``random.Random`` seeded with ``(seed, index)``: input ``i`` of seed ``s``
is always the same text, whichever inputs are made before it.

- Structural mutations edit the YAML tree (delete, duplicate, rename or swap keys; change a
  scalar's type; None; lists ↔ mappings; odd names, unicode, huge numbers, broken SQL; a subtree
  shared through an anchor, or merged into a mapping with ``<<: *anchor``), and the tree is written
  back by a small emitter of our own, which picks block or flow style, plain or quoted scalars,
  and writes anchors, aliases and merge keys.
- Textual mutations edit the written text (delete, duplicate, swap, re-indent or cut lines,
  insert odd characters or YAML of its own: tags, anchors, aliases, merge keys).

``run_one`` loads a text and says how it ended: ``ok``, ``error`` (a SchemaError carrying a file
and a line inside the text), or a failure: ``unlocated`` (a SchemaError without them), ``crash``
(any other exception) and ``hang`` (still loading after 10 s). tests/test_fuzz.py runs a few thousand; bench/fuzz_load.py runs
as many as asked and counts them.
"""
from __future__ import annotations

import base64
import copy
import datetime
import json
import math
import random
import re
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from schemacode.errors import SchemaError
from schemacode.load import load_text

ROOT = Path(__file__).resolve().parent.parent
FILENAME = "fuzzed.yaml"


def seeds() -> list[tuple[str, str]]:
    """(name, text) of every seed: the repo's schemas, then the docs' snippets that load."""
    out = [(str(p.relative_to(ROOT)), p.read_text())
           for p in [ROOT / "schema.yaml", *sorted((ROOT / "examples").glob("**/schema.yaml"))]]
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for i, m in enumerate(re.finditer(r"```yaml\n(.*?)```", doc.read_text(), re.DOTALL)):
            try:
                load_text(m.group(1))
            except SchemaError:
                continue  # a snippet that shows an error, or needs its context
            out.append((f"{doc.relative_to(ROOT)}#{i}", m.group(1)))
    return out


# -- odd values -------------------------------------------------------------------------------
ODD_NAMES = ["", " ", "a.b", "a.b.c", ".", "x" * 70, "Ünïcödé", "تست", "名前", "🙂", "a b", "a\tb",
             '"', "'", "a'b", "\\", "null", "true", "~", "1", "-1", "0x1F", "<<", "&a", "*a", "!x",
             "#c", "a: b", "- a", "a,b", "[a]", "{a}", "%", "@", "`", "pg_catalog.x", "schemacode.t",
             "public.", ".t", "a" * 300, "\u200b", "e\u0301", "NaN", "2001-01-01"]
BROKEN_SQL = ["(", ")", "a +", "SELECT", "1; DROP TABLE x", "'unterminated", "$$", "$$ x", "now(",
              "a::", "ARRAY[", "CASE WHEN", "status IN (", "status IN ('a',)", "--", "/*", "1 AS x",
              "a b c", "✓", "E'\\x'", "NULL::", "(SELECT 1) AS t", "a = = b", "x IS", "::int",
              "ROW(", "interval", "'a' || ", "nextval(", "1e999999", "\"", "\"\"", "x[1", "a.b.c.d.e",
              "$1", ":name", "%s", "{sql: x}", "BEGIN", "END;", "RETURN", "'\\'"]
SCALARS: list[Any] = [None, True, False, 0, -1, 1, 2 ** 63, -(2 ** 63) - 1, 10 ** 40, 1.5, -0.0,
                      float("inf"), float("-inf"), float("nan"), "", " ", "x", "0", "yes", "null",
                      datetime.date(2001, 1, 1), b"\x00\xff", "9" * 5000]


@dataclass(frozen=True)
class Plain:
    """A scalar to be written unquoted, whatever YAML makes of it (`yes`, `~`, `0o17`, `<<`)."""

    text: str


KEY_ODDITIES: list[Any] = [Plain("[a, b]"), Plain("{a: 1}"), Plain("[]"), Plain("? x"), Plain("*a0"),
                           Plain("&k x"), Plain("!!str x"), Plain("!!int 1"), Plain("~"), Plain("1.5")]
PLAIN_ODDITIES = ["yes", "no", "on", "off", "~", "null", "Null", "0o17", "0x1F", "0b101", "1_000",
                  "1e3", ".inf", "-.inf", ".nan", "2001-01-01", "2001-01-01 12:00:00", "12:30:45",
                  "<<", "=", "1.", "+1", "-", "0777", "1:2:3", "!!str", "9" * 5000, "1" + "0" * 400,
                  "0." + "0" * 300 + "1"]


# -- structural mutations -----------------------------------------------------------------------
class _Tree:
    """The tree of one document, and the containers in it (for picking places)."""

    def __init__(self, root: Any) -> None:
        self.root = root

    def containers(self) -> list[Any]:
        out: list[Any] = []
        seen: set[int] = set()

        def walk(node: Any) -> None:
            if isinstance(node, (dict, list)) and id(node) not in seen:
                seen.add(id(node))
                out.append(node)
                for child in (node.values() if isinstance(node, dict) else node):
                    walk(child)
        walk(self.root)
        return out

    def maps(self) -> list[dict[Any, Any]]:
        return [c for c in self.containers() if isinstance(c, dict)]


def _slot(rnd: random.Random, tree: _Tree) -> tuple[Any, Any] | None:
    """A random (container, key or index) that holds a value."""
    places = [c for c in tree.containers() if c]
    if not places:
        return None
    c = rnd.choice(places)
    return c, rnd.choice(list(c) if isinstance(c, dict) else range(len(c)))


def _odd_value(rnd: random.Random, tree: _Tree) -> Any:
    roll = rnd.random()
    if roll < 0.3:
        return rnd.choice(SCALARS)
    if roll < 0.5:
        return rnd.choice(BROKEN_SQL)
    if roll < 0.6:
        return Plain(rnd.choice(PLAIN_ODDITIES))
    if roll < 0.7:
        return rnd.choice(ODD_NAMES)
    if roll < 0.8:
        return rnd.choice([{}, [], {"x": None}, [None], [[]], {"sql": rnd.choice(BROKEN_SQL)}])
    slot = _slot(rnd, tree)  # another part of the document: the right shape in the wrong place
    if slot is None:
        return None
    c, k = slot
    return c[k]


def _delete(rnd: random.Random, tree: _Tree) -> None:
    slot = _slot(rnd, tree)
    if slot:
        c, k = slot
        del c[k]


def _replace(rnd: random.Random, tree: _Tree) -> None:
    slot = _slot(rnd, tree)
    if slot:
        c, k = slot
        c[k] = _odd_value(rnd, tree)


def _in_place(change: Callable[[random.Random, Any], Any]) -> Callable[[random.Random, _Tree], None]:
    """A mutation that puts ``change(value)`` where a random value of the document was."""
    def mutate(rnd: random.Random, tree: _Tree) -> None:
        slot = _slot(rnd, tree)
        if slot:
            c, k = slot
            c[k] = change(rnd, c[k])
    return mutate


@_in_place
def _retype(rnd: random.Random, v: Any) -> Any:
    """A scalar as another type of scalar: text as a number, a number as text, a bool as null."""
    if isinstance(v, str):
        return rnd.choice([Plain(v) if v and "\n" not in v else 0, len(v), [v], {v: v}, v * 3,
                           v.upper(), v[: len(v) // 2], v + rnd.choice(BROKEN_SQL)])
    if isinstance(v, bool) or v is None:
        return rnd.choice(["true", "yes", 1, 0, None, Plain("~"), "", [v]])
    if isinstance(v, (int, float)):
        return rnd.choice([str(v), -v, v * 10 ** 30, float(v), 2 ** 64, Plain(str(v) + "e999")])
    return rnd.choice([None, "", 0, True])


@_in_place
def _swap_shape(rnd: random.Random, v: Any) -> Any:
    """A list as a mapping and a mapping as a list (of keys, of values, of one-key maps)."""
    if isinstance(v, dict):
        return rnd.choice([list(v), list(v.values()), [{a: b} for a, b in v.items()],
                           [{"name": a, **(b if isinstance(b, dict) else {"value": b})} for a, b in v.items()]])
    if isinstance(v, list):
        return rnd.choice([{str(i): x for i, x in enumerate(v)},
                           {(x if isinstance(x, str) else str(x)): None for x in v}, v[0] if v else None])
    return rnd.choice([[v], {str(v): v}, {"sql": v}, {"type": v}])


def _rename_key(rnd: random.Random, tree: _Tree) -> None:
    maps = [m for m in tree.maps() if m]
    if not maps:
        return
    m = rnd.choice(maps)
    old = rnd.choice(list(m))
    new = rnd.choice(ODD_NAMES + KEY_ODDITIES + [old.upper() if isinstance(old, str) else "X", f"{old}_", f"{old}.{old}"])
    if new not in m:
        _rebuild(m, [(new if k == old else k, v) for k, v in m.items()])


def _duplicate_key(rnd: random.Random, tree: _Tree) -> None:
    """An entry copied under another name: a second table, column, index or key of the same kind."""
    maps = [m for m in tree.maps() if m]
    if not maps:
        return
    m = rnd.choice(maps)
    k = rnd.choice(list(m))
    new = rnd.choice([f"{k}2", f"{k}_copy", f"public.{k}", rnd.choice(ODD_NAMES)])
    if new not in m:
        m[new] = _copy(m[k])


def _swap_keys(rnd: random.Random, tree: _Tree) -> None:
    """Two values swapped: in one mapping, or between two places of the document."""
    a, b = _slot(rnd, tree), _slot(rnd, tree)
    if a and b and (a[0] is not b[0] or a[1] != b[1]):
        (ca, ka), (cb, kb) = a, b
        ca[ka], cb[kb] = cb[kb], ca[ka]


def _reorder(rnd: random.Random, tree: _Tree) -> None:
    maps = [m for m in tree.maps() if len(m) > 1]
    if maps:
        m = rnd.choice(maps)
        items = list(m.items())
        rnd.shuffle(items)
        _rebuild(m, items)


def _share(rnd: random.Random, tree: _Tree) -> None:
    """A subtree used twice: the emitter writes an anchor and an alias."""
    src, dst = _slot(rnd, tree), _slot(rnd, tree)
    if src and dst:
        dst[0][dst[1]] = src[0][src[1]]


def _merge(rnd: random.Random, tree: _Tree) -> None:
    """``<<: *anchor`` into a mapping: another mapping (a sibling column, table …), a list of them,
    or something that cannot be merged."""
    maps = tree.maps()
    if not maps:
        return
    into = rnd.choice(maps)
    roll = rnd.random()
    if roll < 0.6:
        source: Any = rnd.choice(maps)
    elif roll < 0.8:
        source = rnd.sample(maps, min(len(maps), rnd.randint(1, 3)))
    else:
        source = _odd_value(rnd, tree)
    items = [(k, v) for k, v in into.items() if k != "<<"]
    items.insert(rnd.randint(0, len(items)), ("<<", source))
    _rebuild(into, items)


def _deepen(rnd: random.Random, tree: _Tree) -> None:
    slot = _slot(rnd, tree)
    if slot:
        c, k = slot
        v: Any = c[k]
        for _ in range(rnd.choice([2, 10, 40])):
            v = rnd.choice([[v], {"x": v}])
        c[k] = v


def _rebuild(m: dict[Any, Any], items: list[tuple[Any, Any]]) -> None:
    m.clear()
    m.update(items)


def _copy(node: Any) -> Any:
    return copy.deepcopy(node)  # (keeps what is shared shared, and cycles as cycles)


STRUCTURAL: list[Callable[[random.Random, _Tree], None]] = [
    _delete, _delete, _replace, _replace, _retype, _retype, _swap_shape, _rename_key, _duplicate_key,
    _swap_keys, _reorder, _share, _merge, _merge, _deepen,
]


# -- the emitter --------------------------------------------------------------------------------
_RESOLVER = yaml.resolver.Resolver()  # what a plain scalar would be read as
_SAFE_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_ ().:'=<>*/+-]*[A-Za-z0-9_)']|[A-Za-z_]")  # no flow indicators


class _Emitter:
    """The tree back to YAML text, in a style chosen at random; a node met twice is an anchor
    then an alias (a merge key's value too)."""

    def __init__(self, rnd: random.Random, root: Any) -> None:
        self.rnd = rnd
        counts: dict[int, int] = {}

        def count(node: Any) -> None:
            if isinstance(node, (dict, list)):
                counts[id(node)] = counts.get(id(node), 0) + 1
                if counts[id(node)] == 1:
                    for child in (node.values() if isinstance(node, dict) else node):
                        count(child)
        count(root)
        self.shared = {k for k, n in counts.items() if n > 1}
        self.anchors: dict[int, str] = {}
        self.open: set[int] = set()  # being written: a reference to it now is a cycle

    def text(self, root: Any) -> str:
        return "\n".join(self.block(root, 0)) + "\n"

    def _anchor(self, node: Any) -> tuple[str | None, str]:
        """(alias to write instead, or None; anchor prefix to write before the node)."""
        if id(node) not in self.shared:
            return None, ""
        if id(node) in self.anchors:
            return f"*{self.anchors[id(node)]}", ""
        if id(node) in self.open:
            return "null", ""  # a cycle: the emitter cannot write it as YAML's reader would want
        name = f"a{len(self.anchors)}"
        self.anchors[id(node)] = name
        return None, f"&{name} "

    def block(self, node: Any, indent: int) -> list[str]:
        """Lines of a document (or of a block value) at ``indent``."""
        alias, anchor = self._anchor(node) if isinstance(node, (dict, list)) else (None, "")
        if alias:
            return [" " * indent + alias]
        pad = " " * indent
        if isinstance(node, (dict, list)) and node and self.rnd.random() > 0.15 and not anchor:
            self.open.add(id(node))
            lines = self.block_body(node, indent)
            self.open.discard(id(node))
            return lines
        return [pad + anchor + self.flow(node)]

    def entry(self, head: str, value: Any, indent: int) -> list[str]:
        if isinstance(value, (dict, list)) and value and id(value) not in self.anchors \
                and id(value) not in self.open and self.rnd.random() > 0.3:
            alias, anchor = self._anchor(value)
            if alias:
                return [f"{head} {alias}"]
            self.open.add(id(value))
            inner = self.block_body(value, indent + 2)
            self.open.discard(id(value))
            return [f"{head} {anchor}".rstrip(), *inner]
        if isinstance(value, str) and "\n" in value and self.rnd.random() < 0.5:
            body = value.rstrip("\n").split("\n")
            return [f"{head} |", *[" " * (indent + 2) + ln if ln else "" for ln in body]]
        return [f"{head} {self.flow(value)}"]

    def block_body(self, node: Any, indent: int) -> list[str]:
        pad = " " * indent
        lines: list[str] = []
        if isinstance(node, dict):
            for k, v in node.items():
                lines += self.entry(pad + self.key(k) + ":", v, indent)
        else:
            for v in node:
                lines += self.entry(pad + "-", v, indent)
        return lines

    def flow(self, node: Any) -> str:
        if isinstance(node, (dict, list)):
            alias, anchor = self._anchor(node)
            if alias:
                return alias
            self.open.add(id(node))
            if isinstance(node, dict):
                body = "{" + ", ".join(f"{self.key(k)}: {self.flow(v)}" for k, v in node.items()) + "}"
            else:
                body = "[" + ", ".join(self.flow(v) for v in node) + "]"
            self.open.discard(id(node))
            return anchor + body
        return self.scalar(node)

    def key(self, key: Any) -> str:
        if key == "<<" and self.rnd.random() < 0.9:
            return "<<"  # the merge key (quoted, it is a plain key named <<)
        return self.scalar(key if isinstance(key, str) else str(key))

    def scalar(self, value: Any) -> str:
        if isinstance(value, Plain):
            return value.text
        if value is None:
            return self.rnd.choice(["null", "~", "null", "Null"])
        if isinstance(value, bool):
            return self.rnd.choice(["true", "True"] if value else ["false", "False"])
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            if math.isnan(value):
                return ".nan"
            if math.isinf(value):
                return ".inf" if value > 0 else "-.inf"
            return repr(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, bytes):
            return "!!binary " + json.dumps(base64.b64encode(value).decode())
        text = str(value)
        if _SAFE_PLAIN.fullmatch(text) and ": " not in text and " #" not in text and self.rnd.random() < 0.7 \
                and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str":  # type: ignore[no-untyped-call]
            return text
        return json.dumps(text, ensure_ascii=self.rnd.random() < 0.3)  # a YAML double-quoted scalar


# -- textual mutations --------------------------------------------------------------------------
SNIPPETS = ["<<: *a0", "? [a]\n: b", "? {a: 1}\n: b", "[a]: b", "{[a]: b}", "*a0 : x", "!!str a: b", "<<: [*a0, *a1]", "x: &a0 {type: text}", "<<: {}", "<<: 1", "<<:", "- <<: *a0",
            "&a0 x: y", "*a0: y", "? a\n: b", "!!python/object:os.system x", "!!binary x", "!!set {a, b}",
            "!!omap [a: 1]", "!!timestamp 2001-01-01", "!!int x", "!!float x", "!!bool x", "!!null x",
            "!custom x", "%YAML 1.1", "---", "...", "--- !!map", "a: b: c", "- - -", "{", "[", "}", "]",
            "'", '"', "|", ">", "|-\n  x", "\t", "#", ": x", "- x", "x:", "  x: y", "null:", "~: x",
            "tables:", "columns:", "type: bigint", "default: {sql: now()}", "sql: (", "references: a.b",
            "\ufeff", "\u2028", "\u0085", "\xa0", "é", "🙂", "\\", "%", "@", "`"]


def _text_mutation(rnd: random.Random, text: str) -> str:
    lines = text.split("\n")
    i = rnd.randrange(len(lines))
    roll = rnd.randrange(10)
    if roll == 0:
        del lines[i]
    elif roll == 1:
        lines.insert(i, lines[rnd.randrange(len(lines))])
    elif roll == 2:
        j = rnd.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif roll == 3:
        lines[i] = " " * rnd.choice([1, 2, 3, 4, 8]) + lines[i] if rnd.random() < 0.5 else lines[i].lstrip()
    elif roll == 4:
        indent = len(lines[i]) - len(lines[i].lstrip())
        lines.insert(i, " " * indent + rnd.choice(SNIPPETS))
    elif roll == 5:
        ln = lines[i]
        p = rnd.randrange(len(ln) + 1)
        lines[i] = ln[:p] + rnd.choice(SNIPPETS + ODD_NAMES + BROKEN_SQL) + ln[p:]
    elif roll == 6:
        ln = lines[i]
        if ln:
            p = rnd.randrange(len(ln))
            lines[i] = ln[:p] + ln[p + rnd.randint(1, 5):]
    elif roll == 7:
        return "\n".join(lines)[: rnd.randrange(len(text) + 1)]  # cut short
    elif roll == 8:
        m = re.match(r"(\s*)([^:#\s][^:#]*):\s*(.*)$", lines[i])  # key: value → key: &aN value …
        if m:
            anchor = f"a{rnd.randrange(2)}"
            lines[i] = f"{m.group(1)}{m.group(2)}: &{anchor} {m.group(3)}".rstrip()
            j = rnd.randrange(len(lines))
            indent = len(lines[j]) - len(lines[j].lstrip())
            lines.insert(j + 1, " " * indent + rnd.choice([f"<<: *{anchor}", f"x: *{anchor}", f"- *{anchor}"]))
    else:
        ln = lines[i]
        if ln:
            p = rnd.randrange(len(ln))
            lines[i] = ln[:p] + chr(rnd.choice([rnd.randrange(32, 127), rnd.randrange(0xA0, 0x3000),
                                                rnd.randrange(0x1F300, 0x1F600)])) + ln[p + 1:]
    return "\n".join(lines)


# -- inputs -------------------------------------------------------------------------------------
_SEEDS: list[tuple[str, str]] = []
_TREES: dict[str, Any] = {}


def mutant(seed: int, index: int) -> tuple[str, str]:
    """(seed file, text) of input ``index`` of the run seeded ``seed``."""
    if not _SEEDS:
        _SEEDS.extend(seeds())
    rnd = random.Random(f"{seed}:{index}")
    name, text = rnd.choice(_SEEDS)
    if rnd.random() < 0.75:
        if name not in _TREES:
            _TREES[name] = yaml.safe_load(text)
        tree = _Tree(_copy(_TREES[name]))
        for _ in range(rnd.choice([1, 1, 1, 2, 2, 3, 5])):
            rnd.choice(STRUCTURAL)(rnd, tree)
        text = _Emitter(rnd, tree.root).text(tree.root)
    for _ in range(rnd.choice([0, 0, 0, 1, 1, 2, 4]) if text.strip() else 0):
        text = _text_mutation(rnd, text)
    return name, text


@dataclass(frozen=True)
class Outcome:
    kind: str  # ok | error | unlocated | crash | hang
    detail: str  # the error, or the traceback's last frames
    seconds: float

    @property
    def failed(self) -> bool:
        return self.kind in ("unlocated", "crash", "hang")


class _Hang(BaseException):
    """Raised by the alarm in `run_one` (not an Exception: the loader must not catch it)."""


HANG_SECONDS = 10.0  # a load takes milliseconds; one that runs this long does not end (2**64 partitions)


def run_one(text: str) -> Outcome:
    start = time.perf_counter()
    guarded = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if guarded:
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        load_text(text, FILENAME)
    except _Hang:
        frames = [f for f in traceback.extract_tb(sys.exc_info()[2]) if f.filename != __file__][-3:]
        where = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames))
        return Outcome("hang", f"Hang: over {HANG_SECONDS:g} s at {where}", time.perf_counter() - start)
    except SchemaError as e:
        took = time.perf_counter() - start
        lines = len(re.findall("\r\n|[\r\n\x85\u2028\u2029]", text)) + 1  # as YAML counts them
        if e.file != FILENAME or e.line is None or not 1 <= e.line <= lines:
            return Outcome("unlocated", f"file={e.file!r} line={e.line!r}: {e}", took)
        return Outcome("error", str(e), took)
    except Exception as e:  # noqa: BLE001 - any other exception is what the fuzzer looks for
        frames = traceback.extract_tb(e.__traceback__)[-3:]
        where = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames))
        return Outcome("crash", f"{type(e).__name__}: {str(e)[:200]} at {where}", time.perf_counter() - start)
    finally:
        if guarded:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return Outcome("ok", "", time.perf_counter() - start)


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang
