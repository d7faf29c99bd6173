"""How fast contribution scores run on this machine (for the benchmark).

  gradient_rate       gradient evaluations per second (one forward pass and
                      the input gradient of one sequence) at a batch size
  method_rate         sequences per second of one method (expected
                      gradients at references x steps, ISM, ...), end to end
                      through `attribution.explain_codes` (shuffles, paths,
                      reference predictions included)

Both take a Keras model that takes uint8 codes (e.g. `build_model()` or a
run's `model.keras`) and time after one untimed warm-up call, so tracing is
not counted. Sequences are random 110-nt DREAM constructs (seeded).
"""

from __future__ import annotations

import time

import numpy as np

from madlab_dream.explain import attribution
from madlab_dream.explain.gradients import GradientModel
from madlab_dream.explain.gradients import one_hot
from madlab_dream.explain.settings import ExplainConfig


def random_constructs(n: int, seed: int = 0) -> np.ndarray:
  """uint8 [n, 110]: the constant flanks around uniform random regions."""
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.tools.simulator import testset
  return testset._backgrounds(np.random.default_rng([seed, 9]), n)


def gradient_rate(model, batch_size: int, batches: int = 5,
                  jit_compile: bool = False) -> dict:
  """Gradient evaluations per second at `batch_size` (median of `batches`
  timed calls after a warm-up).

  Returns:
    {"batch_size", "gradient_evaluations_per_s", "forward_per_s",
    "seconds_per_batch"}.
  """
  engine = GradientModel(model, batch_size, jit_compile=jit_compile)
  x = one_hot(random_constructs(batch_size))
  engine.gradients(x)
  engine.predict(x)
  grad_times, forward_times = [], []
  for _ in range(batches):
    t0 = time.perf_counter()
    engine.gradients(x)
    grad_times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    engine.predict(x)
    forward_times.append(time.perf_counter() - t0)
  grad, forward = float(np.median(grad_times)), float(np.median(
      forward_times))
  return {"batch_size": batch_size,
          "gradient_evaluations_per_s": batch_size / grad,
          "forward_per_s": batch_size / forward,
          "seconds_per_batch": grad}


def method_rate(model, sequences: int = 16, batch_size: int = 1024,
                **options) -> dict:
  """Sequences per second of one method (`ExplainConfig` fields in
  `options`, e.g. method="expected_gradients", references=20, steps=25).

  Returns:
    {"method", "sequences", "seconds", "sequences_per_s",
    "gradient_evaluations_per_sequence", "settings"}.
  """
  config = ExplainConfig(batch_size=batch_size, **options)
  engine = GradientModel(model, batch_size)
  codes = random_constructs(sequences)
  attribution.explain_codes(engine, codes[:1], config)
  t0 = time.perf_counter()
  attribution.explain_codes(engine, codes, config)
  seconds = time.perf_counter() - t0
  return {"method": config.method, "sequences": sequences,
          "seconds": seconds, "sequences_per_s": sequences / seconds,
          "gradient_evaluations_per_sequence": config.gradient_evaluations,
          "settings": config.to_dict()}
