"""The test stack's servers: ports that no outgoing connection can take before their server
binds, and a server that cannot bind failing as an ordinary error (CI stop 21: uvicorn's
SystemExit escaped a module fixture and every later test using that fixture errored)."""
import socket
from pathlib import Path

import pytest

from revgen_devstack import free_port
from revgen_devstack.testing import serve_app


async def hello(scope, receive, send):
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


def test_free_ports_lie_below_the_ephemeral_range_and_are_never_handed_out_twice():
    ephemeral_start = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = [free_port() for _ in range(500)]
    assert len(set(ports)) == 500
    assert all(20_000 <= port < ephemeral_start for port in ports)


async def test_a_server_whose_port_is_taken_fails_with_an_error_naming_the_port_and_the_next_one_serves():
    port = free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        with pytest.raises(RuntimeError, match="did not start") as refused:
            async with serve_app(hello, port):
                pass
        assert f"127.0.0.1:{port}" in str(refused.value.__cause__)
    async with serve_app(hello, free_port()) as client:
        assert (await client.get("/")).text == "hello"
