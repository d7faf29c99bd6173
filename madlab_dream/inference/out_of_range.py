"""Predictions outside the range a model was trained on.

  trained_range_of   {"min", "max", "sd"} of training targets (expression
                     scale): the `trained_range` metadata written at export
  flags              uint8 [N]: 1 where a prediction lies outside the
                     trusted range (the trained range widened by one sd)
  OutOfRange         counts them over the blocks of a whole file
  count_line         "N of M predictions outside the trained range [a, b]"
  report             the count line of one array of a Predictor's
                     predictions (one call for any command that predicts)

A model extrapolates poorly far from its targets, and MadLab's swish BiLSTM
can even explode on low-complexity sequences (a long homopolymer run), so
every command that predicts says how many predictions left the trusted
range. A model whose metadata has no `trained_range` (exported without one)
gets `count_line(...)` saying the range is unknown, never a count of zeros.
"""

from __future__ import annotations

import numpy as np

UNKNOWN = ("trained range unknown: the model's metadata does not record it "
           "(out_of_range not reported)")


def trained_range_of(targets) -> dict:
  """{"min", "max", "sd"} of expression-scale training targets (float [N]),
  the value of the `trained_range` metadata key for one target."""
  values = np.asarray(targets, np.float64)
  if not len(values):
    raise ValueError("no training targets")
  return {"min": float(values.min()), "max": float(values.max()),
          "sd": float(values.std())}


def flags(predictions, trusted: tuple[float, float]) -> np.ndarray:
  """uint8 [N]: 1 where a prediction lies outside `trusted` (low, high) or
  is not finite, else 0."""
  values = np.asarray(predictions, np.float64)
  low, high = trusted
  inside = (values >= low) & (values <= high)
  return (~inside).astype(np.uint8)


class OutOfRange:
  """Counts predictions outside a trusted range, block by block.

  Args:
    trusted: (low, high) on the expression scale, or None when unknown (then
      `flags` returns None and nothing is counted).
  """

  def __init__(self, trusted: tuple[float, float] | None):
    self.trusted = trusted
    self.outside = 0
    self.total = 0

  def flags(self, predictions) -> np.ndarray | None:
    """uint8 [N] flags of one block (counted), or None when unknown."""
    self.total += len(predictions)
    if self.trusted is None:
      return None
    marks = flags(predictions, self.trusted)
    self.outside += int(marks.sum())
    return marks

  def line(self) -> str:
    return count_line(self.outside, self.total, self.trusted)


def count_line(outside: int, total: int,
               trusted: tuple[float, float] | None) -> str:
  """"N of M predictions outside the trained range [a, b]", where [a, b] is
  the trusted range (the trained range widened by one training sd)."""
  if trusted is None:
    return UNKNOWN
  low, high = trusted
  return (f"{outside:,} of {total:,} predictions outside the trained range "
          f"[{low:.4g}, {high:.4g}] (training targets' range widened by one "
          "sd)")


def report(predictor, predictions) -> str:
  """The count line of `predictions` (expression scale) of `predictor` (a
  Predictor, or anything with `trusted_range`)."""
  counter = OutOfRange(single_range(predictor.trusted_range))
  counter.flags(np.ravel(predictions))
  return counter.line()


def single_range(trusted) -> tuple[float, float] | None:
  """The (low, high) of a one-target model's trusted range; for a model of
  several targets ({name: (low, high)}) the union of them (a prediction
  file has one column)."""
  if trusted is None or isinstance(trusted, tuple):
    return trusted
  lows, highs = zip(*trusted.values())
  return (min(lows), max(highs))
