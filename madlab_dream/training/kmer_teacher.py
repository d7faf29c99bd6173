"""Rows labelled by a k-mer ridge: many more training rows for a small file.

On a few thousand measured rows a k-mer ridge (`baseline`) predicts better
than MadLab's network trained on them. The ridge can teach the network:
fitted on the run's training rows only, it labels variants of those rows
(every position that is not conserved across them redrawn with probability
`teacher_mutation_rate`), and the network trains on those labels first,
then on the measured rows (`--init_from`). The validation rows are never seen by the
ridge, so a best epoch chosen on them stays an honest choice.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> codes = rng.integers(0, 4, (200, 30)).astype(np.uint8)
>>> codes[:, :5] = 2                  # a constant flank, as DREAM's
>>> targets = (codes == 0).sum(1, keepdims=True).astype(np.float64)
>>> config = TeacherConfig(teacher_kmer=2)
>>> teacher = KmerTeacher.fit(codes, targets, config, seed=0)
>>> new, source = teacher.variants(codes, 1000, seed=1)
>>> bool((new[:, :5] == 2).all()), new.shape, teacher.label(new).shape
(True, (1000, 30), (1000, 1))
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from madlab_dream import baseline
from madlab_dream import metrics
from madlab_dream.io import sequences
from madlab_dream.settings import Settings
from madlab_dream.settings import check
from madlab_dream.settings import number
from madlab_dream.settings import positive_whole_number
from madlab_dream.settings import setting


@dataclasses.dataclass(frozen=True)
class TeacherConfig(Settings):
  """How the k-mer teacher's rows are made."""
  teacher_rows: int = setting(
      60_000, "Labelled variants to write (drawn from the training rows, "
      "with replacement).")
  teacher_mutation_rate: float = setting(
      0.3, "Probability that a position of a variant is redrawn (uniform "
      "over A, C, G, T); conserved positions and N are kept.")
  teacher_kmer: int = setting(
      5, "The ridge's longest k-mer (counts of k = 1..K, as --baseline_kmer).")
  teacher_conserved_fraction: float = setting(
      0.95, "A position whose most common base is in at least this "
      "fraction of the training rows is conserved (a constant flank) and "
      "never redrawn.")

  def __post_init__(self):
    positive_whole_number("teacher_rows", self.teacher_rows)
    self.validate_field("teacher_kmer", positive_whole_number)
    check(self.teacher_kmer <= 6, "teacher_kmer", self.teacher_kmer,
          "must be at most 6 (4^6 features per length)")
    self.validate_field("teacher_mutation_rate", number, 0.0, 1.0)
    check(self.teacher_mutation_rate > 0, "teacher_mutation_rate",
          self.teacher_mutation_rate,
          "must be above 0 (else every variant is a copy)")
    self.validate_field("teacher_conserved_fraction", number, 0.0, 1.0)


def conserved_positions(codes: np.ndarray, min_fraction: float
                        ) -> np.ndarray:
  """bool [L]: positions whose most common code (N included) covers at
  least `min_fraction` of the rows of codes [N, L]."""
  codes = np.asarray(codes)
  counts = np.stack([(codes == c).sum(axis=0) for c in range(5)])
  return counts.max(axis=0) >= min_fraction * len(codes)


