"""Motif databases to match discovered patterns against, and the packages of
the `explain` extra.

  require_extra     the extra's packages (TF-MoDISco, memelite), or an
                    InputError naming the extra
  load_database     "jaspar_fungi": JASPAR 2024 CORE fungi from the
                    `pyjaspar` package (offline; GPL-3.0, so optional and
                    never copied into this package), or a MEME file
  read_meme         a MEME file -> {name: probabilities float [4, K]}

Motifs are letter-probability matrices [4, K] (A, C, G, T), as Tomtom
(`memelite.tomtom`) takes them.
"""

from __future__ import annotations

import importlib
import importlib.util

import numpy as np

from madlab_dream.errors import InputError
from madlab_dream.io import files

EXTRA = "explain"
INSTALL = "pip install -e '.[explain]'"
JASPAR_FUNGI = "jaspar_fungi"
JASPAR_RELEASE = "JASPAR2024"
#: Import name -> the package that provides it (for the error message).
EXTRA_MODULES = {"modiscolite": "modisco", "memelite": "memelite"}


def require_extra(modules: dict[str, str] | None = None) -> None:
  """Checks that the extra's modules can be imported (without importing
  them: TF-MoDISco compiles its kernels at import); a missing one is an
  InputError naming the package and the extra."""
  for module, package in (modules or EXTRA_MODULES).items():
    try:
      found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
      found = False
    if not found:
      raise InputError(f"motif discovery needs the {EXTRA!r} extra "
                       f"({package} is not installed): {INSTALL}")


def read_meme(path: str) -> dict[str, np.ndarray]:
  """{name: float64 [4, K]} from a MEME file (the name: the MOTIF line's
  identifier and alternate name)."""
  # memelite (the explain extra, optional) imported when used.
  from memelite.io import read_meme as memelite_read
  files.check_readable(path)
  try:
    motifs = memelite_read(path)
  except (ValueError, AttributeError, IndexError, UnicodeDecodeError) as e:
    raise InputError(f"not a readable MEME motif file ({e})", path) from None
  if not motifs:
    raise InputError("no motifs found (expected MEME 'MOTIF' and "
                     "'letter-probability matrix' lines)", path)
  out = {}
  for name, pwm in motifs.items():
    pwm = np.asarray(pwm, np.float64)
    if pwm.shape[0] != 4 or not np.isfinite(pwm).all() or (pwm < 0).any():
      raise InputError(f"motif {name!r} is not a 4-letter probability "
                       "matrix", path)
    out[name] = pwm / np.maximum(pwm.sum(axis=0, keepdims=True), 1e-12)
  return out


def jaspar_fungi() -> dict[str, np.ndarray]:
  """JASPAR 2024 CORE fungi (178 matrices) as {"MA0363.3 REB1": [4, K]}."""
  require_extra({"pyjaspar": "pyjaspar"})
  # pyjaspar (the explain extra, optional) imported when used.
  from pyjaspar import jaspardb
  motifs = jaspardb(release=JASPAR_RELEASE).fetch_motifs(
      collection="CORE", tax_group=["fungi"])
  out = {}
  for motif in motifs:
    counts = np.array([motif.counts[b] for b in "ACGT"], np.float64)
    out[f"{motif.matrix_id} {motif.name}"] = counts / counts.sum(axis=0)
  return out


def load_database(spec: str) -> tuple[dict[str, np.ndarray], str]:
  """(motifs, description) for --motif_db: "jaspar_fungi" or a MEME file."""
  if spec == JASPAR_FUNGI:
    return jaspar_fungi(), f"{JASPAR_RELEASE} CORE fungi (pyjaspar)"
  return read_meme(spec), spec
