"""How a trained model behaves on low-complexity sequences.

  probe_codes        homopolymer runs (each base) and short tandem repeats of
                     10-80 nt inside the 80-nt region between the DREAM
                     flanks, on random backgrounds, and random regions
  bilstm_states      the BiLSTM's largest |cell state| and |output| over the
                     sequence, by the layer's recurrence (float64)
  probe_model        both, for a run directory: one row per probe kind and
                     run length
  longest_runs       int [N, 4]: each sequence's longest run of A, C, G, T
  run_length_counts  how many sequences of a file have runs of at least k nt

An LSTM cell state follows c_t = f c_{t-1} + i act(g_t) and its output
h_t = o act(c_t). With act = tanh both are bounded (|act| < 1, so |c_t|
grows at most by 1 a step and h stays in (-1, 1)). With swish (MadLab's
choice) act(x) ~ x for large x: a long run of identical inputs repeats the
same z_t = x K + h U + b, and when h U feeds g and the gates positively, h
grows with c and c with h, without limit.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from madlab_dream.data.cache import load_cache
from madlab_dream.errors import InputError
from madlab_dream.inference import out_of_range
from madlab_dream.inference.predictor import read_trained_range
from madlab_dream.inference.predictor import trusted_range
from madlab_dream.inference.run_files import RunFiles
from madlab_dream.io import sequences
from madlab_dream.io.seqfiles import iter_sequences

FLANK5 = sequences.FLANK5   # the DREAM constructs' constant flanks
FLANK3 = sequences.FLANK3
REGION = 80
RUN_LENGTHS = (10, 15, 20, 30, 40, 50, 60, 80)
REPEAT_UNITS = ("AT", "AC", "AG", "CG", "AAT", "AGC", "AAAT")
BASES = "ACGT"


def _random_region(rng, n: int) -> np.ndarray:
  return rng.choice(np.array(list(BASES)), size=(n, REGION))


def probe_texts(backgrounds: int = 16, random_rows: int = 1000,
                seed: int = 0) -> pd.DataFrame:
  """Probe sequences (110 nt): columns kind, unit, run_length, sequence.

  Each homopolymer (unit "A", ...) or repeat unit ("AT", ...) fills a run
  of `run_length` nt at a random offset of the 80-nt region, the rest of
  the region random, `backgrounds` times; kind "random" rows have a random
  region (run_length 0).
  """
  rng = np.random.default_rng(seed)
  rows = []
  for kind, units in (("homopolymer", tuple(BASES)),
                      ("tandem repeat", REPEAT_UNITS)):
    for unit in units:
      for length in RUN_LENGTHS:
        run = list((unit * REGION)[:length])
        for region in _random_region(rng, backgrounds):
          start = int(rng.integers(0, REGION - length + 1))
          region[start:start + length] = run
          rows.append((kind, unit, length,
                       FLANK5 + "".join(region) + FLANK3))
  for region in _random_region(rng, random_rows):
    rows.append(("random", "-", 0, FLANK5 + "".join(region) + FLANK3))
  return pd.DataFrame(rows, columns=["kind", "unit", "run_length",
                                     "sequence"])


def _numpy_activation(fn):
  import keras  # the model's activations, applied in float64

  def apply(x):
    return np.asarray(keras.ops.convert_to_numpy(fn(x)), np.float64)
  return apply


def _lstm_parts(layer):
  """(activation, recurrent_activation, weights of both directions)."""
  cell = layer.forward_layer if hasattr(layer, "forward_layer") else layer
  weights = [np.asarray(w, np.float64) for w in layer.get_weights()]
  return (_numpy_activation(cell.activation),
          _numpy_activation(cell.recurrent_activation),
          (weights[:3], weights[3:6]))


def bilstm_states(model, codes: np.ndarray, batch_size: int = 512) -> dict:
  """The BiLSTM's largest |c_t| and |h_t| over time and both directions.

  Args:
    model: a Keras model from `build_model` (its layer "bilstm": `BiLSTM`
      or `Bidirectional(LSTM)`).
    codes: uint8 [N, L].
    batch_size: sequences per forward pass.

  Returns:
    {"cell": float64 [N], "output": float64 [N], "final": float64 [N, 2u]
    (the layer's output, as the model computes it up to float rounding)}.
  """
  # Keras imported when used: importing it starts a framework.
  import keras
  layer = model.get_layer("bilstm")
  upstream = keras.Model(model.inputs, layer.input)
  act, gate, directions = _lstm_parts(layer)
  cell_max, out_max, finals = [], [], []
  for start in range(0, len(codes), batch_size):
    x = np.asarray(upstream.predict(codes[start:start + batch_size],
                                    verbose=0), np.float64)  # [B, L, W]
    parts = [_direction(x[:, ::step], w, act, gate)
             for step, w in zip((1, -1), directions)]
    cell_max.append(np.maximum(parts[0][0], parts[1][0]))
    out_max.append(np.maximum(parts[0][1], parts[1][1]))
    finals.append(np.concatenate([parts[0][2], parts[1][2]], axis=1))
  return {"cell": np.concatenate(cell_max), "output": np.concatenate(out_max),
          "final": np.concatenate(finals)}


def _direction(x, weights, act, gate):
  """One LSTM direction over x [B, L, W]: (max |c| [B], max |h| [B], h_L)."""
  kernel, recurrent, bias = weights
  units = recurrent.shape[0]
  z_in = x @ kernel + bias                                    # [B, L, 4u]
  h = np.zeros((x.shape[0], units))
  c = np.zeros_like(h)
  cell_max, out_max = np.zeros(len(x)), np.zeros(len(x))
  with np.errstate(over="ignore", invalid="ignore"):
    for t in range(x.shape[1]):
      z = z_in[:, t] + h @ recurrent
      i, f, g, o = np.split(z, 4, axis=-1)
      c = gate(f) * c + gate(i) * act(g)
      h = gate(o) * act(c)
      cell_max = np.fmax(cell_max, np.abs(c).max(axis=1))
      out_max = np.fmax(out_max, np.abs(h).max(axis=1))
  return cell_max, out_max, h


def run_scale(run_dir: str) -> tuple[float, float]:
  """(mean, sd) of a run's model metadata: standardised -> expression."""
  files = RunFiles(run_dir)
  info = files.metadata()
  if info is None:
    raise InputError("no model metadata (model.json or the SavedModel's) to "
                     "scale the predictions", run_dir)
  return float(info["mean"]), float(info["sd"])


def trained_range_of_run(run_dir: str) -> dict | None:
  """The run's `trained_range` metadata, else computed from its cache/
  (runs exported without the metadata), else None."""
  trained = read_trained_range(run_dir)
  if trained is None and os.path.isdir(os.path.join(run_dir, "cache")):
    cache = load_cache(os.path.join(run_dir, "cache"))
    if cache is not None:
      trained = out_of_range.trained_range_of(
          cache.to_expression(cache.train_targets))
  return trained


def probe_model(run_dir: str, probes: pd.DataFrame | None = None
                ) -> pd.DataFrame:
  """`probe_texts` rows with each one's prediction (expression scale) and
  the BiLSTM's largest |cell state| ("cell") and |output| ("output")."""
  # Imported when used: it imports Keras, which starts a framework.
  from madlab_dream.inference.keras_model import load_model
  probes = probe_texts() if probes is None else probes
  model = load_model(run_dir, compile=False)
  codes = sequences.encode(list(probes["sequence"]), model.input_shape[1])
  mean, sd = run_scale(run_dir)
  with np.errstate(over="ignore", invalid="ignore"):
    standardised = np.asarray(model.predict(codes, batch_size=512, verbose=0),
                              np.float64)[:, 0]
  states = bilstm_states(model, codes)
  return probes.assign(prediction=standardised * sd + mean,
                       cell=states["cell"], output=states["output"])


def summarise(probed: pd.DataFrame) -> pd.DataFrame:
  """Largest |prediction| and |cell state| per kind, unit and run length."""
  return (probed.assign(abs_prediction=probed["prediction"].abs())
          .groupby(["kind", "unit", "run_length"], sort=False)
          .agg(max_abs_prediction=("abs_prediction", "max"),
               min_prediction=("prediction", "min"),
               max_prediction=("prediction", "max"),
               max_cell=("cell", "max"), max_output=("output", "max"))
          .reset_index())


def longest_runs(codes: np.ndarray) -> np.ndarray:
  """int32 [N, 4]: each row's longest run of A, C, G, T (codes 0-3)."""
  codes = np.asarray(codes, np.uint8)
  out = np.zeros((len(codes), 4), np.int32)
  for base in range(4):
    run = np.zeros(len(codes), np.int32)
    for column in codes.T:
      run = np.where(column == base, run + 1, 0)
      out[:, base] = np.maximum(out[:, base], run)
  return out


def run_length_counts(path: str, seq_len: int = 110,
                      thresholds=(8, 10, 15, 20, 30, 40)) -> dict:
  """{"rows": N, "at_least": {k: rows whose longest homopolymer run in
  the L nt the model sees is >= k}, "by_base": {base: {k: rows}}}."""
  runs = np.concatenate([longest_runs(rows.codes)
                         for rows in iter_sequences(path, seq_len)])
  longest = runs.max(axis=1)
  return {"rows": len(runs),
          "at_least": {k: int((longest >= k).sum()) for k in thresholds},
          "by_base": {b: {k: int((runs[:, i] >= k).sum()) for k in thresholds}
                      for i, b in enumerate(BASES)}}


def first_run_outside(rows: pd.DataFrame, trusted) -> dict:
  """{unit: the shortest run length whose predictions go above or below
  `trusted` (low, high), or None} of `summarise` rows; all None when the
  range is unknown."""
  first = {}
  for unit, group in rows.groupby("unit", sort=False):
    outside = group[(group["max_prediction"] > trusted[1]) |
                    (group["min_prediction"] < trusted[0])
                    ] if trusted else group.iloc[:0]
    first[unit] = int(outside["run_length"].min()) if len(outside) else None
  return first


def report(run_dirs: dict[str, str], sequence_files: dict[str, str],
           seed: int = 0, backgrounds: int = 16,
           random_rows: int = 1000) -> dict:
  """The figures of the stability report (JSON-ready).

  Args:
    run_dirs: {name: training run directory}.
    sequence_files: {name: sequence file} whose homopolymer runs are counted.
    seed: seed of the probe sequences (`probe_texts`).
    backgrounds: random regions each probe is placed in.
    random_rows: random regions of the baseline.

  Returns:
    {"models": {name: {"trusted_range", "random", "probes": rows of
    `summarise`, "first_run_outside": {unit: shortest run length with a
    prediction above or below the trusted range, or None}}},
    "run_lengths": {name: `run_length_counts`}}.
  """
  probes = probe_texts(backgrounds, random_rows, seed)
  models = {}
  for name, run_dir in run_dirs.items():
    probed = probe_model(run_dir, probes)
    table = summarise(probed)
    trusted = trusted_range(trained_range_of_run(run_dir))
    if isinstance(trusted, dict):  # the first target is the one probed
      trusted = next(iter(trusted.values()))
    random = table[table["kind"] == "random"].iloc[0]
    rows = table[table["kind"] != "random"]
    first = first_run_outside(rows, trusted)
    models[name] = {
        "trusted_range": list(trusted) if trusted else None,
        "random": {k: float(random[k]) for k in
                   ("max_abs_prediction", "max_cell", "max_output")},
        "probes": rows.to_dict("records"), "first_run_outside": first}
  counts = {name: run_length_counts(path)
            for name, path in sequence_files.items()}
  return {"models": models, "run_lengths": counts,
          "run_lengths_probed": list(RUN_LENGTHS)}
