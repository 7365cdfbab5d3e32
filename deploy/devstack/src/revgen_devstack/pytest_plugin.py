"""Pytest fixtures for every test tree (`-p revgen_devstack.pytest_plugin`): a real Kafka
broker and PostgreSQL for the session, a fresh database or topic per test, and the instant
a test's clock starts at (every calendar edge, for tests marked `calendar`)."""
import asyncio
import uuid

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from revgen_common.db import runtime_metadata
from revgen_common.testing.clock import CALENDAR_EDGES, DEFAULT_START, FakeClock
from revgen_common.topics import ALL_TOPICS, DEAD_LETTERS, TopicSpec, await_group_coordinator, ensure_topics
from revgen_devstack.testing import create_database, test_infra


def pytest_configure(config):
    config.addinivalue_line("markers", "calendar: runs once from every instant in CALENDAR_EDGES (its clock_start)")


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("calendar") and "clock_start" in metafunc.fixturenames:
        metafunc.parametrize("clock_start", list(CALENDAR_EDGES.values()), ids=list(CALENDAR_EDGES))


@pytest.fixture
def clock_start():
    """Where a test's FakeClock starts: a fixed instant, never the wall clock's."""
    return DEFAULT_START


@pytest.fixture
def clock(clock_start):
    """The one clock a test gives the service under test (and its fakes)."""
    return FakeClock(clock_start)


@pytest.fixture(scope="session")
def infra():
    with test_infra() as running:
        yield running


@pytest.fixture
async def database_url(infra):
    """A fresh database with the runtime's tables (what a service migration creates)."""
    url = await create_database(infra)
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(runtime_metadata.create_all)
    await engine.dispose()
    return url


@pytest.fixture
async def engine(database_url):
    engine = create_async_engine(database_url, pool_size=10)
    yield engine
    await engine.dispose()


@pytest.fixture
async def make_topic(infra):
    """Creates uniquely named topics (auto-creation is off on our brokers)."""

    async def make(partitions: int = 6) -> str:
        spec = TopicSpec(f"test.{uuid.uuid4().hex[:10]}", key="test", partitions=partitions)
        await ensure_topics(infra.bootstrap_servers, (spec,))
        return spec.name

    return make


@pytest.fixture(scope="session")
async def all_topics(infra):
    """Every declared topic, as services expect them at start-up, led, on a broker ready to
    coordinate groups: the suite's first tests must not meet a broker still settling."""
    await ensure_topics(infra.bootstrap_servers, ALL_TOPICS)
    await await_group_coordinator(infra.bootstrap_servers)


@pytest.fixture(scope="session")
def _migrated_templates():
    return {}, asyncio.Lock()


@pytest.fixture(scope="session")
def migrated_database(infra, _migrated_templates):
    """`await migrated_database(prefix, upgrade)`: a fresh database brought to head by a
    service's own migrations; returns its URL. The migrations run once per session, into a
    template that each test's database is copied from (a copy takes a fraction of a run)."""
    templates, lock = _migrated_templates

    async def make(prefix: str, upgrade) -> str:
        async with lock:
            if (prefix, upgrade) not in templates:
                url = await create_database(infra, prefix=f"template_{prefix}")
                await asyncio.to_thread(upgrade, url)
                templates[prefix, upgrade] = make_url(url).database
        return await create_database(infra, prefix=prefix, template=templates[prefix, upgrade])

    return make


@pytest.fixture(scope="session")
async def browser():
    """One headless Chromium for the session (Debian's, see revgen_devstack.browser)."""
    from playwright.async_api import async_playwright

    from revgen_devstack.browser import CHROMIUM_ARGS, chromium_path

    executable = chromium_path()
    if executable is None:
        pytest.skip("browser tests need Chromium: './dev test' installs Debian's chromium where it may "
                    "(as root, with apt-get); elsewhere install it or set REVGEN_CHROMIUM")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser, request):
    """A fresh browser context and page per test; `page.shot(name)` saves a screenshot."""
    from revgen_devstack.browser import screenshot_dir

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    opened = await context.new_page()
    folder = screenshot_dir(request.node.name)

    async def shot(name: str):
        path = folder / f"{name}.png"
        await opened.screenshot(path=str(path), full_page=True)
        return path

    opened.shot = shot
    yield opened
    await context.close()


@pytest.fixture(scope="session")
async def dead_letter_topic(infra):
    await ensure_topics(infra.bootstrap_servers, (DEAD_LETTERS,))
    return DEAD_LETTERS.name
