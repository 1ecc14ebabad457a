"""Declarative partitioning: partitioned tables (range, list, hash; columns or expressions), their
partitions and sub-partitions, keys, indexes and foreign keys across them; partitions added and
dropped, attached and detached; a table whose partitioning changes is created again, announced."""
from __future__ import annotations

import pytest

from schemacode import api
from schemacode.errors import SchemaError
from schemacode.load.partitions import compact_runs

from .acceptance import Case, run_case
from .conftest import Database
from .roundtrip import other_database, round_trip

PAYMENTS = """
tables:
  payments:
    columns:
      id: bigint
      paid_at: date
      region: text
      amount: numeric(12,2)
    primary_key: [id, paid_at]
    indexes:
      payments_region: [region]
    partition_by: range (paid_at)
    partitions:
      payments_{yyyy}_{mm}: {from: 2024-01-01, to: 2025-01-01, every: 1 month}
      payments_old:
        from: minvalue
        to: 2024-01-01
        comment: Before 2024
        indexes:
          payments_old_amount: [amount]
        checks:
          old_amounts: amount < 1000000
  refunds:
    columns:
      id: int primary key
      payment_id: bigint
      payment_at: date
    foreign_keys:
      refunds_payment: {columns: [payment_id, payment_at], references: payments}
"""


def test_twelve_monthly_partitions_from_one_line(db: Database) -> None:
    loaded = db.load(PAYMENTS)
    parts = sorted(k for k, t in loaded.catalog.tables.items() if t.partition_of == "public.payments")
    assert len(parts) == 13 and parts[0] == "public.payments_2024_01" and parts[11] == "public.payments_2024_12"
    assert loaded.catalog.tables["public.payments_2024_12"].bound == \
        "FOR VALUES FROM ('2024-12-01') TO ('2025-01-01')"
    api.apply(loaded, db.url)
    assert api.plan(loaded, db.url).plan.is_empty
    # a parent's index is on every partition; a partition's own index on it alone
    assert db.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'payments_2024_%region%'") == [(12,)]
    assert db.execute("SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%(amount)'") == [(1,)]
    db.execute("INSERT INTO payments VALUES (1, '2024-03-05', 'eu', 10), (2, '2020-01-01', 'us', 5)")
    assert db.execute("SELECT tableoid::regclass::text FROM payments ORDER BY id") == \
        [("payments_2024_03",), ("payments_old",)]
    # pull writes the compact form back
    pulled = api.pull(db.url).text
    assert "payments_{yyyy}_{mm}: {from: '2024-01-01', to: '2025-01-01', every: 1 month}" in pulled
    assert "partition_by: range (paid_at)" in pulled


YEARLY = """
tables:
  logs:
    columns:
      id: bigint
      at: date
      body: text
    partition_by: range (at)
    partitions:
      logs_2024: {from: 2024-01-01, to: 2025-01-01}
      logs_2025: {from: 2025-01-01, to: 2026-01-01}
"""

