"""`generate --models sqlalchemy`: the metadata is the schema. Two outside oracles:
Alembic autogenerate (types and server defaults compared) finds nothing between the generated
metadata and the database `schemacode apply` built; and ``metadata.create_all`` builds tables
that read back as the ones `apply` built (checks, partial indexes, comments: what Alembic does
not compare)."""
from __future__ import annotations

import uuid
import warnings
from typing import Any, Iterator

import psycopg
import pytest

sa = pytest.importorskip("sqlalchemy")
from alembic.autogenerate import compare_metadata  # noqa: E402
from alembic.migration import MigrationContext  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from schemacode import api  # noqa: E402
from schemacode.load import load_file, load_text  # noqa: E402
from schemacode.model import Catalog  # noqa: E402
from schemacode.server import with_database  # noqa: E402

from .codegen_schemas import RICH, ROOT, SCHEMAS, generate_package, many_tables  # noqa: E402
from .conftest import Database  # noqa: E402


def engine(url: str) -> Any:
    return sa.create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(url), poolclass=NullPool)


def alembic_diff(url: str, metadata: Any, schemas: set[str]) -> list[Any]:
    """What Alembic autogenerate would change to make the database match ``metadata``."""
    def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
        return type_ != "schema" or name is None or name in schemas

    with engine(url).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={
            "compare_type": True, "compare_server_default": True, "include_schemas": True,
            "include_name": include_name})
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a reflection Alembic could not make is a failure too
            return list(compare_metadata(ctx, metadata))


def _schemas(catalog: Catalog) -> set[str]:
    return {t.schema for t in catalog.tables.values()} - {"public"}


CASES = [(str(p.relative_to(ROOT)), p.read_text()) for p in SCHEMAS] + [("rich", RICH)]


@pytest.mark.parametrize("name,text", CASES, ids=[c[0] for c in CASES])
def test_alembic_finds_nothing(db: Database, name: str, text: str) -> None:
    loaded = load_text(text, name)
    api.apply(loaded, db.url)
    models = generate_package(loaded, db.tmp, f"sa_{uuid.uuid4().hex[:8]}", ["sqlalchemy"])
    meta = models.sqlalchemy_models.Base.metadata
    assert alembic_diff(db.url, meta, _schemas(loaded.catalog)) == []
    sa.orm.configure_mappers()


def test_alembic_finds_nothing_on_200_tables(db: Database) -> None:
    loaded = load_text(many_tables(200), "many.yaml")
    api.apply(loaded, db.url)
    models = generate_package(loaded, db.tmp, "sa_many", ["sqlalchemy"])
    meta = models.sqlalchemy_models.Base.metadata
    assert len(meta.tables) == 200
    assert alembic_diff(db.url, meta, set()) == []


def test_alembic_sees_what_differs(db: Database) -> None:
    """The oracle can fail: the same comparison after the database moved away from schema.yaml."""
    loaded = load_text(RICH, "rich.yaml")
    api.apply(loaded, db.url)
    models = generate_package(loaded, db.tmp, "sa_moved", ["sqlalchemy"])
    db.execute("ALTER TABLE billing.accounts ALTER COLUMN number TYPE varchar(120);"
               "ALTER TABLE people ALTER COLUMN score SET DEFAULT 5;"
               "ALTER TABLE people ALTER COLUMN wake_up SET NOT NULL;"
               "DROP INDEX idx_people_seen; CREATE INDEX idx_people_seen ON people (seen_at);"
               "COMMENT ON COLUMN people.email IS 'changed'")
    found = {(d[0][0], d[0][3]) if isinstance(d, list) else (d[0], d[1].name)
             for d in alembic_diff(db.url, models.sqlalchemy_models.Base.metadata, {"billing"})}
    assert {("modify_type", "number"), ("modify_default", "score"), ("modify_nullable", "wake_up"),
            ("modify_comment", "email"), ("add_index", "idx_people_seen")} <= found


@pytest.fixture
def empty_db(pg_admin: str) -> Iterator[str]:
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield with_database(pg_admin, name)
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_create_all_builds_what_apply_built(db: Database, empty_db: str) -> None:
    loaded = load_text(RICH, "rich.yaml")
    api.apply(loaded, db.url)
    # what SQLAlchemy refers to by name (create_type=False) is made first, as apply makes it
    api.apply(load_text(RICH.split("functions:")[0], "types.yaml"), empty_db)
    models = generate_package(loaded, db.tmp, "sa_create_all", ["sqlalchemy"])
    models.sqlalchemy_models.Base.metadata.create_all(engine(empty_db))
    with psycopg.connect(db.url) as conn:
        from schemacode.introspect import introspect

        applied = introspect(conn, ["public", "billing"])
    with psycopg.connect(empty_db) as conn:
        created = introspect(conn, ["public", "billing"])
    assert sorted(created.tables) == sorted(applied.tables)
    for key, t in applied.tables.items():
        c = created.tables[key]
        assert c.comment == t.comment, key
        assert {k: i.definition for k, i in c.indexes.items()} == {k: i.definition for k, i in t.indexes.items()}, key
        assert c.constraints == t.constraints, key
        for name, col in t.columns.items():
            got = c.columns[name]
            if col.type in ("serial", "bigserial", "smallserial") and got.type != col.type:
                # not the table's key: SQLAlchemy makes its sequence and takes values from it,
                # the DEFAULT (and OWNED BY) are apply's
                assert got.default is None and col.default is None, (key, name)
                continue
            assert (got.type, got.not_null, got.default, got.identity, got.identity_options, got.generated,
                    got.collation, got.comment) == (
                col.type, col.not_null, col.default, col.identity, col.identity_options, col.generated,
                col.collation, col.comment), (key, name)


