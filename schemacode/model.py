"""The one model of a database schema.

Loading schema.yaml and introspecting a catalog both produce a :class:`Catalog`; diff, DDL
rendering, code generation and pull all consume it. Objects are frozen dataclasses keyed by
qualified name (``schema.name``). Collections are dicts, so equality ignores declaration order
(PostgreSQL cannot reorder columns without a rebuild, so column order is not a difference).

Text fields hold SQL. In a catalog read from PostgreSQL they hold PostgreSQL's own rendering
(``format_type``, ``pg_get_expr``, ``pg_get_constraintdef`` …); in a catalog loaded from YAML they
hold what the user wrote. The two are never compared with each other: the YAML catalog is
rendered, materialized in a scratch database and read back first (see scratch.py).

Compare PostgreSQL's text, run the user's: an object of the desired catalog carries, in
``written``, the same object as schema.yaml declared it (:func:`attach_written`). The diff
compares the printed fields; the SQL a plan runs takes its expressions from :func:`as_written`.
Re-parsing PostgreSQL's printed text does not always give back the tree the written text gave
(a varchar IN-list check is one case), so running the reprint would build something else.
"""
from __future__ import annotations

import dataclasses
import hashlib
import marshal
import re
from dataclasses import dataclass, field, replace
from operator import attrgetter, itemgetter
from typing import Any, Callable, Literal, Mapping, TypeVar

from .sqltext import path_head, reproducible
from .sqltext import qualify as qualify, split_qualified as split_qualified  # (the model's keys: sqltext)

_T = TypeVar("_T", bound=Any)
# an object with an owner and grants (Acl)
_A = TypeVar("_A", "Namespace", "Table", "View", "Sequence", "Function", "EnumType", "Domain",
             "CompositeType", "RangeType", "ForeignTable", "ForeignServer")

ConstraintKind = Literal["primary_key", "unique", "foreign_key", "check", "exclude"]
_K = TypeVar("_K", bound="Keyed")


class Keyed:
    """The base of the model's objects: each can have a key (see `key`), kept in a slot beside its
    fields and pickled with them, so that the cached desired catalog carries its keys and a plan
    computes them for the live catalog only."""

    __slots__ = ("_key",)
    _key: bytes

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its class and its fields' values, and its key when it has one: read back by
        one call of the class, where the dataclass's own pickling sets field after field (a cached
        catalog of 1,000 tables reads back in half the time)."""
        cls = type(self)
        values = _getter(cls, "init")(self)
        try:
            return (_with_key, (cls, values, self._key))
        except AttributeError:
            return (cls, values)


def _with_key(cls: type[_K], values: tuple[Any, ...], k: bytes) -> _K:
    obj = cls(*values)
    object.__setattr__(obj, "_key", k)
    return obj


_GETTERS: dict[tuple[type, str], Callable[[Any], tuple[Any, ...]]] = {}


def _getter(cls: type, which: str) -> Callable[[Any], tuple[Any, ...]]:
    """The values of a class's fields, as a tuple: every field ("init", in the order __init__
    takes them) or those its equality compares or its repr shows ("state")."""
    try:
        return _GETTERS[cls, which]
    except KeyError:
        pass
    names = [f.name for f in dataclasses.fields(cls) if (f.init if which == "init" else f.compare or f.repr)]
    got = attrgetter(*names)
    get: Callable[[Any], tuple[Any, ...]] = (lambda o: (got(o),)) if len(names) == 1 else got
    _GETTERS[cls, which] = get
    return get


def key(obj: Keyed) -> bytes:
    """A digest of everything the object's equality compares and its repr shows, the objects in
    its dicts by the same fields: equal keys, equal objects (the converse holds but for the order
    of a dict, which equality ignores: then the differ looks closer, and finds them equal).
    Computed once, kept with the object (its dicts are never changed after it is made). The
    differ compares keys to pass over what did not change, and a catalog's fingerprint hashes them."""
    try:
        return obj._key
    except AttributeError:
        pass
    k = hashlib.blake2b(_text(obj), digest_size=16).digest()
    object.__setattr__(obj, "_key", k)
    return k


def _text(obj: Keyed) -> bytes:
    """What a key digests."""
    state = (type(obj).__name__, _state(obj))
    try:  # marshal's first format: no references, so equal values give equal bytes
        return marshal.dumps(state, 0)
    except ValueError:  # a value marshal does not know (none in the model today): its repr
        return repr(state).encode()


def _state(obj: Keyed) -> tuple[Any, ...]:
    """The fields a key covers; in a dict, the objects by theirs."""
    cls = type(obj)
    get, nested = _PLANS.get(cls) or _plan(cls)
    if not nested:
        return get(obj)
    out = list(get(obj))
    for i in nested:
        v = out[i]
        if type(v) is dict:
            out[i] = _dict_state(v) if v else ()
        elif isinstance(v, Keyed):
            out[i] = _state(v)
    return tuple(out)


def _dict_state(d: dict[Any, Any]) -> tuple[Any, ...]:
    objects = d.values()
    kinds = set(map(type, objects))
    if len(kinds) == 1:
        kind = kinds.pop()
        plan = _PLANS.get(kind)
        if plan is None and issubclass(kind, Keyed):
            plan = _plan(kind)
        if plan is not None:
            get, nested = plan
            if not nested:
                return tuple(zip(d, map(get, objects)))  # (in C: the common case)
            states = list(map(get, objects))
            for i in nested:  # a field that may hold more: only where one of them does
                held = list(map(itemgetter(i), states))
                if held.count(None) != len(held):
                    listed = list(objects)
                    for j, v in enumerate(held):
                        if v is not None:
                            states[j] = _state(listed[j])
            return tuple(zip(d, states))
        if kind in (str, int, bool):
            return tuple(d.items())
    return tuple((k, _state(x) if isinstance(x, Keyed) else _dict_state(x) if type(x) is dict else x)
                 for k, x in d.items())


_PLANS: dict[type, tuple[Callable[[Any], tuple[Any, ...]], tuple[int, ...]]] = {}


def _plan(cls: type) -> tuple[Callable[[Any], tuple[Any, ...]], tuple[int, ...]]:
    """The values a key covers, and which of them may hold a dict or an object of the model (told
    from the fields' declared types, once per class); the others are plain: text, numbers,
    tuples of names."""
    try:
        return _PLANS[cls]
    except KeyError:
        pass
    fields = [f for f in dataclasses.fields(cls) if f.compare or f.repr]
    deep = {"dict", "Mapping", "Any", "object"} | {c.__name__ for c in _model_classes()}
    nested = tuple(i for i, f in enumerate(fields) if set(re.findall(r"\w+", str(f.type))) & deep)
    _PLANS[cls] = plan = (_getter(cls, "state"), nested)
    return plan


def _model_classes() -> list[type]:
    out, todo = [], [Keyed]
    while todo:
        for c in todo.pop().__subclasses__():
            out.append(c)
            todo.append(c)
    return out


