"""TensorFlow SavedModel export with two signatures.

`serving_default` takes raw DNA strings `[batch]` (tf.string): upper-casing,
the length policy (keep the last L nt, pad with N on the left), encoding and
the inverse target scaling all happen inside the graph, so predictions come
out on the original expression scale. `predict_codes` takes uint8 codes
`[batch, L]`. Both return {"prediction": float32 [batch] (expression scale),
"standardised": float32 [batch] (the model's output)}.

A model of several targets (T > 1) returns the same two keys as float32
[batch, T], column t being target t of the metadata's "targets" list (each
on its own training scale: "mean" and "sd" are lists of T). One target
keeps [batch] (its name in "targets" too: "expression" for DREAM data).

The graph is the model's inference form (`model.inference_model`: every
BatchNorm folded into the convolution before it), so a prediction makes
8 fewer element-wise passes; its predictions equal the Keras model's
`model(codes, training=False)` to float32 rounding (< 1e-5).

The SavedModel loads with `tf.saved_model.load` alone; this package is not
needed to use it.
"""

from __future__ import annotations

import json
import os

import numpy as np

from madlab_dream.io import files
from madlab_dream.io import sequences

SEQUENCES_SIGNATURE = "serving_default"
CODES_SIGNATURE = "predict_codes"
METADATA_FILE = "madlab_dream.json"


def encode_strings(strings, seq_len: int):
  """In-graph twin of `sequences.encode`: tf.string [b] -> uint8 [b, L].

  Raises InvalidArgumentError for an empty string or a character outside
  ACGTN (any case).
  """
  # TensorFlow when called: `Predictor` reads this module's names before
  # it starts TensorFlow quietly.
  import tensorflow as tf
  upper = tf.strings.upper(strings)
  valid = tf.strings.regex_full_match(upper, "[ACGTN]+")
  check = tf.debugging.Assert(
      tf.reduce_all(valid),
      [f"sequences must be non-empty and contain {sequences.ALLOWED}"])
  with tf.control_dependencies([check]):
    padded = tf.strings.join([tf.fill(tf.shape(upper), "N" * seq_len), upper])
  start = tf.strings.length(padded) - seq_len
  window = tf.strings.substr(padded, start, tf.fill(tf.shape(start), seq_len))
  raw = tf.io.decode_raw(window, tf.uint8)
  table = tf.constant(np.where(sequences.LOOKUP == sequences.INVALID, 0,
                               sequences.LOOKUP).astype(np.uint8))
  codes = tf.gather(table, tf.cast(raw, tf.int32))
  return tf.reshape(codes, [-1, seq_len])


def export_saved_model(model, path: str, mean, sd, seq_len: int,
                       metadata: dict | None = None,
                       target_names=("expression",)) -> str:
  """Writes the SavedModel for `model` (its BatchNorm folded) to directory
  `path` atomically. `mean` and `sd`: floats, or [T] with T targets."""
  # Keras, TensorFlow and the model when called (see `encode_strings`).
  import keras
  import tensorflow as tf

  # Imported when used: it imports Keras, which starts a framework.
  from madlab_dream.model import inference_model

  model = inference_model(model)
  archive = keras.export.ExportArchive()
  archive.track(model)
  mean32, sd32 = tf.constant(mean, tf.float32), tf.constant(sd, tf.float32)
  target_names = list(target_names)
  single = len(target_names) == 1

  def outputs(codes):
    z = tf.cast(model(codes, training=False), tf.float32)
    z = z[:, 0] if single else z
    return {"prediction": z * sd32 + mean32, "standardised": z}

  archive.add_endpoint(
      SEQUENCES_SIGNATURE,
      lambda seqs: outputs(encode_strings(seqs, seq_len)),
      input_signature=[tf.TensorSpec([None], tf.string, name="sequences")])
  archive.add_endpoint(
      CODES_SIGNATURE, outputs,
      input_signature=[tf.TensorSpec([None, seq_len], tf.uint8, name="codes")])
  info = model_metadata(mean, sd, seq_len, target_names, metadata)
  info["signatures"] = {SEQUENCES_SIGNATURE: "tf.string [batch]",
                        CODES_SIGNATURE: f"uint8 [batch, {seq_len}]"}
  with files.atomic_dir(path, "saved_model.pb") as tmp:
    archive.write_out(tmp, verbose=False)
    os.makedirs(os.path.join(tmp, "assets"), exist_ok=True)
    with open(os.path.join(tmp, "assets", METADATA_FILE), "w") as f:
      json.dump(info, f, indent=1)
  return path


def model_metadata(mean, sd, seq_len: int, target_names,
                   metadata: dict | None = None) -> dict:
  """The model's metadata (the SavedModel's assets file, and model.json
  beside model.keras): L, scaling, targets, what the outputs are, and
  `metadata` (best epoch, config, trained range)."""
  target_names = list(target_names)
  shape = "[batch]" if len(target_names) == 1 else (
      f"[batch, {len(target_names)}]")
  info = {"seq_len": int(seq_len), "mean": _plain(mean), "sd": _plain(sd),
          "targets": target_names,
          "outputs": {"prediction": f"{shape}, each target's scale",
                      "standardised": f"{shape}, model output"}}
  info.update(metadata or {})
  return info


def write_metadata(path: str, info: dict) -> str:
  """Writes the metadata JSON (model.json) atomically."""
  files.write_text(path, json.dumps(info, indent=1) + "\n")
  return path


def _plain(value):
  """A float, or a list of floats (JSON)."""
  array = np.asarray(value, np.float64)
  return float(array) if array.ndim == 0 else array.tolist()
