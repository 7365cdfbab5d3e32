"""Routes take what they use as typed dependencies (`Annotated[Login, Depends(login)]`), so a
route's signature says what it needs and the OpenAPI document carries no `Request`. What the
composition root put on `app.state` is read only by providers: functions that take the
request and hand back one object, calling nothing. The scan covers every service's
entrypoints and revgen_common (health, api_dependencies)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("services/*/src/*/entrypoints/**/*.py", "libs/common/src/revgen_common/**/*.py")
# Code that FastAPI or Starlette call with the request alone, where no dependency can be given.
ALLOWED = {
    "services/gateway/src/gateway/entrypoints/errors.py": "exception handlers get the request and the error only",
    "services/gateway/src/gateway/entrypoints/admission.py":
        "the door's dependency, built per rule, stores the caller on request.state for every route",
}


def _reads_app_state(node: ast.AST) -> bool:
    """`<anything>.app.state`: `request.app.state`, `websocket.app.state`."""
    return (isinstance(node, ast.Attribute) and node.attr == "state"
            and isinstance(node.value, ast.Attribute) and node.value.attr == "app")


def _is_provider(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    arguments = function.args
    taken = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    return len(taken) == 1 and not any(isinstance(node, (ast.Call, ast.Await, ast.With, ast.AsyncWith))
                                       for node in ast.walk(function))


def state_reads_outside_providers(path: Path) -> list[int]:
    """Lines reading `app.state` anywhere but in a provider."""
    tree = ast.parse(path.read_text(), str(path))
    in_provider = {id(node) for function in ast.walk(tree)
                   if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_provider(function)
                   for node in ast.walk(function)}
    return sorted(node.lineno for node in ast.walk(tree) if _reads_app_state(node) and id(node) not in in_provider)


def test_the_scan_allows_a_provider_and_finds_reads_in_routes_and_helpers(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("async def login(request):\n"
                      "    return request.app.state.login\n"
                      "def engine(request):\n"
                      "    found: object = request.app.state.engine\n"
                      "    return found\n"
                      "async def route(request, body):\n"
                      "    return await request.app.state.login.verify(body)\n"
                      "def client_ip(request):\n"
                      "    return address(request, request.app.state.settings)\n"
                      "async def readyz(request):\n"
                      "    async with request.app.state.engine.connect() as db:\n"
                      "        return db\n"
                      "def per_request(request):\n"
                      "    return request.state.caller\n")
    assert state_reads_outside_providers(sample) == [7, 9, 11]


def test_app_state_is_read_only_by_dependency_providers():
    offenders = [f"{path.relative_to(ROOT)}:{line}" for pattern in SCANNED for path in sorted(ROOT.glob(pattern))
                 if str(path.relative_to(ROOT)) not in ALLOWED
                 for line in state_reads_outside_providers(path)]
    assert offenders == [], ("take the object as a typed dependency (`Annotated[Login, Depends(login)]`, its "
                             "provider returning `request.app.state.login`), or revgen_common.api_dependencies' "
                             "Engine / DbConnection for the database")


def test_every_allowed_module_still_reads_app_state():
    """An allowance outlives its reason unnoticed otherwise."""
    for module in ALLOWED:
        assert state_reads_outside_providers(ROOT / module), f"{module} no longer needs its allowance"
