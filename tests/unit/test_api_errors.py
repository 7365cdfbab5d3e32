"""revgen_common.api_errors: a bug is a 500 the server does not hang up after; refused
input names its fields without echoing them; oversized bodies are a 413."""
from typing import Annotated

from fastapi import FastAPI

from revgen_common.api_errors import install_error_handling
from revgen_common.api_input import InputModel, Line
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_testing.raw_http import Sent, on_one_connection


class Thing(InputModel):
    name: Annotated[str, Line(20)]


def app() -> FastAPI:
    api = FastAPI()

    @api.get("/bug")
    async def bug() -> dict:
        raise RuntimeError("a bug")

    @api.post("/things")
    async def things(thing: Thing) -> dict:
        return {"name": thing.name}

    install_error_handling(api, {})
    return api


async def test_a_bug_is_a_500_and_the_keep_alive_connection_survives_it():
    port = free_port()
    async with serve_app(app(), port):
        statuses = await on_one_connection(port, [Sent("GET", "/bug"), Sent("POST", "/things", b'{"name": "ok"}')])
    assert statuses == [500, 200]


async def test_refused_input_names_the_field_and_the_problem_without_echoing_the_value():
    port = free_port()
    async with serve_app(app(), port) as client:
        async def problems(body: bytes) -> dict:
            response = await client.post("/things", content=body, headers={"Content-Type": "application/json"})
            assert response.status_code == 422 and "\\u0000" not in response.text
            return {p["field"]: p["problem"] for p in response.json()["problems"]}

        assert await problems(b'{"name": "a\\u0000b"}') == {
            "body.name": "must not contain NUL (U+0000), found at position 1"}
        assert await problems(b'{"name": "ok", "colour": "red"}') == {"body.colour": "Extra inputs are not permitted"}
        assert "unicode" in (await problems(b'{"name": "ok", "\\ud800": 1}'))["body"]  # not even parsed
        too_large = await client.post("/things", content=b"x" * (1024 * 1024 + 1),
                                      headers={"Content-Type": "application/json"})
    assert too_large.status_code == 413
