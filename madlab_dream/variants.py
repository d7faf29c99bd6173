"""Variant effects and in-silico saturation mutagenesis with a trained model.

Pairs (reference, alternative), one pair per line, tab-separated, `#` lines
are comments; optionally a first column with a name:

  python -m madlab_dream.variants --model=runs/base --pairs=pairs.tsv \
      --output=effects.tsv

writes `[name<TAB>]ref<TAB>alt<TAB>ref_prediction<TAB>alt_prediction<TAB>effect`
with effect = alt - ref on the expression scale.

Saturation mutagenesis of one sequence (every single-nucleotide change):

  python -m madlab_dream.variants --model=runs/base --sequence=TGCATT... \
      --output=ism.tsv --heatmap=ism.png

writes `position<TAB>ref<TAB>alt<TAB>prediction<TAB>effect` (position 1-based,
3 rows per position, 4 where the reference is N) and a heatmap [4, length]
of effects.
"""

from __future__ import annotations

import io
import os
import time

import numpy as np
from absl import flags

from madlab_dream import files
from madlab_dream import sequences
from madlab_dream.errors import InputError
from madlab_dream.predict import Predictor

FLAGS = flags.FLAGS
BASES = "ACGT"


def read_pairs(path: str) -> tuple[list[str], list[str], list[str] | None]:
  """Reads `[name<TAB>]ref<TAB>alt` lines; returns (refs, alts, names)."""
  refs, alts, names = [], [], []
  width = None
  text = b"".join(files.read_chunks(path)).decode("ascii", "replace")
  for number, line in enumerate(text.splitlines(), 1):
    line = line.rstrip("\r")
    if not line.strip() or line.startswith("#"):
      continue
    fields = line.split("\t")
    if len(fields) not in (2, 3):
      raise InputError(f"wrong number of columns: {len(fields)} (expected "
                       "ref<TAB>alt or name<TAB>ref<TAB>alt)", path, number)
    if width is None:
      width = len(fields)
    elif len(fields) != width:
      raise InputError(f"{len(fields)} columns where earlier lines have "
                       f"{width}", path, number)
    ref, alt = fields[-2:]
    for seq in (ref, alt):
      sequences.encode([seq], 1, path, number)  # validates, raises with line
    refs.append(ref)
    alts.append(alt)
    if width == 3:
      names.append(fields[0])
  if not refs:
    raise InputError("no pairs found", path)
  return refs, alts, (names if width == 3 else None)


def pair_effects(predictor: Predictor, refs: list[str], alts: list[str],
                 source: str = "<pairs>") -> tuple[np.ndarray, np.ndarray]:
  """Predictions for references and alternatives (expression scale)."""
  return (predictor.predict_text(refs, source=source),
          predictor.predict_text(alts, source=source))


def mutants(seq: str) -> tuple[list[str], np.ndarray, list[str], list[str]]:
  """Every single-nucleotide variant of `seq`.

  Returns (variant sequences, 1-based positions, ref bases, alt bases).
  """
  seq = seq.upper()
  out, positions, ref_bases, alt_bases = [], [], [], []
  for i, ref in enumerate(seq):
    for alt in BASES:
      if alt != ref:
        out.append(seq[:i] + alt + seq[i + 1:])
        positions.append(i + 1)
        ref_bases.append(ref)
        alt_bases.append(alt)
  return out, np.array(positions), ref_bases, alt_bases


def saturation_mutagenesis(predictor: Predictor, seq: str) -> dict:
  """Predictions for `seq` and all its single-nucleotide variants.

  Returns {"reference": float, "positions", "ref", "alt", "prediction",
  "effect" (prediction - reference), "matrix": float [4, len(seq)] effects
  with 0 at the reference base}.
  """
  sequences.encode([seq], 1, "--sequence")
  variants, positions, ref_bases, alt_bases = mutants(seq)
  ref_pred = float(predictor.predict_text([seq])[0])
  pred = predictor.predict_text(variants)
  effect = pred - ref_pred
  matrix = np.zeros((4, len(seq)), np.float32)
  for p, a, e in zip(positions, alt_bases, effect):
    matrix[BASES.index(a), p - 1] = e
  return {"reference": ref_pred, "positions": positions, "ref": ref_bases,
          "alt": alt_bases, "prediction": pred, "effect": effect,
          "matrix": matrix}


