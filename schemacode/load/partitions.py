"""partition_by: and partitions: of a table (declarative partitioning).

A partition is written under its parent, by name: its bound (``from:``/``to:``, ``in:``,
``modulus:``/``remainder:``, or ``default``), and what is its own (checks, indexes, triggers,
storage parameters, a comment, its own ``partition_by:`` and ``partitions:``). Many partitions
of one parent are written once: a name with placeholders and a step,

    payments_{yyyy}_{mm}: {from: 2024-01-01, to: 2025-01-01, every: 1 month}
    events_{remainder}: {modulus: 8}

which stand for twelve monthly partitions and eight hash partitions.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterator

from ..sqltext import literal
from .core import _Ctx, _str, parse_sql

STRATEGIES = ("range", "list", "hash")
BOUND_KEYS = {"from", "to", "in", "modulus", "remainder", "default"}
_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 0, "months": 0, "year": 0, "years": 0}
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(.*)$")
MAX_PARTITIONS = 10_000  # that one name with placeholders stands for
PLACEHOLDERS = ("{yyyy}", "{mm}", "{dd}", "{from}", "{remainder}")


def partition_by_sql(ctx: _Ctx, value: Any) -> str:
    """range (paid_at) / list (region) / hash (id) / range ((lower(name)), id) → PARTITION BY's text."""
    text = _str(ctx, value, "partition_by")
    m = re.match(r"^\s*(\w+)\s*\((.*)\)\s*$", text, re.DOTALL)
    if not m or m.group(1).lower() not in STRATEGIES:
        raise ctx.error(f"partition_by: {text!r} is not a partitioning",
                        "range (column), list (column) or hash (column); columns or (expressions)")
    for part in _split(m.group(2)):
        parse_sql(ctx, part, "partition key")
    return f"{m.group(1).upper()} ({m.group(2).strip()})"


def _split(body: str) -> list[str]:
    from ..sqltext import split_top_level

    return [p.strip() for p in split_top_level(body) if p.strip()]


def bound_value(ctx: _Ctx, v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, dt.datetime):
        return literal(v.isoformat(sep=" "))
    if isinstance(v, dt.date):
        return literal(v.isoformat())
    if v is None:
        return "NULL"
    if isinstance(v, str):
        return v.upper() if v.lower() in ("minvalue", "maxvalue") else literal(v)
    raise ctx.error(f"{v!r} is not a bound value (text, a number, a date, minvalue or maxvalue)")


def _values(ctx: _Ctx, v: Any) -> str:
    vals = v if isinstance(v, list) else [v]
    if not vals:
        raise ctx.error("a bound needs a value")
    return ", ".join(bound_value(ctx, x) for x in vals)


def bound_sql(ctx: _Ctx, spec: Any, strategy: str) -> str:
    """FOR VALUES … or DEFAULT, from a partition's spec."""
    if spec == "default" or (isinstance(spec, dict) and spec.get("default") is True):
        if strategy == "hash":
            raise ctx.error("a hash partitioning has no default partition")
        return "DEFAULT"
    if not isinstance(spec, dict):
        raise ctx.error("a partition is {from:, to:}, {in: [...]}, {modulus:, remainder:} or default")
    if strategy == "range":
        if "from" not in spec or "to" not in spec:
            raise ctx.error("a range partition needs from: and to: (or default: true)")
        return (f"FOR VALUES FROM ({_values(ctx.child(spec, 'from'), spec['from'])}) "
                f"TO ({_values(ctx.child(spec, 'to'), spec['to'])})")
    if strategy == "list":
        if "in" not in spec:
            raise ctx.error("a list partition needs in: [values] (or default: true)")
        return f"FOR VALUES IN ({_values(ctx.child(spec, 'in'), spec['in'])})"
    for key in ("modulus", "remainder"):
        if not isinstance(spec.get(key), int) or isinstance(spec.get(key), bool):
            raise ctx.error(f"a hash partition needs {key}: (a whole number)")
    return f"FOR VALUES WITH (modulus {spec['modulus']}, remainder {spec['remainder']})"


@dataclass(frozen=True)
class _Step:
    days: int
    months: int
    number: int | float | None  # a step of an integer range


def _step(ctx: _Ctx, value: Any) -> _Step:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return _Step(0, 0, value)
    m = re.match(r"^\s*(\d+)\s*(\w+)\s*$", str(value))
    if not m or m.group(2).lower() not in _UNITS or int(m.group(1)) < 1:
        raise ctx.error(f"every: {value!r} is not a step", "like 1 month, 1 year, 7 days, or a number")
    n, unit = int(m.group(1)), m.group(2).lower().rstrip("s")
    if unit == "month":
        return _Step(0, n, None)
    if unit == "year":
        return _Step(0, 12 * n, None)
    return _Step(n * _UNITS[unit + "s"], 0, None)


