"""The project's modules import one another in one direction only.

A cycle makes what a module does depend on which of the two was imported first,
and hides a dependency that runs backwards. Imports inside functions count too:
a late import is a cycle put off, not removed. The one exception is the Celery
hand-off: a `tasks` module imports its app's services inside its task functions,
while the services import the task objects at module level. Imports that only
type checkers run (`if TYPE_CHECKING:`) do not count.

voicesim, the simulator, stands on its own: it imports no module of the product.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("callcenter", "calls", "conversations", "recordings", "queues", "campaigns", "console")
# voicesim is a simulator any Twilio client may use, and twilio_rebase the HTTP
# client it shares with the product's gateway: neither may import the product.
STANDALONE = ("voicesim", "twilio_rebase")
PACKAGES = PRODUCT + STANDALONE
# The apps each app may import (docs/architecture.md): every import runs downwards.
MAY_IMPORT = {
    "calls": set(),
    "conversations": {"calls"},
    "recordings": {"calls", "conversations"},
    "queues": {"calls", "conversations", "recordings"},
    # A campaign contact handed to an agent waits in a queue; its outcome is that wait's.
    "campaigns": {"calls", "conversations", "recordings", "queues"},
}


def project_modules() -> dict[str, Path]:
    """Every module of the project's packages by dotted name (a package by its own)."""
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


class ImportCollector(ast.NodeVisitor):
    """The modules a module imports, each with whether the import sits in a function."""

    def __init__(self, package: str):
        self.package = package
        self.depth = 0
        self.found: list[tuple[str, bool]] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.orelse:
                self.visit(statement)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append((alias.name, self.depth > 0))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")
            anchor = ".".join(parts[: len(parts) - node.level + 1])
            base = f"{anchor}.{base}" if base else anchor
        for alias in node.names:
            self.found.append((f"{base}.{alias.name}", self.depth > 0))


def known(name: str, modules: dict[str, Path]) -> str | None:
    """The project module `name` is, or lies in (a name imported from it); None outside."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def is_hand_off(importer: str, imported: str, in_function: bool) -> bool:
    """A tasks module importing its own app's services inside a task function."""
    app, _, leaf = importer.rpartition(".")
    return in_function and leaf == "tasks" and imported.startswith(f"{app}.services")


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        collector = ImportCollector(package)
        collector.visit(ast.parse(path.read_text(), filename=str(path)))
        for imported, in_function in collector.found:
            target = known(imported, modules)
            if target and target != name and not is_hand_off(name, target, in_function):
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each group of modules that reach one another (Tarjan)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = lowest[node] = len(index)
        stack.append(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                lowest[node] = min(lowest[node], lowest[successor])
            elif successor in stack:
                lowest[node] = min(lowest[node], index[successor])
        if lowest[node] == index[node]:
            group = set()
            member = ""
            while member != node:
                member = stack.pop()
                group.add(member)
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [cycle_within(graph, group) for group in groups]


def cycle_within(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A path from the group's first module back to itself, staying in the group."""
    start = min(group)
    path = [start]
    seen = {start}
    while True:
        successors = sorted(graph[path[-1]] & group)
        if start in successors:
            return [*path, start]
        following = next((module for module in successors if module not in seen), None)
        if following is None:  # a dead end inside the group: step back
            path.pop()
            continue
        path.append(following)
        seen.add(following)


def test_the_collector_sees_late_and_relative_imports():
    source = "from . import rules\nfrom .services import placing\n"
    source += "def f():\n    import calls.tasks\n"
    collector = ImportCollector("calls")
    collector.visit(ast.parse(source))
    assert collector.found == [
        ("calls.rules", False),
        ("calls.services.placing", False),
        ("calls.tasks", True),
    ]


def test_a_cycle_is_found_and_only_the_task_hand_off_is_allowed():
    graph = {"a.services": {"a.tasks"}, "a.tasks": {"a.services"}, "a.models": set()}
    assert cycles(graph) == [["a.services", "a.tasks", "a.services"]]
    assert is_hand_off("a.tasks", "a.services.placing", in_function=True)
    assert not is_hand_off("a.tasks", "a.services", in_function=False)
    assert not is_hand_off("a.tasks", "b.services", in_function=True)


def test_no_import_cycle_among_the_project_modules():
    found = cycles(import_graph())
    assert not found, "Import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in found)


def test_each_app_imports_only_the_apps_below_it():
    wrong = sorted(
        f"{module} -> {imported}"
        for module, targets in import_graph().items()
        if (app := module.split(".")[0]) in MAY_IMPORT
        for imported in targets
        if (other := imported.split(".")[0]) != app
        and other in MAY_IMPORT
        and other not in MAY_IMPORT[app]
    )
    assert not wrong, "Imports against the layering:\n" + "\n".join(wrong)


def test_the_simulator_and_its_http_client_import_nothing_of_the_product():
    graph = import_graph()
    reaching_in = sorted(
        f"{module} -> {imported}"
        for module, imports in graph.items()
        if module.split(".")[0] in STANDALONE
        for imported in imports
        if imported.split(".")[0] in PRODUCT
    )
    assert not reaching_in, "Product imports in voicesim:\n" + "\n".join(reaching_in)
