"""No module of the queues app imports itself back, counting imports inside functions.

The one exception is the Celery hand-off: a `tasks` module imports its app's
services inside the task function, while the services import the task objects
at module level to send them after commit.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("callcenter", "calls", "campaigns", "console", "queues", "voicesim")


def module_names() -> dict[str, Path]:
    """Every project module by dotted name (a package by its `__init__`), migrations aside."""
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def is_handoff(importer: str, target: str, in_function: bool) -> bool:
    """A task function importing its own app's services."""
    app, _, rest = importer.partition(".")
    return in_function and rest == "tasks" and f"{target}.".startswith(f"{app}.services.")


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports anywhere in its body, hand-offs aside."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node, in_function in _import_nodes(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from package import module` imports the module; otherwise the names
            # come from `base` itself.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        found.update(
            target
            for target in targets
            if target in modules and not is_handoff(name, target, in_function)
        )
    found.discard(name)
    return found


def _import_nodes(tree: ast.AST):
    """(import statement, whether it sits inside a function) for every import."""
    stack = [(tree, False)]
    while stack:
        node, in_function = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, in_function
        inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        stack.extend((child, inside) for child in ast.iter_child_nodes(node))


def cycle_through(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """The shortest chain of imports from `start` back to itself, if there is one."""
    came_from = {}
    todo = deque((following, start) for following in graph[start])
    while todo:
        module, previous = todo.popleft()
        if module in came_from:
            continue
        came_from[module] = previous
        if module == start:
            chain = [start, came_from[start]]
            while chain[-1] != start:
                chain.append(came_from[chain[-1]])
            return chain[::-1]
        todo.extend((following, module) for following in graph[module])
    return None


def test_the_queues_modules_import_in_one_direction():
    modules = module_names()
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}

    cycles = [
        " -> ".join(cycle)
        for name in sorted(graph)
        if name.split(".")[0] == "queues" and (cycle := cycle_through(name, graph))
    ]

    assert not cycles, "\n".join(cycles)


@pytest.mark.parametrize(
    ("importer", "source", "imported"),
    [
        ("queues.tasks", "from . import services\n", {"queues.services"}),
        ("queues.tasks", "def work():\n    from . import services\n", set()),
        ("queues.tasks", "def work():\n    from .services import entries\n", set()),
        ("queues.tasks", "def work():\n    from .webhooks import voice\n", {"queues.webhooks"}),
        (
            "queues.services.entries",
            "def send():\n    from ..tasks import work_queues\n",
            {"queues.tasks"},
        ),
        ("queues.webhooks", "import queues.services.entries\n", {"queues.services.entries"}),
    ],
)
def test_every_import_counts_but_a_task_importing_its_services(
    tmp_path, importer, source, imported
):
    """What the check reads, so a lazy import of a task or a backwards hand-off fails it."""
    path = tmp_path / "module.py"
    path.write_text(source)
    names = ["queues.tasks", "queues.services", "queues.services.entries", "queues.webhooks"]

    assert imports_of(importer, path, dict.fromkeys(names, path)) == imported


def test_a_chain_of_imports_back_to_the_start_is_found():
    graph = {"a": {"b"}, "b": {"c", "a"}, "c": {"a"}, "d": {"a"}}

    assert cycle_through("a", graph) == ["a", "b", "a"]
    assert cycle_through("d", graph) is None
