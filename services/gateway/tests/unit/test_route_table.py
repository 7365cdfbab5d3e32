"""The route table matches what a route takes to what its rule guarantees: a signed-in
Caller (its token a str) only behind a rule that asks for a session."""
import pytest

from gateway.domain.rules import ClaimLink, Public, SignedIn
from gateway.entrypoints.dependencies import CallerDep, VisitorDep
from gateway.entrypoints.route_table import RouteTable


@pytest.mark.parametrize("rule", [Public("a test"), ClaimLink()])
def test_an_open_route_that_takes_a_signed_in_caller_is_refused_when_declared(rule):
    table = RouteTable()
    with pytest.raises(TypeError, match="takes CallerDep"):
        @table.post("/open/{token}", rule=rule)
        async def endpoint(token: str, caller: CallerDep):
            return caller.token


def test_an_open_route_takes_a_visitor_and_a_session_route_a_caller():
    table = RouteTable()

    @table.post("/open", rule=Public("a test"))
    async def open_endpoint(visitor: VisitorDep):
        return visitor.address

    @table.post("/mine", rule=SignedIn())
    async def own_endpoint(caller: CallerDep, visitor: VisitorDep):
        return caller.token

    assert [route.path for route in table.router.routes] == ["/open", "/mine"]
