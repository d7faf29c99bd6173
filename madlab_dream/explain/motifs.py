"""TF-MoDISco on contribution scores of short sequences (the `explain`
extra: the `modisco` package, import name `modiscolite`).

  MotifsConfig       TF-MoDISco's settings for 110-nt sequences
  read_scores        one_hot and hypothetical [N, L, 4] from an `.npz` of
                     `python -m madlab_dream.explain` (checked)
  discover           TF-MoDISco -> its results (positive and negative
                     patterns) and a list of `Pattern`s

Settings for 110-nt sequences. TF-MoDISco's command line crops every
sequence to a central window of 400 bp, and its seqlets are
`sliding_window_size + 2 flank_size` wide (21 + 2 x 10 = 41 by default),
suppressing `sliding_window_size / 2 + flank_size` positions around each:
on 110 nt that leaves room for about two seqlets per sequence, and yeast
sites are 6-13 nt. Here the whole sequence is used (no crop), the window is
11 nt with 5-nt flanks (21-nt seqlets; the CLI's odd-window failure concerns
the crop, not this window), and patterns are trimmed to 15 nt
(`trim_to_window_size`) with 5 nt added back. TF-MoDISco needs more than
`min_metacluster_size` seqlets of a sign to cluster them at all, so fewer
than MIN_SEQUENCES sequences are refused.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.settings import Settings
from madlab_dream.settings import check
from madlab_dream.settings import positive_whole_number
from madlab_dream.settings import setting

MIN_SEQUENCES = 200
REQUIRED = ("one_hot", "hypothetical")


@dataclasses.dataclass(frozen=True)
class MotifsConfig(Settings):
  """TF-MoDISco's settings (names as its `TFMoDISco` arguments)."""
  sliding_window_size: int = setting(
      11, "TF-MoDISco's seqlet core window (nt).")
  flank_size: int = setting(
      5, "TF-MoDISco's flank on each side of a seqlet core (nt).")
  target_seqlet_fdr: float = setting(
      0.2, "TF-MoDISco's false discovery rate of seqlets.")
  min_metacluster_size: int = 100
  max_seqlets_per_metacluster: int = setting(
      20_000, "TF-MoDISco clusters at most this many seqlets of each sign.")
  trim_to_window_size: int = 15
  initial_flank_to_add: int = 5
  final_min_cluster_size: int = 20
  n_leiden_runs: int = setting(
      10, "Leiden clusterings per round (seeded 0..N-1; the best is kept).")
  trim_threshold: float = 0.3

  def __post_init__(self):
    for name in ("sliding_window_size", "flank_size", "min_metacluster_size",
                 "max_seqlets_per_metacluster", "trim_to_window_size",
                 "final_min_cluster_size", "n_leiden_runs"):
      positive_whole_number(name, getattr(self, name))
    check(0 < self.target_seqlet_fdr < 1, "target_seqlet_fdr",
          self.target_seqlet_fdr, "must be in (0, 1)")
    check(0 <= self.trim_threshold < 1, "trim_threshold",
          self.trim_threshold, "must be in [0, 1)")

  def modisco_arguments(self) -> dict:
    """The keyword arguments of `modiscolite.tfmodisco.TFMoDISco`."""
    out = dataclasses.asdict(self)
    out.pop("trim_threshold")
    return out


@dataclasses.dataclass
class Pattern:
  """One TF-MoDISco pattern, trimmed to its informative core.

  name: "pos_patterns.pattern_0" (as in TF-MoDISco's results file); sign:
  +1 / -1; seqlets: how many; ppm: letter probabilities [K, 4]; cwm: mean
  contributions [K, 4]; hcwm: mean hypothetical contributions [K, 4];
  start: where the trimmed core starts in the untrimmed pattern.
  """
  name: str
  sign: int
  seqlets: int
  ppm: np.ndarray
  cwm: np.ndarray
  hcwm: np.ndarray
  start: int

  @property
  def consensus(self) -> str:
    """The most probable base at each position (lower case below 0.5)."""
    out = []
    for row in self.ppm:
      base = "ACGT"[int(np.argmax(row))]
      out.append(base if row.max() >= 0.5 else base.lower())
    return "".join(out)


