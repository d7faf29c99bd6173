"""The package's import graph: no module imports itself through others."""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "madlab_dream"


def modules() -> dict[str, pathlib.Path]:
  """Dotted module name -> file, for every module of the package."""
  found = {}
  for path in PACKAGE.rglob("*.py"):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
      parts = parts[:-1]
    found[".".join(parts)] = path
  return found


def imported_at_import_time(name: str, path: pathlib.Path,
                            known: dict) -> set[str]:
  """The package's modules that importing `name` imports first: its
  module-level imports (with their parent packages), not its own parents."""
  is_package = path.name == "__init__.py"
  targets = []
  for node in ast.parse(path.read_text()).body:
    if isinstance(node, ast.Import):
      targets += [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
      base = node.module or ""
      if node.level:
        package = name if is_package else name.rpartition(".")[0]
        for _ in range(node.level - 1):
          package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
      targets += [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known
                  else base for alias in node.names]
  own_parents = set(_parents(name))
  out = set()
  for target in targets:
    while target and target not in known:
      target = target.rpartition(".")[0]
    if target.startswith("madlab_dream"):
      out.update(m for m in [*_parents(target), target]
                 if m != name and m not in own_parents)
  return out


def _parents(name: str) -> list[str]:
  parts = name.split(".")
  return [".".join(parts[:i]) for i in range(1, len(parts))]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
  """The strongly connected components of more than one module."""
  index, low, stack, on_stack, found = {}, {}, [], set(), []

  def visit(node):
    index[node] = low[node] = len(index)
    stack.append(node)
    on_stack.add(node)
    for other in graph[node]:
      if other not in index:
        visit(other)
        low[node] = min(low[node], low[other])
      elif other in on_stack:
        low[node] = min(low[node], index[other])
    if low[node] == index[node]:
      component = []
      while not component or component[-1] != node:
        component.append(stack.pop())
        on_stack.discard(component[-1])
      if len(component) > 1:
        found.append(sorted(component))

  for node in graph:
    if node not in index:
      visit(node)
  return found


def test_the_cycle_finder_finds_a_cycle():
  graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
  assert cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles_at_import_time():
  known = modules()
  graph = {name: imported_at_import_time(name, path, known)
           for name, path in known.items()}
  assert "madlab_dream.train.loop" in graph["madlab_dream.train.__main__"]
  assert cycles(graph) == []