CASES = [
    Case("a partition added", YEARLY, YEARLY + "      logs_2026: {from: 2026-01-01, to: 2027-01-01}\n",
         expect_summary=("+ partition public.logs_2026",)),
    Case("a partition dropped", YEARLY, YEARLY.replace("      logs_2025: {from: 2025-01-01, to: 2026-01-01}\n", ""),
         hazards=frozenset({"data-loss"}), expect_summary=("- partition public.logs_2025",)),
    Case("a bound changed: detached and attached again, rows kept", YEARLY,
         YEARLY.replace("logs_2025: {from: 2025-01-01, to: 2026-01-01}", "logs_2025: {from: 2025-01-01, to: 2027-01-01}"),
         data="INSERT INTO logs VALUES (1, '2025-06-01', 'x')", no_hazards=frozenset({"data-loss"}),
         expect_summary=("partition public.logs_2025 detached", "attached: FOR VALUES FROM ('2025-01-01') TO ('2027-01-01')"),
         check="SELECT count(*) = 1 FROM logs_2025"),
    Case("a table becomes a partition: attached, rows kept", YEARLY + """
  logs_2023:
    columns:
      id: bigint
      at: date
      body: text
""", YEARLY + "      logs_2023: {from: 2023-01-01, to: 2024-01-01}\n",
         data="INSERT INTO logs_2023 VALUES (1, '2023-06-01', 'x')", no_hazards=frozenset({"data-loss"}),
         expect_summary=("partition public.logs_2023 of public.logs attached",),
         check="SELECT count(*) = 1 FROM logs WHERE id = 1"),
    Case("a partition becomes a table of its own: detached, rows kept",
         YEARLY + "      logs_2023: {from: 2023-01-01, to: 2024-01-01}\n", YEARLY + """
  logs_2023:
    columns:
      id: bigint
      at: date
      body: text
""", data="INSERT INTO logs VALUES (1, '2023-06-01', 'x')", no_hazards=frozenset({"data-loss"}),
         expect_summary=("partition public.logs_2023 detached from public.logs",),
         check="SELECT count(*) = 1 FROM logs_2023"),
    Case("partitioning changes: the table is created again, announced",
         YEARLY, YEARLY.replace("partition_by: range (at)", "partition_by: list (at)").replace(
             "      logs_2024: {from: 2024-01-01, to: 2025-01-01}\n      logs_2025: {from: 2025-01-01, to: 2026-01-01}\n",
             "      logs_any: default\n"),
         hazards=frozenset({"data-loss"}), expect_summary=("- table public.logs", "+ table public.logs")),
    Case("an index on the parent", YEARLY, YEARLY.replace("    partition_by:", "    indexes:\n      logs_at: [at]\n    partition_by:"),
         expect_summary=("+ index public.logs_at on public.logs",),
         check="SELECT count(*) = 3 FROM pg_indexes WHERE indexdef LIKE '%(at)'"),
    Case("a hash partitioning, and a list one with a default", "tables: {}\n", """
tables:
  events:
    columns: {id: int, kind: text}
    partition_by: hash (id)
    partitions:
      events_{remainder}: {modulus: 4}
  regions:
    columns: {id: int, region: text}
    partition_by: list (lower(region))
    partitions:
      regions_eu: {in: [eu, uk]}
      regions_rest: default
""", check="SELECT count(*) = 6 FROM pg_class WHERE relispartition"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_partition_case(db: Database, case: Case) -> None:
    run_case(db, case)


def test_a_partitioning_change_is_a_data_loss_hazard_saying_why(db: Database) -> None:
    api.apply(db.load(YEARLY), db.url)
    new = YEARLY.replace("partition_by: range (at)", "partition_by: range (id)").replace("2024-01-01", "0").replace(
        "2025-01-01", "100").replace("2026-01-01", "200")
    planned = api.plan(db.load(new), db.url).plan
    messages = [h.message for _, h in planned.hazards("data-loss")]
    assert any("its partitioning changes, which PostgreSQL cannot alter" in m for m in messages), messages
    with pytest.raises(Exception):
        api.apply(db.load(new), db.url)  # refused without --allow-destructive


def test_partitioned_tables_round_trip(db: Database) -> None:
    rt = round_trip(db, """
        CREATE TABLE measurement (city_id int NOT NULL, logdate date NOT NULL, peaktemp int,
                                  region text NOT NULL DEFAULT 'eu',
                                  PRIMARY KEY (city_id, logdate, region))
            PARTITION BY RANGE (logdate);
        CREATE INDEX measurement_peak ON measurement (peaktemp);
        CREATE TABLE measurement_y2006m02 PARTITION OF measurement FOR VALUES FROM ('2006-02-01') TO ('2006-03-01');
        CREATE TABLE measurement_y2006m03 PARTITION OF measurement FOR VALUES FROM ('2006-03-01') TO ('2006-04-01');
        CREATE TABLE measurement_y2006m04 PARTITION OF measurement FOR VALUES FROM ('2006-04-01') TO ('2006-05-01');
        CREATE TABLE measurement_y2006m05 PARTITION OF measurement FOR VALUES FROM ('2006-05-01') TO ('2006-06-01')
            PARTITION BY LIST (region);
        CREATE TABLE measurement_y2006m05_eu PARTITION OF measurement_y2006m05 FOR VALUES IN ('eu');
        CREATE TABLE measurement_y2006m05_rest PARTITION OF measurement_y2006m05 DEFAULT;
        CREATE TABLE measurement_old PARTITION OF measurement FOR VALUES FROM (MINVALUE) TO ('2006-02-01')
            WITH (fillfactor = 70);
        ALTER TABLE measurement_old ADD CONSTRAINT old_temps CHECK (peaktemp < 100);
        COMMENT ON TABLE measurement_old IS 'the archive';
        CREATE INDEX measurement_old_city ON measurement_old (city_id);
        CREATE TABLE readings (id int PRIMARY KEY, city_id int, logdate date, region text,
            FOREIGN KEY (city_id, logdate, region) REFERENCES measurement);
        CREATE TABLE hits (id bigint, at timestamptz) PARTITION BY HASH (id);
        CREATE TABLE hits_0 PARTITION OF hits FOR VALUES WITH (modulus 3, remainder 0);
        CREATE TABLE hits_1 PARTITION OF hits FOR VALUES WITH (modulus 3, remainder 1);
        CREATE TABLE hits_2 PARTITION OF hits FOR VALUES WITH (modulus 3, remainder 2);
    """, older="CREATE TABLE readings (id int PRIMARY KEY, city_id int, logdate date, region text);")
    assert "measurement_y{yyyy}m{mm}: {from: '2006-02-01', to: '2006-05-01', every: 1 month}" in rt.text
    assert "hits_{remainder}: {modulus: 3}" in rt.text


def test_compact_runs_only_where_they_stand_for_exactly_those_partitions() -> None:
    monthly = {f"p_2024_{m:02d}": f"FOR VALUES FROM ('2024-{m:02d}-01') TO ('2024-{m + 1:02d}-01')" for m in range(1, 6)}
    [(name, spec, members)] = compact_runs(monthly)
    assert name == "p_{yyyy}_{mm}" and spec == {"from": "2024-01-01", "to": "2024-06-01", "every": "1 month"}
    gap = dict(monthly)
    del gap["p_2024_03"]
    assert compact_runs(gap) == []  # two runs of two: written one by one
    odd_name = dict(monthly, p_2024_02="FOR VALUES FROM ('2024-02-01') TO ('2024-02-15')")
    assert all(len(m) < 5 for _, _, m in compact_runs(odd_name))
    numbers = {f"n_{i}": f"FOR VALUES FROM ({i}) TO ({i + 100})" for i in range(0, 500, 100)}
    assert compact_runs(numbers) == [("n_{from}", {"from": 0, "to": 500, "every": 100}, set(numbers))]


@pytest.mark.parametrize("text,error", [
    ("tables:\n  t:\n    columns: {a: int}\n    partition_by: sideways (a)\n", "is not a partitioning"),
    ("tables:\n  t:\n    columns: {a: int}\n    partitions: {t1: default}\n", "partitions need the table's partition_by"),
    ("tables:\n  t:\n    columns: {a: int}\n    partition_by: range (a)\n    partitions:\n      t1: {from: 1}\n",
     "a range partition needs from: and to:"),
    ("tables:\n  t:\n    columns: {a: int}\n    partition_by: hash (a)\n    partitions:\n      t1: default\n",
     "a hash partitioning has no default partition"),
    ("tables:\n  t:\n    columns: {a: date}\n    partition_by: range (a)\n    partitions:\n"
     "      t_{yyyy}: {from: 2024-01-01, to: 2026-01-01, every: 1 fortnight}\n", "is not a step"),
    ("tables:\n  t:\n    columns: {a: int}\n    partition_by: range (a)\n    partitions:\n"
     "      t1: {from: 1, to: 2, colour: red}\n", "unknown key 'colour' in partition public.t1"),
])
def test_bad_partitioning_is_a_located_error(db: Database, text: str, error: str) -> None:
    with pytest.raises(SchemaError) as e:
        db.load(text)
    assert error in str(e.value) and e.value.line is not None


def test_online_a_partition_is_detached_concurrently_then_dropped(db: Database) -> None:
    api.apply(db.load(YEARLY), db.url)
    fewer = YEARLY.replace("      logs_2024: {from: 2024-01-01, to: 2025-01-01}\n", "")
    online = api.plan(db.load(fewer), db.url, online=True).plan
    assert [(s.stage, s.sql) for s in online.forward] == [
        ("post", "ALTER TABLE public.logs DETACH PARTITION public.logs_2024 CONCURRENTLY"),
        ("post", "DROP TABLE public.logs_2024")]
    detach = online.forward[0]
    assert detach.lock and detach.lock.level == "SHARE UPDATE EXCLUSIVE"
    api.apply(db.load(fewer), db.url, online=True, allow_destructive=True)
    assert api.plan(db.load(fewer), db.url).plan.is_empty
    # PostgreSQL refuses CONCURRENTLY beside a default partition: dropped as offline
    with_default = fewer + "      logs_rest: default\n"
    api.apply(db.load(with_default), db.url)
    fewest = with_default.replace("      logs_2025: {from: 2025-01-01, to: 2026-01-01}\n", "")
    assert [s.sql for s in api.plan(db.load(fewest), db.url, online=True).plan.forward] == \
        ["DROP TABLE public.logs_2025"]


def test_a_partitions_copies_of_its_parents_indexes_keep_their_names(db: Database) -> None:
    """PostgreSQL names a partition's copy of its parent's index or key itself; one named
    otherwise (built first, then attached) comes back under its own name."""
    rt = round_trip(db, """
        CREATE TABLE events (id int, kind text, at date, PRIMARY KEY (id, kind)) PARTITION BY LIST (kind);
        CREATE TABLE events_a PARTITION OF events FOR VALUES IN ('a');
        CREATE TABLE events_b PARTITION OF events FOR VALUES IN ('b');
        CREATE INDEX events_b_when ON events_b (at);
        CREATE INDEX events_at ON events (at);
        ALTER TABLE events_a RENAME CONSTRAINT events_a_pkey TO events_a_key_renamed;
        CREATE INDEX events_lower ON events (lower(kind));
    """, older="CREATE TABLE unrelated (id int);")
    assert "attached_names: {events_at: events_b_when}" in rt.text
    assert "attached_names: {events_pkey: events_a_key_renamed}" in rt.text
    assert "events_a_lower_idx" not in rt.text  # PostgreSQL's own name: not written



ONLY_PARENT = """
    CREATE TABLE items (id int, kind text, at date) PARTITION BY LIST (kind);
    CREATE TABLE items_a PARTITION OF items FOR VALUES IN ('a');
    CREATE TABLE items_b PARTITION OF items FOR VALUES IN ('b');
    CREATE TABLE items_c PARTITION OF items FOR VALUES IN ('c');
    CREATE INDEX items_at ON ONLY items (at);
    CREATE INDEX items_a_at ON items_a (at);
    ALTER INDEX items_at ATTACH PARTITION items_a_at;
    CREATE INDEX "Items B At" ON items_b (at);
"""


def test_a_partition_missing_its_copy_of_its_parents_index(db: Database) -> None:
    """A parent's index made ON ONLY whose partitions do not all have a copy (so invalid): to
    reach schema.yaml, a partition's matching index is attached as it is (items_b), a copy is
    built and attached where there is none (items_c), and the parent's index is then valid. The
    way back: PostgreSQL cannot detach a copy, so the parent's index is made again ON ONLY and only
    the copies the database had are attached again."""
    rt = round_trip(db, """
        CREATE TABLE items (id int, kind text, at date) PARTITION BY LIST (kind);
        CREATE TABLE items_a PARTITION OF items FOR VALUES IN ('a');
        CREATE TABLE items_b PARTITION OF items FOR VALUES IN ('b');
        CREATE TABLE items_c PARTITION OF items FOR VALUES IN ('c');
        CREATE INDEX items_at ON items (at);
        ALTER INDEX items_b_at_idx RENAME TO "Items B At";
    """, older=ONLY_PARENT)
    target = other_database(db, "only")
    target.execute(ONLY_PARENT)
    planned = api.plan(rt.loaded, target.url).plan
    assert sorted(c.summary() for c in planned.changes) == [
        '+ index public."Items B At" on public.items_b as its copy of public.items\'s items_at',
        "+ index public.items_c_at_idx on public.items_c as its copy of public.items's items_at",
        "~ partition public.items_a's copy of index items_at named items_a_at_idx"]  # ONLY_PARENT's name
    forward = [s.sql for s in planned.forward]
    assert 'ALTER INDEX public.items_at ATTACH PARTITION public."Items B At"' in forward
    assert not [s for s in forward if s.startswith("DROP")]  # items_b's own index is the copy
    api.apply(rt.loaded, target.url)
    assert target.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_at'::regclass") == [(True,)]
    target.run_script(planned.backward)
    assert target.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_at'::regclass") == [(False,)]


ONLY_PARENT_KEY = """
    CREATE TABLE orders (id int NOT NULL, region text NOT NULL) PARTITION BY LIST (region);
    CREATE TABLE orders_eu PARTITION OF orders FOR VALUES IN ('eu');
    CREATE TABLE orders_us PARTITION OF orders FOR VALUES IN ('us');
    ALTER TABLE ONLY orders ADD CONSTRAINT orders_key PRIMARY KEY (id, region);
    CREATE UNIQUE INDEX orders_eu_key ON orders_eu (id, region);
    CREATE TABLE lines (order_id int, region text);  -- (no foreign key can reference an invalid key)
"""


def test_a_partition_missing_its_copy_of_its_parents_key(db: Database) -> None:
    """A parent's key added ON ONLY: a partition's matching unique index becomes its key (USING
    INDEX, no build) and is attached; one without is given its key. The way back makes the
    parent's key ON ONLY again (the foreign key that references it gone first) and the
    partition's index is its own again."""
    rt = round_trip(db, """
        CREATE TABLE orders (id int NOT NULL, region text NOT NULL, PRIMARY KEY (id, region))
            PARTITION BY LIST (region);
        CREATE TABLE orders_eu PARTITION OF orders FOR VALUES IN ('eu');
        CREATE TABLE orders_us PARTITION OF orders FOR VALUES IN ('us');
        ALTER TABLE orders RENAME CONSTRAINT orders_pkey TO orders_key;
        ALTER TABLE orders_eu RENAME CONSTRAINT orders_eu_pkey TO orders_eu_key;
        CREATE TABLE lines (order_id int, region text, FOREIGN KEY (order_id, region) REFERENCES orders);
    """, older=ONLY_PARENT_KEY)
    target = other_database(db, "onlykey")
    target.execute(ONLY_PARENT_KEY)
    planned = api.plan(rt.loaded, target.url).plan
    forward = [s.sql for s in planned.forward]
    assert forward == [
        "ALTER TABLE public.orders_eu ADD CONSTRAINT orders_eu_key PRIMARY KEY USING INDEX orders_eu_key",
        "ALTER INDEX public.orders_key ATTACH PARTITION public.orders_eu_key",
        "ALTER TABLE public.orders_us ADD CONSTRAINT orders_us_pkey PRIMARY KEY (id, region)",
        "ALTER INDEX public.orders_key ATTACH PARTITION public.orders_us_pkey",
        "ALTER TABLE public.lines ADD CONSTRAINT lines_order_id_region_fkey FOREIGN KEY (order_id, region) "
        "REFERENCES public.orders(id, region)"]
    backward = [s.sql for s in planned.backward]
    assert backward.index("ALTER TABLE public.lines DROP CONSTRAINT lines_order_id_region_fkey") < \
        backward.index("ALTER TABLE public.orders DROP CONSTRAINT orders_key") < \
        backward.index("ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_key PRIMARY KEY (id, region)")


def test_a_new_partition_whose_own_key_backs_its_parents_index(db: Database) -> None:
    """CREATE TABLE … PARTITION OF would build a copy of the parent's unique index beside the
    partition's own key: the partition is created as a table (its columns, defaults, NOT NULLs
    and the parent's checks spelled out) and attached, and its key's index is the copy."""
    rt = round_trip(db, """
        CREATE TABLE feeds (id serial, url text NOT NULL DEFAULT 'x', kind text, CHECK (id > 0))
            PARTITION BY LIST (kind);
        CREATE TABLE feeds_rss PARTITION OF feeds (UNIQUE (kind, url)) FOR VALUES IN ('rss');
        CREATE UNIQUE INDEX feeds_kind_url ON feeds (kind, url);
    """, older="""
        CREATE TABLE feeds (id serial, url text NOT NULL DEFAULT 'x', kind text, CHECK (id > 0))
            PARTITION BY LIST (kind);
        CREATE UNIQUE INDEX feeds_kind_url ON feeds (kind, url);
    """)
    assert "attached_names: {feeds_kind_url: feeds_rss_kind_url_key}" in rt.text
    target = other_database(db, "ownkey")
    target.execute("""
        CREATE TABLE feeds (id serial, url text NOT NULL DEFAULT 'x', kind text, CHECK (id > 0))
            PARTITION BY LIST (kind);
        CREATE UNIQUE INDEX feeds_kind_url ON feeds (kind, url);
    """)
    planned = api.plan(rt.loaded, target.url).plan
    assert [c.summary() for c in planned.changes][0] == "+ partition public.feeds_rss (created, then attached)"


def test_a_table_attached_whose_own_index_postgresql_takes_as_its_copy(db: Database) -> None:
    """ATTACH PARTITION takes a matching index of the table as its copy of the parent's: where
    schema.yaml has that index as the table's own as well, the copy is renamed to its name
    first, then the table's own index is built."""
    rt = round_trip(db, """
        CREATE TABLE visits (id int, site text) PARTITION BY LIST (site);
        CREATE TABLE visits_a (id int, site text);
        ALTER TABLE visits ATTACH PARTITION visits_a FOR VALUES IN ('a');
        CREATE INDEX visits_site ON visits (site);
        CREATE INDEX visits_a_local ON visits_a (site);
    """, older="""
        CREATE TABLE visits (id int, site text) PARTITION BY LIST (site);
        CREATE TABLE visits_a (id int, site text);
        CREATE INDEX visits_site ON visits (site);
        CREATE INDEX visits_a_local ON visits_a (site);
    """)
    assert "visits_a_local: [site]" in rt.text


SERIAL_PARENT = """
tables:
  jobs:
    columns:
      id: serial
      kind: text
    partition_by: list (kind)
    partitions:
      jobs_a: {in: [a]}
"""


def test_a_partition_kept_as_a_table_when_its_parent_is_rebuilt_leaves_its_sequence(db: Database) -> None:
    """The detached partition's default still draws on the old parent's serial sequence, which
    the parent's drop takes with it: that default goes first, the table gets its own."""
    api.apply(db.load(SERIAL_PARENT), db.url)
    db.execute("INSERT INTO jobs (kind) VALUES ('a')")
    new = db.load("""
tables:
  jobs:
    columns:
      id: serial
      kind: text
  jobs_a:
    columns:
      id: serial
      kind: text
""")
    planned = api.plan(new, db.url).plan
    sql = [s.sql for s in planned.forward]
    assert sql.index("ALTER TABLE public.jobs_a ALTER COLUMN id DROP DEFAULT") < sql.index("DROP TABLE public.jobs")
    api.apply(new, db.url, allow_destructive=True)
    assert db.execute("SELECT count(*) FROM jobs_a") == [(1,)]
    assert api.plan(new, db.url).plan.is_empty