def same(a: Keyed | None, b: Keyed | None) -> bool:
    """Equal (by their keys), or both None."""
    if a is b:
        return True
    if a is None or b is None:
        return False
    if not (hasattr(a, "_key") or hasattr(b, "_key")):  # (two fresh reads: the same text digested once)
        text = _text(a)
        other = _text(b)
        k = hashlib.blake2b(text, digest_size=16).digest()
        object.__setattr__(a, "_key", k)
        object.__setattr__(b, "_key", k if other == text else hashlib.blake2b(other, digest_size=16).digest())
    return key(a) == key(b)


@dataclass(frozen=True, slots=True)
class Source(Keyed):
    """Where an object was declared: file, line and YAML path."""

    file: str
    line: int
    path: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} ({self.path})"


_QUOTED_BODY = re.compile(r"\nAS (\$[^$]*\$)(.*)\1\s*$", re.DOTALL)


_INT_MAX = {"smallint": 32767, "integer": 2147483647, "bigint": 9223372036854775807}
SERIAL_TYPES = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}


def serial_sequence_name(table: str, column: str) -> str:
    """The name PostgreSQL gives a serial column's sequence (ChooseRelationName's truncation,
    without the number it appends when the name is taken)."""
    a, b, label = table.encode(), column.encode(), b"seq"
    room = 63 - len(label) - 2
    while len(a) + len(b) > room:
        if len(a) > len(b):
            a = a[:-1]
        else:
            b = b[:-1]
    return f"{a.decode(errors='ignore')}_{b.decode(errors='ignore')}_seq"


def serial_sequence(schema: str, table: str, column: str, serial_type: str) -> Sequence:
    """The sequence a serial column comes with, with the options it gets."""
    base = SERIAL_TYPES[serial_type]
    return Sequence(schema, serial_sequence_name(table, column), base, 1, 1, 1, _INT_MAX[base], 1,
                    False, owned_by=(qualify(schema, table), column))




@dataclass(frozen=True, slots=True)
class CompositeType(Keyed):
    """CREATE TYPE name AS (attribute type, …)."""

    schema: str
    name: str
    attributes: tuple[tuple[str, str], ...]  # (name, type [COLLATE …]) in order
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    acl: Acl | None = field(default=None, compare=False, repr=False)  # see Acl

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class RangeType(Keyed):
    """CREATE TYPE name AS RANGE (subtype = …, …): options other than the subtype only where
    they are not PostgreSQL's default ("subtype_diff = float8mi", "multirange_type_name = …")."""

    schema: str
    name: str
    subtype: str
    options: tuple[str, ...] = ()
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    acl: Acl | None = field(default=None, compare=False, repr=False)  # see Acl

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class Aggregate(Keyed):
    """CREATE AGGREGATE name(arguments) (sfunc = …, stype = …, …): options as PostgreSQL holds
    them, defaults left out ("sfunc = int4pl", "initcond = '0'", "finalfunc_extra")."""

    schema: str
    name: str
    arguments: str  # identity arguments: "integer", "*" for none
    options: tuple[str, ...]
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)

    @property
    def key(self) -> str:
        return f"{qualify(self.schema, self.name)}({self.arguments})"


# Role names SQL spells as keywords in TO (and PostgreSQL prints so): no role to create or check
ROLE_KEYWORDS = frozenset({"public", "current_user", "current_role", "session_user"})


def split_grant(grant: str) -> tuple[str, str, bool]:
    """'UPDATE (a, b) TO app WITH GRANT OPTION' → ('UPDATE (a, b)', 'app', True)."""
    option = grant.endswith(" WITH GRANT OPTION")
    privilege, _, grantee = grant.removesuffix(" WITH GRANT OPTION").rpartition(" TO ")
    return privilege, grantee, option


@dataclass(frozen=True, slots=True)
class Acl(Keyed):
    """Privileges and owner of an object, managed only where schema.yaml declares them.

    ``grants``: "SELECT TO app", "UPDATE (name, email) TO app WITH GRANT OPTION", "EXECUTE TO
    PUBLIC", … as the database holds them (its default ones included, the owner's own left out),
    sorted; None: not managed. ``owner``: a role, quoted as SQL names it; None: not managed."""

    grants: tuple[str, ...] | None = None
    owner: str | None = None
    # The roles whose grants are managed (schema.yaml's `privileges: {roles: [...]}`), quoted as
    # SQL names them, PUBLIC for public; None: every role's. Grants to other roles are left alone.
    managed_roles: tuple[str, ...] | None = None

    def roles(self) -> set[str]:
        out = {split_grant(g)[1] for g in self.grants or ()}
        if self.owner:
            out.add(self.owner)
        return out - {"PUBLIC"}

    def manages(self, grant: str) -> bool:
        """Is this grant (or revoke) to a role whose grants are managed?"""
        return self.managed_roles is None or split_grant(grant)[1] in self.managed_roles

    def managed_grants(self, scope: Acl | None = None) -> frozenset[str]:
        """The grants to the roles ``scope`` (else this Acl) manages."""
        judge = scope if scope is not None else self
        return frozenset(g for g in self.grants or () if judge.manages(g))


@dataclass(frozen=True, slots=True)
class Namespace(Keyed):
    name: str
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    acl: Acl | None = field(default=None, compare=False, repr=False)  # see Acl
    # ALTER DEFAULT PRIVILEGES FOR ROLE … IN SCHEMA this one: "creator|TABLES|SELECT TO reader",
    # sorted; None: not managed (as Acl)
    default_acl: tuple[str, ...] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Extension(Keyed):
    name: str
    schema: str | None = None
    version: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class EnumType(Keyed):
    schema: str
    name: str
    values: tuple[str, ...]
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    acl: Acl | None = field(default=None, compare=False, repr=False)  # see Acl

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class Domain(Keyed):
    schema: str
    name: str
    type: str
    default: str | None = None
    not_null: bool = False
    checks: dict[str, str] = field(default_factory=dict)  # name -> CHECK (...) ; None-named: key "~n"
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    written: Domain | None = field(default=None, compare=False, repr=False)  # as declared
    acl: Acl | None = field(default=None, compare=False, repr=False)  # see Acl

    @property
    def default_sql(self) -> str | None:
        return _run(self.default, self.written.default if self.written else None)

    def check_sql(self, name: str) -> str:
        return _run(self.checks[name], self.written.checks.get(name) if self.written else None) or ""

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class Function(Keyed):
    schema: str
    name: str
    arguments: str  # identity arguments, e.g. "a integer, b text"
    returns: str
    definition: str  # a complete CREATE OR REPLACE FUNCTION statement
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    written: Function | None = field(default=None, compare=False, repr=False)  # as declared
    acl: Acl | None = field(default=None, compare=False, repr=False)  # see Acl
    # Its SQL-standard body reads a table, view or sequence, as PostgreSQL recorded when it
    # parsed it (None: not known, as in schema.yaml). Derived from the definition: not compared.
    reads_relations: bool | None = field(default=None, compare=False, repr=False)

    @property
    def definition_sql(self) -> str:
        return self.written.definition if self.written else self.definition

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)

    @property
    def key(self) -> str:
        return f"{qualify(self.schema, self.name)}({self.arguments})"

    @property
    def compared(self) -> str:
        """The definition as the diff compares it: white space around a quoted body is not a
        difference (a hand-written ``AS $$\nBEGIN … END;\n$$`` is the same function as schema.yaml's
        body), though what is created is always the body byte for byte."""
        m = _QUOTED_BODY.search(self.definition)
        if m is None:
            return self.definition
        return self.definition[:m.start(2)] + m.group(2).strip() + self.definition[m.end(2):]

    @property
    def standard_body(self) -> bool:
        """A SQL-standard body (RETURN … or BEGIN ATOMIC … END): PostgreSQL parses it when the
        function is created, so what it reads must exist by then."""
        return "\nAS $" not in self.definition and "\nAS '" not in self.definition

    @property
    def is_procedure(self) -> bool:
        return self.definition.startswith("CREATE OR REPLACE PROCEDURE")


