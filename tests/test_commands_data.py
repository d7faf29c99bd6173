"""The data command (python -m madlab_dream.data) on good and bad files."""

import errno
import gzip
import os

import pytest
from helpers import assert_one_line_error
from helpers import run_module

pytestmark = pytest.mark.slow

GOOD = "ACGTACGTAC\t1.5\nacgtacgtac\t2\nACGTACGTACGTAC\t3.25\nACG\t4\n"
BAD_FILES = {
    "empty": (b"", ":", "empty file"),
    "header": (b"sequence\texpression\nACGT\t1\n", ":1:", "header"),
    "columns": (b"ACGT\t1\nACGT\t1\t2\n", ":2:", "wrong number of columns"),
    "one_column": (b"ACGT\t1\nACGT\n", ":2:", "wrong number of columns"),
    "empty_sequence": (b"ACGT\t1\n\t1\n", ":2:", "empty sequence"),
    "characters": (b"ACGT\t1\nACGU\t1\n", ":2:", "invalid character 'U'"),
    "non_numeric": (b"ACGT\t1\nACGT\thigh\n", ":2:", "not a number"),
    "nan": (b"ACGT\t1\nACGT\tNaN\n", ":2:", "not finite"),
    "infinite": (b"ACGT\t1\nACGT\tinf\n", ":2:", "not finite"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00", ":1:", "binary"),
}


def write(path, content):
  path.write_bytes(content)
  return path


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_preprocess_rejects_bad_files(tmp_path, case):
  content, where, message = BAD_FILES[case]
  bad = write(tmp_path / f"{case}.txt", content)
  proc = run_module("madlab_dream.data", f"--input={bad}",
                    f"--output_dir={tmp_path / 'out'}")
  line = assert_one_line_error(proc, f"{bad}{where}", message)
  assert not (tmp_path / "out" / "meta.json").exists(), line


def test_preprocess_rejects_truncated_gzip_and_missing_file(tmp_path):
  gz = tmp_path / "t.txt.gz"
  blob = gzip.compress(GOOD.encode() * 5000)
  gz.write_bytes(blob[:len(blob) // 2])
  proc = run_module("madlab_dream.data", f"--input={gz}",
                    f"--output_dir={tmp_path / 'out'}")
  assert_one_line_error(proc, str(gz), "truncated or corrupt gzip")
  proc = run_module("madlab_dream.data", f"--input={tmp_path / 'nope.txt'}",
                    f"--output_dir={tmp_path / 'out'}")
  assert_one_line_error(proc, "nope.txt", "no such file")
  proc = run_module("madlab_dream.data", f"--input={tmp_path}",
                    f"--output_dir={tmp_path / 'out'}")
  assert_one_line_error(proc, str(tmp_path), "is a directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_preprocess_rejects_unreadable_file(tmp_path):
  path = write(tmp_path / "locked.txt", GOOD.encode())
  path.chmod(0)
  proc = run_module("madlab_dream.data", f"--input={path}",
                    f"--output_dir={tmp_path / 'out'}")
  assert_one_line_error(proc, str(path), "permission denied")


def test_preprocess_accepts_lowercase_crlf_gz_and_no_final_newline(tmp_path):
  text = GOOD.replace("\n", "\r\n").rstrip("\r\n")
  gz = tmp_path / "ok.txt.gz"
  gz.write_bytes(gzip.compress(text.encode()))
  proc = run_module("madlab_dream.data", f"--input={gz}", "--seq_len=10",
                    "--singleton_keep=1", "--val_fraction=0.25",
                    f"--output_dir={tmp_path / 'out'}")
  assert proc.returncode == 0, proc.stderr
  assert "rows read 4" in proc.stdout
  assert "trimmed to 10 nt 1" in proc.stdout and "padded 1" in proc.stdout


def test_unwritable_or_full_output_is_checked_first(tmp_path, monkeypatch):
  good = write(tmp_path / "good.txt", GOOD.encode())
  proc = run_module("madlab_dream.data", f"--input={good}",
                    "--output_dir=/proc/no_such_dir")
  assert_one_line_error(proc, "/proc/no_such_dir", "not writable")
  # a full disk: the write probe fails with ENOSPC
  from madlab_dream.errors import InputError
  from madlab_dream.io import files
  real_open = open

  def full_open(path, mode="r", *a, **k):
    if ".write-test-" in str(path):
      raise OSError(errno.ENOSPC, "No space left on device")
    return real_open(path, mode, *a, **k)
  monkeypatch.setattr("builtins.open", full_open)
  with pytest.raises(InputError, match="No space left on device"):
    files.check_writable_dir(tmp_path / "full")


def test_sigint_mid_preprocessing_is_one_line_and_leaves_nothing(demo_train,
                                                                tmp_path):
  import signal
  import subprocess
  import sys

  from helpers import REPO
  from helpers import default_sigint
  from helpers import env
  big = tmp_path / "big.txt"
  rows = demo_train.read_bytes() + b"\n"
  with open(big, "wb") as f:
    for _ in range(100):  # 637,000 rows: about 1 s of parsing
      f.write(rows)
  out = tmp_path / "cache"
  proc = subprocess.Popen([sys.executable, "-m", "madlab_dream.data",
                           f"--input={big}", f"--output_dir={out}"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env(), cwd=REPO,
                          preexec_fn=default_sigint)
  assert proc.stdout.readline().startswith("reading ")
  proc.send_signal(signal.SIGINT)
  stdout, stderr = proc.communicate(timeout=120)
  proc.stdout, proc.stderr = stdout, stderr
  assert_one_line_error(proc, "interrupted", status=130)
  assert not out.exists() or sorted(os.listdir(out)) == []
