"""A DREAM-format training file the size of the challenge's, generated
(vectorised, seeded) and reused while its marker (rows, seed, generator
version, size) matches."""

from __future__ import annotations

import json
import os
import time

import numpy as np

from madlab_dream.io import files
from madlab_dream.tools import simulator as simulate
from madlab_dream.tools.bench.outputs import log

FLANK5 = simulate.FLANK5.encode()  # the plasmid's 17 nt 5' flank
FLANK3 = simulate.FLANK3.encode()  # and its 13 nt 3' flank
RANDOM_MAX = 81                   # random region: 74..81 nt -> 104..111 total
_LENGTHS = np.array([104, 105, 106, 107, 108, 109, 110, 111])
_LENGTH_P = np.array([0.005, 0.005, 0.006, 0.009, 0.025, 0.125, 0.82, 0.005])
WHOLE_FRACTION = 0.57             # rows whose value is a whole number
GENERATOR_VERSION = 1
SEED = 2022


def generate_dream_lines(rows: int, rng: np.random.Generator) -> bytes:
  """`rows` lines like the challenge's training file, newline-ended.

  The plasmid's 17 nt flank + a random region + its 13 nt flank, lengths
  104..111 nt (82 % 110); 57 % of the values whole numbers in 0..17, the
  rest with 13 decimals. Each line is laid out in a fixed-width byte matrix
  with a mask of the bytes it uses; the masked bytes are concatenated.
  """
  n = rows
  lengths = rng.choice(_LENGTHS, size=n, p=_LENGTH_P)
  width = len(FLANK5) + RANDOM_MAX + len(FLANK3)            # 111
  seq = np.empty((n, width), np.uint8)
  seq[:, :len(FLANK5)] = np.frombuffer(FLANK5, np.uint8)
  acgt = np.frombuffer(b"ACGT", np.uint8)
  seq[:, len(FLANK5):len(FLANK5) + RANDOM_MAX] = acgt[
      rng.integers(0, 4, (n, RANDOM_MAX), dtype=np.uint8)]
  cols = (lengths - len(FLANK3))[:, None] + np.arange(len(FLANK3))
  seq[np.arange(n)[:, None], cols] = np.frombuffer(FLANK3, np.uint8)
  seq_mask = np.arange(width) < lengths[:, None]

  whole = rng.random(n) < WHOLE_FRACTION
  level = rng.normal(11.0, 3.5, n)
  integer = np.where(whole, np.clip(np.rint(level), 0, 17),
                     np.clip(np.floor(level), 0, 16)).astype(np.int64)
  decimals = 13
  digits = rng.integers(0, 10, (n, decimals), dtype=np.uint8)
  digits[:, -1] = rng.integers(1, 10, n, dtype=np.uint8)    # never x.000
  zero = ord("0")
  tail = np.empty((n, 1 + 2 + 1 + decimals + 1), np.uint8)  # \t dd . ddd \n
  tail[:, 0] = ord("\t")
  tail[:, 1] = zero + integer // 10
  tail[:, 2] = zero + integer % 10
  tail[:, 3] = ord(".")
  tail[:, 4:4 + decimals] = zero + digits
  tail[:, -1] = ord("\n")
  tail_mask = np.ones(tail.shape, bool)
  tail_mask[:, 1] = integer >= 10
  tail_mask[:, 3:4 + decimals] = ~whole[:, None]
  lines = np.concatenate([seq, tail], axis=1)
  mask = np.concatenate([seq_mask, tail_mask], axis=1)
  return lines[mask].tobytes()


def ensure_dream_file(bench_dir: str, rows: int, seed: int = SEED,
                      chunk_rows: int = 250_000) -> tuple[str, dict]:
  """(path, {rows, seed, version, bytes, reused[, seconds]}) of the file
  for (rows, seed) in `bench_dir`, generated `chunk_rows` lines at a time
  unless present."""
  path = os.path.join(bench_dir, f"train_sequences_{rows}.txt")
  marker = path + ".json"
  want = {"rows": rows, "seed": seed, "version": GENERATOR_VERSION}
  if os.path.exists(path) and os.path.exists(marker):
    with open(marker) as f:
      info = json.load(f)
    if ({k: info.get(k) for k in want} == want and
        info.get("bytes") == os.path.getsize(path)):
      log(f"reusing {path} ({rows:,} rows, {info['bytes'] / 1e6:,.0f} MB)")
      return path, {**info, "reused": True}
  log(f"generating {path} ({rows:,} rows)")
  t0 = time.perf_counter()
  rng = np.random.default_rng(seed)
  with files.atomic_path(path) as tmp:
    with open(tmp, "wb") as f:
      for start in range(0, rows, chunk_rows):
        f.write(generate_dream_lines(min(chunk_rows, rows - start), rng))
  info = {**want, "bytes": os.path.getsize(path),
          "seconds": round(time.perf_counter() - t0, 2)}
  files.write_text(marker, json.dumps(info))
  log(f"generated {info['bytes'] / 1e6:,.0f} MB in {info['seconds']} s")
  return path, {**info, "reused": False}