@dataclass(frozen=True, slots=True)
class ColumnOptions(Keyed):
    """What ALTER COLUMN … SET sets besides the column's definition: how the planner samples it
    and how TOAST stores it, each None (or empty) where it is PostgreSQL's default."""

    statistics: int | None = None  # SET STATISTICS n (0 to 10000)
    storage: str | None = None  # SET STORAGE plain | external | extended | main, where not its type's
    compression: str | None = None  # SET COMPRESSION pglz | lz4
    attributes: tuple[str, ...] = ()  # SET (n_distinct=-0.5, n_distinct_inherited=…), as stored
    # Read from a database where storage is set: its type's own, which RESET means (a SET STORAGE
    # DEFAULT only PostgreSQL 16 on knows). Not compared.
    type_storage: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Column(Keyed):
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    identity: Literal["always", "by default"] | None = None
    identity_options: str | None = None  # START WITH … INCREMENT BY … of an identity's sequence
    generated: str | None = None  # expression of a STORED generated column
    collation: str | None = None
    comment: str | None = None
    # Only from YAML: the USING expression for a type change. Not part of the schema.
    using: str | None = field(default=None, compare=False)
    source: Source | None = field(default=None, compare=False, repr=False)
    written: Column | None = field(default=None, compare=False, repr=False)  # as declared
    # The NOT NULL constraint's name: PostgreSQL 18 names them (older servers do not: None).
    # Declared only where it is not PostgreSQL's own choice (not_null_default).
    not_null_name: str | None = None
    not_null_inherited: bool = field(default=False, compare=False)  # read: a parent's (its name is kept)
    options: ColumnOptions | None = None  # statistics, storage, compression, n_distinct (None: defaults)
    # A serial's or identity's own sequence: (its name as the model keys it, "" where the database
    # has not named it yet; its grants, managed as Acl says). None: not managed.
    sequence_acl: tuple[str, Acl] | None = field(default=None, compare=False, repr=False)

    @property
    def default_sql(self) -> str | None:
        return _run(self.default, self.written.default if self.written else None)

    @property
    def generated_sql(self) -> str | None:
        return _run(self.generated, self.written.generated if self.written else None)


@dataclass(frozen=True, slots=True)
class Constraint(Keyed):
    """A table constraint. ``definition`` is the text after ``CONSTRAINT name``."""

    name: str | None  # None: PostgreSQL chooses the name (YAML only)
    kind: ConstraintKind
    definition: str
    columns: tuple[str, ...] = ()
    ref_table: str | None = None  # qualified, foreign keys only
    ref_columns: tuple[str, ...] = ()
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    written: Constraint | None = field(default=None, compare=False, repr=False)  # as declared

    @property
    def definition_sql(self) -> str:
        return _run(self.definition, self.written.definition if self.written else None) or ""

    @property
    def not_valid(self) -> bool:
        return self.definition.endswith(" NOT VALID")

    @property
    def inline(self) -> bool:
        """Written inside CREATE TABLE; a foreign key (tables may reference each other) and a
        NOT VALID constraint (CREATE TABLE would validate it) are added after."""
        return self.kind != "foreign_key" and not self.not_valid


@dataclass(frozen=True, slots=True)
class Index(Keyed):
    """A standalone index (not one backing a primary key or unique constraint)."""

    name: str
    definition: str  # a complete CREATE INDEX statement
    columns: tuple[str, ...] = ()  # columns the index reads (keys, expressions, predicate)
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    written: Index | None = field(default=None, compare=False, repr=False)  # as declared

    @property
    def definition_sql(self) -> str:
        return _run(self.definition, self.written.definition if self.written else None) or ""


@dataclass(frozen=True, slots=True)
class Trigger(Keyed):
    name: str
    definition: str  # a complete CREATE TRIGGER statement
    function: str  # qualified function name
    enabled: bool = True
    columns: tuple[str, ...] = ()  # columns in UPDATE OF and WHEN
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    written: Trigger | None = field(default=None, compare=False, repr=False)  # as declared

    @property
    def definition_sql(self) -> str:
        return _run(self.definition, self.written.definition if self.written else None) or ""


@dataclass(frozen=True, slots=True)
class Policy(Keyed):
    """A row-level security policy of a table."""

    name: str
    command: str = "ALL"  # ALL, SELECT, INSERT, UPDATE, DELETE
    permissive: bool = True  # AS PERMISSIVE (default) or AS RESTRICTIVE
    roles: tuple[str, ...] = ("public",)  # quoted as SQL names them; public, current_user, …
    using: str | None = None
    with_check: str | None = None
    columns: tuple[str, ...] = ()  # columns its expressions read
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    # other tables and views its expressions read (subqueries): they cannot be dropped before it
    reads: tuple[str, ...] = field(default=(), compare=False)
    written: Policy | None = field(default=None, compare=False, repr=False)  # as declared

    @property
    def using_sql(self) -> str | None:
        return _run(self.using, self.written.using if self.written else None)

    @property
    def with_check_sql(self) -> str | None:
        return _run(self.with_check, self.written.with_check if self.written else None)


@dataclass(frozen=True, slots=True)
class Rule(Keyed):
    """A rewrite rule of a table or view (CREATE RULE; not a view's own _RETURN rule)."""

    name: str
    definition: str  # a complete CREATE RULE statement, as pg_get_ruledef prints it
    enabled: str = "origin"  # origin (fires), disabled, replica, always: ALTER TABLE … ENABLE RULE
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    # The relations it reads or writes (its own included), as PostgreSQL recorded them: a change
    # to one of their columns, or one made again, takes the rule down and back. Not compared.
    depends_on: tuple[str, ...] = field(default=(), compare=False, repr=False)
    written: Rule | None = field(default=None, compare=False, repr=False)  # as declared

    @property
    def definition_sql(self) -> str:
        return _run(self.definition, self.written.definition if self.written else None) or ""


