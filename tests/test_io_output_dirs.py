"""io.output_dirs: a command writes only its own files, never anyone else's."""

import hashlib
import os
import signal
import subprocess
import sys

import pytest
from helpers import env

from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.io import output_dirs


def tree(root):
  """{relative path: SHA-256 or "dir"} of everything under `root`."""
  out = {}
  for base, dirs, names in os.walk(root):
    for name in dirs:
      out[os.path.relpath(os.path.join(base, name), root)] = "dir"
    for name in names:
      path = os.path.join(base, name)
      with open(path, "rb") as f:
        out[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
  return out


def write(claim, contents):
  with claim.staging() as folder:
    for rel, text in contents.items():
      os.makedirs(os.path.dirname(os.path.join(folder, rel)), exist_ok=True)
      with open(os.path.join(folder, rel), "w") as f:
        f.write(text)


def test_a_new_directory_gets_the_files_and_a_manifest(tmp_path):
  out = tmp_path / "a" / "out"
  write(output_dirs.claim(out, "demo"), {"x.txt": "1", "sub/y.txt": "2"})
  assert tree(out).keys() == {"x.txt", "sub", "sub/y.txt", output_dirs.MANIFEST}
  assert output_dirs.read_manifest(str(out))["command"] == "demo"


def test_a_rerun_replaces_its_own_files_and_removes_its_stale_ones(tmp_path):
  out = tmp_path / "out"
  write(output_dirs.claim(out, "demo"), {"x.txt": "1", "old/y.txt": "2"})
  write(output_dirs.claim(out, "demo"), {"x.txt": "3"})
  assert sorted(tree(out)) == [output_dirs.MANIFEST, "x.txt"]
  assert (out / "x.txt").read_text() == "3"


@pytest.mark.parametrize("case", ["user file", "edited output", "other command",
                                  "nested user file"])
def test_anything_else_in_the_directory_is_refused_untouched(tmp_path, case):
  out = tmp_path / "out"
  if case == "user file":
    out.mkdir()
    (out / "README.md").write_text("mine")
  else:
    write(output_dirs.claim(out, "demo"), {"x.txt": "1"})
    if case == "edited output":
      (out / "x.txt").write_text("edited by hand")
    elif case == "nested user file":
      (out / "notes").mkdir()
      (out / "notes" / "n.txt").write_text("mine")
  before = tree(tmp_path)
  command = "other" if case == "other command" else "demo"
  with pytest.raises(InputError, match="did not write"):
    write(output_dirs.claim(out, command), {"x.txt": "2"})
  assert tree(tmp_path) == before


def test_a_file_or_an_unwritable_parent_is_refused(tmp_path):
  (tmp_path / "f").write_text("x")
  with pytest.raises(InputError, match="not a directory"):
    output_dirs.claim(tmp_path / "f", "demo")
  with pytest.raises(InputError, match="not a directory"):
    output_dirs.claim(tmp_path / "f" / "out", "demo")
  locked = tmp_path / "locked"
  locked.mkdir()
  locked.chmod(0o500)
  try:
    if os.access(locked, os.W_OK):
      pytest.skip("running as root: permissions are not enforced")
    with pytest.raises(InputError, match="permission denied"):
      output_dirs.claim(locked / "out", "demo")
  finally:
    locked.chmod(0o700)
  assert sorted(os.listdir(locked)) == []


def test_a_failed_write_leaves_nothing_it_made(tmp_path):
  claim = output_dirs.claim(tmp_path / "new" / "out", "demo")
  with pytest.raises(RuntimeError):
    with claim.staging() as folder:
      open(os.path.join(folder, "x.txt"), "w").close()
      raise RuntimeError("failed")
  assert os.listdir(tmp_path) == []
  kept = tmp_path / "kept"
  write(output_dirs.claim(kept, "demo"), {"x.txt": "1"})
  before = tree(kept)
  with pytest.raises(RuntimeError):
    with output_dirs.claim(kept, "demo").staging() as folder:
      open(os.path.join(folder, "x.txt"), "w").write("2")
      raise RuntimeError("failed")
  assert tree(kept) == before


def test_the_killed_writers_staging_folder_is_cleaned_by_the_next(tmp_path):
  out = tmp_path / "out"
  code = ("import os, signal, sys\n"
          "from madlab_dream.io import output_dirs\n"
          "with output_dirs.claim(sys.argv[1], 'demo').staging() as d:\n"
          "  open(os.path.join(d, 'x.txt'), 'w').write('half')\n"
          "  os.kill(os.getpid(), signal.SIGKILL)\n")
  proc = subprocess.run([sys.executable, "-c", code, str(out)], env=env(),
                        timeout=60)
  assert proc.returncode == -signal.SIGKILL
  assert len(os.listdir(out)) == 1  # the dead writer's staging folder
  write(output_dirs.claim(out, "demo"), {"x.txt": "1"})
  assert sorted(os.listdir(out)) == [output_dirs.MANIFEST, "x.txt"]


def test_run_dir_claims(tmp_path):
  assert output_dirs.claim_run_dir(tmp_path / "new", ".lock") is True
  (tmp_path / "empty").mkdir()
  assert output_dirs.claim_run_dir(tmp_path / "empty", ".lock") is False
  saved = tmp_path / "run" / "saved_model"
  (saved / "variables").mkdir(parents=True)
  (saved / "saved_model.pb").write_bytes(b"graph")
  with pytest.raises(InputError, match="saved_model.pb"):
    output_dirs.claim_run_dir(saved, ".lock")
  (tmp_path / "run" / "checkpoints").mkdir()
  (tmp_path / "run" / "checkpoints" / "state.json").write_text("{}")
  assert output_dirs.claim_run_dir(tmp_path / "run", ".lock") is False
  output_dirs.mark_run_dir(str(tmp_path / "empty"))
  assert output_dirs.is_run_dir(str(tmp_path / "empty"))


def test_atomic_dir_replaces_only_a_directory_of_its_kind(tmp_path):
  mine = tmp_path / "mine"
  mine.mkdir()
  (mine / "notes.txt").write_text("mine")
  with pytest.raises(InputError, match="refusing to replace"):
    with files.atomic_dir(mine, "saved_model.pb"):
      pass
  assert tree(mine) == {"notes.txt": hashlib.sha256(b"mine").hexdigest()}


def test_folders_other_commands_own_and_recorded_files_are_the_commands(
    tmp_path):
  out = tmp_path / "demo"
  claim = output_dirs.claim(out, "demo")
  write(output_dirs.claim(out / "data", "simulate"), {"train.txt": "rows"})
  (out / "run").mkdir()
  output_dirs.mark_run_dir(str(out / "run"))
  (out / "run" / "report.json").write_text("{}")
  (out / "demo_report.md").write_text("report")
  claim.record(["demo_report.md", "never_written.png"])
  assert output_dirs.read_manifest(str(out))["files"].keys() == {
      "demo_report.md"}
  output_dirs.claim(out, "demo")  # a rerun: all of it is the demo's
  (out / "notes.txt").write_text("mine")
  with pytest.raises(InputError, match="notes.txt"):
    output_dirs.claim(out, "demo")
