"""The one rule for a command's output directory: nothing else is touched.

A command that writes a directory of outputs (motifs, simulate, the
explain proof, explain's logos) claims it with `claim(path, command)`
before any work:

  * a directory that does not exist, or is empty, is the command's;
  * a directory that holds only what an earlier run of the same command
    wrote there (listed, with each file's size and modification time, in
    its manifest `.madlab_dream-outputs.json`, and unchanged since) is the
    command's again: its files are replaced and those the new run does not
    write are removed;
  * any other directory (a file of the user's, a file an earlier run wrote
    but that was edited since, another command's outputs) is refused, one
    line naming what is there, and nothing is written or created.

`Claim.staging()` yields a hidden folder inside the directory to write the
outputs into; on success each file is renamed into place (the manifest
names both the old and the new files while that happens, so an
interruption leaves a directory the command still owns), the old files
the new run did not write are removed, and the manifest is written last.
On failure or interruption the staging folder and every directory the
claim created are removed: a refused or failed command leaves every byte
as it was.

Train's run directory follows the same rule through `claim_run_dir`: a
new or empty directory, or one an earlier training run made (its
manifest, or for older runs `checkpoints/state.json` or `cache/meta.json`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from typing import Iterator

from madlab_dream.errors import InputError
from madlab_dream.io import files

MANIFEST = ".madlab_dream-outputs.json"
#: What marks a run directory written before manifests existed.
_RUN_MARKERS = (os.path.join("checkpoints", "state.json"),
                os.path.join("cache", "meta.json"))
_SHOWN = 3  # names shown in a refusal


def _stat(path: str) -> list[int]:
  st = os.stat(path)
  return [st.st_size, st.st_mtime_ns]


def read_manifest(directory: str) -> dict | None:
  """The manifest of `directory`, or None if it has none (or a damaged one)."""
  try:
    with open(os.path.join(directory, MANIFEST)) as f:
      manifest = json.load(f)
  except (OSError, ValueError):
    return None
  if not isinstance(manifest, dict) or not isinstance(
      manifest.get("files") or {}, dict):
    return None
  return manifest


def foreign_entries(directory: str, command: str,
                    ignore: tuple[str, ...] = ()) -> list[str]:
  """What in `directory` an earlier run of `command` did not write there
  (relative paths; empty folders count as nothing, and so do folders that
  another of our commands owns: their own manifest, e.g. a demo's data/
  and run/). `ignore`: top-level names that are the command's own anyway
  (a lock file)."""
  manifest = read_manifest(directory)
  owned = {}
  if manifest is not None and manifest.get("command") == command:
    owned = manifest.get("files") or {}
  foreign = []
  for root, dirs, names in os.walk(directory):
    dirs[:] = sorted(d for d in dirs if not os.path.isfile(
        os.path.join(root, d, MANIFEST)))
    rel_root = os.path.relpath(root, directory)
    for name in sorted(names):
      rel = name if rel_root == "." else os.path.join(rel_root, name)
      if rel == MANIFEST or rel in ignore:
        continue
      path = os.path.join(root, name)
      if os.path.islink(path) or not os.path.isfile(path):
        foreign.append(rel)
      elif _stat(path) not in owned.get(rel, []):
        foreign.append(rel)
  return foreign


def _refusal(path: str, foreign: list[str], what: str) -> InputError:
  shown = ", ".join(foreign[:_SHOWN])
  more = f" and {len(foreign) - _SHOWN:,} more" if len(foreign) > _SHOWN else ""
  return InputError(f"holds files that {what} did not write ({shown}{more}): "
                    "refusing to write into it; choose a new or empty "
                    "directory", path)


def _check_can_create(path: str) -> None:
  """The nearest existing ancestor of `path` must be a writable directory."""
  probe = os.path.abspath(path)
  while not os.path.lexists(probe):
    probe = os.path.dirname(probe)
  if not os.path.isdir(probe):
    raise InputError(f"cannot create the output directory: {probe} is not a "
                     "directory", path)
  if not os.access(probe, os.W_OK | os.X_OK):
    raise InputError(f"cannot create the output directory: permission "
                     f"denied in {probe}", path)


def _missing_dirs(path: str) -> list[str]:
  """`path` and its missing ancestors, innermost first."""
  missing = []
  path = os.path.abspath(path)
  while not os.path.lexists(path):
    missing.append(path)
    path = os.path.dirname(path)
  return missing


class Claim:
  """An output directory vetted by `claim` (see the module docstring)."""

  def __init__(self, path: str, command: str):
    self.path = path
    self.command = command

  def check(self) -> None:
    """Refuses (InputError) unless the directory is the command's to write."""
    path = self.path
    if os.path.lexists(path) and not os.path.isdir(path):
      raise InputError("is not a directory, expected an output directory",
                       path)
    if not os.path.exists(path):
      _check_can_create(path)
      return
    if not os.access(path, os.W_OK | os.X_OK):
      raise InputError("output directory is not writable: permission denied",
                       path)
    files.remove_stale_temporaries(path, self.command)
    foreign = foreign_entries(path, self.command)
    if foreign:
      raise _refusal(path, foreign, self.command)

  @contextlib.contextmanager
  def staging(self) -> Iterator[str]:
    """Yields an empty folder to write the outputs into; publishes them
    into the directory on success (see the module docstring)."""
    self.check()  # again: the directory may have changed during the work
    created = _missing_dirs(self.path)
    staging = None
    try:
      os.makedirs(self.path, exist_ok=True)
      staging = files._temp_name(self.path, self.command)
      os.mkdir(staging)
      with files.naming(self.path):
        yield staging
        self._publish(staging)
    except BaseException:
      if staging:
        shutil.rmtree(staging, ignore_errors=True)
      for directory in created:  # what this claim made, innermost first
        with contextlib.suppress(OSError):
          os.rmdir(directory)
      raise
    shutil.rmtree(staging, ignore_errors=True)

  def _publish(self, staging: str) -> None:
    new = {}
    for root, _, names in os.walk(staging):
      for name in names:
        source = os.path.join(root, name)
        new[os.path.relpath(source, staging)] = [_stat(source)]
    manifest = read_manifest(self.path)
    old = (manifest or {}).get("files") or {}
    both = {rel: old.get(rel, []) + new.get(rel, [])
            for rel in {**old, **new}}
    self._write_manifest(both)
    for rel in sorted(new):
      target = os.path.join(self.path, rel)
      os.makedirs(os.path.dirname(target), exist_ok=True)
      os.replace(os.path.join(staging, rel), target)
    for rel in sorted(set(old) - set(new)):
      _remove_owned(self.path, rel)
    self._write_manifest(new)

  def record(self, names) -> None:
    """For a command that writes in place (its steps are other commands):
    records the files `names` (relative to the directory) as its own."""
    os.makedirs(self.path, exist_ok=True)
    owned = {}
    for rel in names:
      path = os.path.join(self.path, rel)
      if os.path.isfile(path):
        owned[rel] = [_stat(path)]
    self._write_manifest(owned)

  def _write_manifest(self, owned: dict) -> None:
    text = json.dumps({"command": self.command, "files": owned}, indent=1,
                      sort_keys=True)
    files.write_text(os.path.join(self.path, MANIFEST), text + "\n")


