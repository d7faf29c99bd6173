"""Writing the simulated dataset: fast row formatting, the files, `simulate`.

`simulate` writes the training file block by block (one log line per
block), then the test file, its ground truth, the subset CSVs and public
JSONs, and `simulation.json` last, all through `io.output_dirs`: the
output directory must be new, empty or an earlier simulation's (anything
else is refused before work), and the files appear there only once all
are written.
"""

from __future__ import annotations

import json
import math
import os
import time

import numpy as np
import pandas as pd

from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.io import output_dirs
from madlab_dream.io import sequences
from madlab_dream.metrics import StreamingPearson
from madlab_dream.scoring.names import PAIR_FILES
from madlab_dream.scoring.names import PUBLIC_DIR
from madlab_dream.scoring.names import PUBLIC_FILES
from madlab_dream.scoring.names import SINGLE_FILES
from madlab_dream.scoring.names import SUBSET_DIR
from madlab_dream.scoring.names import TEST_FILE
from madlab_dream.scoring.names import TRAIN_FILE
from madlab_dream.scoring.names import TRUTH_FILE
from madlab_dream.tools.simulator.grammar import SEQ_LEN
from madlab_dream.tools.simulator.grammar import Effects
from madlab_dream.tools.simulator.grammar import describe
from madlab_dream.tools.simulator.grammar import variant_effects
from madlab_dream.tools.simulator.measure import VALUE_DECIMALS
from madlab_dream.tools.simulator.measure import measurement
from madlab_dream.tools.simulator.measure import noise_ceiling
from madlab_dream.tools.simulator.testset import MIN_TEST_ROWS
from madlab_dream.tools.simulator.testset import TestSet
from madlab_dream.tools.simulator.testset import make_test_set
from madlab_dream.tools.simulator.train_rows import TRAIN_BLOCK
from madlab_dream.tools.simulator.train_rows import train_block

METADATA_FILE = "simulation.json"
_PEARSON_CENTER = 10.0  # middle of the 0-17 bin scale


# --- Writing rows fast --------------------------------------------------------

_ASCII = np.frombuffer(sequences.ALPHABET.encode(), np.uint8)
_TAB, _NL, _DOT, _ZERO = 9, 10, 46, 48
_VALUE_WIDTH = 3 + VALUE_DECIMALS


