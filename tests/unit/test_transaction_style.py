"""One transaction style in services: a `UnitOfWork` that rolls back unless `commit()` is
called (handlers get the batch's `HandlerContext` instead). `engine.begin()` commits on
leaving its block, so beside units of work a reader could not tell where a use case's
commits are; it is refused in services/*/src. So is a connection's own savepoint (`begin_nested()`),
which would keep the messages published inside it when it rolls back."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def engine_begins(path: Path) -> list[int]:
    """Lines calling `.begin()` on an engine: `engine.begin()`, `self.engine.begin()`, `self._engine.begin()`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "begin":
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if name.lstrip("_").endswith("engine"):
                found.append(node.lineno)
    return found


def test_the_scan_finds_an_engine_begin_and_not_a_connection_begin(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("async def f(self, engine, db):\n"
                      "    async with engine.begin() as a: pass\n"
                      "    async with self.engine.begin() as b: pass\n"
                      "    async with self._engine.begin() as c: pass\n"
                      "    async with db.begin(): pass\n"
                      "    async with db.begin_nested(): pass\n")
    assert engine_begins(sample) == [2, 3, 4]


def test_no_service_commits_by_leaving_an_engine_begin_block():
    offenders = [f"{path.relative_to(ROOT)}:{line}" for path in sorted(ROOT.glob("services/*/src/**/*.py"))
                 for line in engine_begins(path)]
    assert offenders == [], ("open a UnitOfWork (revgen_common.unit_of_work) and call `await uow.commit()`: "
                             "it rolls back unless told to commit")


def savepoints_of_a_connection(path: Path) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(path.read_text(), str(path)))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "begin_nested"]


def test_a_savepoint_is_the_transactions_own_so_that_what_it_published_goes_with_its_rows():
    offenders = [f"{path.relative_to(ROOT)}:{line}" for path in sorted(ROOT.glob("services/*/src/**/*.py"))
                 for line in savepoints_of_a_connection(path)]
    assert offenders == [], ("use `async with uow.savepoint():` (or `ctx.savepoint()` in a handler): a connection's "
                             "begin_nested() rolls back the rows and still sends the messages published inside it")
