"""Predictions outside the range a model was trained on.

  trained_range_of   {"min", "max", "sd"} of training targets (expression
                     scale): the `trained_range` metadata written at export
  flags              uint8 [N]: 1 where a prediction lies outside the
                     trusted range (the trained range widened by one sd)
  OutOfRange         counts them over the blocks of a whole file, per
                     target for predictions of several targets (each
                     against its own range; a row is flagged when any of
                     its targets is outside)
  for_predictor      the trusted range(s) of what a Predictor returns: its
                     selected target's, or each output target's
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
    trusted: (low, high) on the expression scale; {target: (low, high)}
      for predictions [N, T] of several targets (in that order); or None
      when unknown (then `flags` returns None and nothing is counted).
  """

  def __init__(self, trusted):
    self.trusted = trusted
    self.outside = 0  # rows with a prediction outside
    self.total = 0    # rows
    self.per_target = ({name: 0 for name in trusted}
                       if isinstance(trusted, dict) else None)

  def flags(self, predictions) -> np.ndarray | None:
    """uint8 [N] flags of one block (counted), or None when unknown; for
    several targets, 1 where any target's prediction is outside its own
    range."""
    predictions = np.asarray(predictions, np.float64)
    self.total += len(predictions)
    if self.trusted is None:
      return None
    if self.per_target is None:
      marks = flags(predictions, self.trusted)
    else:
      cells = np.stack([flags(predictions[:, j], self.trusted[name])
                        for j, name in enumerate(self.per_target)], axis=1)
      for name, count in zip(self.per_target, cells.sum(axis=0)):
        self.per_target[name] += int(count)
      marks = cells.max(axis=1)
    self.outside += int(marks.sum())
    return marks

  def line(self) -> str:
    if self.per_target is None:
      return count_line(self.outside, self.total, self.trusted)
    parts = [f"{name}: {count:,} outside [{self.trusted[name][0]:.4g}, "
             f"{self.trusted[name][1]:.4g}]"
             for name, count in self.per_target.items()]
    return (f"{self.outside:,} of {self.total:,} row"
            f"{'s' * (self.total != 1)} with a prediction outside its "
            f"target's trained range ({'; '.join(parts)}; each range the "
            "training targets' widened by one sd)")


def count_line(outside: int, total: int,
               trusted: tuple[float, float] | None) -> str:
  """"N of M predictions outside the trained range [a, b]", where [a, b] is
  the trusted range (the trained range widened by one training sd)."""
  if trusted is None:
    return UNKNOWN
  low, high = trusted
  return (f"{outside:,} of {total:,} prediction{'s' * (total != 1)} outside "
          f"the trained range "
          f"[{low:.4g}, {high:.4g}] (training targets' range widened by one "
          "sd)")


def report(predictor, predictions) -> str:
  """The count line of one target's `predictions` [N] (expression scale)
  of `predictor` (its selected target, or its only one)."""
  counter = OutOfRange(for_predictor(predictor))
  counter.flags(np.ravel(predictions))
  return counter.line()


def for_predictor(predictor):
  """The trusted range(s) of what `predictor` returns: (low, high) for one
  target (the selected one, or the model's only one), {target: (low,
  high)} for several, None when unknown. `predictor`: a Predictor, or
  anything with `trusted_range` and `output_targets`."""
  trusted = predictor.trusted_range
  if trusted is None or isinstance(trusted, tuple):
    return trusted
  names = list(predictor.output_targets)
  if len(names) == 1:
    return trusted[names[0]]
  return {name: trusted[name] for name in names}
