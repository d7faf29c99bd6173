"""What explaining and designing cost, against training and inference.

Gradient evaluations per second of `explain` (forward and input gradients
of the model from its one-hot input, `explain_speed.gradient_rate`) beside
the training step's sequences per second (forward and weight gradients:
comparable work), and candidate evaluations per second of a greedy design
round through the exported SavedModel (`design_speed.candidate_speed`)
beside plain inference through the same SavedModel, timed alternately.
"""

from __future__ import annotations

from madlab_dream.inference.predictor import Predictor
from madlab_dream.tools.bench import design_speed
from madlab_dream.tools.bench import explain_speed
from madlab_dream.tools.bench.outputs import log
from madlab_dream.tools.bench.sizes import Sizes


def bench_explain_design(model, saved_model: str, sizes: Sizes,
                         training_seq_per_s: float) -> dict:
  """{"gradients": gradient_rate's figures and "vs_training" (their ratio
  to `training_seq_per_s`), "design": candidate_speed's figures}."""
  log(f"  explain: input gradients, batch {sizes.gradient_batch:,}")
  grads = explain_speed.gradient_rate(model, sizes.gradient_batch,
                                      batches=sizes.gradient_batches)
  grads["vs_training"] = (grads["gradient_evaluations_per_s"]
                          / training_seq_per_s)
  log(f"    {grads['gradient_evaluations_per_s']:,.0f} gradient "
      f"evaluations/s ({grads['vs_training']:.2f}x training's seq/s)")
  predictor = Predictor(saved_model, batch_size=sizes.infer_batch)
  log("  design: greedy candidates against inference")
  design = design_speed.candidate_speed(predictor, sizes.infer_batch,
                                        windows=sizes.design_windows)
  log(f"    {design['candidate_evaluations_per_s']:,.0f} candidates/s, "
      f"{design['ratio']:.2f}x inference")
  return {"gradients": grads, "design": design}
