"""One obvious place for what a service consumes: each service running a consumer keeps its
handler table(s) in `<service>/handlers.py` (issue #12 point 4), and its handlers read the
contract the consumer validated (`Delivered.body`), never the envelope's raw payload or a
second validation of it (point 1)."""
import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVICES = sorted(p.parent.name for p in ROOT.glob("services/*/pyproject.toml"))

# Modules that read envelopes no consumer hands them: the gateway's followers of topics
# (revgen_common.topic_reading), which read any message's `client_id` alike.
READS_RAW_ENVELOPES = {"gateway/adapters/live_events.py", "gateway/adapters/identity_events.py"}

RAW_READS = re.compile(r"\.payload\b|payload\[|\.contract_as\(|\.contract\(\)")


def sources(service: str) -> list[pathlib.Path]:
    return sorted((ROOT / "services" / service / "src").rglob("*.py"))


def name_of(path: pathlib.Path) -> str:
    return "/".join(path.relative_to(ROOT).parts[3:])  # services/<service>/src/<service>/… → <service>/…


def misplaced_tables(service: str) -> list[str]:
    """Handler tables (a function returning `Handlers`) and Staged/OwnTransactions routes built
    anywhere but `<service>/handlers.py`."""
    found = []
    for path in sources(service):
        if name_of(path) == f"{service}/handlers.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            returns = getattr(node, "returns", None)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and ast.unparse(returns or ast.Constant(None)) \
                    .endswith("Handlers"):
                found.append(f"{name_of(path)}:{node.lineno} {node.name}() -> Handlers")
            if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] in ("Staged", "OwnTransactions"):
                found.append(f"{name_of(path)}:{node.lineno} {ast.unparse(node.func)}(...)")
    return found


def consumers_not_fed_from_handlers_py(service: str) -> list[str]:
    """Modules that build an ExactlyOnceConsumer without importing `<service>.handlers`."""
    found = []
    for path in sources(service):
        text = path.read_text()
        if "ExactlyOnceConsumer(" in text and f"from {service}.handlers import" not in text:
            found.append(name_of(path))
    return found


def raw_payload_reads(service: str) -> list[str]:
    return [f"{name_of(path)}:{n}: {line.strip()}" for path in sources(service) if name_of(path) not in READS_RAW_ENVELOPES
            for n, line in enumerate(path.read_text().splitlines(), 1) if RAW_READS.search(line)]


def runs_a_consumer(service: str) -> bool:
    return any("ExactlyOnceConsumer(" in path.read_text() for path in sources(service))


def test_every_service_that_runs_a_consumer_keeps_its_handler_tables_in_handlers_py_and_nowhere_else():
    consuming = [s for s in SERVICES if runs_a_consumer(s)]
    assert {"billing", "escalation", "identity", "messaging", "reputation", "voice"} <= set(consuming)
    for service in consuming:
        assert (ROOT / "services" / service / "src" / service / "handlers.py").exists(), service
        assert misplaced_tables(service) == [], service
        assert consumers_not_fed_from_handlers_py(service) == [], service


def test_handlers_read_the_contract_they_are_given_not_the_raw_payload():
    for service in SERVICES:
        assert raw_payload_reads(service) == [], service
