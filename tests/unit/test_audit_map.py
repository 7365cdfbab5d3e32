"""docs/audit.md stays true: an audit id cited anywhere (a `(B6)` in a comment, `audit S2` in
a docstring, `D7` in a doc) has an entry there; every id and testing recommendation has
exactly one entry, whose status agrees with the index; and every test, file and code name
an entry points at exists — so renaming a test or moving a function fails here until the
map follows."""
from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AUDIT_MAP = Path("docs/audit.md")
AUDIT_IDS = ([f"D{n}" for n in range(1, 15)] + [f"E{n}" for n in range(1, 16)] + [f"L{n}" for n in range(1, 5)]
             + [f"B{n}" for n in range(1, 9)] + [f"S{n}" for n in range(1, 5)])
RECOMMENDATIONS = [f"Testing recommendation {n}" for n in range(1, 13)]
STATUSES = ("proven", "partly proven", "not built")

# An id-shaped word: a letter of the audit's five groups and one or two digits, standing
# alone (so E164, E731 or a lower-case per_b2 are not ids). In Python only comments and
# string literals are read: a citation is prose, never a name in code.
CITED_ID = re.compile(r"(?<![\w-])([DELBS]\d{1,2})(?![\w-])")
CITED_RECOMMENDATION = re.compile(r"\btesting rec(?:ommendation)?\.?\s*(\d+)", re.IGNORECASE)
# Before Python 3.12 an f-string is one token, its {fields} (code) included.
F_STRING = re.compile(r"^[rRbBuU]*[fF]")
F_STRING_FIELD = re.compile(r"\{[^{}]*\}")
SCANNED_SUFFIXES = {".py", ".md", ".toml", ".yml", ".yaml", ".sql", ".mako", ".txt", ".cfg", ".ini", ".sh"}
SKIPPED_DIRECTORIES = {".git", ".revgen", ".venv", "node_modules", "__pycache__", ".pytest_cache", "target", "results"}

SECTION = re.compile(r"^### (?:([DELBS]\d{1,2})|(Testing recommendation \d+)) — .+$", re.MULTILINE)
STATUS_LINE = re.compile(r"^Status: (.+)$", re.MULTILINE)
INDEX_ROW = re.compile(r"^\| ([DELBS]\d{1,2}) \| .+ \| ([a-z ]+) \|$", re.MULTILINE)
TEST_REFERENCE = re.compile(r"`([\w./-]+\.py)::(\w+)`")
CODE_REFERENCE = re.compile(r"`([a-z_][\w.]*):([A-Za-z_][\w.]*)`")
FILE_REFERENCE = re.compile(r"`((?:docs|services|libs|tests|bench|deploy)/[\w./-]+\.\w+)`")
ISSUE = re.compile(r"issues? #\d+")
SOURCE_ROOTS = {"revgen_common": "libs/common/src",
                **{name: f"services/{name}/src" for name in ("ingress", "identity", "escalation", "billing", "messaging",
                                                                    "voice", "reputation")}}


@dataclass(frozen=True)
class Entry:
    name: str  # "D7" or "Testing recommendation 9"
    text: str

    @property
    def status(self) -> str | None:
        found = STATUS_LINE.search(self.text)
        return found.group(1).strip() if found else None


def entries(audit_map: str) -> list[Entry]:
    headings = list(SECTION.finditer(audit_map))
    found = []
    for heading, following in zip(headings, headings[1:] + [None]):
        end = following.start() if following else len(audit_map)
        body = audit_map[heading.end():end].split("\n## ")[0]
        found.append(Entry(heading.group(1) or heading.group(2), body))
    return found


def prose(path: Path) -> str:
    """What a file says in words: all of it, or a Python file's comments and strings."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".py":
        return text
    words = {tokenize.COMMENT, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    try:
        tokens = [t.string for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type in words]
    except (tokenize.TokenError, SyntaxError):
        return text
    return "\n".join(F_STRING_FIELD.sub("", t) if F_STRING.match(t) else t for t in tokens)


def scanned_files(root: Path) -> list[Path]:
    found = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if d not in SKIPPED_DIRECTORIES]
        found += [Path(directory, name) for name in files if Path(name).suffix in SCANNED_SUFFIXES]
    return sorted(found)


def citations(root: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(audit id → files citing it, testing recommendation → files citing it)."""
    ids: dict[str, list[str]] = {}
    recommendations: dict[str, list[str]] = {}
    for path in scanned_files(root):
        words = prose(path)
        where = str(path.relative_to(root))
        for cited in set(CITED_ID.findall(words)):
            ids.setdefault(cited, []).append(where)
        for number in set(CITED_RECOMMENDATION.findall(words)):
            recommendations.setdefault(f"Testing recommendation {int(number)}", []).append(where)
    return ids, recommendations


