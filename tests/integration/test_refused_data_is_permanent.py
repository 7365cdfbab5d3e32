"""Values the database refuses are a permanent failure (dead-lettered at once with the
reason), not an outage to wait out: a poison message must never hold its partition."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from revgen_common.errors import classify


@pytest.mark.parametrize("sql, value", [
    ("SELECT CAST(:v AS text)", "nul \u0000 inside"),  # PostgreSQL: invalid byte sequence 0x00
    ("SELECT CAST(:v AS integer)", 10**19),  # out of any integer's range
    ("SELECT length(:v)", 5),  # asyncpg: a number where text belongs
])
async def test_a_value_the_database_refuses_is_classified_permanent(engine, sql, value):
    async with engine.connect() as db:
        with pytest.raises(DBAPIError) as refused:
            await db.execute(text(sql), {"v": value})
    assert classify(refused.value).transient is False, repr(refused.value)