def test_models_read_and_write_through_a_session(db: Database) -> None:
    loaded = load_text(RICH, "rich.yaml")
    api.apply(loaded, db.url)
    m = generate_package(loaded, db.tmp, "sa_session", ["sqlalchemy"]).sqlalchemy_models
    from decimal import Decimal

    with Session(engine(db.url)) as s:
        boss = m.People(name="Ada", email="ada@example.com", tags=["x"], moods=[m.Mood.SO_SO, None])
        ann = m.People(name="Ann", email="ann@example.com", manager=boss, profiles=m.Profiles(bio="hi"))
        acct = m.BillingAccounts(owner=ann, number="A-1", balance=Decimal("12.50"))
        s.add_all([boss, ann, acct])
        s.flush()
        acct.entries.append(m.BillingEntries(seq=1, amount=Decimal("1.00")))
        s.commit()
        assert ann.id is not None and ann.mood is m.Mood.HAPPY  # server defaults, read back
        assert acct.currency is m.BillingCurrency.EUR
    with Session(engine(db.url)) as s:
        ann = s.scalars(sa.select(m.People).where(m.People.name == "Ann")).one()
        assert ann.manager is not None and ann.manager.name == "Ada"
        assert [p.name for p in ann.manager.people_by_manager] == ["Ann"]
        assert ann.profiles is not None and ann.profiles.bio == "hi"
        assert ann.accounts_by_owner[0].entries[0].amount == Decimal("1.00")
        boss = ann.manager
        assert boss.moods == [m.Mood.SO_SO, None] and boss.tags == ["x"]
        assert boss.height_in is None
        happy = s.scalars(sa.select(m.HappyPeople).order_by(m.HappyPeople.name)).all()
        assert [h.name for h in happy] == ["Ada", "Ann"]
        happy[0].email = "x"
        with pytest.raises(TypeError, match="read-only"):
            s.flush()


def test_names_that_clash_give_no_relationship(db: Database) -> None:
    text = """
tables:
  users: {columns: {id: serial primary key, posts: text}}
  posts:
    columns:
      id: serial primary key
      user_id: {type: integer, references: users.id}
"""
    files = api.generate(load_text(text), db.tmp / "clash", models=["sqlalchemy"]).files
    out = files["sqlalchemy_models.py"]
    assert "# no relationship for foreign key posts_user_id_fkey: the name 'posts' in Users would clash " \
           "with a column" in out
    assert "relationship(" not in out.split("class Posts")[1]


def test_the_repo_models_match_the_repo_database(db: Database) -> None:
    """generated/sqlalchemy_models.py (committed) against schema.yaml applied."""
    api.apply(load_file(ROOT / "schema.yaml"), db.url)
    from .codegen_schemas import import_module

    generated = import_module(ROOT, "generated.sqlalchemy_models")
    assert alembic_diff(db.url, generated.Base.metadata, set()) == []


def test_what_sqlalchemy_cannot_say_is_named_in_a_comment(pg_admin: str, tmp_path: Any) -> None:
    text = """
tables:
  bookings:
    columns:
      id: bigint primary key
      room: {type: integer, null: false}
      during: {type: tstzrange, null: false}
      amount: integer
    checks:
      chk_amount: {expr: amount > 0, not_valid: true}
    exclude:
      no_overlap: {using: gist, elements: ["during WITH &&"]}
"""
    out = api.generate(load_text(text), tmp_path / "pkg", models=["sqlalchemy"]).files["sqlalchemy_models.py"]
    body = out.split("class Bookings(Base):")[1]
    assert "# not expressed in SQLAlchemy's metadata: no_overlap EXCLUDE USING gist (during WITH &&)" in body
    assert "# not expressed in SQLAlchemy's metadata: chk_amount CHECK ((amount > 0)) NOT VALID" in body
    assert "during: Mapped[Range[datetime.datetime]] = mapped_column(pg.TSTZRANGE(), nullable=False)" in body