@dataclasses.dataclass
class KmerTeacher:
  """One ridge per target, fitted on training rows, and the variants rule.

  Attributes:
    weights: one weight vector per target (`baseline.fit`).
    alphas: the ridge penalty chosen for each target.
    config: the TeacherConfig.
    conserved: bool [L], the positions never redrawn.
  """
  weights: list[np.ndarray]
  alphas: list[float]
  config: TeacherConfig
  conserved: np.ndarray

  @classmethod
  def fit(cls, codes: np.ndarray, targets: np.ndarray, config: TeacherConfig,
          seed: int) -> "KmerTeacher":
    """Fits the ridges on codes [N, L] and targets [N, T] (penalties chosen
    on a seeded 10 % of the rows, as `baseline.fit`)."""
    targets = np.asarray(targets, np.float64).reshape(len(codes), -1)
    fits = [baseline.fit(codes, targets[:, t], config.teacher_kmer,
                         seed=seed) for t in range(targets.shape[1])]
    return cls([w for w, _ in fits], [float(a) for _, a in fits], config,
               conserved_positions(codes, config.teacher_conserved_fraction))

  def variants(self, codes: np.ndarray, count: int, seed: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """(codes [count, L], the training row each variant came from)."""
    rng = np.random.default_rng([seed, 41])
    source = rng.integers(0, len(codes), count)
    new = np.array(codes[source], np.uint8)
    redraw = rng.random(new.shape) < self.config.teacher_mutation_rate
    redraw &= ~self.conserved[None, :] & (new < 4)
    new[redraw] = rng.integers(0, 4, int(redraw.sum()), dtype=np.uint8)
    return new, source

  def label(self, codes: np.ndarray) -> np.ndarray:
    """float64 [N, T]: the ridges' predictions for codes [N, L]."""
    return np.stack([baseline.predict(codes, w, self.config.teacher_kmer)
                     for w in self.weights], axis=1)


def _table_lines(names: list[str], codes: np.ndarray, values: np.ndarray):
  """A header and one line per row: the sequence as the model reads it
  (the last L nt; the left padding of N dropped) and each value."""
  yield "\t".join(["sequence", *names]) + "\n"
  values = np.asarray(values, np.float64).reshape(len(codes), -1)
  for text, value in zip(sequences.decode(codes), values):
    yield "\t".join([text.lstrip("N") or "N",
                      *(f"{v:.7g}" for v in value)]) + "\n"


def write_table(path: str, names: list[str], codes: np.ndarray,
                values: np.ndarray) -> None:
  """Writes a tab-separated table with a header (`sequence`, `names`)."""
  with open(path, "w") as f:
    f.writelines(_table_lines(names, codes, values))


def teach(cache, config: TeacherConfig, seed: int, folder: str,
          say=print) -> dict:
  """Fits the teacher on the cache's training rows and writes into folder:
  teacher.tsv (the labelled variants), train.tsv, validation.tsv (and
  test.tsv with a test split): the measured rows of each split on their
  own scale. Returns the record (also written as teacher.json)."""
  names = cache.target_names
  train_y = cache.to_expression(cache.train_targets)
  teacher = KmerTeacher.fit(cache.train_codes, train_y, config, seed)
  val_y = cache.to_expression(cache.val_targets).reshape(
      len(cache.val_codes), -1)
  val_pred = teacher.label(cache.val_codes)
  ridge_r = {n: round(float(metrics.pearson(val_y[:, t], val_pred[:, t])), 4)
             for t, n in enumerate(names)}
  shown = ", ".join(f"{n} {r:.4f}" for n, r in ridge_r.items())
  say(f"k-mer ridge (k = 1..{config.teacher_kmer}) on {len(train_y):,} "
      f"training rows: validation r {shown}; "
      f"{int(teacher.conserved.sum())} conserved positions kept")
  codes, source = teacher.variants(cache.train_codes, config.teacher_rows,
                                   seed)
  write_table(f"{folder}/teacher.tsv", names, codes, teacher.label(codes))
  splits = {"train": (cache.train_codes, train_y),
            "validation": (cache.val_codes, val_y)}
  if cache.has_test:
    splits["test"] = (cache.test_codes, cache.to_expression(
        cache.test_targets))
  for name, (split_codes, values) in splits.items():
    write_table(f"{folder}/{name}.tsv", names, split_codes, values)
  record = {"settings": config.to_dict(), "seed": seed, "targets": names,
            "ridge_alphas": teacher.alphas, "ridge_validation_r": ridge_r,
            "conserved_positions": int(teacher.conserved.sum()),
            "mean_positions_changed": round(float(
                (codes != cache.train_codes[source]).sum(1).mean()), 2),
            "rows": {"teacher": len(codes), **{n: len(c) for n, (c, _)
                                               in splits.items()}},
            "input": cache.meta["input"]}
  with open(f"{folder}/teacher.json", "w") as f:
    json.dump(record, f, indent=1)
  return record
