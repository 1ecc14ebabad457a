"""Many databases from one schema.yaml: plan, apply and check across a fleet (docs/deploying.md).

The desired schema is built and read once (once per PostgreSQL major among the targets, and once
per tenant's schema names, by renaming one built copy); then each target is read, planned and
applied on a connection of its own, with the safety of a single apply (advisory lock, fingerprint,
lock_timeout, retries, a history row in that target). A target that fails never stops the others
unless asked (``canary``, ``fail_fast``).
"""
from __future__ import annotations

import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

import psycopg

from .apply import LOCK_KEY, Settings, advisory_lock, locked_apply
from .errors import DatabaseError, SchemacodeError, SchemaError
from .introspect import introspect, kept
from .loaded import LoadedSchema
from .model import Catalog, only_schemas
from .paths import home
from .plan import Plan
from .planning import Scope, check_conversions, check_roles, online_target, plan_from, scope_of
from .server import connect, describe, server_version
from .sqltext import ident, literal
from .yamlsource import YList, YMap, load_yaml

Status = Literal["up to date", "changes", "applied", "failed", "not run"]


@dataclass(frozen=True)
class Target:
    name: str  # as people call it: its name in targets.yaml, else database and host (never a password)
    url: str
    schemas: tuple[tuple[str, str], ...] = ()  # schema.yaml's schema → this tenant's, for a schema per tenant

    @property
    def mapping(self) -> dict[str, str]:
        return dict(self.schemas)


@dataclass
class Outcome:
    target: Target
    status: Status
    plan: Plan | None = None
    error: str | None = None
    history_id: int | None = None
    seconds: float = 0.0
    group: int | None = None  # index of its plan among the fleet's distinct plans


@dataclass
class FleetResult:
    outcomes: list[Outcome]
    groups: list[list[Outcome]] = field(default_factory=list)  # targets whose plans are the same

    def count(self, status: Status) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]


# ----------------------------------------------------------------------------------- targets.yaml

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ENTRY_KEYS = {"url", "name", "schemas", "query", "tenant_of"}


