"""Variant effects and in-silico saturation mutagenesis with a trained model.

  read_pairs              `[name<TAB>]ref<TAB>alt` lines -> sequences
  pair_table              predictions of both and effect = alt - ref
  snv_codes               every single-nucleotide variant of many encoded
                          sequences at once (vectorised, uint8 codes)
  ism_codes               their predictions and effects, in large batches
  ism_file                saturation mutagenesis of every sequence of a file
                          into one TSV (a sequence_id column)
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

import time

import numpy as np
import pandas as pd

from madlab_dream.errors import InputError
from madlab_dream.inference import out_of_range
from madlab_dream.inference.predictor import Predictor
from madlab_dream.io import files
from madlab_dream.io import sequences
from madlab_dream.io.seqfiles import iter_sequences

BASES = "ACGT"


def read_pairs(path: str, allow_unequal_lengths: bool = False
               ) -> tuple[list[str], list[str], list[str] | None]:
  """Reads `[name<TAB>]ref<TAB>alt` lines; returns (refs, alts, names).

  A pair whose ref and alt differ in length is an InputError unless
  `allow_unequal_lengths`.
  """
  refs, alts, names = [], [], []
  width = None
  text = files.read_bounded(path).decode("ascii", "replace")
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


def snv_codes(codes: np.ndarray, first: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
  """Every single-nucleotide variant of each row of `codes`, vectorised.

  Args:
    codes: uint8 [N, L] (A, C, G, T, N = 0..4).
    first: int [N], the first position of each row to mutate (the N
      padding on the left of a sequence shorter than L is not part of it);
      default 0.

  Returns:
    (mutants uint8 [M, L], row int64 [M], position int64 [M] (0-based, in
    the L window), alt uint8 [M]): at every mutated position one variant
    per base other than the reference (3; 4 where the reference is N),
    ordered by row, position and base A, C, G, T, as `mutants`. M = 3 x
    the mutated positions (3 L per sequence of L nt) plus one per N.
  """
  codes = np.asarray(codes, np.uint8)
  n, length = codes.shape
  alts = np.arange(len(BASES), dtype=np.uint8)
  keep = codes[:, :, None] != alts                          # [N, L, 4]
  if first is not None:
    keep &= (np.arange(length)[None, :, None]
             >= np.asarray(first)[:, None, None])
  row, position, alt = np.nonzero(keep)
  mutated = codes[row]                                      # [M, L]
  mutated[np.arange(len(row)), position] = alt.astype(np.uint8)
  return mutated, row, position, alt.astype(np.uint8)


def ism_codes(predictor: Predictor, codes: np.ndarray,
              lengths: np.ndarray | None = None) -> dict:
  """Saturation mutagenesis of many encoded sequences at once.

  The references and all their single-nucleotide variants (`snv_codes`)
  go through `predictor.predict_codes` together, in batches of
  `predictor.batch_size`.

  Args:
    predictor: the model (`Predictor`; its `batch_size` batches the calls).
    codes: uint8 [N, L] after the length policy (`sequences.encode`).
    lengths: int [N] the sequences' lengths before it (default L): a
      shorter sequence's N padding is not mutated; a longer one has only
      its last L positions (all the model sees) mutated.

  Returns:
    {"reference": float32 [N], and per variant: "row" (0-based sequence
    index), "position" (1-based, in the sequence as given), "window" (0-based
    position in the L window), "ref", "alt" (letters, object arrays),
    "prediction", "effect" (prediction - reference), "first", "last"
    (1-based mutated positions per sequence [N])}.
  """
  codes = np.asarray(codes, np.uint8)
  n, length = codes.shape
  lengths = (np.full(n, length, np.int64) if lengths is None
             else np.asarray(lengths, np.int64))
  first = np.maximum(length - lengths, 0)                   # padding
  mutated, row, window, alt = snv_codes(codes, first)
  pred = predictor.predict_codes(np.concatenate([codes, mutated]))
  reference, pred = pred[:n], pred[n:]
  letters = np.array(list(sequences.ALPHABET), dtype=object)
  offset = lengths - length                                 # seq - window
  return {"reference": reference, "row": row,
          "position": window + 1 + offset[row], "window": window,
          "ref": letters[codes[row, window]], "alt": letters[alt],
          "prediction": pred, "effect": pred - reference[row],
          "first": np.maximum(offset, 0) + 1, "last": lengths}


def ism_file(predictor: Predictor, input_path: str, output_path: str,
             allow_long_sequence: bool = False,
             chunk_sequences: int = 1000) -> dict:
  """Saturation mutagenesis of every sequence of `input_path` (DREAM TSV,
  FASTA or one per line; .gz accepted) into one TSV.

  Columns: sequence_id (the sequence's number in the input, 1-based),
  position (1-based, in that sequence), ref, alt, reference_prediction,
  prediction, effect; rows in input order, 3 per mutated position (4
  where the reference is N). Sequences go through `ism_codes`
  `chunk_sequences` at a time (1,000 sequences of 110 nt: 330,000
  variants per chunk). A sequence longer than the model's L is an
  InputError unless `allow_long_sequence` (then its last L positions are
  mutated).

  Returns:
    {"sequences", "variants", "long_sequences", "seconds", "out_of_range":
    the line counting the predictions outside the trusted range, the
    sequences' own and their variants'}.
  """
  started = time.perf_counter()
  files.check_readable(input_path)
  files.check_output(output_path, [input_path])
  seq_len = predictor.seq_len
  total = variants = long_sequences = 0
  outside = out_of_range.OutOfRange(
      out_of_range.for_predictor(predictor))
  with files.open_output(output_path, encoding="ascii") as out:
    out.write("sequence_id\tposition\tref\talt\treference_prediction\t"
              "prediction\teffect\n")
    for rows in iter_sequences(input_path, seq_len):
      long_sequences += _count_long(rows.lengths, seq_len, total,
                                    allow_long_sequence, input_path)
      for start in range(0, len(rows), chunk_sequences):
        stop = min(start + chunk_sequences, len(rows))
        table = _ism_table_of(predictor, rows.codes[start:stop],
                              rows.lengths[start:stop], total + start,
                              outside)
        out.write(table.to_csv(sep="\t", index=False, header=False,
                               float_format="%.9g"))
        variants += len(table)
      total += len(rows)
    if total == 0:
      raise InputError("no sequences found", input_path)
  return {"sequences": total, "variants": variants,
          "long_sequences": long_sequences,
          "seconds": time.perf_counter() - started,
          "out_of_range": outside.line()}


def _count_long(lengths: np.ndarray, seq_len: int, before: int,
                allow_long_sequence: bool, input_path: str) -> int:
  """How many of a block's sequences are longer than the model's L; an
  InputError naming the first (numbered after the `before` sequences of
  the earlier blocks) unless `allow_long_sequence`."""
  too_long = np.flatnonzero(lengths > seq_len)
  if len(too_long) and not allow_long_sequence:
    raise InputError(
        f"sequence {before + too_long[0] + 1:,} is "
        f"{lengths[too_long[0]]:,} nt but the model sees only its "
        f"last {seq_len} nt, so changes before those have effect 0; "
        "pass --allow_long_sequence to mutate only the last "
        f"{seq_len} positions", input_path)
  return len(too_long)


def _ism_table_of(predictor: Predictor, codes: np.ndarray,
                  lengths: np.ndarray, before: int,
                  outside: out_of_range.OutOfRange) -> pd.DataFrame:
  """The rows of `ism_file`'s table for a chunk of sequences, numbered
  after the `before` sequences of the input ahead of it; every prediction
  made is counted by `outside`."""
  ism = ism_codes(predictor, codes, lengths)
  outside.flags(ism["reference"])
  outside.flags(ism["prediction"])
  return pd.DataFrame({
      "sequence_id": ism["row"] + before + 1,
      "position": ism["position"], "ref": ism["ref"],
      "alt": ism["alt"],
      "reference_prediction": ism["reference"][ism["row"]],
      "prediction": ism["prediction"], "effect": ism["effect"]})


def saturation_mutagenesis(predictor: Predictor, seq: str,
                           allow_long_sequence: bool = False) -> dict:
  """Predictions for `seq` and its single-nucleotide variants.

  A sequence longer than the model's L is an InputError unless
  `allow_long_sequence`; then only its last L positions (all the model
  sees) are mutated.

  Returns {"reference": float, "positions" (1-based, in `seq`), "ref",
  "alt", "prediction", "effect" (prediction - reference), "matrix": float
  [4, mutated positions] effects with 0 at the reference base, "first",
  "last": the mutated positions, "length": len(seq), "seq_len": seq_len}.
  """
  sequences.encode([seq], 1, "--sequence")
  seq_len = predictor.seq_len
  if len(seq) > seq_len and not allow_long_sequence:
    raise InputError(f"the sequence is {len(seq):,} nt but the model sees "
                     f"only its last {seq_len} nt, so changes before those "
                     "have effect 0; pass --allow_long_sequence to mutate "
                     f"only the last {seq_len} positions", "--sequence")
  offset = max(0, len(seq) - seq_len)
  codes = sequences.encode([seq], seq_len, "--sequence")
  ism = ism_codes(predictor, codes, np.array([len(seq)]))
  effect = ism["effect"]
  matrix = np.zeros((4, len(seq) - offset), np.float32)
  matrix[[BASES.index(a) for a in ism["alt"]],
         ism["position"] - offset - 1] = effect
  return {"reference": float(ism["reference"][0]),
          "positions": ism["position"], "ref": list(ism["ref"]),
          "alt": list(ism["alt"]), "prediction": ism["prediction"],
          "effect": effect, "matrix": matrix, "first": offset + 1,
          "last": len(seq), "length": len(seq), "seq_len": seq_len}


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
