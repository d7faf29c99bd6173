"""Variant effects and in-silico saturation mutagenesis with a trained model.

  read_pairs              `[name<TAB>]ref<TAB>alt` lines -> sequences
  pair_table              predictions of both and effect = alt - ref
  saturation_mutagenesis  every single-nucleotide variant of one sequence
  ism_table, heatmap_png  its table and [4, length] heatmap

Effects are on the expression scale. The model sees L nt (the last L of a
longer sequence, a shorter one padded with N on the left), so two things
are refused unless asked for: a pair whose ref and alt differ in length
(they would be compared shifted against each other), and mutagenesis of a
sequence longer than L (every change before its last L nt has effect 0);
when asked, only the last L positions are mutated, and the output says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from madlab_dream.errors import InputError
from madlab_dream.inference.predictor import Predictor
from madlab_dream.io import files
from madlab_dream.io import sequences

BASES = "ACGT"


def read_pairs(path: str, allow_unequal_lengths: bool = False
               ) -> tuple[list[str], list[str], list[str] | None]:
  """Reads `[name<TAB>]ref<TAB>alt` lines; returns (refs, alts, names).

  A pair whose ref and alt differ in length is an InputError unless
  `allow_unequal_lengths`.
  """
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
    if len(ref) != len(alt) and not allow_unequal_lengths:
      raise InputError(f"ref and alt differ in length ({len(ref)} vs "
                       f"{len(alt)} nt): the model would see them shifted "
                       "against each other (the shorter is padded with N "
                       "on the left); pass --allow_unequal_lengths to "
                       "compare them anyway", path, number)
    refs.append(ref)
    alts.append(alt)
    if width == 3:
      names.append(fields[0])
  if not refs:
    raise InputError("no pairs found", path)
  return refs, alts, (names if width == 3 else None)


def pair_table(predictor: Predictor, refs: list[str], alts: list[str],
               names: list[str] | None = None,
               source: str = "<pairs>") -> pd.DataFrame:
  """[name,] ref, alt, ref_prediction, alt_prediction, effect (alt - ref)."""
  ref_pred = predictor.predict_text(refs, source=source)
  alt_pred = predictor.predict_text(alts, source=source)
  table = pd.DataFrame({"ref": refs, "alt": alts, "ref_prediction": ref_pred,
                        "alt_prediction": alt_pred,
                        "effect": alt_pred - ref_pred})
  if names is not None:
    table.insert(0, "name", names)
  return table


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


def saturation_mutagenesis(predictor: Predictor, seq: str,
                           allow_long_sequence: bool = False) -> dict:
  """Predictions for `seq` and its single-nucleotide variants.

  A sequence longer than the model's L is an InputError unless
  `allow_long_sequence`; then only its last L positions (all the model
  sees) are mutated.

  Returns {"reference": float, "positions" (1-based, in `seq`), "ref",
  "alt", "prediction", "effect" (prediction - reference), "matrix": float
  [4, mutated positions] effects with 0 at the reference base, "first",
  "last": the mutated positions, "length": len(seq), "seq_len": L}.
  """
  sequences.encode([seq], 1, "--sequence")
  L = predictor.seq_len
  if len(seq) > L and not allow_long_sequence:
    raise InputError(f"the sequence is {len(seq):,} nt but the model sees "
                     f"only its last {L} nt, so changes before those have "
                     f"effect 0; pass --allow_long_sequence to mutate only "
                     f"the last {L} positions", "--sequence")
  offset = max(0, len(seq) - L)
  window = seq[offset:]  # predicts exactly as `seq` does
  variants, positions, ref_bases, alt_bases = mutants(window)
  ref_pred = float(predictor.predict_text([window])[0])
  pred = predictor.predict_text(variants)
  effect = pred - ref_pred
  matrix = np.zeros((4, len(window)), np.float32)
  for p, a, e in zip(positions, alt_bases, effect):
    matrix[BASES.index(a), p - 1] = e
  return {"reference": ref_pred, "positions": positions + offset,
          "ref": ref_bases, "alt": alt_bases, "prediction": pred,
          "effect": effect, "matrix": matrix, "first": offset + 1,
          "last": len(seq), "length": len(seq), "seq_len": L}


def coverage(ism: dict) -> str:
  """One line: which positions were mutated, and why."""
  what = ("the whole sequence" if ism["first"] == 1 else
          f"its last {ism['seq_len']} nt, all the model sees; the first "
          f"{ism['first'] - 1:,} are not mutated")
  return (f"model length L = {ism['seq_len']}: mutated positions "
          f"{ism['first']}-{ism['last']} of {ism['length']:,} ({what})")


def ism_table(ism: dict) -> pd.DataFrame:
  """position, ref, alt, prediction, effect: one row per variant."""
  return pd.DataFrame({"position": ism["positions"], "ref": ism["ref"],
                       "alt": ism["alt"], "prediction": ism["prediction"],
                       "effect": ism["effect"]})


def write_tsv(path: str, table: pd.DataFrame, comment: str = "") -> None:
  """A table as TSV (9 significant digits), atomically."""
  text = table.to_csv(sep="\t", index=False, float_format="%.9g")
  files.write_text(path, comment + text)


def heatmap_png(path: str, seq: str, matrix: np.ndarray,
                reference: float, first: int = 1) -> None:
  """The [4, len(seq)] effects of `seq`, whose first base is position
  `first`, as a PNG heatmap."""
  plt = files.pyplot()
  width = max(6.0, len(seq) * 0.12)
  fig, ax = plt.subplots(figsize=(width, 2.4), dpi=100)
  limit = float(np.abs(matrix).max()) or 1.0
  image = ax.imshow(matrix, aspect="auto", cmap="RdBu_r", vmin=-limit,
                    vmax=limit, interpolation="nearest")
  ax.set_yticks(range(4), list(BASES))
  step = 10 if len(seq) > 40 else 1
  ax.set_xticks(range(0, len(seq), step),
                [str(i + first) for i in range(0, len(seq), step)])
  ax.set_xlabel("position")
  ax.set_title(f"in-silico mutagenesis: effect on predicted expression "
               f"(reference {reference:.3f})")
  fig.colorbar(image, ax=ax, fraction=0.02, pad=0.01)
  fig.tight_layout()
  files.save_figure(fig, path)
