"""Row-level security: CREATE POLICY beside DROP POLICY, ALTER POLICY where PostgreSQL allows it,
and ENABLE / FORCE ROW LEVEL SECURITY on a table."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Policy, Source
from ..sqltext import ident, qname_ident
from .base import Change, Hazard, Phase, Statement, comment_sql, names_used


def policy_comment_sql(table: str, policy: Policy) -> str:
    return comment_sql(f"POLICY {ident(policy.name)} ON {qname_ident(table)}", policy.comment)


def _to(policy: Policy) -> str:
    return ", ".join(policy.roles)


@dataclass(frozen=True)
class CreatePolicy(Change):
    table: str
    policy: Policy
    symbol = "+"
    phase = Phase.POLICY

    @property
    def source(self) -> Source | None:
        return self.policy.source

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("policy", self.table, self.policy.name)

    def needs(self) -> frozenset[str]:
        return names_used(self.policy.using_sql, self.policy.with_check_sql)

    def describe(self) -> str:
        return f"policy {ident(self.policy.name)} on {qname_ident(self.table)}"

    def statements(self) -> list[Statement]:
        p = self.policy
        sql = f"CREATE POLICY {ident(p.name)} ON {qname_ident(self.table)}"
        if not p.permissive:
            sql += " AS RESTRICTIVE"
        if p.command != "ALL":
            sql += f" FOR {p.command}"
        if p.roles != ("public",):
            sql += f" TO {_to(p)}"
        if p.using is not None:
            sql += f" USING ({p.using_sql})"
        if p.with_check is not None:
            sql += f" WITH CHECK ({p.with_check_sql})"
        out = [Statement(sql)]
        if p.comment is not None:
            out.append(Statement(policy_comment_sql(self.table, p)))
        return out


@dataclass(frozen=True)
class DropPolicy(Change):
    table: str
    policy: Policy
    symbol = "-"
    phase = Phase.DROP_POLICY

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("policy", self.table, self.policy.name)

    def needs(self) -> frozenset[str]:
        return names_used(self.policy.using_sql, self.policy.with_check_sql)

    def describe(self) -> str:
        return f"policy {ident(self.policy.name)} on {qname_ident(self.table)}"

    def statements(self) -> list[Statement]:
        p = self.policy
        effect = ("rows it let through are hidden unless another policy allows them" if p.permissive
                  else "rows it held back become visible to whom other policies allow")
        return [Statement(f"DROP POLICY {ident(p.name)} ON {qname_ident(self.table)}",
                          (Hazard("security", f"who sees what in {qname_ident(self.table)} changes: {effect}"),))]


@dataclass(frozen=True)
class AlterPolicy(Change):
    """TO, USING and WITH CHECK change in place (FOR and AS need the policy created again)."""

    table: str
    before: Policy
    after: Policy
    phase = Phase.POLICY

    @property
    def source(self) -> Source | None:
        return self.after.source

    def needs(self) -> frozenset[str]:
        return names_used(self.after.using_sql, self.after.with_check_sql)

    def describe(self) -> str:
        return f"policy {ident(self.after.name)} on {qname_ident(self.table)}"

    def statements(self) -> list[Statement]:
        a, b = self.before, self.after
        sql = f"ALTER POLICY {ident(b.name)} ON {qname_ident(self.table)}"
        if a.roles != b.roles:
            sql += f" TO {_to(b)}"
        if a.using != b.using and b.using is not None:
            sql += f" USING ({b.using_sql})"
        if a.with_check != b.with_check and b.with_check is not None:
            sql += f" WITH CHECK ({b.with_check_sql})"
        return [Statement(sql, (Hazard("security", f"who sees what in {qname_ident(self.table)} changes"),))]

    @staticmethod
    def possible(a: Policy, b: Policy) -> bool:
        """ALTER POLICY cannot change FOR or AS, nor take a USING or WITH CHECK away."""
        return (a.command == b.command and a.permissive == b.permissive
                and (b.using is not None or a.using is None)
                and (b.with_check is not None or a.with_check is None))


@dataclass(frozen=True)
class SetRowSecurity(Change):
    """ALTER TABLE … ENABLE / DISABLE and FORCE / NO FORCE ROW LEVEL SECURITY."""

    table: str
    enabled: bool | None  # None: unchanged
    forced: bool | None
    phase = Phase.ROW_SECURITY

    def describe(self) -> str:
        parts = []
        if self.enabled is not None:
            parts.append("enabled" if self.enabled else "disabled")
        if self.forced is not None:
            parts.append("forced" if self.forced else "not forced")
        return f"row-level security on {qname_ident(self.table)} {', '.join(parts)}"

    def statements(self) -> list[Statement]:
        table = qname_ident(self.table)
        out = []
        if self.enabled is not None:
            what = ("every row is hidden unless a policy allows it (the owner excepted unless forced)"
                    if self.enabled else "policies no longer apply: every row is visible to whom has the privileges")
            out.append(Statement(f"ALTER TABLE {table} {'ENABLE' if self.enabled else 'DISABLE'} ROW LEVEL SECURITY",
                                 (Hazard("security", f"{qname_ident(self.table)}: {what}"),)))
        if self.forced is not None:
            out.append(Statement(f"ALTER TABLE {table} {'' if self.forced else 'NO '}FORCE ROW LEVEL SECURITY",
                                 (Hazard("security", f"{qname_ident(self.table)}: policies {'now' if self.forced else 'no longer'} "
                                                     "apply to its owner too"),)))
        return out
