"""Predicting a whole file, in the challenge's formats.

`predict_file(model, input, output)` streams the input (DREAM TSV, FASTA or
one sequence per line; `.gz` accepted) in blocks and writes predictions on
the expression scale, in input order: `.json` gives `{"<position>":
prediction}` like the challenge's sample_submission.json; otherwise TSV
`sequence<TAB>prediction` (the test file filled in). The output is written
to a temporary file and renamed when complete.
"""

from __future__ import annotations

from madlab_dream.errors import InputError
from madlab_dream.inference.predictor import Predictor
from madlab_dream.io import files
from madlab_dream.io.seqfiles import iter_sequences


def output_format(path: str, fmt: str) -> str:
  if fmt != "auto":
    return fmt
  name = path[:-3] if path.endswith(".gz") else path
  return "json" if name.endswith(".json") else "tsv"


def predict_file(model: str | Predictor, input_path: str, output_path: str,
                 fmt: str = "auto", reverse_complement: bool = False,
                 progress: bool = True) -> int:
  """Predicts every sequence of `input_path` into `output_path`; returns N.

  `model` is a Predictor or a path for one (run or SavedModel directory).
  """
  files.check_readable(input_path)
  files.check_writable_file(output_path)
  predictor = model if isinstance(model, Predictor) else Predictor(model)
  fmt = output_format(output_path, fmt)
  total = 0
  bar = None
  if progress:
    import keras
    bar = keras.utils.Progbar(None, interval=0.5, unit_name="sequence")
  with files.atomic_path(output_path) as tmp:
    with open(tmp, "w", encoding="ascii") as out:
      if fmt == "json":
        out.write("{")
      for seqs, first in iter_sequences(input_path, predictor.seq_len):
        pred = predictor.predict_text(seqs, reverse_complement, input_path,
                                      first)
        if fmt == "json":
          sep = "" if total == 0 else ", "
          out.write(sep + ", ".join(f'"{total + i}": {float(p)!r}'
                                    for i, p in enumerate(pred)))
        else:
          out.writelines(f"{s}\t{float(p)!r}\n" for s, p in zip(seqs, pred))
        total += len(seqs)
        if bar is not None:
          bar.update(total)
      if total == 0:  # raised before the rename: nothing is replaced
        raise InputError("no sequences found", input_path)
      if fmt == "json":
        out.write("}\n")
  if bar is not None:
    bar.update(total, finalize=True)
  return total