def _date(ctx: _Ctx, v: Any) -> tuple[dt.date, str]:
    """A date bound and what follows the date in its text (' 00:00:00+00' for a timestamptz)."""
    if isinstance(v, dt.datetime):
        return v.date(), " " + v.time().isoformat()
    if isinstance(v, dt.date):
        return v, ""
    m = _DATE.match(str(v))
    if not m:
        raise ctx.error(f"{v!r} is not a date (YYYY-MM-DD)")
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), m.group(4)


def add_step(d: dt.date, step: _Step) -> dt.date:
    if step.months:
        month = d.month - 1 + step.months
        return dt.date(d.year + month // 12, month % 12 + 1, d.day)
    return d + dt.timedelta(days=step.days)


def expand(ctx: _Ctx, name: str, spec: Any, strategy: str) -> Iterator[tuple[str, str]]:
    """(name, bound) of each partition a name with placeholders stands for."""
    if not isinstance(spec, dict):
        raise ctx.error(f"{name}: a name with placeholders needs {{from:, to:, every:}} or {{modulus:}}")
    extra = set(spec) - {"from", "to", "every", "modulus"}
    if extra:
        raise ctx.child(spec, sorted(extra)[0]).error(
            f"{sorted(extra)[0]} does not apply to many partitions at once: write those one by one")
    if strategy == "hash":
        modulus = spec.get("modulus")
        if "{remainder}" not in name or not isinstance(modulus, int) or isinstance(modulus, bool):
            raise ctx.error(f"{name}: hash partitions at once are name_{{remainder}}: {{modulus: N}}")
        if not 1 <= modulus <= MAX_PARTITIONS:
            raise ctx.child(spec, "modulus").error(f"{name}: modulus is from 1 to {MAX_PARTITIONS:,} (partitions)")
        for r in range(modulus):
            yield name.replace("{remainder}", str(r)), f"FOR VALUES WITH (modulus {spec['modulus']}, remainder {r})"
        return
    if strategy != "range" or not {"from", "to", "every"} <= set(spec):
        raise ctx.error(f"{name}: many partitions at once are a range: {{from:, to:, every:}}")
    step = _step(ctx.child(spec, "every"), spec["every"])
    if step.number is not None:
        lo, hi = spec["from"], spec["to"]
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (lo, hi)):
            raise ctx.error("every: a number steps a range of numbers: from: and to: are numbers")
        if "{from}" not in name:
            raise ctx.error(f"{name}: name the partitions by their lower bound: {{from}}")
        if lo < hi and not (hi - lo) / step.number <= MAX_PARTITIONS:  # (also an infinite bound)
            raise ctx.error(f"{name}: more than {MAX_PARTITIONS:,} partitions")
        while lo < hi:
            nxt = min(lo + step.number, hi)
            yield name.replace("{from}", str(lo)), f"FOR VALUES FROM ({lo}) TO ({nxt})"
            lo = nxt
        return
    (lo_d, suffix), (hi_d, _) = _date(ctx.child(spec, "from"), spec["from"]), _date(ctx.child(spec, "to"), spec["to"])
    if not any(p in name for p in ("{yyyy}", "{mm}", "{dd}")):
        raise ctx.error(f"{name}: name the partitions by their dates: {{yyyy}}, {{mm}}, {{dd}}")
    count = 0
    while lo_d < hi_d:
        try:
            nxt = min(add_step(lo_d, step), hi_d)
        except (ValueError, OverflowError):  # the 31st plus a month, or past year 9999
            raise ctx.child(spec, "every").error(
                f"{name}: every {spec['every']} from {lo_d.isoformat()} is no date",
                "start on a day every month has (1 to 28)" if lo_d.day > 28 else None) from None
        label = (name.replace("{yyyy}", f"{lo_d.year:04d}").replace("{mm}", f"{lo_d.month:02d}")
                 .replace("{dd}", f"{lo_d.day:02d}"))
        yield label, (f"FOR VALUES FROM ({literal(lo_d.isoformat() + suffix)}) "
                      f"TO ({literal(nxt.isoformat() + suffix)})")
        lo_d = nxt
        count += 1
        if count > MAX_PARTITIONS:
            raise ctx.error(f"{name}: more than {MAX_PARTITIONS:,} partitions")