def _remove_owned(directory: str, rel: str) -> None:
  """Removes an earlier run's file, then its folders that are left empty."""
  with contextlib.suppress(FileNotFoundError):
    os.remove(os.path.join(directory, rel))
  parent = os.path.dirname(rel)
  while parent:
    try:
      os.rmdir(os.path.join(directory, parent))
    except OSError:
      return  # not empty: something else is in it
    parent = os.path.dirname(parent)


def claim(path: str | os.PathLike, command: str) -> Claim:
  """Vets output directory `path` for `command` before any work (InputError
  if it is not the command's to write); see the module docstring."""
  result = Claim(os.fspath(path), command)
  result.check()
  return result


def is_run_dir(path: str) -> bool:
  """Whether `path` was made by a training run."""
  manifest = read_manifest(path)
  if manifest is not None:
    return manifest.get("command") == "train"
  return any(os.path.isfile(os.path.join(path, marker))
             for marker in _RUN_MARKERS)


def claim_run_dir(path: str | os.PathLike, lock_file: str) -> bool:
  """Vets training's run directory `path` before any work: new, empty
  (but for `lock_file`), or made by a training run; True if it is new.
  Refuses anything else (another model's SavedModel, a user's folder)."""
  path = os.fspath(path)
  if os.path.lexists(path) and not os.path.isdir(path):
    raise InputError("is not a directory, expected a run directory", path)
  if not os.path.exists(path):
    _check_can_create(path)
    return True
  if is_run_dir(path):
    return False
  foreign = foreign_entries(path, "train", ignore=(lock_file,))
  if foreign:
    raise _refusal(path, foreign, "a training run")
  return False


def mark_run_dir(path: str) -> None:
  """Records that `path` is a training run's directory (its manifest)."""
  if read_manifest(path) is None:
    text = json.dumps({"command": "train", "files": None}, indent=1)
    files.write_text(os.path.join(path, MANIFEST), text + "\n")
