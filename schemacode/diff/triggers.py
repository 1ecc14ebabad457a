"""Triggers of tables and views."""
from __future__ import annotations

from typing import Mapping

from .. import changes as ch
from ..model import (
    Trigger,
)
from ..sqltext import ident, qname_ident
from .core import DifferBase, keys_added, keys_common, keys_dropped


class TriggerDiffer(DifferBase):
    def triggers(self, q: str, cur: Mapping[str, Trigger], des: Mapping[str, Trigger]) -> None:
        for name in keys_dropped(cur, des):
            self.emit(ch.DropTrigger(q, cur[name]))
        for name in keys_added(cur, des):
            self.emit(ch.CreateTrigger(q, des[name]))
        for name in keys_common(cur, des):
            x, y = cur[name], des[name]
            if (x.definition != y.definition or self.touches(q, x.columns)
                    or x.function in self.recreated_functions):
                why = self.readded(x.definition, y.definition, self.why(q, x.columns, function=x.function))
                self.emit(ch.DropTrigger(q, x, because=why), ch.CreateTrigger(q, y, because=why))
                continue
            if x.enabled != y.enabled:
                self.emit(ch.EnableTrigger(q, name, y.enabled))
            if x.comment != y.comment:
                self.comment(f"TRIGGER {ident(name)} ON {qname_ident(q)}",
                             f"trigger {ident(name)} on {qname_ident(q)}", x.comment, y.comment)
