"""The package's import graph: no module imports itself through others, and
every import goes down the layers (docs/layout.md): the library imports
neither the tools nor the command line, the tools not the command line."""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "madlab_dream"


def modules(package: pathlib.Path = PACKAGE) -> dict[str, pathlib.Path]:
  """Dotted module name -> file, for every module of the package."""
  found = {}
  for path in package.rglob("*.py"):
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
      parts = parts[:-1]
    found[".".join(parts)] = path
  return found


def imported_at_import_time(name: str, path: pathlib.Path,
                            known: dict) -> set[str]:
  """The package's modules that importing `name` imports first: its
  module-level imports (with their parent packages), not its own parents."""
  return _imported(name, path, known, ast.parse(path.read_text()).body)


def imported_anywhere(name: str, path: pathlib.Path, known: dict) -> set[str]:
  """The package's modules that `name` imports, at module level or inside
  a function (with their parent packages), not its own parents."""
  return _imported(name, path, known, ast.walk(ast.parse(path.read_text())))


def _imported(name: str, path: pathlib.Path, known: dict,
              nodes) -> set[str]:
  is_package = path.name == "__init__.py"
  targets = []
  for node in nodes:
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
  assert "madlab_dream.training.loop" in graph["madlab_dream.commands.train"]
  assert cycles(graph) == []


# --- Layers -------------------------------------------------------------------

ROOT = "madlab_dream"
COMMANDS = "madlab_dream.commands"
TOOLS = "madlab_dream.tools"


def _within(name: str, package: str) -> bool:
  return name == package or name.startswith(package + ".")


def is_shim(name: str, known: dict) -> bool:
  """`python -m madlab_dream.<command>`'s module: a `__main__` or a module
  beside the package's named like a command of commands/."""
  if name.endswith(".__main__"):
    return True
  parent, _, last = name.rpartition(".")
  return (parent == ROOT and known[name].name != "__init__.py"
          and f"{COMMANDS}.{last}" in known)


def layer(name: str, known: dict) -> str:
  """"api" (the package's own __init__), "shim", "commands", "tools" or
  "library"."""
  if name == ROOT:
    return "api"
  if is_shim(name, known):
    return "shim"
  if _within(name, COMMANDS):
    return "commands"
  if _within(name, TOOLS):
    return "tools"
  return "library"


#: What each layer may import (besides the package's root, which imports
#: nothing at import time).
ALLOWED = {
    "library": {"library"},
    "tools": {"library", "tools"},
    "commands": {"library", "tools", "commands"},
    "shim": {"commands"},
    "api": {"library", "commands"},
}


def upward_imports(known: dict) -> list[str]:
  """"importer -> imported" for every import a layer may not make."""
  found = []
  for name, path in sorted(known.items()):
    mine = layer(name, known)
    for target in sorted(imported_anywhere(name, path, known)):
      theirs = layer(target, known)
      if target != ROOT and theirs not in ALLOWED[mine]:
        found.append(f"{name} ({mine}) -> {target} ({theirs})")
  return found


def test_the_layers_are_as_named():
  known = modules()
  assert layer("madlab_dream.training.loop", known) == "library"
  assert layer("madlab_dream.io.sequences", known) == "library"
  assert layer("madlab_dream.tools.simulator.grammar", known) == "tools"
  assert layer("madlab_dream.commands.flags", known) == "commands"
  assert layer("madlab_dream.train", known) == "shim"
  assert layer("madlab_dream.data.__main__", known) == "shim"
  assert layer("madlab_dream.data", known) == "library"
  assert layer("madlab_dream", known) == "api"


def test_upward_imports_are_found(tmp_path):
  package = tmp_path / "madlab_dream"
  for folder in ("io", "commands", "tools"):
    (package / folder).mkdir(parents=True)
    (package / folder / "__init__.py").write_text("")
  (package / "__init__.py").write_text("")
  (package / "commands" / "flags.py").write_text("")
  (package / "tools" / "oracle.py").write_text("")
  (package / "io" / "reader.py").write_text(
      "def f():\n  from madlab_dream.commands import flags\n")
  (package / "io" / "writer.py").write_text(
      "from madlab_dream.tools import oracle\n")
  known = modules(package)
  assert upward_imports(known) == [
      "madlab_dream.io.reader (library) -> madlab_dream.commands (commands)",
      "madlab_dream.io.reader (library) -> madlab_dream.commands.flags "
      "(commands)",
      "madlab_dream.io.writer (library) -> madlab_dream.tools (tools)",
      "madlab_dream.io.writer (library) -> madlab_dream.tools.oracle (tools)"]


