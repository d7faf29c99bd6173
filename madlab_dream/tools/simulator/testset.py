"""The simulated test set, its eight subsets and the public-leaderboard ids.

Rows are built block by block (random, native-like "yeast", challenging,
motif perturbation pairs, motif tiling pairs, SNV pairs), measured, then
shuffled into file order; subsets are positions (or (alt, ref) pairs of
positions) in that order. A seeded `PUBLIC_FRACTION` of each subset is the
public-leaderboard sample. Everything draws from one
`np.random.default_rng([seed, 2])` stream, in a fixed order.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from madlab_dream.errors import InputError
from madlab_dream.io import sequences
from madlab_dream.tools.simulator.grammar import FLANK3_CODES
from madlab_dream.tools.simulator.grammar import FLANK5_CODES
from madlab_dream.tools.simulator.grammar import MOTIF_INDEX
from madlab_dream.tools.simulator.grammar import MOTIFS
from madlab_dream.tools.simulator.grammar import REGION_END
from madlab_dream.tools.simulator.grammar import REGION_LEN
from madlab_dream.tools.simulator.grammar import REGION_START
from madlab_dream.tools.simulator.grammar import SEQ_LEN
from madlab_dream.tools.simulator.grammar import Effects
from madlab_dream.tools.simulator.grammar import Motif
from madlab_dream.tools.simulator.grammar import activity
from madlab_dream.tools.simulator.grammar import allowed_codes
from madlab_dream.tools.simulator.measure import test_measure

MIN_TEST_ROWS = 100
TEST_FRACTIONS = {"random": 0.15, "yeast": 0.12, "challenging": 0.04,
                  "perturbation_pairs": 0.04, "tiling": 0.08}
HIGH_LOW_FRACTION = 0.15  # top / bottom of the random block
PUBLIC_FRACTION = 0.13
TILE_STEP = 4
YEAST_BACKGROUND = (0.31, 0.19, 0.19, 0.31)  # A, C, G, T: AT-rich
GC_RICH_BACKGROUND = (0.15, 0.35, 0.35, 0.15)


@dataclasses.dataclass
class TestSet:
  """The simulated test set, in file order (position = row index).

  codes: uint8 [M, 110]; activity: float64 [M] noiseless; truth: float64
  [M] measured values (MAUDE-like scale); block: str [M] where each row comes
  from; subsets: {name: int64 [k] positions or [k, 2] (alt, ref) pairs};
  public: {name: same, the public-leaderboard sample}.
  """
  codes: np.ndarray
  activity: np.ndarray
  truth: np.ndarray
  block: np.ndarray
  subsets: dict
  public: dict


class _Rows:
  """The rows as they are built: codes, block names and, per row, one
  planted site (start, length), -1 if none."""

  def __init__(self):
    self.blocks, self.names, self.sites = [], [], []
    self.size = 0

  def add(self, name: str, codes: np.ndarray,
          sites: np.ndarray | None = None) -> np.ndarray:
    """Appends codes [n, 110] of block `name`; returns their row numbers."""
    n = len(codes)
    self.blocks.append(codes)
    self.names.extend([name] * n)
    self.sites.append(np.full((n, 2), -1) if sites is None else sites)
    self.size += n
    return np.arange(self.size - n, self.size)


def _instance(rng: np.random.Generator, motif: Motif, n: int) -> np.ndarray:
  """uint8 [n, K] sampled instances of a motif's consensus (+ strand)."""
  allowed = allowed_codes(motif.consensus)[:, :4]
  k = len(motif.consensus)
  pick = rng.random((n, k))
  cum = np.cumsum(allowed / allowed.sum(axis=1, keepdims=True), axis=1)
  return (pick[:, :, None] > cum[None, :, :-1]).sum(axis=2).astype(np.uint8)


def _plant(codes: np.ndarray, rows: np.ndarray, motif: Motif,
           starts: np.ndarray, reverse: np.ndarray,
           rng: np.random.Generator) -> None:
  """Writes an instance of `motif` into codes[rows] at `starts` (in place)."""
  if len(rows) == 0:
    return
  inst = _instance(rng, motif, len(rows))
  rc = sequences.reverse_complement(inst)
  inst = np.where(np.asarray(reverse, bool)[:, None], rc, inst)
  cols = np.asarray(starts)[:, None] + np.arange(inst.shape[1])
  codes[np.asarray(rows)[:, None], cols] = inst


def _backgrounds(rng: np.random.Generator, n: int,
                 probs=(0.25, 0.25, 0.25, 0.25)) -> np.ndarray:
  """uint8 [n, 110]: flanks around a random region drawn from `probs`."""
  codes = np.empty((n, SEQ_LEN), np.uint8)
  codes[:, :REGION_START] = FLANK5_CODES
  codes[:, REGION_END:] = FLANK3_CODES
  codes[:, REGION_START:REGION_END] = rng.choice(
      4, size=(n, REGION_LEN), p=probs).astype(np.uint8)
  return codes


