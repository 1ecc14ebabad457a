"""The JSON Schema editors use and the loader agree: on every example and doc snippet, on
known-bad files, and on the keys they accept."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from schemacode import api
from schemacode.cli import STARTER, main
from schemacode.errors import SchemaError
from schemacode.jsonschema import COLUMN_KEYS, TABLE_KEYS, build
from schemacode.load import _Loader
from schemacode.load import load_text

from .test_docs import SCHEMA_BLOCKS

ROOT = Path(__file__).resolve().parent.parent
GOOD = [(str(p.relative_to(ROOT)), p.read_text()) for p in
        [ROOT / "schema.yaml", *sorted((ROOT / "examples").glob("*/schema.yaml"))]]
GOOD += SCHEMA_BLOCKS + [("starter", STARTER)]

BAD = [
    ("unknown top-level key", "tabels: {}\n"),
    ("unknown table key", "tables:\n  t:\n    colums: {a: int}\n"),
    ("unknown column key", "tables:\n  t:\n    columns:\n      a: {type: int, nul: false}\n"),
    ("null is not a boolean", "tables:\n  t:\n    columns:\n      a: {type: int, null: nope}\n"),
    ("column without a type", "tables:\n  t:\n    columns:\n      a: {null: false}\n"),
    ("table without columns", "tables:\n  t: {comment: x}\n"),
    ("unknown index method", "tables:\n  t:\n    columns: {a: int}\n    indexes:\n      i: {using: gim, columns: [a]}\n"),
    ("bad foreign key action", "tables:\n  u: {columns: {id: serial primary key}}\n  t:\n    columns:\n"
                               "      a: {type: int, references: u.id, on_delete: explode}\n"),
    ("trigger without execute", "tables:\n  t:\n    columns: {a: int}\n    triggers:\n      g: {before: update}\n"),
    ("function without body", "functions:\n  f: {returns: trigger}\n"),
    ("bad volatility", "functions:\n  f: {returns: int, body: select 1, volatility: sometimes}\n"),
    ("identity generation", "tables:\n  t:\n    columns:\n      a: {type: int, identity: never}\n"),
    ("rule without do", "tables:\n  t:\n    columns: {a: int}\n    rules:\n      r: {event: insert}\n"),
    ("rule on select", "tables:\n  t:\n    columns: {a: int}\n    rules:\n      r: {event: select, do: nothing}\n"),
    ("foreign table without server", "foreign_tables:\n  t: {columns: {a: int}}\n"),
    ("cast with an unknown context", "casts:\n  text AS int: {inout: true, context: always}\n"),
    ("column check option", "tables:\n  t:\n    columns:\n      a: {type: int, check: {expr: a > 0, nope: 1}}\n"),
    ("column key option", "tables:\n  t:\n    columns:\n      a: {type: int, primary_key: {nulls_not_distinct: true}}\n"),
]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = build()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _data(text: str) -> object:
    # The loader reads `null:` as the key "null"; so must the JSON Schema's reader (editors do).
    class KeysAsText(yaml.SafeLoader):
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[str, object]:
        loader.flatten_mapping(node)
        return {str(k.value): loader.construct_object(v, deep=True) for k, v in node.value}

    KeysAsText.add_constructor("tag:yaml.org,2002:map", construct_mapping)
    return yaml.load(text, Loader=KeysAsText) or {}


@pytest.mark.parametrize("where,text", GOOD, ids=[w for w, _ in GOOD])
def test_good_files_pass_both(validator: jsonschema.Draft7Validator, where: str, text: str) -> None:
    load_text(text, where)
    errors = sorted(validator.iter_errors(_data(text)), key=str)
    assert not errors, f"{where}: {errors[0].message} at {list(errors[0].absolute_path)}"


@pytest.mark.parametrize("name,text", BAD, ids=[b[0] for b in BAD])
def test_bad_files_fail_both(validator: jsonschema.Draft7Validator, name: str, text: str) -> None:
    with pytest.raises(SchemaError):
        load_text(text)
    assert list(validator.iter_errors(_data(text))), f"the JSON Schema accepts: {name}"


def test_the_keys_agree() -> None:
    schema = build()
    table = schema["properties"]["tables"]["additionalProperties"]
    assert set(table["properties"]) == TABLE_KEYS
    column = table["properties"]["columns"]["additionalProperties"]["oneOf"][1]
    assert set(column["properties"]) == COLUMN_KEYS
    functions = schema["properties"]["functions"]["additionalProperties"]
    assert set(functions["properties"]) == _Loader.FUNCTION_KEYS
    assert set(table["properties"]["triggers"]["additionalProperties"]["properties"]) == _Loader.TRIGGER_KEYS
    view = schema["properties"]["views"]["additionalProperties"]["oneOf"][1]
    assert set(view["properties"]) == _Loader.VIEW_KEYS
    policy = table["properties"]["policies"]["additionalProperties"]["oneOf"][1]
    assert set(policy["properties"]) == _Loader.POLICY_KEYS
    assert set(table["properties"]["rules"]["additionalProperties"]["properties"]) == _Loader.RULE_KEYS
    assert set(schema["properties"]["casts"]["additionalProperties"]["oneOf"][1]["properties"]) == _Loader.CAST_KEYS
    assert set(schema["properties"]["foreign_servers"]["additionalProperties"]["properties"]) == _Loader.SERVER_KEYS
    wrapper = schema["properties"]["foreign_data_wrappers"]["additionalProperties"]["oneOf"][1]
    assert set(wrapper["properties"]) == _Loader.WRAPPER_KEYS
    foreign = schema["properties"]["foreign_tables"]["additionalProperties"]
    assert set(foreign["properties"]) == _Loader.FOREIGN_TABLE_KEYS
    assert set(foreign["properties"]["columns"]["additionalProperties"]["oneOf"][1]["properties"]) == \
        _Loader.FOREIGN_COLUMN_KEYS


def test_init_writes_a_starter_that_plans(pg_admin: str, tmp_path: Path) -> None:
    path = tmp_path / "schema.yaml"
    r = CliRunner().invoke(main, ["init", "--schema", str(path)])
    assert r.exit_code == 0
    assert path.read_text().startswith("# yaml-language-server: $schema=.schemacode.schema.json")
    assert json.loads((tmp_path / ".schemacode.schema.json").read_text())["title"]
    assert CliRunner().invoke(main, ["init", "--schema", str(path)]).exit_code == 1  # no overwrite
    assert not api.plan(path).plan.is_empty
    r = CliRunner().invoke(main, ["json-schema"])
    assert json.loads(r.stdout) == build()


def test_completion_scripts() -> None:
    for shell in ("bash", "zsh", "fish"):
        r = CliRunner().invoke(main, ["completion", shell])
        assert r.exit_code == 0 and "_SCHEMACODE_COMPLETE" in r.stdout