def test_no_upward_imports():
  assert upward_imports(modules()) == []


def test_every_command_has_its_shim():
  known = modules()
  commands = {name.rpartition(".")[2] for name, path in known.items()
              if name.startswith(COMMANDS + ".") and "main" in {
                  node.name for node in ast.parse(path.read_text()).body
                  if isinstance(node, ast.FunctionDef)}}
  assert len(commands) == 18, sorted(commands)
  for command in commands:
    shim = (f"{ROOT}.{command}.__main__" if known.get(f"{ROOT}.{command}")
            and known[f"{ROOT}.{command}"].name == "__init__.py"
            else f"{ROOT}.{command}")
    assert shim in known, command
    assert is_shim(shim, known)
    assert imported_anywhere(shim, known[shim], known) == {
        COMMANDS, f"{COMMANDS}.{command}"}


# --- The library's floors -----------------------------------------------------

#: The library's packages and top-level modules, floor by floor (docs/
#: layout.md): each imports only from its own floor and those below it.
FLOORS = (
    ("settings", "errors", "compat", "metrics", "machine", "timing"),
    ("config", "train_config", "layers"),
    ("io",),
    ("data",),
    ("model", "baseline"),
    ("inference", "scoring"),
    ("training",),
    ("explain", "designing"),
)


def floor(name: str) -> int:
  """The floor of a library module (of its package under madlab_dream)."""
  part = name.split(".")[1]
  return next(i for i, names in enumerate(FLOORS) if part in names)


def downward_only(known: dict) -> list[str]:
  """"importer -> imported" for every library import that goes up a
  floor."""
  found = []
  for name, path in sorted(known.items()):
    if layer(name, known) != "library":
      continue
    for target in sorted(imported_anywhere(name, path, known)):
      if (target != ROOT and layer(target, known) == "library"
          and floor(target) > floor(name)):
        found.append(f"{name} -> {target}")
  return found


def test_every_library_module_has_a_floor():
  known = modules()
  for name in known:
    if layer(name, known) == "library":
      floor(name)  # StopIteration: a package missing from FLOORS


def test_the_library_imports_only_down_its_floors():
  assert downward_only(modules()) == []


def test_an_import_up_the_floors_is_found(tmp_path):
  package = tmp_path / "madlab_dream"
  for folder in ("io", "training"):
    (package / folder).mkdir(parents=True)
    (package / folder / "__init__.py").write_text("")
  (package / "__init__.py").write_text("")
  (package / "training" / "loop.py").write_text("")
  (package / "io" / "files.py").write_text(
      "def f():\n  from madlab_dream.training import loop\n")
  assert downward_only(modules(package)) == [
      "madlab_dream.io.files -> madlab_dream.training",
      "madlab_dream.io.files -> madlab_dream.training.loop"]


# --- Imports inside functions ---------------------------------------------------

def imports_without_a_reason(path: pathlib.Path) -> list[int]:
  """Lines of imports inside functions with no comment saying why: on the
  import's line, or on the line above it or above the imports it follows."""
  lines = path.read_text().split("\n")
  found = []
  for function in ast.walk(ast.parse("\n".join(lines))):
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
      continue
    for node in ast.walk(function):
      if not isinstance(node, (ast.Import, ast.ImportFrom)):
        continue
      number = node.lineno
      while "#" not in lines[number - 1] and number > 1 and lines[
          number - 2].strip().startswith(("from ", "import ")):
        number -= 1  # an import of a block: the block's comment
      if "#" not in lines[number - 1] and not lines[
          number - 2].strip().startswith("#"):
        found.append(node.lineno)
  return found


def test_imports_inside_functions_say_why(tmp_path):
  example = tmp_path / "example.py"
  example.write_text("def f():\n  import json\n\n\ndef g():\n"
                     "  # pandas imported when used: slow to import.\n"
                     "  import pandas\n  import numpy\n")
  assert imports_without_a_reason(example) == [2]
  missing = {str(path.relative_to(PACKAGE)): imports_without_a_reason(path)
             for path in sorted(PACKAGE.rglob("*.py"))}
  assert {k: v for k, v in missing.items() if v} == {}
