"""Rules of tables and views: PostgreSQL's CREATE RULE taken apart into schema.yaml's keys."""
from __future__ import annotations

import re
from typing import Any

from ..model import Rule
from ..sqltext import _outside_quotes, closing_bracket, reproducible
from .core import DumperBase
from .triggers import balanced

_HEAD = re.compile(r"^CREATE RULE \S+ AS\s+ON (SELECT|INSERT|UPDATE|DELETE) TO \S+")


class RuleDumper(DumperBase):
    def rules(self, rules: dict[str, Rule]) -> dict[str, Any]:
        return {n: self.rule(r) for n, r in sorted(rules.items())}

    def rule(self, r: Rule) -> Any:
        event, where, instead, actions = rule_parts(r.definition)
        spec: dict[str, Any] = {"event": event.lower()}
        if where is not None:
            spec["where"] = reproducible(where)
        if instead:
            spec["instead"] = True
        spec["do"] = "nothing" if not actions else reproducible(actions[0]) if len(actions) == 1 \
            else [reproducible(a) for a in actions]
        if r.enabled != "origin":
            spec["enabled"] = {"disabled": False}.get(r.enabled, r.enabled)
        if r.comment:
            spec["comment"] = r.comment
        return spec


def rule_parts(definition: str) -> tuple[str, str | None, bool, list[str]]:
    """(event, WHERE condition or None, INSTEAD, actions: none for NOTHING) of pg_get_ruledef's
    text, each action on one line."""
    text = one_line(definition)
    mask = _mask(text)
    head = _HEAD.match(mask)
    if head is None:  # pragma: no cover - pg_get_ruledef always prints this
        raise ValueError(f"not a rule: {definition!r}")
    do = next(m for m in re.finditer(r" DO( INSTEAD)? ", mask) if m.start() >= head.end()
              and _depth(text, m.start()) == 0)
    rest = text[head.end():do.start()].strip()
    where = None
    if rest.startswith("WHERE "):
        where = rest[len("WHERE "):].strip()
        while where.startswith("(") and where.endswith(")") and balanced(where[1:-1]) \
                and closing_bracket(where, 0) == len(where) - 1:
            where = where[1:-1].strip()
    body = text[do.end():].strip()
    if body == "NOTHING":
        actions: list[str] = []
    elif body.startswith("(") and closing_bracket(body, 0) == len(body) - 1:
        inner = body[1:-1]
        cuts = [i for i, ch, depth in _outside_quotes(inner) if ch == ";" and depth == 0]
        actions = [a.strip() for a in _split(inner, cuts) if a.strip()]
    else:
        actions = [body]
    return head.group(1), where, do.group(1) is not None, actions


def one_line(sql: str) -> str:
    """``sql`` with each run of white space outside quotes made one space."""
    out, last = [], 0
    for m in re.finditer(r"\s+", _mask(sql)):  # (quoted text is x's there)
        out += [sql[last:m.start()], " "]
        last = m.end()
    out.append(sql[last:])
    return "".join(out).strip()


def _mask(sql: str) -> str:
    """``sql`` with what is quoted made x's, the same length: keywords found in it are SQL's."""
    chars = ["x"] * len(sql)
    for i, ch, _ in _outside_quotes(sql):
        chars[i] = ch
    return "".join(chars)


def _depth(sql: str, i: int) -> int:
    return next((d for j, _, d in _outside_quotes(sql) if j >= i), 0)


def _split(text: str, cuts: list[int]) -> list[str]:
    out, start = [], 0
    for c in cuts:
        out.append(text[start:c])
        start = c + 1
    out.append(text[start:])
    return out
