"""The Facebook Graph fake over HTTP: a page's ratings by cursor pages with its token, code
190 for any other token, code 32 over the page's limit, and comments on a rating's story."""
import contextlib

import httpx

from revgen_devstack.ports import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.facebook import FacebookState, faulty_app


@contextlib.asynccontextmanager
async def graph():
    state = FacebookState(page_tokens={"77": "EAAB-page"})
    port = free_port()
    async with serve_app(faulty_app(state), port):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/v19.0") as http:
            yield state, http


async def test_ratings_come_by_cursor_pages_newest_first_for_the_pages_token_alone():
    async with graph() as (state, http):
        for n in range(3):
            state.add_rating("77", "positive", f"r{n}", "Fan", "2026-11-21T10:00:00+0000")
        first = (await http.get("/77/ratings", params={"limit": 2, "access_token": "EAAB-page"})).json()
        after = first["paging"]["cursors"]["after"]
        second = (await http.get("/77/ratings", params={"limit": 2, "after": after},
                                 headers={"Authorization": "Bearer EAAB-page"})).json()
        refused = await http.get("/77/ratings", params={"access_token": "EAAB-other"})
    assert [r["review_text"] for r in first["data"]] == ["r2", "r1"] and "next" in first["paging"]
    assert [r["review_text"] for r in second["data"]] == ["r0"] and "next" not in second["paging"]
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 190


async def test_a_page_over_its_limit_is_refused_with_code_32_and_a_comment_lands_on_the_story():
    async with graph() as (state, http):
        story = state.add_rating("77", "negative", "Meh", "Fan", "2026-11-21T10:00:00+0000")["open_graph_story"]["id"]
        state.per_page.per_second = 1
        auth = {"Authorization": "Bearer EAAB-page"}
        posted = await http.post(f"/{story}/comments", data={"message": "Sorry"}, headers=auth)
        limited = await http.get(f"/{story}/comments", headers=auth)
    assert posted.status_code == 200 and state.comments[story][0]["message"] == "Sorry"
    assert limited.status_code == 400 and limited.json()["error"]["code"] == 32
