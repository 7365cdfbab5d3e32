"""Rules every service's schema keeps, read from its migrated database's catalog: a foreign
key says what a delete does (D5, D6), billing history never goes with a parent's delete
(D6), `updated_at` is the database's job on every update (D11), and a row cannot exist
without its creation time (D14)."""
import contextlib
import importlib

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

SERVICES = ["ingress", "identity", "escalation", "billing", "messaging"]
# confdeltype: a NO ACTION (what an FK without ON DELETE gets), r RESTRICT, c CASCADE, n SET NULL
_FOREIGN_KEYS = """
    SELECT conrelid::regclass::text, conname, confdeltype::text FROM pg_constraint
    WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY 1, 2"""
_UPDATED_AT_WITHOUT_TRIGGER = """
    SELECT c.table_name FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE c.table_schema = 'public' AND c.column_name = 'updated_at' AND t.table_type = 'BASE TABLE'
      AND NOT EXISTS (SELECT 1 FROM pg_trigger g JOIN pg_proc p ON p.oid = g.tgfoid
                      WHERE g.tgrelid = quote_ident(c.table_name)::regclass AND NOT g.tgisinternal
                        AND p.proname = 'set_updated_at')
    ORDER BY 1"""
_NULLABLE_TIMESTAMPS = """
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND column_name IN ('created_at', 'updated_at') AND is_nullable = 'YES'
    ORDER BY 1, 2"""


@pytest.fixture
def catalog(migrated_database):
    """`async with catalog(service) as rows`: `await rows(sql)` on that service's migrated database."""

    @contextlib.asynccontextmanager
    async def open_catalog(service: str):
        upgrade = importlib.import_module(f"{service}.migrate").upgrade_database
        engine = create_async_engine(await migrated_database(service, upgrade))
        try:
            async with engine.connect() as db:
                yield lambda sql: _rows(db, sql)
        finally:
            await engine.dispose()

    return open_catalog


async def _rows(db, sql: str) -> list[tuple]:
    return [tuple(row) for row in await db.execute(text(sql))]


@pytest.mark.parametrize("service", SERVICES)
async def test_every_foreign_key_says_what_a_delete_does(catalog, service):
    async with catalog(service) as rows:
        left_to_the_default = [(table, key) for table, key, action in await rows(_FOREIGN_KEYS) if action == "a"]
    assert left_to_the_default == []


async def test_no_delete_in_billing_takes_billing_history_with_it(catalog):
    async with catalog("billing") as rows:
        keys = await rows(_FOREIGN_KEYS)
    assert keys, "billing has foreign keys to check"
    assert [(table, key) for table, key, action in keys if action == "c"] == []


@pytest.mark.parametrize("service", SERVICES)
async def test_every_table_with_updated_at_has_it_set_by_the_database_on_update(catalog, service):
    async with catalog(service) as rows:
        assert await rows(_UPDATED_AT_WITHOUT_TRIGGER) == []


@pytest.mark.parametrize("service", SERVICES)
async def test_no_row_can_exist_without_its_creation_time(catalog, service):
    async with catalog(service) as rows:
        assert await rows(_NULLABLE_TIMESTAMPS) == []
