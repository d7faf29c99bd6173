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
from madlab_dream.inference.run_files import RunFiles
from madlab_dream.io import files
from madlab_dream.io import output_dirs


def _paths(f) -> str | None:
  """Checks --input, --output and the logo directory before any work;
  returns the logo directory (None without --logos)."""
  if not f.model or not f.input or not f.output:
    raise InputError("--model, --input and --output are required")
  if not f.output.endswith(".npz"):
    raise InputError("--output must end in .npz", f.output)
  files.check_readable(f.input)
  run_model.model_file(f.model)
  files.check_output(f.output, [f.input, *RunFiles(f.model).inputs("keras")],
                     gzip_ok=False)
  if f.logos < 0:
    raise InputError(f"--logos={f.logos}: must be at least 0")
  if not f.logos:
    return None
  return output_dirs.claim(f.logo_dir or f.output[:-len(".npz")] + "_logos",
                           "explain")


def run():
  f = flags.FLAGS
  config = explain_design_flags.explain_config()
  logos_out = _paths(f)
  compat.keras()  # imported quietly, before the explain modules use it
  t0 = time.perf_counter()
  run = run_model.load(f.model, f.target)
  if len(run.targets) > 1:
    print(f"explaining target {run.target} (the model's targets: "
          f"{', '.join(run.targets)}; --target picks another)", flush=True)
  codes, lengths, text = scores_file.read_sequences(
      f.input, run.seq_len, f.allow_long_sequence)
  engine = GradientModel(run.model, config.batch_size, run.mean, run.sd)

  def log(line):
    print(f"{line} ({time.perf_counter() - t0:.1f} s)", flush=True)

  result = attribution.explain_codes(engine, codes, config, log)
  settings = {**attribution.settings_record(config, engine),
              "model": os.path.abspath(f.model), "input": f.input,
              "scale": run.scale, "target": run.target}
  scores_file.write_scores(f.output, result, text, lengths, settings)
  print(f"wrote {config.method} contributions to target {run.target} of "
        f"{len(codes):,} sequence{'s' * (len(codes) != 1)} ({run.scale} "
        f"scale) to {f.output} in "
        f"{time.perf_counter() - t0:.1f} s")
  counter = out_of_range.OutOfRange(run.trusted_range)
  counter.flags(result["prediction"])
  print(counter.line())
  if logos_out:
    with logos_out.staging() as folder:
      paths = logos.logo_pngs(folder, result, f.logos, config.method)
    print(f"wrote {len(paths)} logo{'s' * (len(paths) != 1)} to "
          f"{logos_out.path}")


def main() -> None:
  """`python -m madlab_dream.explain`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.explain", explain_design_flags.define_explain_flags)