def names_defined(body: list[ast.stmt]) -> dict[str, ast.AST]:
    names: dict[str, ast.AST] = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            names |= {target.id: node for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
    return names


def defines_test(root: Path, path: str, test: str) -> bool:
    source = root / path
    if not source.is_file() or not test.startswith("test_"):
        return False
    tree = ast.parse(source.read_text(encoding="utf-8"))
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == test
               for node in ast.walk(tree))


def resolves(root: Path, module: str, qualname: str) -> bool:
    """`package.module:Name.attribute`, found by reading the source (nothing is imported)."""
    parts = module.split(".")
    if parts[0] not in SOURCE_ROOTS:
        return False
    base = root / SOURCE_ROOTS[parts[0]] / Path(*parts)
    source = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
    if not source.is_file():
        return False
    body = ast.parse(source.read_text(encoding="utf-8")).body
    for name in qualname.split("."):
        node = names_defined(body).get(name)
        if node is None:
            return False
        body = node.body if isinstance(node, ast.ClassDef) else []
    return True


def broken_references(root: Path, audit_map: str) -> list[str]:
    broken = [f"{path}::{test}" for path, test in TEST_REFERENCE.findall(audit_map)
              if not defines_test(root, path, test)]
    broken += [f"{module}:{name}" for module, name in CODE_REFERENCE.findall(audit_map)
               if not resolves(root, module, name)]
    broken += [path for path in FILE_REFERENCE.findall(audit_map) if not (root / path).is_file()]
    return broken


def the_map() -> str:
    return (REPO / AUDIT_MAP).read_text(encoding="utf-8")


# -- the map ---------------------------------------------------------------------------------

def test_every_audit_id_and_testing_recommendation_cited_in_the_repository_has_an_entry():
    defined = {entry.name for entry in entries(the_map())}
    ids, recommendations = citations(REPO)
    undefined = {name: files for name, files in (ids | recommendations).items() if name not in defined}
    assert undefined == {}, f"cited but not in {AUDIT_MAP}: {undefined}"


def test_every_audit_id_and_testing_recommendation_has_exactly_one_entry():
    assert [entry.name for entry in entries(the_map())] == AUDIT_IDS + RECOMMENDATIONS


def test_every_entry_states_the_status_the_index_gives_it_and_names_its_proof_or_its_issue():
    audit_map = the_map()
    index = dict(INDEX_ROW.findall(audit_map))
    assert list(index) == AUDIT_IDS
    for entry in entries(audit_map):
        assert entry.status in STATUSES, entry.name
        if entry.name in index:
            assert entry.status == index[entry.name], entry.name
        if entry.status != "not built":
            assert TEST_REFERENCE.search(entry.text), f"{entry.name} is {entry.status} but names no test"
        if entry.status != "proven":
            assert ISSUE.search(entry.text), f"{entry.name} is {entry.status} but names no issue"


def test_every_test_file_and_code_name_the_map_points_at_exists():
    audit_map = the_map()
    assert len(TEST_REFERENCE.findall(audit_map)) > len(AUDIT_IDS)
    assert broken_references(REPO, audit_map) == []


# -- the checks themselves ---------------------------------------------------------------------

def test_the_checks_catch_a_renamed_test_a_moved_name_and_an_id_the_audit_never_had(tmp_path):
    tests = tmp_path / "services/billing/tests"
    tests.mkdir(parents=True)
    (tests / "test_x.py").write_text("async def test_renamed_since():\n    pass\n")
    module = tmp_path / "services/billing/src/billing/service_layer"
    module.mkdir(parents=True)
    (module / "catalog.py").write_text("class Catalog:\n    def deactivate_coupon(self):\n        pass\n")
    unknown = "B" + "9"  # built here so that this file does not cite it
    also = "testing rec" + ". 13"  # likewise
    (tmp_path / "notes.md").write_text(f"Refused while subscribed ({unknown}); see {also}.\n")
    stale = ("`services/billing/tests/test_x.py::test_as_the_map_says` "
             "`billing.service_layer.catalog:Catalog.deactivate_plan` `billing.service_layer.catalog:Catalog` "
             "`docs/adr/0042-gone.md`")

    assert broken_references(tmp_path, stale) == ["services/billing/tests/test_x.py::test_as_the_map_says",
                                                  "billing.service_layer.catalog:Catalog.deactivate_plan",
                                                  "docs/adr/0042-gone.md"]
    assert citations(tmp_path) == ({unknown: ["notes.md"]}, {f"Testing recommendation {12 + 1}": ["notes.md"]})


def test_only_prose_in_python_is_read_for_citations(tmp_path):
    (tmp_path / "code.py").write_text('B1 = "E164"  # per S4\nE731 = f"{B1}"\n')
    assert citations(tmp_path) == ({"S4": ["code.py"]}, {})