def _random_starts(rng: np.random.Generator, n: int,
                   motif: Motif) -> np.ndarray:
  """Start positions of sites lying within the random region."""
  return rng.integers(REGION_START, REGION_END - len(motif.consensus) + 1,
                      size=n)


def _sizes(m: int) -> dict:
  sizes = {name: max(2, int(round(f * m)))
           for name, f in TEST_FRACTIONS.items()}
  tiles = len(range(REGION_START, REGION_END - 7 + 1, TILE_STEP))
  sizes["tiling_backgrounds"] = max(1, int(round(sizes.pop("tiling") /
                                                 (tiles + 1))))
  return sizes


def _yeast(rng: np.random.Generator, n: int):
  """Native-like rows: AT-rich background, 1-4 planted sites.

  Returns (codes [n, 110], first planted site (start, length) [n, 2]).
  """
  codes = _backgrounds(rng, n, YEAST_BACKGROUND)
  count = 1 + rng.binomial(3, 0.5, size=n)
  first = np.full((n, 2), -1)
  for slot in range(4):
    rows = np.flatnonzero(count > slot)
    which = rng.integers(0, len(MOTIFS), size=len(rows))
    for m, motif in enumerate(MOTIFS):
      hosts = rows[which == m]
      starts = _random_starts(rng, len(hosts), motif)
      _plant(codes, hosts, motif, starts, rng.random(len(hosts)) < 0.5, rng)
      if slot == 0:
        first[hosts, 0], first[hosts, 1] = starts, len(motif.consensus)
  return codes, first


def _challenging(rng: np.random.Generator, n: int):
  """Designed extremes and conflicting signals, in turn: a strong
  activator array, a GC-rich background with two repressor sites, and
  activators against a repressor near the 3' end.

  Returns (codes [n, 110], last planted site (start, length) [n, 2]).
  """
  kind = np.arange(n) % 3
  codes = _backgrounds(rng, n)
  gc_rich = np.flatnonzero(kind == 1)
  codes[gc_rich] = _backgrounds(rng, len(gc_rich), GC_RICH_BACKGROUND)
  site = np.full((n, 2), -1)

  def plant_at(rows, name, lo, hi, reverse=False):
    motif = MOTIFS[MOTIF_INDEX[name]]
    starts = rng.integers(lo, hi + 1, size=len(rows))
    _plant(codes, rows, motif, starts, np.full(len(rows), reverse), rng)
    site[rows, 0], site[rows, 1] = starts, len(motif.consensus)

  high = np.flatnonzero(kind == 0)
  plant_at(high, "Rap1", 18, 24)
  plant_at(high, "polyAT", 40, 46, reverse=True)  # poly-T on + strand
  plant_at(high, "TATA", 60, 66)
  plant_at(high, "Reb1", 80, 90)
  plant_at(gc_rich, "Mcm1", 62, 70)
  plant_at(gc_rich, "Mcm1", 80, 87)
  conflict = np.flatnonzero(kind == 2)
  plant_at(conflict, "Reb1", 20, 30)
  plant_at(conflict, "TATA", 58, 66)
  plant_at(conflict, "Mcm1", 80, 87)
  return codes, site


def _perturbation(rng: np.random.Generator, n: int):
  """Motif perturbation: a site added to a background, or a planted site
  disrupted (3 informative positions mutated).

  Returns (references, alternatives): codes [n, 110] each.
  """
  refs = _backgrounds(rng, n)
  alts = refs.copy()
  which = rng.integers(0, len(MOTIFS), size=n)
  remove = rng.random(n) < 0.5
  for i, motif in enumerate(MOTIFS):
    hosts = np.flatnonzero(which == i)
    starts = _random_starts(rng, len(hosts), motif)
    reverse = rng.random(len(hosts)) < 0.5
    _plant(alts, hosts, motif, starts, reverse, rng)
    gone = hosts[remove[hosts]]
    refs[gone] = alts[gone]
    informative = np.flatnonzero(
        allowed_codes(motif.consensus)[:, :4].sum(1) < 4)
    k = len(motif.consensus)
    for j, row in enumerate(hosts):
      if not remove[row]:
        continue
      hit = rng.choice(informative, size=3, replace=False)
      cols = starts[j] + (k - 1 - hit if reverse[j] else hit)
      alts[row, cols] = (alts[row, cols] + rng.integers(1, 4, size=3)) % 4
  return refs, alts


