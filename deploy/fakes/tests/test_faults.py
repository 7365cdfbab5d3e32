import asyncio
import contextlib

import httpx
import pytest
from fastapi import FastAPI, Request

from revgen_devstack.ports import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.faults import FaultInjector


def counting_app() -> FastAPI:
    app = FastAPI()
    app.state.created = []

    @app.post("/v1/things")
    async def create(request: Request):
        app.state.created.append(await request.body())
        return {"id": len(app.state.created)}

    @app.get("/v1/things")
    async def count():
        return {"count": len(app.state.created)}

    @app.post("/_fake/reset")
    async def reset():
        app.state.created.clear()
        return {}

    return app


def provider_error(status: int) -> tuple[dict, dict]:
    return {"error": {"status": status}}, {"X-Provider": "fake"}


class CompletionRecorder:
    """Outermost ASGI layer: tells a test when the server finished handling a request."""

    def __init__(self, app):
        self.app = app
        self.finished = asyncio.Event()

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.finished.set()


@contextlib.asynccontextmanager
async def served(**injector_options):
    app = counting_app()
    injector = FaultInjector(app, provider_error, **injector_options)
    recorder = CompletionRecorder(injector)
    async with serve_app(recorder, free_port()) as client:
        yield app, injector, recorder, client


async def test_unscripted_requests_reach_the_app():
    async with served() as (app, injector, _, client):
        response = await client.post("/v1/things", content=b"a")
        assert response.status_code == 200 and response.json() == {"id": 1}
        assert injector.injected == []


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_answer_in_the_provider_format_without_reaching_the_app(status):
    async with served() as (app, injector, _, client):
        injector.script(str(status))
        response = await client.post("/v1/things")
        assert response.status_code == status
        assert response.json() == {"error": {"status": status}}
        assert response.headers["x-provider"] == "fake"
        assert app.state.created == []
        assert injector.injected == [("POST", "/v1/things", str(status))]


async def test_429_carries_retry_after_defaulting_to_one_second():
    async with served() as (app, injector, _, client):
        injector.script("429", "429:retry_after=7")
        first, second = await client.post("/v1/things"), await client.post("/v1/things")
        assert (first.status_code, first.headers["retry-after"]) == (429, "1")
        assert (second.status_code, second.headers["retry-after"]) == (429, "7")
        assert app.state.created == []


async def test_drop_response_commits_but_the_client_sees_a_transport_error():
    async with served() as (app, injector, _, client):
        injector.script("drop_response")
        with pytest.raises(httpx.TransportError):
            await client.post("/v1/things", content=b"committed")
        assert app.state.created == [b"committed"]
        retry = await client.post("/v1/things", content=b"again")
        assert retry.json() == {"id": 2}


async def test_hang_never_reaches_the_app_and_ends_when_the_client_gives_up():
    async with served() as (app, injector, recorder, client):
        injector.script("hang")
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/v1/things", timeout=0.5)
        await asyncio.wait_for(recorder.finished.wait(), 5)
        assert app.state.created == []


async def test_hang_after_commit_commits_and_ends_when_the_client_gives_up():
    async with served() as (app, injector, recorder, client):
        injector.script("hang_after_commit")
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/v1/things", content=b"x", timeout=0.5)
        await asyncio.wait_for(recorder.finished.wait(), 5)
        assert app.state.created == [b"x"]


async def test_a_hang_longer_than_the_cap_cuts_the_connection():
    async with served(hang_cap_seconds=0.2) as (_, injector, _, client):
        injector.script("hang")
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/v1/things", timeout=10)


async def test_scripted_modes_are_consumed_in_order_by_matching_requests_only():
    async with served() as (app, injector, _, client):
        injector.script("503", "ok", "500", path_prefix="/v1/things")
        assert (await client.get("/v1/things")).status_code == 200  # GET does not match POST
        assert (await client.post("/v1/other")).status_code == 404  # outside the prefix
        statuses = [(await client.post("/v1/things")).status_code for _ in range(4)]
        assert statuses == [503, 200, 500, 200]
        assert [mode for _, _, mode in injector.injected] == ["503", "500"]


async def test_method_none_matches_every_method():
    async with served() as (_, injector, _, client):
        injector.script("502", method=None)
        assert (await client.get("/v1/things")).status_code == 502


async def test_admin_paths_are_never_faulted():
    async with served() as (_, injector, _, client):
        injector.script("500", method=None)
        assert (await client.post("/_fake/reset")).status_code == 200
        assert (await client.post("/v1/things")).status_code == 500


async def test_random_faults_hit_about_the_rate_and_repeat_with_the_seed():
    async def statuses(seed: int) -> list[int]:
        async with served() as (_, injector, _, client):
            injector.randomly(0.3, "500", seed=seed)
            return [(await client.post("/v1/things")).status_code for _ in range(60)]

    first, again = await statuses(seed=4), await statuses(seed=4)
    assert first == again
    assert 8 <= first.count(500) <= 30


async def test_clear_removes_pending_faults():
    async with served() as (_, injector, _, client):
        injector.script("500")
        injector.randomly(1.0, "503")
        injector.clear()
        assert (await client.post("/v1/things")).status_code == 200


def test_unknown_modes_are_rejected_when_scripted():
    injector = FaultInjector(counting_app(), provider_error)
    with pytest.raises(ValueError):
        injector.script("418")
