"""The FLOPs of a computation in XLA's HLO text, as TensorFlow gives it
(`experimental_get_compiler_ir(...)(stage="hlo")`; its Python API does not
expose XLA's own cost analysis): the check of the benchmark's analytic
count (`madlab_dream.bench.flops`).

Enough of the text format to count `dot` and `convolution` instructions (2
FLOPs per multiply-add), following calls into other computations and
skipping dead code. `model_hlo_flops` counts a model's forward pass and
training gradients.
"""

from __future__ import annotations

import math
import re

_COMPUTATION = re.compile(r"^(ENTRY\s+)?%([^\s(]+)\s*\(.*\{\s*$")
_VALUE = re.compile(r"%([\w.\-]+)")
_SHAPE = re.compile(r"\b[a-z]+\d*\[([\d,]*)\]")


def _close(text: str, start: int) -> int:
  """The index just past the parenthesis that closes the one at `start`."""
  depth = 0
  for i in range(start, len(text)):
    depth += {"(": 1, ")": -1}.get(text[i], 0)
    if depth == 0:
      return i + 1
  raise ValueError("unbalanced parentheses in HLO")


def _instruction(line: str) -> dict | None:
  """{name, shape, opcode, operands, attrs, root} of one line, or None."""
  text = line.strip()
  root = text.startswith("ROOT ")
  text = text[5:] if root else text
  if not text.startswith("%") or " = " not in text:
    return None
  name, rest = text[1:].split(" = ", 1)
  if rest.startswith("("):                       # a tuple shape
    end = _close(rest, 0)
    shape, rest = rest[:end], rest[end:].lstrip()
  else:
    shape, rest = rest.split(" ", 1)
  start = rest.index("(")
  end = _close(rest, start)
  return {"name": name, "shape": shape, "opcode": rest[:start],
          "operands": rest[start + 1:end - 1], "attrs": rest[end:],
          "root": root}


def parse_hlo(text: str) -> tuple[dict[str, list[dict]], str]:
  """({computation: [instruction]}, the ENTRY computation's name).

  Raises:
    ValueError: no ENTRY computation, or unbalanced parentheses.
  """
  computations: dict[str, list[dict]] = {}
  entry = current = None
  for line in text.splitlines():
    match = _COMPUTATION.match(line)
    if match:
      current = match.group(2)
      computations[current] = []
      entry = current if match.group(1) else entry
    elif line.strip() == "}":
      current = None
    elif current is not None:
      inst = _instruction(line)
      if inst:
        computations[current].append(inst)
  if entry is None:
    raise ValueError("no ENTRY computation in the HLO text")
  return computations, entry


def _dims(shape_text: str, index: int = 0) -> list[int]:
  shapes = _SHAPE.findall(shape_text)
  return [int(d) for d in shapes[index].split(",") if d] if shapes else []


def instruction_flops(inst: dict) -> float:
  """FLOPs of one dot or convolution (2 per multiply-add), else 0."""
  out = math.prod(_dims(inst["shape"]))
  if inst["opcode"] == "dot":
    lhs = _dims(inst["operands"])
    dims = re.search(r"lhs_contracting_dims=\{([\d,]*)\}", inst["attrs"])
    return 2.0 * out * math.prod(
        lhs[int(i)] for i in (dims.group(1).split(",") if dims else []) if i)
  if inst["opcode"] == "convolution":
    labels = re.search(r"dim_labels=\w+_(\w+)->", inst["attrs"]).group(1)
    window = re.search(r"window=\{size=([\dx]+)", inst["attrs"])
    taps = math.prod(int(s) for s in window.group(1).split("x")) if window \
        else 1
    return 2.0 * out * taps * _dims(inst["operands"], 1)[labels.index("i")]
  return 0.0


def hlo_flops(text: str) -> dict:
  """{"flops", "while_loops"}: dot and convolution FLOPs of the ENTRY
  computation of an HLO module.

  Only instructions the result depends on count; a called computation
  (call, fusion, branch) counts once per live call, and a while loop's body
  once (its trip count is not in the text: `while_loops` says how many were
  met).
  """
  computations, entry = parse_hlo(text)
  memo: dict[str, float] = {}
  loops = [0]

  def flops(name: str) -> float:
    if name not in memo:
      by_name = {inst["name"]: inst for inst in computations[name]}
      live, stack = set(), [i["name"] for i in by_name.values() if i["root"]]
      while stack:
        current = stack.pop()
        if current in by_name and current not in live:
          live.add(current)
          stack.extend(_VALUE.findall(by_name[current]["operands"]))
      total = 0.0
      for inst in (by_name[n] for n in live):
        loops[0] += inst["opcode"] == "while"
        total += instruction_flops(inst) + sum(
            flops(callee) for callee in _VALUE.findall(inst["attrs"])
            if callee in computations)
      memo[name] = total
    return memo[name]

  return {"flops": flops(entry), "while_loops": loops[0]}


def model_hlo_flops(model, batch: int) -> dict:
  """{"forward", "train", "while_loops"}: FLOPs per sequence of `model`
  (from `build_model`, its LSTM unrolled: the HLO text does not carry a
  while loop's trip count) forward, and of the MSE loss's gradient for every
  trainable weight, each lowered by `tf.function(jit_compile=True)`."""
  import keras
  import tensorflow as tf

  from madlab_dream import layers

  def unrolled(layer):
    settings = layer.get_config()
    if isinstance(layer, layers.BiLSTM):
      settings["unroll"] = True
    return layer.__class__.from_config(settings)

  clone = keras.models.clone_model(model, clone_function=unrolled)
  codes = tf.zeros([batch, model.input.shape[1]], tf.uint8)

  def gradients(c, y):
    with tf.GradientTape() as tape:
      loss = tf.reduce_mean(tf.square(clone(c, training=True) - y))
    return tape.gradient(loss, clone.trainable_variables)

  counts = [hlo_flops(tf.function(fn, jit_compile=True)
                      .experimental_get_compiler_ir(*args)(stage="hlo"))
            for fn, args in ((lambda c: clone(c, training=False), [codes]),
                             (gradients, [codes, tf.zeros([batch, 1])]))]
  return {"forward": counts[0]["flops"] / batch,
          "train": counts[1]["flops"] / batch,
          "while_loops": sum(c["while_loops"] for c in counts)}
