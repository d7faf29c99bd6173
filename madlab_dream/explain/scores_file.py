"""The files of `python -m madlab_dream.explain`: sequences in, `.npz` out.

  read_sequences  every sequence of a DREAM TSV, FASTA or one-per-line file
                  (.gz accepted) as codes uint8 [N, L], their lengths and
                  text; a sequence longer than L is refused unless allowed
  write_scores    the arrays and the settings as one `.npz`, atomically
  read_settings   the settings stored in such a file

The `.npz` holds one_hot, hypothetical, contributions (float32 [N, L, 4]),
prediction, baseline_prediction (float32 [N]), sequence (str [N], as
given), length (int [N]) and settings (a JSON string); it loads with
`np.load(path)` (no pickle).
"""

from __future__ import annotations

import json

import numpy as np

from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.io.seqfiles import iter_sequences


def read_sequences(path: str, seq_len: int, allow_long_sequence: bool = False
                   ) -> tuple[np.ndarray, np.ndarray, list[str]]:
  """(codes uint8 [N, L], lengths int64 [N], text) of every sequence."""
  files.check_readable(path)
  codes, lengths, text = [], [], []
  for rows in iter_sequences(path, seq_len):
    too_long = np.flatnonzero(rows.lengths > seq_len)
    if len(too_long) and not allow_long_sequence:
      first = too_long[0]
      raise InputError(
          f"sequence {len(text) + first + 1:,} is {rows.lengths[first]:,} nt "
          f"but the model sees only its last {seq_len} nt, so its first "
          "bases have no contribution; pass --allow_long_sequence to explain "
          f"only the last {seq_len} positions", path)
    codes.append(rows.codes)
    lengths.append(np.asarray(rows.lengths, np.int64))
    text.extend(rows.text)
  if not text:
    raise InputError("no sequences found", path)
  return np.concatenate(codes), np.concatenate(lengths), text


def write_scores(path: str, result: dict, text: list[str],
                 lengths: np.ndarray, settings: dict) -> None:
  """Writes the arrays of `attribution.explain_codes` with the sequences
  and settings to `path` (compressed `.npz`) atomically."""
  with files.atomic_path(path) as tmp:
    with open(tmp, "wb") as f:
      np.savez_compressed(
          f, **result, sequence=np.array(text, dtype=str),
          length=np.asarray(lengths, np.int64),
          settings=np.array(json.dumps(settings, sort_keys=True)))


def read_settings(path: str) -> dict:
  """The settings stored in a scores `.npz` ({} if it has none)."""
  with np.load(path, allow_pickle=False) as data:
    if "settings" not in data.files:
      return {}
    return json.loads(str(data["settings"]))
