"""Predict expression with an exported model, in the challenge's formats.

  python -m madlab_dream.predict --model=runs/base --input=test_sequences.txt \
      --output=predictions.json

--model: a run directory (with saved_model/) or a SavedModel directory.
--input: the challenge's test_sequences.txt (empty second column), any
  `sequence<TAB>value` file, FASTA, or one sequence per line; `.gz` accepted.
--output: `.json` -> {"<position>": prediction} like the challenge's
  sample_submission.json; otherwise TSV `sequence<TAB>prediction` (the test
  file filled in). --format overrides the extension.

Predictions are on the original expression scale, in input order. Input is
streamed in blocks, so memory does not grow with the input; the output is
written to a temporary file and renamed when complete.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Iterator

import numpy as np
from absl import flags

from madlab_dream import dream_io
from madlab_dream import files
from madlab_dream import sequences
from madlab_dream import tfquiet
from madlab_dream.errors import InputError

FLAGS = flags.FLAGS

BLOCK_BYTES = 4 << 20
_RC_TABLE = str.maketrans("ACGTNacgtn", "TGCANtgcan")


class Predictor:
  """A loaded SavedModel: codes uint8 [N, L] -> expression float32 [N]."""

  def __init__(self, path: str):
    tf = tfquiet.tensorflow()
    saved = path
    if os.path.isdir(os.path.join(path, "saved_model")):
      saved = os.path.join(path, "saved_model")
    if not os.path.exists(os.path.join(saved, "saved_model.pb")):
      raise InputError("not a model directory or SavedModel (no "
                       "saved_model.pb)", path)
    self.path = saved
    self._loaded = tf.saved_model.load(saved)
    self._fn = self._loaded.signatures["predict_codes"]
    spec = self._fn.structured_input_signature[1]["codes"]
    self.seq_len = int(spec.shape[1])

  def predict_codes(self, codes: np.ndarray, batch_size: int = 4096,
                    output: str = "prediction") -> np.ndarray:
    import tensorflow as tf
    out = np.empty(len(codes), np.float32)
    for start in range(0, len(codes), batch_size):
      batch = tf.constant(np.ascontiguousarray(codes[start:start + batch_size]))
      out[start:start + len(batch)] = self._fn(codes=batch)[output].numpy()
    return out

  def predict_text(self, seqs: list[str], batch_size: int = 4096,
                   reverse_complement: bool = False,
                   source: str = "<sequences>", first_line: int = 1) -> np.ndarray:
    """Expression for DNA strings; optionally averaged with the other strand."""
    codes = sequences.encode(seqs, self.seq_len, source, first_line)
    pred = self.predict_codes(codes, batch_size)
    if reverse_complement:
      rc = sequences.encode([s.translate(_RC_TABLE)[::-1] for s in seqs],
                            self.seq_len, source, first_line)
      pred = (pred + self.predict_codes(rc, batch_size)) / 2
    return pred


def detect_format(path: str) -> str:
  """'fasta', 'tsv' (sequence<TAB>value) or 'lines' from the first line."""
  for block in files.read_chunks(path, 1 << 16):
    first = block.split(b"\n", 1)[0]
    if first.startswith(b">"):
      return "fasta"
    return "tsv" if b"\t" in first else "lines"
  raise InputError("empty file (no sequences)", path)


def iter_sequences(path: str, seq_len: int) -> Iterator[tuple[list[str], int]]:
  """Yields (sequences, first line or record number) blocks in input order."""
  kind = detect_format(path)
  if kind in ("tsv", "lines"):
    columns = 2 if kind == "tsv" else 1
    for rows in dream_io.iter_rows(path, seq_len, columns=columns,
                                   require_expression=False, keep_text=True,
                                   chunk_bytes=BLOCK_BYTES):
      yield rows.text, rows.first_line
    return
  yield from _iter_fasta(path)


def _iter_fasta(path: str, block: int = 50_000):
  seqs: list[str] = []
  parts: list[str] = []
  header_line = 0
  line_no = 0
  carry = b""
  first_record = 0

  def flush_record():
    if header_line == 0:
      return
    seq = "".join(parts)
    if not seq:
      raise InputError("FASTA record without a sequence", path, header_line)
    seqs.append(seq)

  for chunk in files.read_chunks(path):
    data = carry + chunk
    lines = data.split(b"\n")
    carry = lines.pop()
    for raw in lines:
      line_no += 1
      line = raw.rstrip(b"\r").decode("ascii", "replace").strip()
      if line.startswith(">"):
        flush_record()
        parts, header_line = [], line_no
        if len(seqs) >= block:
          yield seqs, first_record
          first_record += len(seqs)
          seqs = []
      elif line:
        if header_line == 0:
          raise InputError("sequence before the first FASTA header", path,
                           line_no)
        bad = sequences.LOOKUP[np.frombuffer(line.encode(), np.uint8)]
        if (bad == sequences.INVALID).any():
          pos = int(np.flatnonzero(bad == sequences.INVALID)[0])
          raise InputError(f"invalid character {line[pos]!r} in FASTA "
                           "sequence (only A, C, G, T, N in any case)", path,
                           line_no)
        parts.append(line)
  if carry.strip():
    line_no += 1
    line = carry.rstrip(b"\r").decode("ascii", "replace").strip()
    if line.startswith(">"):
      flush_record()
      parts, header_line = [], line_no
    else:
      parts.append(line)
  flush_record()
  if seqs:
    yield seqs, first_record


def output_format(path: str, fmt: str) -> str:
  if fmt != "auto":
    return fmt
  name = path[:-3] if path.endswith(".gz") else path
  return "json" if name.endswith(".json") else "tsv"


def predict_file(model: str | Predictor, input_path: str, output_path: str,
                 fmt: str = "auto", reverse_complement: bool = False,
                 batch_size: int = 4096, progress: bool = True) -> int:
  """Predicts every sequence of `input_path` into `output_path`; returns N."""
  files.check_readable(input_path)
  files.check_writable_file(output_path)
  predictor = model if isinstance(model, Predictor) else Predictor(model)
  fmt = output_format(output_path, fmt)
  total = 0
  t0 = time.perf_counter()
  with files.atomic_path(output_path) as tmp:
    with open(tmp, "w", encoding="ascii") as out:
      if fmt == "json":
        out.write("{")
      for seqs, first in iter_sequences(input_path, predictor.seq_len):
        pred = predictor.predict_text(seqs, batch_size, reverse_complement,
                                      input_path, first)
        if fmt == "json":
          sep = "" if total == 0 else ", "
          out.write(sep + ", ".join(f'"{total + i}": {float(p)!r}'
                                    for i, p in enumerate(pred)))
        else:
          out.writelines(f"{s}\t{float(p)!r}\n" for s, p in zip(seqs, pred))
        total += len(seqs)
        if progress:
          rate = total / max(time.perf_counter() - t0, 1e-9)
          end = "\r" if sys.stderr.isatty() else "\n"
          sys.stderr.write(f"predicted {total:,} sequences ({rate:,.0f}/s)"
                           f"{end}")
          sys.stderr.flush()
      if fmt == "json":
        out.write("}\n")
  if progress and sys.stderr.isatty():
    sys.stderr.write("\n")
  if total == 0:
    os.remove(output_path)
    raise InputError("no sequences found", input_path)
  return total


def _define_flags():
  flags.DEFINE_string("model", None, "Run directory or SavedModel directory.")
  flags.DEFINE_string("input", None, "Sequences: DREAM TSV (test file), "
                      "FASTA or one per line; .gz accepted.")
  flags.DEFINE_string("output", None, "Output file (.json or .tsv/.txt).")
  flags.DEFINE_enum("format", "auto", ["auto", "tsv", "json"],
                    "Output format (auto: by the output's extension).")
  flags.DEFINE_boolean("reverse_complement", False,
                       "Average with the reverse-complement strand (MadLab "
                       "did not).")
  flags.DEFINE_integer("batch_size", 4096, "Sequences per model call.",
                       lower_bound=1)


def main(argv):
  from absl import app
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  for name in ("model", "input", "output"):
    if not getattr(FLAGS, name):
      raise InputError(f"--{name} is required")
  t0 = time.perf_counter()
  n = predict_file(FLAGS.model, FLAGS.input, FLAGS.output, FLAGS.format,
                   FLAGS.reverse_complement, FLAGS.batch_size)
  print(f"wrote {n:,} predictions to {FLAGS.output} in "
        f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
  from madlab_dream import errors
  _define_flags()
  errors.run(main, "madlab_dream.predict")
