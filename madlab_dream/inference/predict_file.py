"""Predicting a whole file, in the challenge's formats.

`predict_file(model, input, output)` streams the input (DREAM TSV, FASTA or
one sequence per line; `.gz` accepted; a pipe works: it is read once) in
blocks and writes predictions on the expression scale, in input order:
`.json` gives `{"<position>": prediction}` like the challenge's
sample_submission.json; otherwise TSV with a header row (every TSV a
command writes has one, docs/inference.md): `sequence<TAB>prediction` (the
test file filled in: the prediction is the second column), then a column
`out_of_range` (1 where the prediction lies outside the model's trusted
range, `Predictor.trusted_range`, else 0) when the model records its
trained range, and `id` (each record's name) for a FASTA input; a `.gz` output name is written gzip-compressed. A model
of several targets writes `sequence<TAB>prediction_<name>...` (one column
per target, in the model's order), and JSON `{"<position>": {"<name>":
value, ...}}`. The output goes
through `files.open_output`: a temporary file renamed when complete
(a FIFO or device is written straight); it may not be the input.
"""

from __future__ import annotations

import json

import numpy as np

from madlab_dream.errors import InputError
from madlab_dream.inference import out_of_range
from madlab_dream.inference.predictor import Predictor
from madlab_dream.inference.predictor import model_inputs
from madlab_dream.io import files
from madlab_dream.io import sequences
from madlab_dream.io.progress import Progress
from madlab_dream.io.seqfiles import count_sequences
from madlab_dream.io.seqfiles import iter_sequences


def output_format(path: str, fmt: str) -> str:
  if fmt != "auto":
    return fmt
  name = path[:-3] if path.endswith(".gz") else path
  return "json" if name.endswith(".json") else "tsv"


def predict_file(model: str | Predictor, input_path: str, output_path: str,
                 fmt: str = "auto", reverse_complement: bool = False,
                 progress: bool = True,
                 outside: out_of_range.OutOfRange | None = None,
                 fitted: dict | None = None,
                 sequence_column: str | None = None) -> int:
  """Predicts every sequence of `input_path` into `output_path`; returns N.

  `model` is a Predictor or a path for one (run or SavedModel directory).
  `outside`, if given, counts the predictions outside the model's trusted
  range (`out_of_range.OutOfRange(out_of_range.for_predictor(predictor))`).
  `fitted`, if given, receives the counts of sequences trimmed to L
  ("trimmed") and padded to L ("padded"). `sequence_column`: the input is
  a table with a header row; predict the sequences of that column.
  """
  files.check_readable(input_path)
  predictor = model if isinstance(model, Predictor) else Predictor(model)
  files.check_output(output_path,
                     [input_path, *model_inputs(predictor.path)])
  fitted = {} if fitted is None else fitted
  fitted.update(trimmed=0, padded=0)
  fmt = output_format(output_path, fmt)
  if outside is None:
    outside = out_of_range.OutOfRange(
        out_of_range.for_predictor(predictor))
  total = 0
  bar = _progress_bar(input_path, sequence_column) if progress else None
  names = _target_names(predictor)
  with files.open_output(output_path, encoding="utf-8") as out:
    blocks = iter_sequences(input_path, predictor.seq_len, sequence_column)
    rows = next(blocks, None)
    _write_start(out, fmt, names, outside.trusted is not None,
                 rows is not None and rows.ids is not None)
    while rows is not None:
      other = None
      if reverse_complement:
        other = sequences.other_strand(rows.text, predictor.seq_len)
      pred = predictor.predict_strands(rows.codes, other)
      _write_block(out, fmt, rows, pred, outside.flags(pred), names, total)
      total += len(rows)
      _count_fitted(fitted, rows.lengths, predictor.seq_len)
      if bar is not None:
        bar.update(total)
      rows = next(blocks, None)
    if total == 0:  # raised before the rename: nothing is replaced
      raise InputError("no sequences found", input_path)
    if fmt == "json":
      out.write("}\n")
  if bar is not None:
    bar.close()
  return total


def _progress_bar(input_path: str, sequence_column: str | None) -> Progress:
  """A progress bar over the input's sequences (a table's header row is
  not one)."""
  total_rows = count_sequences(input_path)
  if sequence_column and total_rows:
    total_rows -= 1  # the header row
  return Progress(total_rows)


def _target_names(predictor: Predictor) -> list[str] | None:
  """The names of the model's targets when it has several, else None (one
  `prediction` column, one value per JSON position)."""
  names = predictor.output_targets
  return names if predictor.num_targets > 1 and len(names) > 1 else None


def _count_fitted(fitted: dict, lengths: np.ndarray, seq_len: int) -> None:
  """Adds a block's sequences longer than L ("trimmed") and shorter than L
  ("padded") to `fitted`."""
  fitted["trimmed"] += int((lengths > seq_len).sum())
  fitted["padded"] += int((lengths < seq_len).sum())


def _write_block(out, fmt: str, rows, pred, marks, names,
                 first: int) -> None:
  """One block's predictions: JSON entries from position `first`, or TSV
  rows."""
  if fmt == "json":
    sep = "" if first == 0 else ", "
    out.write(sep + ", ".join(f'"{first + i}": {_json_value(p, names)}'
                              for i, p in enumerate(pred)))
  else:
    _write_tsv_rows(out, rows.text, pred, marks, rows.ids)


def _write_start(out, fmt: str, names, marked: bool, ids: bool) -> None:
  """JSON's opening brace, or the TSV header row (`prediction` for one
  target, `prediction_<name>` for each of several; `id` last for FASTA)."""
  if fmt == "json":
    out.write("{")
  else:
    columns = [f"prediction_{n}" for n in names] if names else ["prediction"]
    out.write("\t".join(["sequence", *columns,
                         *(["out_of_range"] if marked else []),
                         *(["id"] if ids else [])]) + "\n")


def _write_tsv_rows(out, text, pred, marks, ids=None) -> None:
  """`sequence<TAB>prediction...[<TAB>out_of_range][<TAB>id]` lines (one
  prediction per target; out_of_range 1 where any is outside); the
  sequence and the rest written apart (no copy of a long sequence)."""
  marks = [""] * len(text) if marks is None else [
      f"\t{int(np.any(m))}" for m in marks]
  ids = [""] * len(text) if ids is None else [f"\t{i}" for i in ids]
  out.writelines(part for s, p, m, i in zip(text, pred, marks, ids)
                 for part in (s, f"{_tsv_values(p)}{m}{i}\n"))


def _tsv_values(p) -> str:
  """`<TAB><value>...` of one row (one value per target)."""
  return "".join(f"\t{float(v)!r}" for v in np.atleast_1d(p))


def _json_value(p, names) -> str:
  if names is None:
    return repr(float(p))
  return json.dumps({n: float(v) for n, v in zip(names, p)})
