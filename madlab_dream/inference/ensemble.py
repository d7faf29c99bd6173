"""Several trained models predicting together: mean, sd and each model.

`Ensemble([Predictor, ...])` predicts codes uint8 [N, L] with every member
and returns the members' predictions [M, N], their mean and their sd (the
population sd over the M members: 0 for one model), the disagreement that
tells where a prediction rests on one model's error. Every member must have
the same sequence length L. `predict_ensemble_file` writes a whole file's
predictions as TSV with a column per model.

>>> ens = Ensemble.from_paths(["runs/seed1", "runs/seed2"])  # doctest: +SKIP
>>> ens.predict_codes(codes)["mean"]                         # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from madlab_dream.errors import InputError
from madlab_dream.inference.predictor import Predictor
from madlab_dream.io import files
from madlab_dream.io.seqfiles import iter_sequences


def member_names(paths: Sequence[str]) -> list[str]:
  """Short unique names for models: the shortest end of their paths that
  tells them apart ("seed1/run", "seed2/run"); "model_i" for repeats."""
  parts = [os.path.normpath(os.path.abspath(p)).split(os.sep) for p in paths]
  for parts_i in parts:  # a SavedModel inside a run: name the run
    if len(parts_i) > 1 and parts_i[-1] == "saved_model":
      parts_i.pop()
  longest = max(len(p) for p in parts)
  for k in range(1, longest + 1):
    names = ["/".join(p[-k:]) for p in parts]
    if len(set(names)) == len(names):
      return names
  return [f"model_{i + 1}" for i in range(len(paths))]


class Ensemble:
  """Predictors of the same sequence length, predicting together.

  Attributes:
    members: the Predictors, in the order given.
    names: one short unique name per member (`member_names`).
    seq_len: L, shared by every member.
  """

  def __init__(self, members: Sequence[Predictor],
               names: Sequence[str] | None = None):
    members = list(members)
    if not members:
      raise InputError("an ensemble needs at least one model")
    lengths = {m.seq_len for m in members}
    if len(lengths) > 1:
      odd = next(m for m in members if m.seq_len != members[0].seq_len)
      raise InputError(
          f"models of different sequence lengths cannot form one ensemble: "
          f"{members[0].path} sees L = {members[0].seq_len} nt, {odd.path} "
          f"L = {odd.seq_len} nt", odd.path)
    self.members = members
    self.names = list(names) if names else member_names(
        [m.path for m in members])
    self.seq_len = members[0].seq_len

  @classmethod
  def from_paths(cls, paths: Sequence[str], batch_size: int = 4096,
                 target: str | None = None) -> "Ensemble":
    """Loads each path (a run or SavedModel directory) as a Predictor; a
    member of several targets predicts `target` (default its first)."""
    if isinstance(paths, (str, os.PathLike)):
      paths = [paths]
    members = [Predictor(os.fspath(p), batch_size) for p in paths]
    for member in members:
      if target is not None or member.num_targets > 1:
        member.select_target(target)
    return cls(members, member_names([os.fspath(p) for p in paths]))

  def __len__(self) -> int:
    return len(self.members)

  def describe(self) -> str:
    """One line per member: its name and which model it is."""
    return "\n".join(f"{name}: {m.describe()}"
                     for name, m in zip(self.names, self.members))

  def predict_members(self, codes: np.ndarray) -> np.ndarray:
    """float32 [M, N]: each member's predictions (expression scale)."""
    codes = np.asarray(codes, np.uint8)
    return np.stack([m.predict_codes(codes) for m in self.members])

  def predict_codes(self, codes: np.ndarray) -> dict:
    """{"mean": float32 [N], "sd": float32 [N], "members": float32 [M, N]}."""
    members = self.predict_members(codes)
    return {"mean": members.mean(axis=0), "sd": members.std(axis=0),
            "members": members}

  def trusted_ranges(self) -> list[tuple[float, float] | None]:
    """Each member's `trusted_range` for the target it predicts (None:
    unknown)."""
    out = []
    for m in self.members:
      r = m.trusted_range
      if isinstance(r, dict):
        target = getattr(m, "target", None)
        r = r.get(target) if target in r else (
            next(iter(r.values())) if len(r) == 1 else None)
      out.append(r)
    return out


def predict_ensemble_file(ensemble: Ensemble, input_path: str,
                          output_path: str, outside=None,
                          sequence_column: str | None = None) -> int:
  """Predicts every sequence of `input_path` (any format `predict` reads)
  with every member into TSV `output_path`; returns N.

  Columns: sequence, prediction (the members' mean), prediction_sd, then
  one per member (its name); rows in input order; written atomically (a
  `.gz` name gzip-compressed). `outside`: one `out_of_range.OutOfRange` per
  member, counting that member's predictions outside its trusted range.
  """
  files.check_readable(input_path)
  files.check_output(output_path, [input_path])
  total = 0
  with files.open_output(output_path, encoding="ascii") as out:
    out.write("\t".join(["sequence", "prediction", "prediction_sd",
                         *ensemble.names]) + "\n")
    for rows in iter_sequences(input_path, ensemble.seq_len,
                               sequence_column):
      pred = ensemble.predict_codes(rows.codes)
      for counter, member in zip(outside or (), pred["members"]):
        counter.flags(member)
      numbers = np.vstack([pred["mean"], pred["sd"], pred["members"]]).T
      for seq, values in zip(rows.text, numbers):
        out.write(seq + "".join(f"\t{float(v)!r}" for v in values) + "\n")
      total += len(rows)
    if total == 0:  # raised before the rename: nothing is replaced
      raise InputError("no sequences found", input_path)
  return total
