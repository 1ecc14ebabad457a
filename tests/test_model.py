"""The model's classes: their quicker __init__ (model.quick_init) behaves as the dataclass's own."""
from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from schemacode import model

CLASSES = [c for c in vars(model).values()
           if isinstance(c, type) and c.__module__ == model.__name__ and dataclasses.is_dataclass(c)]
QUICK = [c for c in CLASSES if model.quick_init(c) is not None]


def twin(cls: type) -> type:
    """The same fields in a class of the dataclass's own making (its own __init__)."""
    fields = [(f.name, f.type, dataclasses.field(default=f.default, default_factory=f.default_factory,
                                                  compare=f.compare, repr=f.repr))
              for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=True, slots=True)


def values(obj: Any) -> list[Any]:
    return [getattr(obj, f.name) for f in dataclasses.fields(obj)]


def test_every_slots_class_of_the_model_gets_the_quick_init() -> None:
    assert {c.__name__ for c in CLASSES} - {c.__name__ for c in QUICK} == {"Renames"}  # (no slots)
    assert {"Column", "Table", "Catalog", "Index", "Acl"} <= {c.__name__ for c in QUICK}
    for cls in QUICK:
        code = vars(cls)["__init__"].__code__
        assert code.co_filename == "<string>" and "_set0" in code.co_names


@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__name__)
def test_the_quick_init_takes_and_sets_what_the_dataclass_init_would(cls: type) -> None:
    theirs = twin(cls)
    ours_sig, their_sig = inspect.signature(vars(cls)["__init__"]), inspect.signature(vars(theirs)["__init__"])
    assert [(p.name, p.kind) for p in ours_sig.parameters.values()] == \
        [(p.name, p.kind) for p in their_sig.parameters.values()]
    fields = dataclasses.fields(cls)
    required = [f for f in fields if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    given = {f.name: f"value of {f.name}" for f in required}
    a, b = cls(**given), theirs(**given)
    assert values(a) == values(b)  # defaults and factories alike
    for f in fields:
        if f.default_factory is not dataclasses.MISSING:  # a new object each time, as theirs
            assert getattr(a, f.name) is not getattr(cls(**given), f.name)
    every = [f"v{i}" for i in range(len(fields))]
    assert values(cls(*every)) == values(theirs(*every)) == every  # positional, in order
    assert values(cls(**{f.name: v for f, v in zip(fields, every)})) == every  # by name
    with pytest.raises(TypeError):
        cls(*every, "one too many")
    if required:
        with pytest.raises(TypeError):
            cls()
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(a, fields[0].name, "changed")


def test_objects_made_by_the_quick_init_are_equal_keyed_and_pickled_as_before() -> None:
    import pickle

    col = model.Column("id", "bigint", not_null=True, comment="the key")
    table = model.Table("public", "t", {"id": col})
    again = pickle.loads(pickle.dumps(table))
    assert again == table and model.key(again) == model.key(table)
    assert dataclasses.replace(col, comment=None) == model.Column("id", "bigint", True)


def test_the_column_fields_are_in_the_order_introspection_passes_them() -> None:
    # introspect._column makes 12,000 columns for 1,000 tables, by position (by name took a third longer)
    assert [f.name for f in dataclasses.fields(model.Column)] == [
        "name", "type", "not_null", "default", "identity", "identity_options", "generated", "collation",
        "comment", "using", "source", "written", "not_null_name", "not_null_inherited", "options", "sequence_acl"]
