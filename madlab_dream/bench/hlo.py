"""A small reader of XLA's HLO text: the FLOPs of a compiled computation.

Enough of the text format to count the FLOPs of `dot` and `convolution`
instructions (2 per multiply-add), following calls into other
computations and skipping dead code. TensorFlow's Python API does not
expose XLA's own HloCostAnalysis, but `experimental_get_compiler_ir(...)
(stage="hlo")` gives this text.
"""

from __future__ import annotations

import math
import re

_COMPUTATION = re.compile(r"^(ENTRY\s+)?%([^\s(]+)\s*\(.*\{\s*$")
_VALUE = re.compile(r"%([\w.\-]+)")
_SHAPE = re.compile(r"\b[a-z]+\d*\[([\d,]*)\]")
_CALLED = re.compile(
    r"\b(to_apply|calls|body|condition|true_computation|false_computation)"
    r"=%([\w.\-]+)")
_BRANCHES = re.compile(r"branch_computations=\{([^}]*)\}")


def _close(text: str, start: int) -> int:
  """The index just past the parenthesis that closes the one at `start`."""
  depth = 0
  for i in range(start, len(text)):
    if text[i] == "(":
      depth += 1
    elif text[i] == ")":
      depth -= 1
      if depth == 0:
        return i + 1
  raise ValueError("unbalanced parentheses in HLO")


def parse_hlo(text: str) -> tuple[dict[str, list[dict]], str]:
  """Reads the computations of an HLO module.

  Args:
    text: the module's HLO text.

  Returns:
    ({computation name: [instruction]}, the ENTRY computation's name); an
    instruction is a dict of name, shape, opcode, operands, attrs (the text
    after the operands) and root.

  Raises:
    ValueError: no ENTRY computation, or unbalanced parentheses.
  """
  computations: dict[str, list[dict]] = {}
  entry, current = None, None
  for line in text.splitlines():
    match = _COMPUTATION.match(line)
    if match:
      current = match.group(2)
      computations[current] = []
      if match.group(1):
        entry = current
      continue
    stripped = line.strip()
    if current is None:
      continue
    if stripped == "}":
      current = None
      continue
    root = stripped.startswith("ROOT ")
    if root:
      stripped = stripped[5:]
    if not stripped.startswith("%") or " = " not in stripped:
      continue
    name, rest = stripped[1:].split(" = ", 1)
    if rest.startswith("("):
      end = _close(rest, 0)
      shape, rest = rest[:end], rest[end:].lstrip()
    else:
      shape, rest = rest.split(" ", 1)
    open_at = rest.index("(")
    end = _close(rest, open_at)
    computations[current].append({
        "name": name, "shape": shape, "opcode": rest[:open_at],
        "operands": rest[open_at + 1:end - 1], "attrs": rest[end:],
        "root": root})
  if entry is None:
    raise ValueError("no ENTRY computation in the HLO text")
  return computations, entry


def _dims(shape_text: str) -> list[int]:
  match = _SHAPE.search(shape_text)
  if match is None:
    return []
  return [int(d) for d in match.group(1).split(",") if d]


def _attr_ints(attrs: str, key: str) -> list[int]:
  match = re.search(key + r"=\{([\d,]*)\}", attrs)
  return [int(d) for d in match.group(1).split(",") if d] if match else []


def instruction_flops(inst: dict) -> float:
  """FLOPs of one dot or convolution (2 per multiply-add), else 0."""
  if inst["opcode"] == "dot":
    out = math.prod(_dims(inst["shape"]))
    lhs = [int(d) for d in _SHAPE.findall(inst["operands"])[0].split(",") if d]
    contract = math.prod(lhs[i] for i in _attr_ints(inst["attrs"],
                                                    "lhs_contracting_dims"))
    return 2.0 * out * contract
  if inst["opcode"] == "convolution":
    out = math.prod(_dims(inst["shape"]))
    shapes = _SHAPE.findall(inst["operands"])
    rhs = [int(d) for d in shapes[1].split(",") if d]
    labels = re.search(r"dim_labels=\w+_(\w+)->", inst["attrs"]).group(1)
    in_features = rhs[labels.index("i")]
    window = re.search(r"window=\{size=([\dx]+)", inst["attrs"])
    taps = (math.prod(int(s) for s in window.group(1).split("x")) if window
            else 1)
    return 2.0 * out * taps * in_features
  return 0.0


def hlo_flops(text: str) -> dict:
  """Dot and convolution FLOPs of the ENTRY computation of an HLO module.

  Only instructions the result depends on are counted (dead code, such as
  values computed only for their shape, is skipped). Called computations
  (call, fusion, conditional branches) count once per live call; a while
  loop's body counts once per call because its trip count is not in the
  text: `while_loops` reports how many were met.

  Args:
    text: the module's HLO text.

  Returns:
    {"flops": total, "while_loops": live while loops met}.
  """
  computations, entry = parse_hlo(text)
  memo: dict[str, float] = {}
  loops = [0]

  def flops(name: str) -> float:
    if name in memo:
      return memo[name]
    instructions = computations[name]
    by_name = {inst["name"]: inst for inst in instructions}
    live, stack = set(), [i["name"] for i in instructions if i["root"]]
    while stack:
      current = stack.pop()
      if current in live or current not in by_name:
        continue
      live.add(current)
      stack.extend(_VALUE.findall(by_name[current]["operands"]))
    total = 0.0
    for inst in instructions:
      if inst["name"] not in live:
        continue
      total += instruction_flops(inst)
      if inst["opcode"] == "while":
        loops[0] += 1
      called = [m.group(2) for m in _CALLED.finditer(inst["attrs"])]
      for match in _BRANCHES.finditer(inst["attrs"]):
        called += _VALUE.findall(match.group(1))
      for callee in called:
        if callee in computations:
          total += flops(callee)
    memo[name] = total
    return total

  return {"flops": flops(entry), "while_loops": loops[0]}