def load_targets(path: str | Path) -> list[Target]:
    """The targets a targets.yaml names (see docs/deploying.md#many-databases); a query entry is
    run to list them. Every error names the file and line."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise SchemaError(f"cannot read the targets file: {e.strerror}", file=str(path)) from None
    doc = load_yaml(text, str(path))
    file = str(path)
    if not isinstance(doc, YMap) or not isinstance(doc.get("targets"), YList):
        raise SchemaError("a targets file holds `targets:`, a list of databases",
                          file=file, line=getattr(doc, "line", 1),
                          hint="targets:\n  - url: postgresql://app@db1/tenant_a\n  - url: ${DATABASE_URL}")
    unknown = set(doc) - {"targets"}
    if unknown:
        key = sorted(unknown)[0]
        raise SchemaError(f"unknown key {key!r} in the targets file", file=file, line=doc.line_of(key))
    out: list[Target] = []
    entries: YList = doc["targets"]
    for i, entry in enumerate(entries):
        line = entries.lines[i] if i < len(entries.lines) else entries.line
        where = f"targets[{i}]"
        if isinstance(entry, str):
            entry = YMap(line)
            entry.add("url", entries[i], line)
        if not isinstance(entry, YMap):
            raise SchemaError("a target is a URL, or a mapping with url:", file=file, line=line, path=where)
        bad = set(entry) - _ENTRY_KEYS
        if bad:
            key = sorted(bad)[0]
            raise SchemaError(f"unknown key {key!r} in a target", file=file, line=entry.line_of(key), path=where,
                              hint=f"a target has: {', '.join(sorted(_ENTRY_KEYS))}")
        if "url" not in entry:
            raise SchemaError("a target needs url:", file=file, line=entry.line, path=where)

        def text_of(key: str) -> str:
            value = entry[key]
            if not isinstance(value, str):
                raise SchemaError(f"{key}: must be text", file=file, line=entry.line_of(key), path=f"{where}.{key}")
            return _interpolate(value, file, entry.line_of(key), f"{where}.{key}")

        url = text_of("url")
        if url.startswith("sqlite:"):
            raise SchemaError("a SQLite file is not a target of a fleet (one writer, one file): plan and "
                              "apply it with --database-url", file=file, line=entry.line_of("url"), path=f"{where}.url")
        schemas = entry.get("schemas") or {}
        if not isinstance(schemas, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                    for k, v in schemas.items()):
            raise SchemaError("schemas: maps schema.yaml's schemas to this target's, e.g. {app: tenant_42}",
                              file=file, line=entry.line_of("schemas"), path=f"{where}.schemas")
        if "query" in entry:
            tenant_of = text_of("tenant_of") if "tenant_of" in entry else None
            out += _query_targets(url, text_of("query"), tenant_of, file, entry.line_of("query"), f"{where}.query")
            continue
        if "tenant_of" in entry:
            raise SchemaError("tenant_of: goes with query: (the schema its `schema` column renames)",
                              file=file, line=entry.line_of("tenant_of"), path=f"{where}.tenant_of")
        name = text_of("name") if "name" in entry else _default_name(url, schemas)
        out.append(Target(name, url, tuple(sorted(schemas.items()))))
    names = [t.name for t in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SchemaError(f"two targets are called {twice[0]}; give them name: of their own", file=file)
    if not out:
        raise SchemaError("the targets file lists no target", file=file, line=entries.line)
    return out


def _interpolate(value: str, file: str, line: int, where: str) -> str:
    def env(m: re.Match[str]) -> str:
        if m.group(1) not in os.environ:
            raise SchemaError(f"${{{m.group(1)}}} is not set in the environment", file=file, line=line, path=where)
        return os.environ[m.group(1)]
    return _ENV.sub(env, value)


def _default_name(url: str, schemas: dict[str, str]) -> str:
    name = describe(url).removeprefix("database ")
    return f"{name} ({', '.join(schemas.values())})" if schemas else name


def _query_targets(url: str, query: str, tenant_of: str | None, file: str, line: int, where: str) -> list[Target]:
    """Targets from a query's rows: columns url (default: the database queried), name, schema."""
    try:
        with connect(url, autocommit=True) as conn:
            cur = conn.execute(query.encode())
            columns = [c.name for c in cur.description or []]
            rows = cur.fetchall()
    except psycopg.Error as e:
        raise SchemaError(f"the targets query failed: {str(e).strip().splitlines()[0]}", file=file,
                          line=line, path=where) from None
    except DatabaseError as e:
        raise SchemaError(f"the targets query cannot run: {e.message}", file=file, line=line, path=where) from None
    unknown = set(columns) - {"url", "name", "schema"}
    if unknown or not ({"url", "schema"} & set(columns)):
        raise SchemaError(f"the targets query returns columns {', '.join(columns)}; it returns url, or schema "
                          "(a schema per tenant), and name if it likes", file=file, line=line, path=where)
    if "schema" in columns and tenant_of is None:
        raise SchemaError("a query returning schema needs tenant_of: the schema of schema.yaml each tenant's "
                          "schema stands for", file=file, line=line, path=where)
    out = []
    for row in rows:
        r = dict(zip(columns, row))
        target_url = str(r.get("url") or url)
        schemas = {tenant_of: str(r["schema"])} if tenant_of and r.get("schema") else {}
        out.append(Target(str(r["name"]) if r.get("name") else _default_name(target_url, schemas),
                          target_url, tuple(schemas.items())))
    return out


# -------------------------------------------------------------------------------------- desired

class _Desired:
    """The desired catalog for a target: per PostgreSQL major (built where a plan to that target
    would build it), and per tenant's schema names (one built copy, renamed). Made once, when the
    first target needing it asks; the other workers wait for it."""

    def __init__(self, loaded: LoadedSchema, dev_url: str | None, targets: list[Target]) -> None:
        self.loaded, self.dev_url = loaded, dev_url
        self.mappings = sorted({t.schemas for t in targets if t.schemas})
        for m in self.mappings:  # a tenant's schemas are its own; what it would share is no one's
            shared = only_schemas(loaded.catalog, set(loaded.scope) - {n for n, _ in m})
            if not shared.is_empty():
                raise SchemaError(
                    f"schema.yaml declares objects outside the schemas a tenant renames "
                    f"({', '.join(n for n, _ in m)}): a schema per tenant manages only its own schemas",
                    file=loaded.file,
                    hint="rename every schema schema.yaml declares objects in (schemas: {app: tenant_1, …}), "
                         "or keep what tenants share in a schema.yaml of its own")
        self._lock = threading.Lock()
        self._by_major: dict[int, tuple[str | None, dict[tuple[tuple[str, str], ...], Catalog]]] = {}

    def get(self, conn: psycopg.Connection[Any], target: Target) -> tuple[Catalog, str | None, list[str]]:
        """(the desired catalog, the scratch it was built on, the scope) for ``target``."""
        from .scratch import materialize, renamed, scratch_for

        major = server_version(conn) // 10000
        with self._lock:
            if major not in self._by_major:
                scratch = scratch_for(conn, target.url, self.dev_url)
                base = materialize(self.loaded, scratch).catalog
                copies = renamed(base, self.loaded.scope, [dict(m) for m in self.mappings], scratch)
                self._by_major[major] = (scratch, {(): base, **dict(zip(self.mappings, copies))})
            scratch, catalogs = self._by_major[major]
        mapping = target.mapping
        scope = [mapping[n] for n in self.loaded.scope if n in mapping] if mapping else self.loaded.scope
        return catalogs[target.schemas], scratch, sorted(scope)