def _add_tiling(rng: np.random.Generator, rows: _Rows,
                backgrounds: int) -> np.ndarray:
  """Motif tiling: one site moved along the region of each background.

  Adds each background and its tiles to `rows`; returns (alt, ref) row
  pairs [k, 2].
  """
  pairs = []
  for b in range(backgrounds):
    motif = MOTIFS[b % len(MOTIFS)]
    bg = _backgrounds(rng, 1)
    inst = _instance(rng, motif, 1)
    starts = np.arange(REGION_START, REGION_END - len(motif.consensus) + 1,
                       TILE_STEP)
    alt = np.repeat(bg, len(starts), axis=0)
    alt[np.arange(len(starts))[:, None],
        starts[:, None] + np.arange(inst.shape[1])] = inst
    ref_row = rows.add("tiling_ref", bg)
    alt_rows = rows.add("tiling_alt", alt)
    pairs.append(np.stack([alt_rows, np.full(len(alt_rows), ref_row[0])],
                          axis=1))
  return np.concatenate(pairs)


def _add_snvs(rng: np.random.Generator, rows: _Rows, n: int,
              pool: np.ndarray) -> np.ndarray:
  """SNVs: single-nucleotide variants of rows drawn from `pool`; half of
  them inside the row's planted site when it has one.

  Adds the n variants to `rows`; returns (alt, ref) row pairs [n, 2].
  """
  codes, sites = np.concatenate(rows.blocks), np.concatenate(rows.sites)
  ref = pool[rng.integers(0, len(pool), size=n)]
  pos = rng.integers(REGION_START, REGION_END, size=n)
  in_site = (sites[ref, 0] >= 0) & (rng.random(n) < 0.5)
  offset = rng.integers(0, 1 << 30, size=n)
  pos = np.where(in_site, sites[ref, 0] + offset % np.maximum(
      sites[ref, 1], 1), pos)
  alts = codes[ref].copy()
  index = np.arange(n)
  alts[index, pos] = (alts[index, pos] + rng.integers(1, 4, size=n)) % 4
  return np.stack([rows.add("snv_alt", alts), ref], axis=1)


def _public_sample(rng: np.random.Generator, subsets: dict) -> dict:
  """A seeded PUBLIC_FRACTION of each subset (at least one item)."""
  public = {}
  for name, v in subsets.items():
    k = max(1, int(round(PUBLIC_FRACTION * len(v)))) if len(v) else 0
    pick = np.sort(rng.choice(len(v), size=k, replace=False))
    public[name] = v[pick]
  return public


def make_test_set(test_rows: int, seed: int,
                  weights: Effects | None = None) -> TestSet:
  """Builds the test set: random, native-like ("yeast"), challenging,
  SNV pairs, motif perturbation pairs and motif tiling pairs.

  Raises:
    InputError: `test_rows` is below MIN_TEST_ROWS.
  """
  if test_rows < MIN_TEST_ROWS:
    raise InputError(f"--test_rows must be at least {MIN_TEST_ROWS} (got "
                     f"{test_rows})")
  rng = np.random.default_rng([seed, 2])
  sizes = _sizes(test_rows)
  rows = _Rows()
  random_rows = rows.add("random", _backgrounds(rng, sizes["random"]))
  yeast_rows = rows.add("yeast", *_yeast(rng, sizes["yeast"]))
  challenging_rows = rows.add("challenging",
                              *_challenging(rng, sizes["challenging"]))
  refs, alts = _perturbation(rng, sizes["perturbation_pairs"])
  perturbation_ref = rows.add("perturbation_ref", refs)
  perturbation = np.stack([rows.add("perturbation_alt", alts),
                           perturbation_ref], axis=1)
  tiling = _add_tiling(rng, rows, sizes["tiling_backgrounds"])
  snvs = _add_snvs(rng, rows, max(2, test_rows - rows.size), np.concatenate(
      [random_rows, yeast_rows, challenging_rows]))

  codes = np.concatenate(rows.blocks)
  block = np.array(rows.names)
  act = activity(codes, weights=weights)
  k = max(1, int(round(HIGH_LOW_FRACTION * len(random_rows))))
  order = np.argsort(act[random_rows], kind="stable")
  subsets = {
      "high": random_rows[order[-k:]], "low": random_rows[order[:k]],
      "yeast": yeast_rows, "random": random_rows,
      "challenging": challenging_rows, "SNVs": snvs,
      "motif_perturbation": perturbation, "motif_tiling": tiling}

  # Shuffle rows into file order; positions follow.
  perm = rng.permutation(len(codes))  # file row j = built row perm[j]
  where = np.argsort(perm)            # built row i -> file row where[i]
  codes, act, block = codes[perm], act[perm], block[perm]
  subsets = {name: np.sort(where[v]) if v.ndim == 1 else
             np.unique(where[v], axis=0) for name, v in subsets.items()}
  truth = test_measure(act, rng.standard_normal(len(codes)))
  public = _public_sample(rng, subsets)
  return TestSet(codes, act, truth, block, subsets, public)