@dataclass(frozen=True, slots=True)
class Table(Keyed):
    schema: str
    name: str
    columns: dict[str, Column]
    constraints: dict[str, Constraint] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    options: tuple[str, ...] = ()  # storage parameters, as PostgreSQL keeps them: "fillfactor=70"
    unlogged: bool = False
    replica_identity: str = "default"  # default, full, nothing, or "index <name>"
    # Declarative partitioning: PARTITION BY as PostgreSQL prints it ("RANGE (paid_at)"); of a
    # partition, its parent (qualified) and its bound ("FOR VALUES FROM ('2024-01-01') TO (…)",
    # "DEFAULT"). A partition's columns, and the keys, indexes and triggers it gets from its
    # parent, are its parent's: only what is its own is in the partition's Table.
    partition_by: str | None = None
    partition_of: str | None = None
    bound: str | None = None
    # INHERITS (parents, qualified, in order): the table's columns are then its own ones only
    inherits: tuple[str, ...] = ()
    # A partition's names for its copies of its parent's indexes and keys: (("index", parent's
    # index), name), (("constraint", parent's key), name). Read: all of them; declared: those
    # that are not PostgreSQL's own choice (attached_default).
    attached: tuple[tuple[tuple[str, str], str], ...] = ()
    acl: Acl | None = field(default=None, compare=False, repr=False)  # see Acl
    # A partition's copies of its parent's keys, checks and indexes: not its own, not compared;
    # DETACH PARTITION makes them the table's own.
    inherited_constraints: dict[str, Constraint] = field(default_factory=dict, compare=False, repr=False)
    inherited_indexes: dict[str, Index] = field(default_factory=dict, compare=False, repr=False)
    inherited_columns: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)
    # A partition's columns where they are not as its parent's: its own NOT NULL, that
    # constraint's name, its own default (or none where the parent has one). Whole columns, as
    # the partition has them; every other column is exactly its parent's.
    partition_columns: dict[str, Column] = field(default_factory=dict)
    row_security: bool = False  # ENABLE ROW LEVEL SECURITY
    force_row_security: bool = False  # FORCE ROW LEVEL SECURITY (the owner too)
    policies: dict[str, Policy] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)

    def every_column(self) -> dict[str, Column]:
        """Its columns with those it has from its parents (a partition's, as read, are all there)."""
        return {**self.inherited_columns, **self.columns}

    def primary_key(self) -> Constraint | None:
        for c in self.constraints.values():
            if c.kind == "primary_key":
                return c
        return None


@dataclass(frozen=True, slots=True)
class View(Keyed):
    schema: str
    name: str
    query: str
    materialized: bool = False
    columns: tuple[str, ...] = ()
    column_types: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()  # qualified names of tables/views it reads
    indexes: dict[str, Index] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)  # INSTEAD OF triggers
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    written: View | None = field(default=None, compare=False, repr=False)  # as declared
    # reloptions: check_option=cascaded, security_barrier=true, …; storage parameters of a
    # materialized view
    options: tuple[str, ...] = ()
    # Read from a database, not declared: "SELECT TO reporting [WITH GRANT OPTION]", and the
    # owner when it is not the planning role. A view dropped and created again gets them back.
    grants: tuple[str, ...] = field(default=(), compare=False, repr=False)
    owner: str | None = field(default=None, compare=False, repr=False)
    acl: Acl | None = field(default=None, compare=False, repr=False)  # see Acl
    rules: dict[str, Rule] = field(default_factory=dict)

    @property
    def query_sql(self) -> str:
        return _run(self.query, self.written.query if self.written else None) or ""

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class Sequence(Keyed):
    schema: str
    name: str
    type: str = "bigint"
    start: int = 1
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cache: int = 1
    cycle: bool = False
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    owned_by: tuple[str, str] | None = None  # (qualified table, column): dropped with it
    acl: Acl | None = field(default=None, compare=False, repr=False)  # see Acl

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)


CastMethod = Literal["function", "inout", "binary"]
CastContext = Literal["explicit", "assignment", "implicit"]


@dataclass(frozen=True, slots=True)
class Cast(Keyed):
    """CREATE CAST (from_type AS to_type): WITH FUNCTION, WITH INOUT or WITHOUT FUNCTION (binary
    coercible), used explicitly, in assignments or implicitly. A cast belongs to the database,
    not to a schema: it is read where one of its types or its function is in scope."""

    from_type: str  # as format_type prints them: text, public.email
    to_type: str
    method: CastMethod = "function"
    function: str | None = None  # its signature (regprocedure): public.email_of(text)
    context: CastContext = "explicit"
    comment: str | None = None
    # The schema it goes with (its function's, else a type's): what a tenant's copy keeps.
    schema: str = field(default="public", compare=False, repr=False)
    source: Source | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.from_type} AS {self.to_type}"


