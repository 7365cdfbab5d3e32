"""The shape of the code, for issue #12's before/after: files over 150 lines, the longest
functions, SQL `text(` in service layers, consumer handlers and their median length, and
hand-built envelopes in services.

    python3 bench/code_shape.py [REPO_ROOT]
"""
import ast
import pathlib
import re
import statistics
import sys

HANDLER_CONTEXTS = ("UnitOfWork", "HandlerContext", "Transaction")


def main(root: pathlib.Path) -> None:
    src = [*root.glob("services/*/src/**/*.py"), *root.glob("libs/*/src/**/*.py")]
    sizes = sorted(((len(p.read_text().splitlines()), str(p.relative_to(root))) for p in src), reverse=True)
    over = [size for size in sizes if size[0] > 150]
    functions, handlers = [], []
    for path in src:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                functions.append((length, f"{path.relative_to(root)}:{node.name}"))
                annotations = [ast.unparse(a.annotation) for a in node.args.args if a.annotation is not None]
                takes_a_message = any(a == "Envelope" or a.startswith("Delivered[") for a in annotations)  # before/after ADR 0023
                if takes_a_message and any(a in HANDLER_CONTEXTS for a in annotations):
                    handlers.append(length)
    sql = sum(len(re.findall(r"\btext\(", p.read_text())) for p in root.glob("services/*/src/*/service_layer/*.py"))
    by_hand = sum(len(re.findall(r"\bEnvelope\(", p.read_text())) for p in root.glob("services/*/src/**/*.py"))
    print(f"files over 150 lines: {len(over)} of {len(src)}; longest: {over[:5]}")
    print(f"longest functions: {sorted(functions, reverse=True)[:5]}")
    print(f"text( in service layers: {sql}")
    print(f"handlers: {len(handlers)}, median {statistics.median(handlers) if handlers else 0} lines")
    print(f"Envelope( in services/*/src: {by_hand}")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve())
