"""Operator commands:

    python -m identity.admin create-agency NAME OWNER_PHONE_OR_EMAIL OWNER_NAME
    python -m identity.admin grant-operator PHONE_OR_EMAIL NAME

The first agency and its owner, and RevGen's own operators, cannot be made through the API
(nobody could log in yet, and no tenant role may grant a platform role)."""
import argparse
import asyncio

from identity.service_layer.tenants import Tenants
from revgen_common import Required, ServiceSettings, load_settings
from revgen_common.clock import system_clock
from revgen_common.db import create_engine


class AdminSettings(ServiceSettings):
    kafka_bootstrap_servers: str = ""
    identity_database_url: Required


async def create_agency(url: str, name: str, owner: str, owner_name: str) -> None:
    engine = create_engine(url)
    try:
        agency, person = await Tenants(engine, system_clock).create_agency(name, owner, owner_name)
        print(f"agency {agency}, owner {person}")
    finally:
        await engine.dispose()


async def grant_operator(url: str, identifier: str, name: str) -> None:
    engine = create_engine(url)
    try:
        person = await Tenants(engine, system_clock).grant_platform_role(identifier, name, "operator")
        print(f"operator {person}")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="identity.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    agency = commands.add_parser("create-agency")
    for arg in ("name", "owner", "owner_name"):
        agency.add_argument(arg)
    operator = commands.add_parser("grant-operator")
    for arg in ("identifier", "name"):
        operator.add_argument(arg)
    args = parser.parse_args()
    settings = load_settings(AdminSettings)
    if args.command == "create-agency":
        asyncio.run(create_agency(settings.identity_database_url, args.name, args.owner, args.owner_name))
    else:
        asyncio.run(grant_operator(settings.identity_database_url, args.identifier, args.name))


if __name__ == "__main__":
    main()