# Options of a server whose names say they hold a secret: never read into the model, never
# written to schema.yaml or a plan, never compared (so never dropped). A user mapping's options
# are never read at all.
SECRET_OPTION = re.compile(r"pass(word|wd)|secret|token|credential|api_?key|access_?key|private_?key",
                           re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ForeignDataWrapper(Keyed):
    """CREATE FOREIGN DATA WRAPPER made by hand (one an extension brings is the extension's), as
    Supabase's wrappers are: its handler and validator (functions, often an extension's), options."""

    name: str
    handler: str | None = None  # as regproc prints it: public.postgres_fdw_handler; None: NO HANDLER
    validator: str | None = None
    options: tuple[str, ...] = ()  # never a secret (SECRET_OPTION)
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    secrets: tuple[str, ...] = field(default=(), compare=False, repr=False)  # see ForeignServer


@dataclass(frozen=True, slots=True)
class ForeignServer(Keyed):
    """CREATE SERVER name [TYPE …] [VERSION …] FOREIGN DATA WRAPPER wrapper OPTIONS (…). A
    database's object, not a schema's; its user mappings (where passwords live) are left alone."""

    name: str
    wrapper: str
    type: str | None = None
    version: str | None = None
    options: tuple[str, ...] = ()  # "host=db.internal", in the order PostgreSQL keeps them
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    acl: Acl | None = field(default=None, compare=False, repr=False)  # see Acl
    # The names of its secret options (SECRET_OPTION), left out: pull says so. Not compared.
    secrets: tuple[str, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ForeignTable(Keyed):
    """CREATE FOREIGN TABLE: columns (with their own OPTIONS), checks, a server and OPTIONS.
    What it holds lives on the server: dropping it or making it again loses nothing."""

    schema: str
    name: str
    server: str
    columns: dict[str, Column]
    options: tuple[str, ...] = ()  # "table_name=orders", in the order PostgreSQL keeps them
    column_options: dict[str, tuple[str, ...]] = field(default_factory=dict)  # only columns that have some
    constraints: dict[str, Constraint] = field(default_factory=dict)  # checks
    triggers: dict[str, Trigger] = field(default_factory=dict)
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    acl: Acl | None = field(default=None, compare=False, repr=False)  # see Acl

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class Unmanaged(Keyed):
    """Something in the database that schema.yaml cannot declare. Plans never drop, alter or
    recreate it, nor drop or retype what it depends on (``pins``: "table s.t", "column s.t.c",
    "function s.f(integer)", "type s.e")."""

    kind: str
    name: str
    what: str  # the family schema.yaml lacks, for the reason: "policies", "aggregates", …
    pins: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Renames:
    """Rename hints from schema.yaml (``renamed_from``), keyed by the new name."""

    tables: Mapping[str, str] = field(default_factory=dict)  # new qname -> old qname
    columns: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (table, new) -> old
    enum_values: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (enum, new) -> old

    def inverted(self) -> Renames:
        """The hints for the backward plan: every rename undone."""
        tables = {old: new for new, old in self.tables.items()}
        columns = {(self.tables.get(t, t), old): new for (t, new), old in self.columns.items()}
        values = {(e, old): new for (e, new), old in self.enum_values.items()}
        return Renames(tables, columns, values)


@dataclass(frozen=True, slots=True)
class Catalog:
    schemas: dict[str, Namespace] = field(default_factory=dict)
    extensions: dict[str, Extension] = field(default_factory=dict)
    enums: dict[str, EnumType] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    sequences: dict[str, Sequence] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    # Not compared: the differ never acts on it (see Unmanaged), two catalogs equal as managed.
    unmanaged: dict[str, Unmanaged] = field(default_factory=dict, compare=False)
    composites: dict[str, CompositeType] = field(default_factory=dict)
    ranges: dict[str, RangeType] = field(default_factory=dict)
    aggregates: dict[str, Aggregate] = field(default_factory=dict)  # by key: schema.name(arguments)
    # ALTER DEFAULT PRIVILEGES FOR ROLE … in every schema (no IN SCHEMA), as they differ from the
    # built-in ones: "creator|TABLES|SELECT TO reader", "creator|FUNCTIONS|NONE TO PUBLIC" (the
    # built-in ones taken away); None: not managed (as Acl). Compared by the differ, not here.
    default_acl: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    casts: dict[str, Cast] = field(default_factory=dict)  # by key: "text AS public.email"
    servers: dict[str, ForeignServer] = field(default_factory=dict)
    foreign_tables: dict[str, ForeignTable] = field(default_factory=dict)
    wrappers: dict[str, ForeignDataWrapper] = field(default_factory=dict)  # made by hand, not an extension's

    def named_roles(self) -> list[tuple[str, Source | None]]:
        """The roles the catalog names (policies' TO, owners, grantees, default privileges'
        creators and grantees), quoted as SQL names them, each with where it is named; not
        PUBLIC nor the keywords current_user, current_role and session_user."""
        out = [(r, p.source) for t in self.tables.values() for p in t.policies.values()
               for r in p.roles if r not in ROLE_KEYWORDS]
        for group in (self.schemas, self.tables, self.views, self.sequences, self.functions, self.enums,
                      self.domains, self.composites, self.ranges, self.foreign_tables, self.servers):
            for obj in group.values():
                if obj.acl is not None:
                    out += [(r, obj.source) for r in sorted(obj.acl.roles())]
        for t in self.tables.values():
            for c in t.columns.values():
                if c.sequence_acl is not None:
                    out += [(r, c.source) for r in sorted(c.sequence_acl[1].roles())]
        for ns in self.schemas.values():
            for line in ns.default_acl or ():
                creator, _, grant = line.split("|", 2)
                out += [(r, ns.source) for r in (creator, split_grant(grant)[1]) if r != "PUBLIC"]
        for line in self.default_acl or ():
            creator, _, grant = line.split("|", 2)
            out += [(r, None) for r in (creator, split_grant(grant)[1]) if r != "PUBLIC"]
        return out

    def roles(self) -> set[str]:
        return {r for r, _ in self.named_roles()}

    def is_empty(self) -> bool:
        return not (
            self.extensions or self.enums or self.domains or self.functions or self.sequences
            or self.composites or self.ranges or self.aggregates
            or self.tables or self.views or self.casts or self.servers or self.foreign_tables or self.wrappers
            or any(n != "public" for n in self.schemas)
        )


def fingerprint(catalog: Catalog) -> str:
    """A hash of a catalog read from a database: apply re-checks the database is still in this
    state. Every object by its key (what its equality compares and its repr shows), in the order
    the catalog queries return them, so two reads of the same database give the same hash; where
    objects came from in schema.yaml does not count. Computing it computes every object's key."""
    h = hashlib.sha256()
    for f in dataclasses.fields(catalog):
        h.update(f.name.encode())
        value = getattr(catalog, f.name)
        if isinstance(value, dict):
            for k, obj in value.items():
                h.update(k.encode() + b"\0" + key(obj))
        else:
            h.update(repr(value).encode())
    return h.hexdigest()[:16]


def _run(printed: str | None, written: str | None) -> str | None:
    """The text a statement runs: as written where there is one for a printed expression, else
    PostgreSQL's print spelled so that it runs back to itself (sqltext.reproducible)."""
    if printed is None:
        return None
    return written if written is not None else reproducible(printed)


def object_name(name1: str, name2: str, label: str) -> str:
    """makeObjectName: "name1_name2_label", the two names shortened (the longer first, by whole
    characters) until it fits PostgreSQL's 63 bytes."""
    one, two = name1.encode(), name2.encode()
    avail = 63 - len(label.encode()) - 1 - (1 if two else 0)
    n1, n2 = len(one), len(two)
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    part1 = one[:n1].decode(errors="ignore")  # a character cut in two goes whole (pg_mbcliplen)
    part2 = two[:n2].decode(errors="ignore")
    return "_".join(p for p in (part1, part2, label) if p)


def not_null_default(table: str, column: str) -> str:
    """The name PostgreSQL 18 gives a column's NOT NULL constraint when nothing else has it."""
    return object_name(table, column, "not_null")


def same_as_parent(col: Column, parent: Column) -> bool:
    """Is a partition's column exactly as its parent's (NOT NULL, its name, default)?"""
    return (col.not_null, col.not_null_name, col.default) == (parent.not_null, parent.not_null_name,
                                                              parent.default)


def attached_default(partition: str, parent: Table, what: tuple[str, str]) -> str | None:
    """The name PostgreSQL gives a partition's copy of its parent's index or key, or None when
    the parent has no such object (see copy_name)."""
    kind, name = what
    if kind == "constraint":
        con = parent.constraints.get(name) or parent.inherited_constraints.get(name)
        return copy_name(partition, con) if con else None
    idx = parent.indexes.get(name) or parent.inherited_indexes.get(name)
    return copy_name(partition, idx) if idx else None


def copy_name(partition: str, obj: Index | Constraint) -> str | None:
    """ChooseIndexName as PostgreSQL applies it to a partition's copy: the partition's name, the
    key columns (an expression by the function it calls, else "expr"), then pkey / key / excl /
    idx. Long names are truncated by PostgreSQL in ways not mirrored here: those are written out."""
    import re

    if isinstance(obj, Constraint):
        if obj.kind == "primary_key":
            return f"{partition}_pkey"
        return f"{partition}_{'_'.join(obj.columns)}_{'key' if obj.kind == 'unique' else 'excl'}"
    m = re.search(r" USING \w+ \((.*?)\)(?: INCLUDE| WHERE| WITH| NULLS|$)", obj.definition)
    if not m:
        return None
    from .sqltext import split_top_level, unquote_ident

    keys = []
    for part in split_top_level(m.group(1)):
        first = part.strip().split(" ")[0]
        call = re.match(r"^\(*(?:[a-z_][a-z0-9_]*\.)?([a-z_][a-z0-9_]*)\(", part.strip())
        if re.fullmatch(r'[a-z_][a-z0-9_$]*|"(?:[^"]|"")+"', first):
            keys.append(unquote_ident(first))
        else:  # an expression: named by the function it calls (FigureColname), else "expr"
            keys.append(call.group(1) if call else "expr")
    return f"{partition}_{'_'.join(keys)}_idx"


def attach_written(catalog: Catalog, written: Catalog) -> Catalog:
    """Give the objects of a catalog read from PostgreSQL (the desired schema, materialized)
    the schema.yaml locations and the text of ``written``, the catalog as schema.yaml declares it.

    Objects are matched by name; an unnamed constraint by its kind and columns when that is
    unambiguous, a function by its name when it has no overloads (its arguments may be spelled
    otherwise). What matches nothing keeps PostgreSQL's text, which is always runnable."""

    def table(t: Table) -> Table:
        w = written.tables.get(t.qname)
        if w is None:
            return t
        return replace(
            t, source=w.source,
            columns={n: replace(_with_written(c, w.columns[n]), using=w.columns[n].using,
                                sequence_acl=sequence_managed(c, w.columns[n]))
                     if n in w.columns else c for n, c in t.columns.items()},
            constraints=_constraints(t.constraints, w.constraints),
            indexes=src(t.indexes, w.indexes),
            triggers=src(t.triggers, w.triggers),
            policies=src(t.policies, w.policies),
            rules=src(t.rules, w.rules),
        )

    def view(v: View) -> View:
        w = written.views.get(v.qname)
        if w is None:
            return v
        return replace(v, source=w.source, written=w, indexes=src(v.indexes, w.indexes),
                       triggers=src(v.triggers, w.triggers), rules=src(v.rules, w.rules))

    def foreign_table(f: ForeignTable) -> ForeignTable:
        w = written.foreign_tables.get(f.qname)
        if w is None:
            return f
        return replace(f, source=w.source,
                       columns={n: _with_written(c, w.columns[n]) if n in w.columns else c
                                for n, c in f.columns.items()},
                       constraints=_constraints(f.constraints, w.constraints),
                       triggers=src(f.triggers, w.triggers))

    def src(objs: dict[str, _T], wobjs: dict[str, _T]) -> dict[str, _T]:
        return {k: _with_written(o, wobjs[k]) if k in wobjs else o for k, o in objs.items()}

    functions = src(catalog.functions, written.functions)
    by_name: dict[str, list[Function]] = {}
    for wf in written.functions.values():
        by_name.setdefault(wf.qname, []).append(wf)
    printed_names = [f.qname for f in catalog.functions.values()]
    for k, f in functions.items():
        alone = by_name.get(f.qname, [])
        if f.written is None and len(alone) == 1 and printed_names.count(f.qname) == 1:
            functions[k] = _with_written(f, alone[0])

    def managed(obj: _A, w: _A | None) -> _A:
        """Owner and grants as PostgreSQL holds them, where schema.yaml declares them; else
        not managed (None)."""
        return replace(obj, acl=managed_acl(obj.acl, w.acl if w is not None else None))

    def written_function(f: Function) -> Function | None:
        if f.key in written.functions:
            return written.functions[f.key]
        alone = by_name.get(f.qname, [])
        return alone[0] if len(alone) == 1 else None

    return replace(
        catalog,
        schemas={k: replace(managed(replace(o, source=written.schemas[k].source) if k in written.schemas else o,
                                    written.schemas.get(k)),
                            default_acl=o.default_acl if k in written.schemas
                            and written.schemas[k].default_acl is not None else None)
                 for k, o in catalog.schemas.items()},
        extensions={k: replace(o, source=written.extensions[k].source) if k in written.extensions
                    else o for k, o in catalog.extensions.items()},
        enums={k: managed(replace(o, source=written.enums[k].source) if k in written.enums else o,
                          written.enums.get(k)) for k, o in catalog.enums.items()},
        domains={k: managed(d, written.domains.get(k)) for k, d in src(catalog.domains, written.domains).items()},
        functions={k: managed(f, written_function(f)) for k, f in functions.items()},
        sequences={k: managed(replace(o, source=written.sequences[k].source) if k in written.sequences
                              else o, written.sequences.get(k)) for k, o in catalog.sequences.items()},
        tables={k: managed(table(t), written.tables.get(k)) for k, t in catalog.tables.items()},
        composites={k: managed(replace(o, source=written.composites[k].source) if k in written.composites
                               else o, written.composites.get(k)) for k, o in catalog.composites.items()},
        ranges={k: managed(replace(o, source=written.ranges[k].source) if k in written.ranges else o,
                           written.ranges.get(k)) for k, o in catalog.ranges.items()},
        aggregates={k: replace(o, source=written.aggregates[k].source) if k in written.aggregates else o
                    for k, o in catalog.aggregates.items()},
        default_acl=catalog.default_acl if written.default_acl is not None else None,
        views={k: managed(view(v), written.views.get(k)) for k, v in catalog.views.items()},
        foreign_tables={k: managed(foreign_table(f), written.foreign_tables.get(k))
                        for k, f in catalog.foreign_tables.items()},
        servers={k: managed(replace(o, source=written.servers[k].source) if k in written.servers else o,
                            written.servers.get(k)) for k, o in catalog.servers.items()},
        wrappers={k: replace(o, source=written.wrappers[k].source) if k in written.wrappers else o
                  for k, o in catalog.wrappers.items()},
        # (a cast's types are spelled as written there, as PostgreSQL prints them here: only the
        # ones written alike find their line)
        casts={k: replace(o, source=written.casts[k].source) if k in written.casts else o
               for k, o in catalog.casts.items()},
    )


def managed_acl(a: Acl | None, wa: Acl | None) -> Acl | None:
    """Owner and grants as the database holds them (``a``), where schema.yaml declares them
    (``wa``); None where it does not (not managed)."""
    if wa is None or a is None:
        return None
    return Acl(a.grants if wa.grants is not None else None, a.owner if wa.owner is not None else None,
               wa.managed_roles)


def sequence_managed(c: Column, w: Column | None) -> tuple[str, Acl] | None:
    """A serial's or identity's sequence's grants as read (``c``), where schema.yaml manages them."""
    if c.sequence_acl is None or w is None or w.sequence_acl is None:
        return None
    acl = managed_acl(c.sequence_acl[1], w.sequence_acl[1])
    return (c.sequence_acl[0], acl) if acl is not None else None


# The fields whose text a statement runs, by kind: a written object is kept only where one of
# them reads otherwise than PostgreSQL printed it (most objects of a large schema print as
# written, or hold no expression: a warm plan unpickles the desired catalog, so that is time).
_RUN_FIELDS: dict[type, tuple[str, ...]] = {}


def _with_written(obj: _T, w: _T) -> _T:
    fields = _RUN_FIELDS[type(obj)]
    if all(getattr(w, f) == getattr(obj, f) or getattr(w, f) is None for f in fields) \
            or (isinstance(obj, Constraint) and obj.kind not in ("check", "exclude")):
        # (keys and foreign keys hold no expression: PostgreSQL's text of them is what was meant)
        return replace(obj, source=w.source)
    return replace(obj, source=w.source, written=w)


def _constraints(printed: dict[str, Constraint], written: dict[str, Constraint]
                 ) -> dict[str, Constraint]:
    named = {c.name: c for c in written.values() if c.name}
    out = {n: _with_written(c, named[n]) if n in named else c for n, c in printed.items()}
    unnamed: dict[tuple[str, tuple[str, ...]], list[Constraint]] = {}
    for c in written.values():
        if not c.name:
            unnamed.setdefault((c.kind, tuple(sorted(c.columns))), []).append(c)
    left: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for n, c in out.items():
        if c.written is None:
            left.setdefault((c.kind, tuple(sorted(c.columns))), []).append(n)
    for key, ws in unnamed.items():
        names = left.get(key, [])
        if len(ws) == 1 and len(names) == 1:
            out[names[0]] = _with_written(out[names[0]], ws[0])
    return out


_RUN_FIELDS.update({
    Column: ("default", "generated"), Constraint: ("definition",), Index: ("definition",),
    Trigger: ("definition",), View: ("query",), Function: ("definition",),
    Domain: ("default", "checks"), Policy: ("using", "with_check"), Rule: ("definition",),
})


# -- one more round of PostgreSQL's print → parse (scratch.reprinted) ------------------------------
#
# PostgreSQL's print of an expression does not always parse back to the tree that printed it
# (`status IN ('a', 'b')` on a varchar column prints an array coercion that parses as casts of
# each element). Two databases whose authors wrote the same thing two ways, or a database and its
# pg_dump restored, then hold different trees that print differently, though they mean the same.
# Comparing both sides after the same number of print → parse rounds tells them apart from a real
# difference: the comparison is made on each catalog run once more as printed, the statements a
# plan runs still take each object's own text (as written, or its print spelled to run back to it).


def as_printed(catalog: Catalog) -> Catalog:
    """``catalog`` set to run PostgreSQL's printed text as it is (no written text, no spelling that
    keeps the tree): what a dump and restore would make of it. Owners and grants left out: they
    print no expression."""
    def raw(obj: _T) -> _T:
        return replace(obj, written=replace(obj, written=None))

    def table(t: Table) -> Table:
        return replace(t, acl=None, columns={k: raw(c) for k, c in t.columns.items()},
                       constraints={k: raw(c) for k, c in t.constraints.items()},
                       indexes={k: raw(i) for k, i in t.indexes.items()},
                       triggers={k: raw(g) for k, g in t.triggers.items()},
                       policies={k: raw(p) for k, p in t.policies.items()},
                       partition_columns={k: raw(c) for k, c in t.partition_columns.items()})

    def view(v: View) -> View:
        return raw(replace(v, acl=None, grants=(), owner=None, indexes={k: raw(i) for k, i in v.indexes.items()},
                           triggers={k: raw(g) for k, g in v.triggers.items()}))

    def bare(objs: dict[str, _T]) -> dict[str, _T]:
        return {k: replace(o, acl=None) for k, o in objs.items()}

    return replace(catalog, schemas=bare(catalog.schemas), enums=bare(catalog.enums),
                   domains={k: raw(replace(d, acl=None)) for k, d in catalog.domains.items()},
                   functions={k: raw(replace(f, acl=None)) for k, f in catalog.functions.items()},
                   sequences=bare(catalog.sequences), composites=bare(catalog.composites),
                   ranges=bare(catalog.ranges), default_acl=None,
                   tables={k: table(t) for k, t in catalog.tables.items()},
                   views={k: view(v) for k, v in catalog.views.items()})


def carried(catalog: Catalog, again: Catalog) -> Catalog:
    """``catalog`` as compared after one more round (``again``: it, built as printed and read
    back), keeping what it runs: where a printed field changed in the round, the object takes the
    new print for comparing and keeps, in ``written``, the text it ran before (schema.yaml's, or
    its print spelled to run back to itself). What is not compared (where it was declared, owners,
    grants, unmanaged objects, ``using:``) stays ``catalog``'s. Returns ``catalog`` itself when
    nothing printed otherwise."""
    out = _carry(catalog, again)
    return out if out is not None else catalog


def _carry(obj: Any, again: Any) -> Any:
    """``obj`` with ``again``'s compared fields where they differ, or None where none does."""
    if obj == again or type(obj) is not type(again):
        return None
    changes: dict[str, Any] = {}
    for f in obj.__dataclass_fields__.values():
        if not f.compare or f.name == "written":
            continue
        mine, theirs = getattr(obj, f.name), getattr(again, f.name)
        if mine == theirs:
            continue
        if isinstance(mine, dict) and isinstance(theirs, dict):
            merged = dict(mine)
            for k, v in theirs.items():
                if k not in mine:
                    merged[k] = v
                elif hasattr(v, "__dataclass_fields__"):
                    new = _carry(mine[k], v)
                    if new is not None:
                        merged[k] = new
                else:
                    merged[k] = v
            changes[f.name] = merged
        else:
            changes[f.name] = theirs
    if not changes:
        return None
    fields = _RUN_FIELDS.get(type(obj), ())
    if any(f in changes for f in fields):
        changes["written"] = runs(obj)
    return replace(obj, **changes)


def runs(obj: _T) -> _T:
    """``obj`` holding, in its printed fields, the text its statements run (see _run)."""
    w = getattr(obj, "written", None)
    if isinstance(obj, Function):
        return replace(obj, written=None, definition=obj.definition_sql)
    texts: dict[str, Any] = {}
    for f in _RUN_FIELDS[type(obj)]:
        printed, written = getattr(obj, f), getattr(w, f) if w is not None else None
        if isinstance(printed, dict):  # a domain's checks
            texts[f] = {k: _run(v, (written or {}).get(k)) for k, v in printed.items()}
        else:
            texts[f] = _run(printed, written)
    return replace(obj, written=None, **texts)


def only_schemas(catalog: Catalog, names: set[str]) -> Catalog:
    """What ``catalog`` holds in the schemas ``names`` (an extension: where it lives; what
    schemacode does not manage: by the schema of its name)."""
    def keep(group: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in group.items() if getattr(v, "schema", None) in names}

    groups: dict[str, Any] = {f: keep(getattr(catalog, f)) for f in (
        "extensions", "enums", "domains", "functions", "sequences", "tables", "views", "composites", "ranges",
        "aggregates", "foreign_tables", "casts")}
    # a server or wrapper is the database's: it goes with public (what tenants share)
    groups["servers"] = catalog.servers if "public" in names else {}
    groups["wrappers"] = catalog.wrappers if "public" in names else {}
    return replace(catalog, schemas={k: v for k, v in catalog.schemas.items() if k in names}, **groups,
                   unmanaged={k: u for k, u in catalog.unmanaged.items() if path_head(u.name) in names})


def rename_schemas_in_text(catalog: Catalog, mapping: dict[str, str]) -> Catalog:
    """``catalog`` with schemas renamed as text: a ``schema`` field naming one, and every name
    qualified by one (``app.accounts``) in keys and definitions. Names that SQL writes as they
    are only (``tenant_42``, not ``"Tenant 42"``): the model's keys and SQL text then spell them
    alike. What PostgreSQL prints after ALTER SCHEMA … RENAME, for most schemas; not for a name
    inside a string (a function body, a literal), which PostgreSQL leaves as it is:
    scratch.renamed checks one copy against PostgreSQL's before it trusts this for the others."""
    from .sqltext import ident

    if any(ident(n) != n for pair in mapping.items() for n in pair):
        raise ValueError("rename_schemas_in_text renames plain names only")
    subs = [(re.compile(r'(?<![\w$".])' + re.escape(old) + r"(?=\.)"), new)
            for old, new in mapping.items() if old != new]
    if not subs:
        return catalog

    def text(s: str) -> str:
        for pattern, new in subs:
            if pattern.search(s):
                s = pattern.sub(new.replace("\\", "\\\\"), s)
        return s

    def walk(obj: Any, key: str = "") -> Any:
        if isinstance(obj, str):
            return mapping.get(obj, obj) if key == "schema" else text(obj)
        if isinstance(obj, tuple):
            return tuple(walk(x) for x in obj)
        if isinstance(obj, list):
            return [walk(x) for x in obj]
        if isinstance(obj, dict):
            return {walk(k): walk(v) for k, v in obj.items()}
        if obj is None or isinstance(obj, (bool, int, float)) or not hasattr(obj, "__dataclass_fields__"):
            return obj
        changes: dict[str, Any] = {}
        for f in obj.__dataclass_fields__.values():
            if f.name == "source":
                continue  # where schema.yaml said it: not a name in the database
            value = getattr(obj, f.name)
            if f.name == "written":  # schema.yaml's text names its own schemas: printed text runs
                if value is not None:
                    changes[f.name] = None
                continue
            new = walk(value, f.name)
            if new is not value and new != value:
                changes[f.name] = new
        return replace(obj, **changes) if changes else obj

    renamed: Catalog = walk(catalog)
    # the namespaces themselves: keyed and named by the schema
    schemas = {mapping.get(k, k): replace(n, name=mapping.get(n.name, n.name)) if n.name in mapping else n
               for k, n in catalog.schemas.items()}
    return replace(renamed, schemas=schemas)


def _slots_dataclasses() -> list[Any]:
    """The model's own slots dataclasses, whose pickling and __init__ are made quicker below."""
    return [cls for cls in list(globals().values()) if isinstance(cls, type) and cls.__module__ == __name__
            and dataclasses.is_dataclass(cls) and "__slots__" in cls.__dict__]


def _quick_pickling() -> None:
    """Pickle the model's dataclasses that are not keyed (the catalog itself; a keyed object
    pickles itself, see Keyed.__reduce__) by their fields' slots, in order, without asking
    dataclasses.fields() for each object: the generic __setstate__ of a slots dataclass filters
    the class's fields anew for every object. The state is the same list of values, in order."""
    for cls in _slots_dataclasses():
        if issubclass(cls, Keyed):  # (a keyed object pickles itself: Keyed.__reduce__)
            continue
        names = tuple(f.name for f in dataclasses.fields(cls))
        setters = tuple(cls.__dict__[n].__set__ for n in names)  # the slots' own: frozen or not

        def getstate(self: Any, names: tuple[str, ...] = names) -> list[Any]:
            return [getattr(self, n) for n in names]

        def setstate(self: Any, state: list[Any], setters: tuple[Any, ...] = setters) -> None:
            for set_, value in zip(setters, state):
                set_(self, value)

        setattr(cls, "__getstate__", getstate)
        setattr(cls, "__setstate__", setstate)


_quick_pickling()


_FACTORY = object()  # (a parameter left out whose field has a default_factory)


def _quick_init() -> None:
    """Give the model's frozen slots dataclasses an __init__ that sets each slot through the slot's
    own descriptor. The one dataclasses writes calls object.__setattr__ by name for every field
    (the only way past frozen's __setattr__ it knows), and a catalog makes tens of thousands of
    objects: the columns of 1,000 tables alone took 45 of the 160 ms building a catalog read
    from PostgreSQL takes. Same parameters, defaults and factories, in the same order; a class
    with anything else (__post_init__, InitVar, keyword-only or init=False fields) keeps the
    dataclass's own (tests/test_model.py compares the two on every class)."""
    for cls in _slots_dataclasses():
        init = quick_init(cls)
        if init is not None:
            setattr(cls, "__init__", init)


def quick_init(cls: type) -> Callable[..., None] | None:
    """The quicker __init__ of a frozen slots dataclass (see _quick_init), or None where it keeps
    its own."""
    fields = dataclasses.fields(cls)
    if "__slots__" not in cls.__dict__ or hasattr(cls, "__post_init__") or \
            any(not f.init or f.kw_only or f.name not in cls.__dict__ for f in fields) or \
            len(fields) != len(getattr(cls, "__dataclass_fields__")):  # (an InitVar or ClassVar)
        return None
    scope: dict[str, Any] = {"_FACTORY": _FACTORY}
    params, body = [], []
    for i, f in enumerate(fields):
        scope[f"_set{i}"] = cls.__dict__[f.name].__set__  # the slot's descriptor
        value = f.name
        if f.default is not dataclasses.MISSING:
            scope[f"_default{i}"] = f.default
            params.append(f"{f.name}=_default{i}")
        elif f.default_factory is not dataclasses.MISSING:
            scope[f"_factory{i}"] = f.default_factory
            params.append(f"{f.name}=_FACTORY")
            value = f"_factory{i}() if {f.name} is _FACTORY else {f.name}"
        else:
            params.append(f.name)
        body.append(f"    _set{i}(self, {value})")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"]), scope)
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


_quick_init()