_HASH = re.compile(r"^FOR VALUES WITH \(modulus (\d+), remainder (\d+)\)$")
_RANGE = re.compile(r"^FOR VALUES FROM \(('(?:[^']|'')*'|-?\d+)\) TO \(('(?:[^']|'')*'|-?\d+)\)$")


def _verified(template: str, spec: dict[str, Any], strategy: str, run: list[tuple[str, str]]) -> bool:
    try:
        return list(expand(_Ctx("pull", "", 1), template, spec, strategy)) == run
    except Exception:  # noqa: BLE001 - a template that does not expand is no compact form
        return False


def compact_runs(bounds: dict[str, str]) -> list[tuple[str, dict[str, Any], set[str]]]:
    """Runs of partitions (name → bound as PostgreSQL prints it) that one name with placeholders
    and a step stand for exactly: (that name, its spec, the partitions it replaces). pull writes
    these; load expands them back to the same names and bounds."""
    out: list[tuple[str, dict[str, Any], set[str]]] = []
    hashes = {n: (int(m.group(1)), int(m.group(2))) for n, b in bounds.items() if (m := _HASH.match(b))}
    if len(hashes) >= 3 and len({mod for mod, _ in hashes.values()}) == 1:
        mod = next(iter(hashes.values()))[0]
        templates = {n[: len(n) - len(str(r))] + "{remainder}" for n, (_, r) in hashes.items()
                     if n.endswith(str(r))}
        if len(templates) == 1 and len(hashes) == mod:
            template = templates.pop()
            run = sorted(((n, bounds[n]) for n in hashes), key=lambda x: hashes[x[0]][1])
            if _verified(template, {"modulus": mod}, "hash", run):
                out.append((template, {"modulus": mod}, set(hashes)))
    ranges = []
    for n, b in bounds.items():
        m = _RANGE.match(b)
        if m:
            ranges.append((n, b, m.group(1), m.group(2)))
    ranges.sort(key=lambda r: (r[2].isdigit() or r[2].startswith("-"), _sort_key(r[2])))
    i = 0
    while i < len(ranges):
        j = i + 1
        while j < len(ranges) and ranges[j][2] == ranges[j - 1][3]:
            j += 1
        chain = ranges[i:j]
        found = _range_template(chain) if len(chain) >= 3 else None
        if found:
            out.append((found[0], found[1], {r[0] for r in chain}))
        i = j
    return out


def _sort_key(v: str) -> Any:
    return (0, int(v), "") if not v.startswith("'") else (1, 0, v)


def _range_template(run: list[tuple[str, str, str, str]]) -> tuple[str, dict[str, Any]] | None:
    name, _, lo, hi = run[0]
    expected = [(r[0], r[1]) for r in run]
    if not lo.startswith("'"):  # numbers
        step = int(hi) - int(lo)
        template = name.replace(lo, "{from}", 1)
        spec: dict[str, Any] = {"from": int(lo), "to": int(run[-1][3]), "every": step}
        return (template, spec) if "{from}" in template and _verified(template, spec, "range", expected) else None
    lo_s, hi_s = lo[1:-1], hi[1:-1]
    m1, m2 = _DATE.match(lo_s), _DATE.match(hi_s)
    if not m1 or not m2 or m1.group(4) != m2.group(4):
        return None
    d1 = dt.date(int(m1.group(1)), int(m1.group(2)), int(m1.group(3)))
    d2 = dt.date(int(m2.group(1)), int(m2.group(2)), int(m2.group(3)))
    if d1.day == d2.day and d1.day <= 28:
        months = (d2.year - d1.year) * 12 + d2.month - d1.month
        every = f"{months // 12} year{'s' if months > 12 else ''}" if months % 12 == 0 else \
            f"{months} month{'s' if months > 1 else ''}"
    else:
        days = (d2 - d1).days
        every = f"{days} day{'s' if days > 1 else ''}"
    template = name.replace(f"{d1.year:04d}", "{yyyy}", 1)
    at = template.find("{yyyy}")
    if at < 0:
        return None
    for part, value in (("{mm}", f"{d1.month:02d}"), ("{dd}", f"{d1.day:02d}")):
        k = template.find(value, at + 6)
        if k >= 0:
            template = template[:k] + part + template[k + len(value):]
            at = k
    spec = {"from": lo_s, "to": run[-1][3][1:-1], "every": every}
    return (template, spec) if _verified(template, spec, "range", expected) else None
