"""Sequences, and a serial column's sequence declared on its own on the other side."""
from __future__ import annotations

from dataclasses import replace

from .. import changes as ch
from ..model import (
    SERIAL_TYPES,
    Catalog,
    Sequence,
    serial_sequence,
)
from ..sqltext import qname_ident
from .core import keys_added, keys_common, keys_dropped
from .privileges import PrivilegeDiffer


class SequenceDiffer(PrivilegeDiffer):
    def sequences(self) -> None:
        cur, des = self.cur.sequences, self.des.sequences
        # A serial column's sequence is part of the column; when the same sequence is declared
        # on its own on the other side, it is kept (its options and owner change), not dropped
        # and created again under the same name.
        added, dropped = keys_added(cur, des), keys_dropped(cur, des)
        cur_serial = serial_sequences(self.cur) if added else {}
        des_serial = serial_sequences(self.des) if dropped else {}
        for k in added:
            if k in cur_serial:
                self.adopted_sequences.add(k)
                self.sequence(cur_serial[k], des[k])
                continue
            self.emit(ch.CreateSequence(des[k]))
            if des[k].owned_by:
                self.emit(ch.SetSequenceOwner(des[k], des[k].owned_by))
            self.privileges("sequence", qname_ident(k), f"sequence {k}", None, des[k].acl, created=True)
        for k in dropped:
            if k in des_serial:
                self.adopted_sequences.add(k)
                self.sequence(cur[k], des_serial[k])
                continue
            if cur[k].owned_by:
                self.emit(ch.SetSequenceOwner(cur[k], None))
            self.emit(ch.DropSequence(cur[k]))
        for k in keys_common(cur, des):
            self.sequence(cur[k], des[k])

    def sequence(self, a: Sequence, b: Sequence) -> None:
        if replace(a, comment=None, owned_by=None) != replace(b, comment=None, owned_by=None):
            self.emit(ch.AlterSequence(a, b))
        if a.owned_by != b.owned_by:
            if a.owned_by:
                self.emit(ch.SetSequenceOwner(a, None))
            if b.owned_by:
                self.emit(ch.SetSequenceOwner(b, b.owned_by))
        self.comment(f"SEQUENCE {qname_ident(b.qname)}", f"sequence {b.qname}", a.comment, b.comment)
        self.privileges("sequence", qname_ident(b.qname), f"sequence {b.qname}", a.acl, b.acl)


def serial_sequences(catalog: Catalog) -> dict[str, Sequence]:
    """The sequences that come with the serial columns of a catalog, by qualified name."""
    out = {}
    for t in catalog.tables.values():
        for c in t.columns.values():
            if c.type in SERIAL_TYPES:
                s = serial_sequence(t.schema, t.name, c.name, c.type)
                out[s.qname] = s
    return out
