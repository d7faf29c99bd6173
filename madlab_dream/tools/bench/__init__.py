"""`make bench`: measured preprocessing, input, training and inference speed.

`python -m madlab_dream.bench` measures on this machine's CPU (TensorFlow;
BENCHMARKS.md), `--backend=jax` on whatever accelerator JAX sees
(BENCHMARKS_JAX.md; `python -m madlab_dream.gpu_check` writes BENCHMARKS_GPU.md); every figure is measured in the run that reports it.

  tensorflow_benchmark.py, jax_benchmark.py  the two runs
  sizes.py            how much work each measurement does; the targets
  dream_file.py, preprocessing.py
                      a full-size DREAM file; `madlab_dream.data` beside
                      MadLab's approach, timed with its peak memory; the
                      input pipeline
  compiled_calls.py, throughput.py
                      compiled training step and forward pass on either
                      backend (XLA's cost and memory figures on JAX);
                      matmul peak, step, `fit`, inference, MFU
  comparisons.py, reference_model.py, candidates.py, precision_comparison.py
                      A/B in alternating windows: the reference formulation,
                      candidate formulations of the layers, sequence
                      lengths, float32 against mixed_bfloat16
  mutagenesis.py, block_profile.py, flops.py
                      saturation mutagenesis; time per block; FLOPs
  explain_design.py, explain_speed.py, design_speed.py
                      gradient evaluations/s and sequences/s of each
                      attribution method; design candidates/s
  findings.py, markdown.py, outputs.py
                      sentences from the figures; the report; progress,
                      JSON and Markdown output
  gpu_run.sh          the JAX run on a machine without a package index

Timing (alternating and calibrated windows) is `madlab_dream.timing`.
"""
