"""Time comes from one injectable clock (revgen_common.clock): no rule reads the wall clock
itself, and no test mixes it with fixed dates. A read of the wall clock that must stay (a
provider's signature, Kafka's record timestamps) says why on its line or the one above:
`# wall clock: <why>`."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WALL_CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}
# The clock itself, and the fakes that stand for providers with clocks of their own (each
# takes an injectable clock that tests pass).
THE_CLOCK = {"libs/common/src/revgen_common/clock.py", "deploy/fakes/src/revgen_fakes/twilio/messages.py",
             "deploy/fakes/src/revgen_fakes/stripe/store.py", "deploy/fakes/src/revgen_fakes/openai/state.py",
             "deploy/fakes/src/revgen_fakes/resend/state.py"}


def python_files() -> list[Path]:
    trees = ["libs", "services", "deploy", "tests", "bench"]
    return sorted(p for tree in trees for p in (ROOT / tree).rglob("*.py") if ".venv" not in p.parts)


def wall_clock_reads(path: Path) -> list[int]:
    lines = path.read_text().splitlines()
    found = []
    for node in ast.walk(ast.parse("\n".join(lines), str(path))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and (node.func.value.id, node.func.attr) in WALL_CLOCK_READS):
            said_why = any("wall clock:" in lines[i] for i in (node.lineno - 1, node.lineno - 2) if i >= 0)
            if not said_why:
                found.append(node.lineno)
    return found


def test_the_scan_finds_a_wall_clock_read_and_accepts_one_that_says_why(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import time\nfrom datetime import date\n"
                      "a = time.time()\n"
                      "b = date.today()  # wall clock: a reason\n"
                      "# wall clock: another reason\nc = time.time()\n")
    assert wall_clock_reads(sample) == [3]


def test_no_code_reads_the_wall_clock_without_saying_why():
    offenders = [f"{path.relative_to(ROOT)}:{line}" for path in python_files()
                 if str(path.relative_to(ROOT)) not in THE_CLOCK for line in wall_clock_reads(path)]
    assert offenders == [], "read the injected Clock (revgen_common.clock) instead"


# Built without a clock, these fall back to the wall clock (system_clock) for what they stamp:
# `occurred_at` of every event they publish, beside rules run on the service's injected one.
# (A unit of work that names no producer cannot publish, so it stamps nothing.)
def built_without_a_clock(path: Path) -> list[int]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        keywords = {k.arg for k in node.keywords}
        if node.func.id == "UnitOfWork":
            publishes = len(node.args) > 1 or "producer" in keywords
            stamped = len(node.args) > 2 or "clock" in keywords
        elif node.func.id == "ExactlyOnceConsumer":
            publishes, stamped = True, "clock" in keywords
        else:
            continue
        if publishes and not stamped:
            found.append(node.lineno)
    return found


def test_the_scan_finds_a_unit_of_work_or_consumer_built_without_the_clock(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("UnitOfWork(engine, SERVICE)\n"
                      "UnitOfWork(engine, SERVICE, self.clock)\n"
                      "UnitOfWork(engine, producer=SERVICE, clock=self.clock)\n"
                      "UnitOfWork(engine)\n"
                      "ExactlyOnceConsumer(name='x', engine=engine)\n"
                      "ExactlyOnceConsumer(name='x', engine=engine, clock=clock)\n")
    assert built_without_a_clock(sample) == [1, 5]


def test_services_build_their_units_of_work_and_consumers_on_their_own_clock():
    offenders = [f"{path.relative_to(ROOT)}:{line}" for path in sorted(ROOT.glob("services/*/src/**/*.py"))
                 for line in built_without_a_clock(path)]
    assert offenders == [], "pass the service's clock: what they publish is stamped with it"


# Only a service's composition root (bootstrap.py: build, create_app) picks the wall clock
# when none is given; every use case below it is handed the clock, so a caller that forgets
# it (a test, a second composition) fails at once instead of mixing clocks in silence.
def clock_defaulted(path: Path) -> list[int]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        args = node.args
        positional = args.posonlyargs + args.args
        defaulted = positional[len(positional) - len(args.defaults):] + [
            a for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
        found += [node.lineno for a in defaulted
                  if isinstance(a.annotation, ast.Name) and a.annotation.id == "Clock"]
    return found


def test_the_scan_finds_a_clock_parameter_with_a_default(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def a(engine, clock: Clock): ...\n"
                      "def b(engine, clock: Clock = system_clock): ...\n"
                      "class C:\n    def __init__(self, *, now: Clock = system_clock, other=1): ...\n"
                      "async def d(clock: Clock, timer: Callable[[], float] = time.monotonic): ...\n")
    assert clock_defaulted(sample) == [2, 4]  # (a monotonic timer is no business clock)


def test_below_their_composition_roots_services_are_handed_the_clock():
    offenders = [f"{path.relative_to(ROOT)}:{line}" for path in sorted(ROOT.glob("services/*/src/**/*.py"))
                 if path.name != "bootstrap.py" for line in clock_defaulted(path)]
    assert offenders == [], "take `clock: Clock` without a default; bootstrap.py passes it"