def read_scores(path: str) -> tuple[np.ndarray, np.ndarray]:
  """(one_hot float32 [N, L, 4], hypothetical [N, L, 4]) from an `.npz`;
  an InputError names the file and what is missing or wrong."""
  files.check_readable(path)
  try:
    with np.load(path, allow_pickle=False) as data:
      missing = [k for k in REQUIRED if k not in data.files]
      if missing:
        raise InputError(f"missing array(s) {', '.join(missing)} (expected "
                         "the .npz of python -m madlab_dream.explain)", path)
      one_hot = np.asarray(data["one_hot"], np.float32)
      hyp = np.asarray(data["hypothetical"], np.float32)
  except (OSError, ValueError, EOFError) as e:
    raise InputError(f"not a readable .npz file ({e})", path) from None
  if one_hot.ndim != 3 or one_hot.shape[-1] != 4 or hyp.shape != one_hot.shape:
    raise InputError(f"one_hot {one_hot.shape} and hypothetical {hyp.shape} "
                     "must both be [N, L, 4]", path)
  if not np.isfinite(hyp).all():
    raise InputError("hypothetical contributions contain NaN or infinity",
                     path)
  return one_hot, hyp


def check_count(count: int, path: str, config: MotifsConfig) -> None:
  """Refuses fewer sequences than TF-MoDISco can cluster."""
  if count < MIN_SEQUENCES:
    raise InputError(f"{count:,} sequences: TF-MoDISco needs at least "
                     f"{MIN_SEQUENCES:,} (more than "
                     f"{config.min_metacluster_size} seqlets of a sign to "
                     "cluster; a few thousand sequences are better)", path)


def discover(one_hot: np.ndarray, hyp: np.ndarray,
             config: MotifsConfig) -> tuple[tuple, list[Pattern]]:
  """Runs TF-MoDISco; returns ((pos_patterns, neg_patterns) as it returns
  them, the trimmed `Pattern`s, positive ones first)."""
  # modiscolite (the explain extra, optional) imported when used.
  from modiscolite.tfmodisco import TFMoDISco
  results = TFMoDISco(one_hot=one_hot, hypothetical_contribs=hyp,
                      verbose=False, **config.modisco_arguments())
  patterns = []
  for group, sign, found in (("pos_patterns", 1, results[0]),
                             ("neg_patterns", -1, results[1])):
    for i, pattern in enumerate(found or []):
      patterns.append(_trimmed(f"{group}.pattern_{i}", sign, pattern,
                               config.trim_threshold))
  return results, patterns


def _trimmed(name: str, sign: int, pattern, threshold: float) -> Pattern:
  """The pattern's core: positions whose summed |contribution| reaches
  `threshold` x its maximum (as TF-MoDISco's report trims)."""
  cwm = np.asarray(pattern.contrib_scores, np.float64)
  score = np.abs(cwm).sum(axis=1)
  keep = np.flatnonzero(score >= threshold * score.max())
  lo, hi = int(keep.min()), int(keep.max()) + 1
  return Pattern(name, sign, len(pattern.seqlets),
                 np.asarray(pattern.sequence, np.float64)[lo:hi], cwm[lo:hi],
                 np.asarray(pattern.hypothetical_contribs,
                            np.float64)[lo:hi], lo)


def save_results(path: str, results: tuple, window: int) -> None:
  """TF-MoDISco's own results file (HDF5, readable by `modisco report`)."""
  # modiscolite (the explain extra, optional) imported when used.
  from modiscolite.io import save_hdf5
  save_hdf5(path, results[0], results[1], window)
  if not os.path.exists(path):  # Defensive: save_hdf5 writes or raises.
    raise RuntimeError(f"TF-MoDISco wrote no results file {path}")
