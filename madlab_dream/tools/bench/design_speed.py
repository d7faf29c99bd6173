"""How fast a design scores candidates, against plain inference.

`candidate_speed(models)` times, in alternating windows on the same models
in the same process, (a) plain inference: `predict_codes` of random
sequences, and (b) greedy design rounds: every single-nucleotide variant of
random starts generated, scored and selected (`greedy.search_round`, the whole
round). Both are reported as sequences (candidates) per second per model,
with their ratio: near 1 when generating and selecting candidates costs
nothing beside the models.
"""

from __future__ import annotations

import time

import numpy as np

from madlab_dream.designing import greedy
from madlab_dream.designing import starts as starts_lib
from madlab_dream.designing.objective import Objective
from madlab_dream.designing.objective import Scorer
from madlab_dream.designing.pool import Pool


def candidate_speed(models, batch_size: int | None = None, windows: int = 3,
                    batches_per_window: int = 2, seed: int = 0) -> dict:
  """Candidate evaluations/s of greedy rounds vs inference sequences/s.

  Args:
    models: an Ensemble, Predictor or path(s) (see `designer.as_ensemble`).
    batch_size: the inference batch (default: the models' own).
    windows: timed windows of each kind, alternating (medians reported).
    batches_per_window: inference batches per window (a design window
      scores about as many candidates).
    seed: seed of the random starts and of the plain sequences.

  Returns:
    {"inference_seq_per_s", "candidate_evaluations_per_s", "ratio",
    "batch_size", "candidates_per_window", "models", "windows"}, per model
    (an ensemble of M models scores each candidate M times).
  """
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.designing.designer import as_ensemble
  ensemble = as_ensemble(models)
  batch = batch_size or ensemble.members[0].batch_size
  for m in ensemble.members:
    m.batch_size = batch
  length = ensemble.seq_len
  designs = max(1, (batches_per_window * batch) // (3 * starts_lib.REGION_LEN))
  texts = starts_lib.random_regions(designs, seed)
  starts = starts_lib.prepare(texts, length)
  plain = starts_lib.prepare(starts_lib.random_regions(
      batches_per_window * batch, seed + 1), length).codes
  scorer = Scorer(ensemble, Objective("max", member_ranges=(None,) * len(
      ensemble)))
  beam = Pool.scored(scorer, np.arange(designs), starts.codes.copy(),
                     np.zeros(designs, np.int64))
  ensemble.predict_members(plain[:batch])                   # warm-up
  greedy.search_round(scorer, beam, starts, 1, 1, None)
  infer, cand, counts = [], [], []
  for _ in range(windows):
    t0 = time.perf_counter()
    ensemble.predict_members(plain)
    infer.append(len(plain) * len(ensemble) / (time.perf_counter() - t0))
    before = scorer.evaluations
    t0 = time.perf_counter()
    greedy.search_round(scorer, beam, starts, 1, 1, None)
    counts.append(scorer.evaluations - before)
    cand.append(counts[-1] * len(ensemble) / (time.perf_counter() - t0))
  infer_s, cand_s = float(np.median(infer)), float(np.median(cand))
  return {"inference_seq_per_s": infer_s,
          "candidate_evaluations_per_s": cand_s, "ratio": cand_s / infer_s,
          "batch_size": batch,
          "candidates_per_window": int(np.median(counts)),
          "models": len(ensemble), "windows": windows}