def _value_chars(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
  """ASCII of values in [0, 99] with <= VALUE_DECIMALS decimals, shortest
  form ("12", "9.5", "15.182384"): (uint8 [N, width], lengths [N])."""
  n = len(values)
  scale = 10 ** VALUE_DECIMALS
  q = np.rint(np.asarray(values, np.float64) * scale).astype(np.int64)
  whole_part, frac = np.divmod(q, scale)
  two = whole_part >= 10
  chars = np.zeros((n, _VALUE_WIDTH), np.uint8)
  chars[:, 0] = _ZERO + np.where(two, whole_part // 10, whole_part)
  chars[:, 1] = _ZERO + whole_part % 10
  int_len = 1 + two
  trailing = np.zeros(n, np.int64)
  rest = frac.copy()
  for _ in range(VALUE_DECIMALS):
    zero = (rest % 10 == 0) & (rest > 0)
    trailing += zero
    rest = np.where(zero, rest // 10, rest)
  frac_len = np.where(frac > 0, VALUE_DECIMALS - trailing, 0)
  rows = np.arange(n)
  has_frac = frac > 0
  chars[rows[has_frac], int_len[has_frac]] = _DOT
  for j in range(VALUE_DECIMALS):
    digit = (frac // 10 ** (VALUE_DECIMALS - 1 - j)) % 10
    sel = has_frac & (j < frac_len)
    chars[rows[sel], int_len[sel] + 1 + j] = _ZERO + digit[sel]
  lengths = int_len + np.where(has_frac, 1 + frac_len, 0)
  return chars, lengths


def format_rows(seq_codes: np.ndarray, lengths: np.ndarray,
                values: np.ndarray | None) -> bytes:
  r"""DREAM lines `sequence<TAB>value\n` as bytes, vectorised.

  Args:
    seq_codes: uint8 [N, W] codes, each sequence left-aligned.
    lengths: int [N] sequence lengths (<= W).
    values: float [N] in [0, 99] (at most VALUE_DECIMALS decimals), or None
      for an empty second column.
  """
  n, width = seq_codes.shape
  lengths = np.asarray(lengths, np.int64)
  if values is None:
    vchars = np.zeros((n, _VALUE_WIDTH), np.uint8)
    vlen = np.zeros(n, np.int64)
  else:
    vchars, vlen = _value_chars(values)
  line = np.empty((n, width + _VALUE_WIDTH + 2), np.uint8)
  line[:, :width] = _ASCII[seq_codes]
  rows = np.arange(n)[:, None]
  line[rows, lengths[:, None] + 1 + np.arange(_VALUE_WIDTH)] = vchars
  line[rows[:, 0], lengths] = _TAB
  line[rows[:, 0], lengths + 1 + vlen] = _NL
  keep = np.arange(line.shape[1])[None, :] <= (lengths + 1 + vlen)[:, None]
  return line[keep].tobytes()



# --- Files -------------------------------------------------------------------

def _write_csv(path: str, values: np.ndarray) -> None:
  """A subset CSV: column `pos`, or `alt_pos`,`ref_pos` for pairs."""
  columns = ["pos"] if values.ndim == 1 else ["alt_pos", "ref_pos"]
  frame = pd.DataFrame(values.reshape(len(values), -1), columns=columns)
  frame.to_csv(path, index=False, lineterminator="\n")


def _write_public(path: str, values: np.ndarray) -> None:
  """A public-leaderboard JSON: keys "pos", or "alt,ref" for pairs."""
  if values.ndim == 1:
    keys = [str(int(v)) for v in values]
  else:
    keys = [f"{int(a)},{int(r)}" for a, r in values]
  with open(path, "w", encoding="ascii", newline="\n") as f:
    json.dump({k: 0 for k in keys}, f)


def _log(message: str) -> None:
  print(message, flush=True)


def write_train(path: str, train_rows: int, seed: int,
                log=_log, weights: Effects | None = None) -> dict:
  """Writes the training file atomically; returns its statistics."""
  all_sums, single_sums, average_sums = (
      StreamingPearson(center=_PEARSON_CENTER) for _ in range(3))
  whole = with_n = exact_110 = 0
  moments = np.zeros(3)
  lo, hi = math.inf, -math.inf
  t0 = time.perf_counter()
  with files.atomic_path(path) as tmp:
    with open(tmp, "wb") as f:
      for index, start in enumerate(range(0, train_rows, TRAIN_BLOCK)):
        n = min(TRAIN_BLOCK, train_rows - start)
        block = train_block(seed, index, n, weights)
        f.write(format_rows(block.seq_codes, block.lengths, block.measured))
        all_sums.add(block.activity, block.measured)
        single = block.singleton
        single_sums.add(block.activity[single], block.measured[single])
        average_sums.add(block.activity[~single], block.measured[~single])
        whole += int(block.singleton.sum())
        with_n += int((block.seq_codes == sequences.N_CODE).any(axis=1).sum())
        exact_110 += int((block.lengths == SEQ_LEN).sum())
        moments += [n, block.measured.sum(), (block.measured ** 2).sum()]
        lo, hi = min(lo, block.measured.min()), max(hi, block.measured.max())
        done = start + n
        log(f"  train: {done:,} / {train_rows:,} rows "
            f"({time.perf_counter() - t0:.1f} s)")
  count, total, squares = moments
  mean = total / count
  return {
      "rows": train_rows,
      "noise_ceiling": all_sums.result(),
      "noise_ceiling_singletons": single_sums.result(),
      "noise_ceiling_averages": average_sums.result(),
      "whole_number_fraction": whole / train_rows,
      "rows_with_n": with_n,
      "fraction_110_nt": exact_110 / train_rows,
      "expression": {"mean": mean,
                     "sd": math.sqrt(max(squares / count - mean ** 2, 0.0)),
                     "min": float(lo), "max": float(hi)},
  }


def write_test(output_dir: str, test: TestSet) -> None:
  """Writes the test file, ground truth, subset CSVs and public JSONs."""
  seqs = sequences.decode(test.codes)
  with files.atomic_path(os.path.join(output_dir, TEST_FILE)) as tmp:
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
      f.writelines(f"{s}\t\n" for s in seqs)
  with files.atomic_path(os.path.join(output_dir, TRUTH_FILE)) as tmp:
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
      f.writelines(f"{s}\t{v:.6f}\n" for s, v in zip(seqs, test.truth))
  for folder, names, writer, values in (
      (SUBSET_DIR, {**SINGLE_FILES, **PAIR_FILES}, _write_csv, test.subsets),
      (PUBLIC_DIR, PUBLIC_FILES, _write_public, test.public)):
    os.makedirs(os.path.join(output_dir, folder), exist_ok=True)
    for name, filename in names.items():
      writer(os.path.join(output_dir, folder, filename), values[name])


def simulate(output_dir: str | os.PathLike, train_rows: int, test_rows: int,
             seed: int, log=_log, grammar_seed: int | None = None) -> dict:
  """Writes the whole simulated dataset into `output_dir`.

  `grammar_seed`: a different grammar on the same motifs
  (`grammar.variant_effects`); None: the grammar's own effects.

  Returns the metadata (also written to `output_dir`/simulation.json, last).
  The noise ceiling is the Pearson r between the noiseless activity and the
  measured training value over ALL training rows (also given for singleton
  and average rows separately, and for the test set).
  """
  if train_rows < 1:
    raise InputError(f"--train_rows must be at least 1 (got {train_rows})")
  if test_rows < MIN_TEST_ROWS:
    raise InputError(f"--test_rows must be at least {MIN_TEST_ROWS} (got "
                     f"{test_rows})")
  output = output_dirs.claim(output_dir, "simulate")
  t0 = time.perf_counter()
  log(f"simulating {train_rows:,} training and {test_rows:,} test rows "
      f"(seed {seed}) into {output_dir}")
  with output.staging() as folder:
    meta = _write_dataset(folder, train_rows, test_rows, seed, log,
                          grammar_seed)
  seconds = time.perf_counter() - t0
  train = meta["train"]
  log(f"wrote {output_dir}/: {TRAIN_FILE} ({train_rows:,} rows), "
      f"{TEST_FILE} and {TRUTH_FILE} ({test_rows:,} rows), {SUBSET_DIR}/ "
      f"(8 CSV), {PUBLIC_DIR}/ (8 JSON), {METADATA_FILE}")
  log(f"noise ceiling (Pearson r, noiseless activity vs measured, all "
      f"{train_rows:,} training rows): {train['noise_ceiling']:.4f} "
      f"(singletons {train['noise_ceiling_singletons']:.4f}, averages "
      f"{train['noise_ceiling_averages']:.4f}); whole numbers "
      f"{train['whole_number_fraction']:.1%}; {seconds:.1f} s")
  return meta


def _write_dataset(output_dir: str, train_rows: int, test_rows: int,
                   seed: int, log, grammar_seed: int | None) -> dict:
  """Writes every file into folder `output_dir`; returns the metadata."""
  t0 = time.perf_counter()
  weights = None if grammar_seed is None else variant_effects(grammar_seed)
  if weights is not None:
    log(f"grammar variant {grammar_seed}: motif effects "
        f"{', '.join(f'{e:g}' for e in weights.motif)}")
  train = write_train(os.path.join(output_dir, TRAIN_FILE), train_rows, seed,
                      log, weights)
  test = make_test_set(test_rows, seed, weights)
  write_test(output_dir, test)
  log(f"  test: {test_rows:,} rows and subsets "
      f"({time.perf_counter() - t0:.1f} s)")
  meta = {
      "simulator": "madlab_dream.simulate",
      "seed": seed,
      "train_rows": train_rows,
      "test_rows": test_rows,
      "noise_ceiling": train["noise_ceiling"],
      "noise_ceiling_rows": "all training rows (Pearson r of noiseless "
                            "activity vs measured value)",
      "train": train,
      "test": {
          "noise_ceiling": noise_ceiling(test.activity, test.truth),
          "truth_range": [float(test.truth.min()), float(test.truth.max())],
          "blocks": {str(k): int(v) for k, v in zip(
              *np.unique(test.block, return_counts=True))},
          "subset_sizes": {k: int(len(v)) for k, v in test.subsets.items()},
          "public_sizes": {k: int(len(v)) for k, v in test.public.items()},
      },
      "files": {"train": TRAIN_FILE, "test": TEST_FILE, "truth": TRUTH_FILE,
                "subsets": SUBSET_DIR, "public": PUBLIC_DIR},
      "grammar": {**describe(weights), "measurement": measurement()},
  }
  files.write_text(os.path.join(output_dir, METADATA_FILE),
                   json.dumps(meta, indent=1) + "\n")
  return meta

