"""Shared fixtures: an isolated environment, fresh stores, the offline store and the sources file.

Every test runs with `FIGURES_HOME` pointing at its own tmp_path, no `FIGURES_DB` or
`FIGURES_SOURCES`, and tmp_path as the working directory, so nothing reads or writes the user's
real store, cache or a stray ./sources.yaml or ./.env.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from figures.config import SourcesFile, load_sources
from figures.http import build_client
from figures.offline import replay_transport
from figures.pipeline import update
from figures.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
# goldens.py makes the golden files' assertions: rewritten like a test's, a mismatch shows pytest's diff
pytest.register_assert_rewrite("goldens")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every figures setting at tmp_path and run the test from there."""
    monkeypatch.setenv("FIGURES_HOME", str(tmp_path))
    for name in ("FIGURES_DB", "FIGURES_SOURCES", "FIGURES_CACHE_DIR", "FIGURES_CONTACT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def repo_root() -> Path:
    """The checkout: where pyproject.toml and the top-level sources.yaml live."""
    return REPO_ROOT


@pytest.fixture
def shared_fixtures() -> Path:
    """The real recorded responses in ../shared/fixtures (read in place, never copied)."""
    path = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
    if not path.is_dir():
        pytest.skip("../shared/fixtures is absent: the real recorded responses live beside the checkout")
    return path


@pytest.fixture
def sources_file(repo_root: Path) -> SourcesFile:
    """The project's sources.yaml, loaded and validated."""
    return load_sources(repo_root / "sources.yaml")


#: A PostgreSQL database the tests may create schemas in (`.ci/run` starts one and sets this).
POSTGRES = os.environ.get("FIGURES_TEST_POSTGRES")
#: The test modules whose stores run on both backends: the store, query and reconciliation suite.
BOTH_BACKENDS = {"test_store", "test_query", "test_reconcile_store", "test_pipeline", "test_postgres", "test_incidents"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the store, query and reconciliation tests on SQLite and on PostgreSQL."""
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if "store" in metafunc.fixturenames and module in BOTH_BACKENDS:
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database the `store` fixture runs on: SQLite unless a test module asks for both."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def store(tmp_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A fresh, empty store: SQLite in tmp_path, or a new schema of the PostgreSQL test database.

    It is the store `open_store()` opens (the SQLite file under the isolated FIGURES_HOME, or
    FIGURES_DB for PostgreSQL), so code that opens the default store (the CLI, `query(db=None)`)
    sees the same data.
    """
    if backend == "sqlite":
        opened = Store(f"sqlite:///{tmp_path / 'figures.sqlite'}")
        yield opened
        opened.close()
        return
    if not POSTGRES:
        pytest.skip("FIGURES_TEST_POSTGRES is not set: .ci/run starts PostgreSQL and sets it "
                    "(postgresql+psycopg://user@127.0.0.1:PORT/DB)")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.engine.make_url(POSTGRES).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    monkeypatch.setenv("FIGURES_DB", rendered)
    opened = Store(rendered)
    try:
        yield opened
    finally:
        opened.close()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


UNHCR_SOURCES = ("unhcr-ukraine-crossings", "unhcr-ukraine-by-country")


@pytest.fixture
def offline_store(store: Store, sources_file: SourcesFile) -> Store:
    """The store after an offline `update` of the two UNHCR portal sources (68 observations)."""
    outcomes = update(store, build_client(transport=replay_transport()), sources_file, UNHCR_SOURCES, offline=True)
    failed = [(o.source_id, o.status, o.error, o.problems) for o in outcomes if o.status != "ok"]
    assert not failed, f"the offline update did not go cleanly: {failed}"
    return store


@pytest.fixture
def full_offline_store(store: Store, sources_file: SourcesFile) -> Store:
    """The store after `figures update --offline` of every configured source (those with no shipped
    snapshot, most of the Sudan example, are skipped)."""
    outcomes = update(store, build_client(transport=replay_transport()), sources_file, offline=True)
    failed = [(o.source_id, o.status, o.error, o.problems) for o in outcomes if o.status not in ("ok", "skipped")]
    assert not failed, f"the offline update did not go cleanly: {failed}"
    return store