def heatmap_png(path: str, seq: str, matrix: np.ndarray,
                reference: float) -> None:
  import matplotlib
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt
  width = max(6.0, len(seq) * 0.12)
  fig, ax = plt.subplots(figsize=(width, 2.4), dpi=100)
  limit = float(np.abs(matrix).max()) or 1.0
  image = ax.imshow(matrix, aspect="auto", cmap="RdBu_r", vmin=-limit,
                    vmax=limit, interpolation="nearest")
  ax.set_yticks(range(4), list(BASES))
  step = 10 if len(seq) > 40 else 1
  ax.set_xticks(range(0, len(seq), step),
                [str(i + 1) for i in range(0, len(seq), step)])
  ax.set_xlabel("position")
  ax.set_title(f"in-silico mutagenesis: effect on predicted expression "
               f"(reference {reference:.3f})")
  fig.colorbar(image, ax=ax, fraction=0.02, pad=0.01)
  fig.tight_layout()
  with files.atomic_path(path) as tmp:
    fig.savefig(tmp, format="png")
  plt.close(fig)


def _define_flags():
  flags.DEFINE_string("model", None, "Run directory or SavedModel directory.")
  flags.DEFINE_string("pairs", None, "File of ref<TAB>alt pairs.")
  flags.DEFINE_string("sequence", None, "One sequence for saturation "
                      "mutagenesis.")
  flags.DEFINE_string("output", None, "Output TSV.")
  flags.DEFINE_string("heatmap", None, "Mutagenesis heatmap PNG (default: "
                      "the output's name with .png).")


def main(argv):
  from absl import app
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  if not FLAGS.model or not FLAGS.output:
    raise InputError("--model and --output are required")
  if bool(FLAGS.pairs) == bool(FLAGS.sequence):
    raise InputError("give exactly one of --pairs or --sequence")
  files.check_writable_file(FLAGS.output)
  t0 = time.perf_counter()
  if FLAGS.pairs:
    refs, alts, names = read_pairs(FLAGS.pairs)
    predictor = Predictor(FLAGS.model)
    ref_pred, alt_pred = pair_effects(predictor, refs, alts, FLAGS.pairs)
    buffer = io.StringIO()
    head = (["name"] if names else []) + ["ref", "alt", "ref_prediction",
                                          "alt_prediction", "effect"]
    buffer.write("\t".join(head) + "\n")
    for i, (r, a) in enumerate(zip(refs, alts)):
      cells = ([names[i]] if names else []) + [
          r, a, f"{ref_pred[i]:.9g}", f"{alt_pred[i]:.9g}",
          f"{alt_pred[i] - ref_pred[i]:.9g}"]
      buffer.write("\t".join(cells) + "\n")
    files.write_text(FLAGS.output, buffer.getvalue())
    print(f"wrote effects of {len(refs):,} pairs to {FLAGS.output} in "
          f"{time.perf_counter() - t0:.1f} s")
    return
  seq = FLAGS.sequence.strip()
  heatmap = FLAGS.heatmap or os.path.splitext(FLAGS.output)[0] + ".png"
  files.check_writable_file(heatmap)
  predictor = Predictor(FLAGS.model)
  ism = saturation_mutagenesis(predictor, seq)
  buffer = io.StringIO()
  buffer.write(f"# reference prediction {ism['reference']:.9g}\n")
  buffer.write("position\tref\talt\tprediction\teffect\n")
  for p, r, a, y, e in zip(ism["positions"], ism["ref"], ism["alt"],
                           ism["prediction"], ism["effect"]):
    buffer.write(f"{p}\t{r}\t{a}\t{y:.9g}\t{e:.9g}\n")
  files.write_text(FLAGS.output, buffer.getvalue())
  heatmap_png(heatmap, seq.upper(), ism["matrix"], ism["reference"])
  print(f"wrote {len(ism['effect']):,} single-nucleotide variants to "
        f"{FLAGS.output} and the heatmap to {heatmap} in "
        f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
  from madlab_dream import errors
  _define_flags()
  errors.run(main, "madlab_dream.variants")
