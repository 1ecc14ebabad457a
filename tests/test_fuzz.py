"""No input crashes the loader: mutated schema.yaml files (tests/fuzz.py) load or fail with a
SchemaError that names the file and a line of it. The inputs are seeded: a failure names the
input, and `python bench/fuzz_load.py --seed S --show I` prints it. The same mutator runs
100,000 inputs there (docs/performance.md has the figures)."""
from __future__ import annotations

import collections

import pytest

from schemacode.errors import SchemaError
from schemacode.load import load_text

from .fuzz import mutant, run_one, seeds

INPUTS = 3000
SEED = 26  # fixed: CI runs the same inputs every time; bench/fuzz_load.py explores other seeds


def test_mutated_schemas_load_or_fail_with_a_located_error() -> None:
    outcomes: collections.Counter[str] = collections.Counter()
    failures = []
    for i in range(INPUTS):
        _name, text = mutant(SEED, i)
        o = run_one(text)
        outcomes[o.kind] += 1
        if o.failed:
            failures.append(f"input {i} ({o.kind}): {o.detail}")
    assert not failures, (f"{len(failures)} of {INPUTS} inputs failed; see one with "
                          f"`python bench/fuzz_load.py --seed {SEED} --show N`:\n" + "\n".join(failures[:20]))
    # The mutator reaches past YAML: some inputs still load, most are refused for what they say.
    assert outcomes["ok"] > INPUTS // 20 and outcomes["error"] > INPUTS // 2, outcomes


def test_the_mutator_is_deterministic_and_starts_from_the_repository_s_schemas() -> None:
    assert [mutant(SEED, i) for i in (0, 7, 2999)] == [mutant(SEED, i) for i in (0, 7, 2999)]
    assert mutant(SEED, 1) != mutant(SEED + 1, 1)
    names = [name for name, _text in seeds()]
    assert names[0] == "schema.yaml" and "examples/agent_logs/schema.yaml" in names
    assert any(n.startswith("docs/schema-yaml.md#") for n in names)  # every kind, from the docs


# What the fuzzer found, each a located error now (it crashed the loader before).
FOUND = [
    ("`<<` where a value goes is text",
     "tables:\n  t:\n    columns:\n      a: {type: text, default: <<}\n", None, None),
    ("`=` where a value goes is text", "tables:\n  t:\n    columns:\n      a: {type: text, default: =}\n",
     None, None),
    ("a merge of a scalar", "tables:\n  t:\n    columns:\n      a: &c text\n      b: {<<: *c}\n", 5,
     "a merge key (<<) takes a mapping"),
    ("a mapping merged into itself", "tables:\n  t: &t\n    columns: {a: text}\n    <<: *t\n", 4,
     "merges itself"),
    ("a mapping as a key", "tables:\n  ? [a, b]\n  : {columns: {a: text}}\n", 2, "a key must be a plain name"),
    ("a mapping as a key, in flow", "tables: {{a: 1}: x}\n", 1, "a key must be a plain name"),
    ("an integer of 5000 digits", "sequences:\n  s: {start: " + "9" * 5000 + "}\n", 2,
     "cannot be read as an int"),
    ("a date that does not exist", "tables:\n  t:\n    comment: 2001-02-30\n    columns: {a: text}\n", 3,
     "cannot be read as a timestamp"),
    ("an explicit tag on a value it cannot take", "tables:\n  t:\n    unlogged: !!bool maybe\n", 3,
     "cannot be read as a bool"),
    ("an index column that is blank", "tables:\n  t:\n    columns: {a: text}\n    indexes: {i: ['  ']}\n", 4,
     "an index column is empty"),
    ("an enum value renamed from nothing", "enums:\n  e: [a, {b: {}}]\n", 2, "renamed_from must be text"),
    ("an error at the end of a text without a last newline", "tables:\n  t: {columns: {a: text}", 2,
     "invalid YAML"),
    ("nesting deeper than any schema", "tables:\n  t: " + "[" * 300 + "]" * 300 + "\n", 2, "levels deep"),
    ("nesting deeper than any schema, with an anchor", "x: &a 1\ntables: " + "{a: " * 300 + "1" + "}" * 300,
     2, "levels deep"),
    ("a billion laughs", "tables:\n  t:\n    columns: {a: int}\n    sqlite: [&a0 [x, x, x, x, x, x, x, x, x, x], "
     + ", ".join(f"&a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)) + "]\n", 4,
     "its aliases make this more than"),
    ("hash partitions by the 2**64", "tables:\n  e:\n    columns: {id: bigint}\n    partition_by: hash (id)\n"
     "    partitions:\n      e_{remainder}: {modulus: 18446744073709551616}\n", 6, "modulus is from 1 to 10,000"),
    ("a billion range partitions of numbers", "tables:\n  p:\n    columns: {id: int}\n    partition_by: range (id)\n"
     "    partitions:\n      p_{from}: {from: 0, to: 1000000000, every: 0.5}\n", 6, "more than 10,000 partitions"),
    ("monthly partitions from the 31st", "tables:\n  p:\n    columns: {d: date}\n    partition_by: range (d)\n"
     "    partitions:\n      p_{yyyy}_{mm}: {from: 2024-01-31, to: 2024-06-01, every: 1 month}\n", 6,
     "every 1 month from 2024-01-31 is no date"),
    ("SQL nested too deeply for the parser", "tables:\n  t:\n    columns: {a: int}\n    checks: {c: \""
     + "(" * 3000 + "a > 0" + ")" * 3000 + "\"}\n", 4, "nested too deeply"),
]


