"""Views and materialized views: CREATE beside DROP. A changed view is dropped and created again."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Source, View
from ..sqltext import qident, qname_ident
from .base import Change, Hazard, Phase, Statement, comment_sql, names_used
from .tables import set_options_sql, with_options


def _kind(v: View) -> str:
    return "MATERIALIZED VIEW" if v.materialized else "VIEW"


def view_needs(v: View) -> frozenset[str]:
    """The relations it reads and what its query calls or casts to."""
    return names_used(v.query_sql) | {f"type:{r}" for r in v.depends_on}


@dataclass(frozen=True)
class CreateView(Change):
    view: View
    depth: int = 0  # views it reads are created first
    replace: bool = False  # CREATE OR REPLACE: same columns first, new ones appended
    # A view created again: the grants and owner the dropped one had (see View.grants)
    restore: View | None = None
    phase = Phase.CREATE_VIEW

    @property
    def symbol(self) -> str:  # type: ignore[override]
        return "~" if self.replace else "+"

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.CREATE_VIEW, self.depth, self.view.qname)

    @property
    def source(self) -> Source | None:
        return self.view.source

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("view", self.view.qname, "")

    def provides(self) -> frozenset[str]:
        return frozenset() if self.replace else frozenset({f"type:{self.view.qname}"})

    def needs(self) -> frozenset[str]:
        return view_needs(self.view)

    def describe(self) -> str:
        return f"{_kind(self.view).lower()} {qname_ident(self.view.qname)}" + (" query" if self.replace else "")

    def statements(self) -> list[Statement]:
        v = self.view
        query = v.query_sql.rstrip().rstrip(";")
        verb = "CREATE OR REPLACE" if self.replace else "CREATE"
        out = [Statement(f"{verb} {_kind(v)} {qident(v.schema, v.name)}{with_options(v.options)} AS\n{query}")]
        if self.replace:
            return out  # its comment is kept (a changed one is a SetComment of its own)
        if v.comment is not None:
            out.append(Statement(comment_sql(f"{_kind(v)} {qident(v.schema, v.name)}", v.comment)))
        if self.restore is not None:
            name = qident(v.schema, v.name)
            if self.restore.owner:
                out.append(Statement(f"ALTER {_kind(v)} {name} OWNER TO {self.restore.owner}"))
            for grant in self.restore.grants:
                privilege, _, grantee = grant.partition(" TO ")
                out.append(Statement(f"GRANT {privilege} ON TABLE {name} TO {grantee}"))
        return out


@dataclass(frozen=True)
class AlterViewOptions(Change):
    """check_option, security_barrier, security_invoker, storage parameters: set in place."""

    before: View
    after: View
    phase = Phase.CREATE_VIEW

    def describe(self) -> str:
        return f"{_kind(self.after).lower()} {qname_ident(self.after.qname)} options"

    def statements(self) -> list[Statement]:
        v = self.after
        target = f"{_kind(v)} {qident(v.schema, v.name)}"
        return [Statement(sql) for sql in set_options_sql(target, self.before.options, v.options)]


@dataclass(frozen=True)
class DropView(Change):
    view: View
    depth: int = 0
    symbol = "-"
    phase = Phase.DROP_VIEW

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.DROP_VIEW, -self.depth, self.view.qname)

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("view", self.view.qname, "")

    def provides(self) -> frozenset[str]:
        return frozenset({f"type:{self.view.qname}"})

    def needs(self) -> frozenset[str]:
        return view_needs(self.view)

    def describe(self) -> str:
        return f"{_kind(self.view).lower()} {qname_ident(self.view.qname)}"

    def statements(self) -> list[Statement]:
        v = self.view
        hazards: tuple[Hazard, ...] = ()
        if v.materialized:
            hazards = (Hazard("data-loss", f"drops the stored rows of {v.qname} (rebuilt by a refresh)"),)
        return [Statement(f"DROP {_kind(v)} {qident(v.schema, v.name)}", hazards)]
