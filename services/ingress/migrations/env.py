"""Alembic environment of the ingress database (async, driven by `revgen-ingress-migrate`)."""
import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine


def run_migrations(connection) -> None:
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


async def main() -> None:
    engine = create_async_engine(context.config.get_main_option("sqlalchemy.url"))
    async with engine.connect() as connection:
        await connection.run_sync(run_migrations)
        await connection.commit()
    await engine.dispose()


asyncio.run(main())