# ----------------------------------------------------------------------------------------- runs

Progress = Callable[[int, int, int, float], None]  # done, failed, total, seconds since the start


@dataclass(frozen=True)
class Options:
    parallel: int = 4
    canary: int = 0
    fail_fast: bool = False
    allow_destructive: bool = False
    online: bool = False
    settings: Settings = Settings()


def run(loaded: LoadedSchema, targets: list[Target], apply: bool, dev_url: str | None = None,
        options: Options = Options(), progress: Progress | None = None,
        approved: FleetResult | None = None) -> FleetResult:
    """Plan (or apply) ``loaded`` on every target; what each did, and the distinct plans. With
    ``approved`` (the fleet's plan a person reviewed), a target is applied only if it is still
    as it was planned, and a target that planned nothing (or failed to plan) is left alone."""
    desired = _Desired(loaded, dev_url, targets)
    reviewed = {o.target.name: o for o in approved.outcomes} if approved else None
    outcomes = [Outcome(t, "not run") for t in targets]
    stop = threading.Event()
    lock = threading.Lock()
    counts = {"done": 0, "failed": 0}
    start = time.monotonic()
    fatal: list[SchemaError] = []  # schema.yaml's own fault (it does not build): every target's

    def finish(o: Outcome, t0: float) -> None:
        o.seconds = time.monotonic() - t0
        with lock:
            counts["done"] += 1
            if o.status == "failed":
                counts["failed"] += 1
                if options.fail_fast:
                    stop.set()
            if progress:
                progress(counts["done"], counts["failed"], len(targets), time.monotonic() - start)

    def wanted(conn: psycopg.Connection[Any], t: Target) -> tuple[Catalog, str | None, list[str]] | None:
        try:
            return desired.get(conn, t)
        except SchemaError as e:
            fatal.append(e)
            stop.set()
            return None

    def planned(conn: psycopg.Connection[Any], o: Outcome, current: Catalog, want: Catalog,
                scratch: str | None, own: Scope | None = None) -> None:
        o.plan = check_conversions(conn, plan_from(current, want, loaded, scratch,
                                                   online_target(conn, options.online), own))
        o.status = "up to date" if o.plan.is_empty else "changes"

    def review(o: Outcome) -> tuple[bool, Outcome | None]:
        """(whether to leave ``o`` alone, the reviewed plan's outcome for it): with a reviewed
        plan, a target that planned nothing, or failed to plan, is left as the review found it."""
        seen = reviewed.get(o.target.name) if reviewed is not None else None
        if reviewed is not None and (seen is None or seen.plan is None or seen.plan.is_empty):
            o.status, o.plan, o.error = (seen.status, seen.plan, seen.error) if seen else ("not run", None, None)
            return True, seen
        return False, seen

    def applied(conn: psycopg.Connection[Any], o: Outcome, seen: Outcome | None, want: Catalog,
                scratch: str | None, scope: list[str], current: Catalog | None = None,
                own: Scope | None = None) -> None:
        result = locked_apply(
            conn, scope,
            lambda current: check_conversions(conn, plan_from(current, want, loaded, scratch,
                                                              online_target(conn, options.online), own)),
            allow_destructive=options.allow_destructive, settings=options.settings,
            expected_fingerprint=seen.plan.current_fingerprint if seen and seen.plan else None, current=current,
            online=options.online)
        o.plan, o.history_id = result.plan, result.history_id
        o.status = "applied" if result.applied else "up to date"

    def one(i: int) -> None:
        o = outcomes[i]
        if stop.is_set():
            return
        leave, seen = review(o)
        if leave:
            return
        t0 = time.monotonic()
        try:
            with connect(o.target.url, autocommit=True) as conn:
                got = wanted(conn, o.target)
                if got is None:
                    return
                want, scratch, scope = got
                check_roles(conn, loaded.named_roles, loaded.file)
                # A database of its own (not a tenant's schemas): the schemas schema.yaml no
                # longer declares go as with `schemacode apply` (planning.Scope)
                own = scope_of(conn, loaded) if not o.target.schemas else None
                scope = own.read if own is not None else scope
                if apply:
                    applied(conn, o, seen, want, scratch, scope, own=own)
                else:
                    planned(conn, o, introspect(conn, scope, kept(conn, scope, home() / "cache")), want, scratch, own)
        except (SchemacodeError, psycopg.Error) as e:
            o.status, o.error = "failed", _failure(e)
        finish(o, t0)

    def tenants(indices: list[int]) -> None:
        """The tenants of one database: its catalog read once for all of them (each catalog query
        costs about as much for one schema as for all of them), then taken apart. To apply, under
        the database's deployers' lock, held for all of them (they would take turns on it
        anyway): each tenant in a transaction of its own, planned from that one read."""
        outs = [outcomes[i] for i in indices]
        if stop.is_set():
            return
        done: set[int] = set()
        t0 = time.monotonic()
        try:
            with connect(outs[0].target.url, autocommit=True) as conn:
                wants = [wanted(conn, o.target) for o in outs]
                if any(w is None for w in wants):
                    return
                check_roles(conn, loaded.named_roles, loaded.file)
                scope = sorted({n for w in wants if w for n in w[2]})
                if apply:
                    advisory_lock(conn, options.settings.lock_wait)
                try:
                    everything: Catalog | None = None
                    try:  # a lock held past the timeout: each tenant reads its own (with retries)
                        conn.execute(f"SET lock_timeout = {literal(options.settings.lock_timeout)}")
                        everything = introspect(conn, scope)
                    except psycopg.errors.LockNotAvailable:
                        pass
                    finally:
                        conn.execute("RESET lock_timeout")
                    for k, (o, w) in enumerate(zip(outs, wants)):
                        assert w is not None
                        if stop.is_set():
                            break
                        t1 = time.monotonic()
                        leave, seen = review(o) if apply else (False, None)
                        if leave:
                            done.add(k)
                            continue
                        mine = only_schemas(everything, set(w[2])) if everything is not None else None
                        try:
                            if apply:
                                applied(conn, o, seen, w[0], w[1], w[2], mine)
                            else:
                                planned(conn, o, mine if mine is not None else introspect(conn, w[2]), w[0], w[1])
                        except (SchemacodeError, psycopg.Error) as e:
                            o.status, o.error = "failed", _failure(e)
                        done.add(k)
                        finish(o, t1)
                finally:
                    if apply:
                        conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        except (SchemacodeError, psycopg.Error) as e:
            for k, o in enumerate(outs):
                if k not in done:
                    o.status, o.error = "failed", _failure(e)
                    done.add(k)
                    finish(o, t0)

    first = list(range(min(options.canary, len(targets)))) if apply else []
    by_database: dict[str, list[int]] = {}
    for i, t in enumerate(targets):  # tenants sharing a database are taken together
        if t.schemas and i >= len(first):
            by_database.setdefault(t.url, []).append(i)
    shared = [ix for ix in by_database.values() if len(ix) > 1]
    alone = sorted(set(range(len(first), len(targets))) - {i for ix in shared for i in ix})
    with ThreadPoolExecutor(max(1, options.parallel)) as pool:
        if first:
            list(pool.map(one, first))
            if any(outcomes[i].status == "failed" for i in first):
                stop.set()  # the canary failed: nothing more is touched
        jobs = [pool.submit(tenants, ix) for ix in shared] + [pool.submit(one, i) for i in alone]
        for job in jobs:
            job.result()
    if fatal:
        raise fatal[0]
    return FleetResult(outcomes, _groups(outcomes))


def _failure(e: Exception) -> str:
    if isinstance(e, SchemacodeError):
        return str(e)
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def _groups(outcomes: list[Outcome]) -> list[list[Outcome]]:
    """Targets whose plans do the same, their own schema names aside: one plan to review."""
    groups: dict[tuple[str, ...], list[Outcome]] = {}
    for o in outcomes:
        if o.plan is None or o.plan.is_empty:
            continue
        key = tuple(_neutral(s.sql, o.target.mapping) for s in o.plan.all_forward())
        groups.setdefault(key, []).append(o)
    out = list(groups.values())
    for i, g in enumerate(out):
        for o in g:
            o.group = i
    return out


def _neutral(sql: str, mapping: dict[str, str]) -> str:
    """``sql`` with a tenant's schema names back to schema.yaml's (to compare plans, not to run)."""
    for yaml_name, tenant in mapping.items():
        sql = re.sub(r'(?<![\w$"])' + re.escape(ident(tenant)) + r'(?![\w$"])', ident(yaml_name), sql)
    return sql
