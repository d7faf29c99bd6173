"""Contribution scores of a trained model: `python -m madlab_dream.explain`.

  python -m madlab_dream.explain --model=RUN --input=seqs.txt \
      --output=contrib.npz [--method=expected_gradients] [--references=20] \
      [--steps=25] [--nocorrect] [--logos=10 --logo_dir=DIR]

RUN is a training run directory (its model.keras; the SavedModel's
metadata beside it puts the scores on the expression scale). Methods:
saliency, input_x_gradient, integrated_gradients (--baseline=zero|shuffle),
expected_gradients (the default) and ism. The `.npz` holds one_hot,
hypothetical, contributions [N, L, 4], prediction, baseline_prediction,
sequence [N] and the settings: what `python -m madlab_dream.motifs` reads.
See docs/explain.md.
"""

import os
import time

from madlab_dream import compat
from madlab_dream.commands import cli
from madlab_dream.commands import explain_design_flags
from madlab_dream.commands import flags
from madlab_dream.errors import InputError
from madlab_dream.explain import attribution
from madlab_dream.explain import logos
from madlab_dream.explain import run_model
from madlab_dream.explain import scores_file
from madlab_dream.explain.gradients import GradientModel
from madlab_dream.inference import out_of_range
from madlab_dream.io import files


def _paths(f) -> str | None:
  """Checks --input, --output and the logo directory before any work;
  returns the logo directory (None without --logos)."""
  if not f.model or not f.input or not f.output:
    raise InputError("--model, --input and --output are required")
  if not f.output.endswith(".npz"):
    raise InputError("--output must end in .npz", f.output)
  files.check_readable(f.input)
  keras_file = run_model.model_file(f.model)
  saved = os.path.join(os.path.dirname(os.path.abspath(keras_file)),
                       "saved_model")
  files.check_output(f.output, [f.input, keras_file, saved], gzip_ok=False)
  if f.logos < 0:
    raise InputError(f"--logos={f.logos}: must be at least 0")
  if not f.logos:
    return None
  logo_dir = f.logo_dir or f.output[:-len(".npz")] + "_logos"
  if os.path.exists(logo_dir) and not os.path.isdir(logo_dir):
    raise InputError("is not a directory", logo_dir)
  files.check_writable_dir(os.path.dirname(os.path.abspath(logo_dir)))
  return logo_dir


def run():
  f = flags.FLAGS
  config = explain_design_flags.explain_config()
  logo_dir = _paths(f)
  compat.keras()  # imported quietly, before the explain modules use it
  t0 = time.perf_counter()
  run = run_model.load(f.model, f.target)
  codes, lengths, text = scores_file.read_sequences(
      f.input, run.seq_len, f.allow_long_sequence)
  engine = GradientModel(run.model, config.batch_size, run.mean, run.sd)

  def log(line):
    print(f"{line} ({time.perf_counter() - t0:.1f} s)", flush=True)

  result = attribution.explain_codes(engine, codes, config, log)
  settings = {**attribution.settings_record(config, engine),
              "model": os.path.abspath(f.model), "input": f.input,
              "scale": run.scale}
  scores_file.write_scores(f.output, result, text, lengths, settings)
  print(f"wrote {config.method} contributions of {len(codes):,} sequences "
        f"({run.scale} scale) to {f.output} in "
        f"{time.perf_counter() - t0:.1f} s")
  counter = out_of_range.OutOfRange(run.trusted_range)
  counter.flags(result["prediction"])
  print(counter.line())
  if logo_dir:
    paths = logos.logo_pngs(logo_dir, result, f.logos, config.method)
    print(f"wrote {len(paths)} logos to {logo_dir}")


def main() -> None:
  """`python -m madlab_dream.explain`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.explain", explain_design_flags.define_explain_flags)