@pytest.mark.parametrize("text, line, message", [f[1:] for f in FOUND], ids=[f[0] for f in FOUND])
def test_what_the_fuzzer_found(text: str, line: int | None, message: str | None) -> None:
    if message is None:
        load_text(text)
        return
    with pytest.raises(SchemaError) as e:
        load_text(text, "found.yaml")
    assert (e.value.file, e.value.line) == ("found.yaml", line) and message in e.value.message, str(e.value)


def test_a_long_chain_of_inheritance_loads_in_any_order() -> None:
    """Each table after its parent: ordered without recursion, whatever the length."""
    n = 1500
    text = "tables:\n" + "".join(f"  t{i}:\n    columns: {{a{i}: int}}\n"
                                 + (f"    inherits: t{i + 1}\n" if i < n - 1 else "") for i in range(n))
    tables = list(load_text(text).catalog.tables)
    assert tables[0] == f"public.t{n - 1}" and tables[-1] == "public.t0"


def test_an_index_column_s_order_is_read_without_backtracking() -> None:
    """`expr desc nulls last` is read word by word from the right: a long run of spaces inside
    an expression costs nothing (a regular expression took 20 s on 20,000)."""
    loaded = load_text("tables:\n  t:\n    columns: {a: int, b: int}\n    indexes:\n"
                       "      i: ['lower(a::text) desc nulls last', 'b NULLS first', 'a  ASC']\n"
                       f"      j: ['a {' ' * 20000}+ b']\n")
    i, j = loaded.catalog.tables["public.t"].indexes["i"], loaded.catalog.tables["public.t"].indexes["j"]
    assert "((lower(a::text)) DESC NULLS LAST, b NULLS FIRST, a ASC)" in i.definition
    assert j.columns == ("a", "b")


# YAML merge keys are YAML: they load as YAML defines them, and errors keep their lines.
MERGED = """\
tables:
  kinds:
    columns:
      name: &text {type: text, null: false}
      code: &short {type: varchar(20)}
  users:
    columns: &audited
      id: serial primary key
      created_at: {type: timestamptz, null: false, default: {sql: now()}}
    checks: &checks
      recent: created_at > '2000-01-01'
  posts:
    columns:
      <<: *audited
      title: {<<: *text, null: true}
      slug: {<<: [*short, *text]}
      body: {<<: [*text, *short]}
    checks: {<<: *checks}
"""


def test_merge_keys_load_as_yaml_defines_them() -> None:
    posts = load_text(MERGED).catalog.tables["public.posts"]
    cols = posts.columns
    assert list(cols) == ["id", "created_at", "title", "slug", "body"]
    assert cols["created_at"].not_null and cols["created_at"].default == "now()"
    assert (cols["title"].type, cols["title"].not_null) == ("text", False)  # the mapping's own key wins
    assert (cols["slug"].type, cols["slug"].not_null) == ("varchar(20)", True)  # of those merged, the first
    assert (cols["body"].type, cols["body"].not_null) == ("text", True)
    assert [c.name for c in posts.constraints.values() if c.kind == "check"] == ["recent"]


def test_an_error_in_a_merged_entry_points_where_it_is_written() -> None:
    text = MERGED.replace("      <<: *audited\n", "      <<: *short\n")  # no created_at for the check
    with pytest.raises(SchemaError) as e:
        load_text(text, "m.yaml")
    assert (e.value.line, e.value.path) == (11, "tables.posts.checks.recent"), str(e.value)
    assert "created_at" in e.value.message
    with pytest.raises(SchemaError) as e:  # and one in the mapping's own key, at its own line
        load_text(MERGED.replace("title: {<<: *text, null: true}", "title: {<<: *text, null: maybe}"), "m.yaml")
    assert (e.value.line, e.value.path) == (15, "tables.posts.columns.title.null"), str(e.value)
