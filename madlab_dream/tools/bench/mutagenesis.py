"""Saturation mutagenesis through the exported SavedModel (TensorFlow)."""

from __future__ import annotations

import os
import time

import keras
import numpy as np

from madlab_dream.inference import export
from madlab_dream.inference import variants
from madlab_dream.inference.predictor import Predictor
from madlab_dream.io import sequences
from madlab_dream.tools.bench.outputs import log
from madlab_dream.tools.bench.sizes import Sizes


def bench_mutagenesis(model: keras.Model, codes: np.ndarray, sizes: Sizes,
                      work_dir: str) -> dict:
  """Sequences/s of `ism_codes` (the references and all 3 L variants of
  `sizes.ism_sequences` rows of `codes` without N, together) and of
  `saturation_mutagenesis` one sequence at a time (`sizes.ism_single`),
  through `model` exported to `work_dir` and loaded as a `Predictor`."""
  path = os.path.join(work_dir, "ism_saved_model")
  export.export_saved_model(model, path, 0.0, 1.0, int(codes.shape[1]))
  predictor = Predictor(path, batch_size=sizes.infer_batch)
  whole = np.flatnonzero((np.asarray(codes) < 4).all(axis=1))
  batch = np.asarray(codes[whole[:sizes.ism_sequences]])
  variants.ism_codes(predictor, batch[:2])  # the first calls compile
  log(f"  saturation mutagenesis: {len(batch):,} sequences")
  t0 = time.perf_counter()
  found = variants.ism_codes(predictor, batch)
  t1 = time.perf_counter()
  texts = ["".join(sequences.ALPHABET[c] for c in row)
           for row in batch[:sizes.ism_single]]
  for text in texts:
    variants.saturation_mutagenesis(predictor, text)
  seconds, single = t1 - t0, time.perf_counter() - t1
  count = int(len(found["effect"]))
  log(f"    {len(batch) / seconds:,.1f} seq/s batched, "
      f"{len(texts) / single:,.1f} one at a time")
  return {"saved_model": path,
          "sequences": len(batch), "variants": count, "seconds": seconds,
          "seq_per_s": len(batch) / seconds, "variants_per_s": count / seconds,
          "batch": sizes.infer_batch,
          "one_at_a_time": {"sequences": len(texts), "seconds": single,
                            "seq_per_s": len(texts) / single}}
