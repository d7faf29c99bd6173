"""Reading inputs and writing outputs safely (madlab_dream.io.files)."""

import gzip
import os
import re
import stat
import subprocess
import sys

import pytest
from helpers import env
from helpers import run_through_fifo

from madlab_dream.errors import InputError
from madlab_dream.io import files


def test_read_chunks_plain_and_gzip(tmp_path):
  data = b"ACGT\t1\n" * 10_000
  plain, gz = tmp_path / "a.txt", tmp_path / "a.txt.gz"
  plain.write_bytes(data)
  gz.write_bytes(gzip.compress(data))
  for path in (plain, gz):
    assert b"".join(files.read_chunks(path, chunk_bytes=1000)) == data


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing.txt", "no such file"),
    (lambda p: p, "is a directory"),
])
def test_unreadable_inputs(tmp_path, make, message):
  with pytest.raises(InputError, match=message):
    files.check_readable(make(tmp_path))


def test_truncated_gzip_names_the_file(tmp_path):
  gz = tmp_path / "t.gz"
  blob = gzip.compress(os.urandom(200_000))
  gz.write_bytes(blob[:len(blob) // 2])
  with pytest.raises(InputError,
                     match=rf"{gz}(:\d+)?: truncated or corrupt gzip"):
    b"".join(files.read_chunks(gz))


def test_atomic_path_replaces_only_on_success(tmp_path):
  out = tmp_path / "out.txt"
  out.write_text("old")
  with pytest.raises(RuntimeError):
    with files.atomic_path(out) as tmp:
      with open(tmp, "w") as f:
        f.write("half")
      raise RuntimeError("killed")
  assert out.read_text() == "old"
  assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
  files.write_text(out, "new")
  assert out.read_text() == "new"
  assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_atomic_dir_swaps_the_whole_directory(tmp_path):
  target = tmp_path / "model"
  target.mkdir()
  (target / "stale.txt").write_text("x")
  (target / "saved_model.pb").write_text("x")
  with files.atomic_dir(target, "saved_model.pb") as tmp:
    with open(os.path.join(tmp, "fresh.txt"), "w") as f:
      f.write("y")
  assert [p.name for p in target.iterdir()] == ["fresh.txt"]
  assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_writable_checks(tmp_path):
  assert files.check_writable_dir(tmp_path / "new" / "dir")
  with pytest.raises(InputError, match="is a directory"):
    files.check_output(tmp_path)
  blocker = tmp_path / "file"
  blocker.write_text("x")
  with pytest.raises(InputError, match="not writable"):
    files.check_writable_dir(blocker / "sub")


def test_save_figure_writes_a_png(tmp_path):
  plt = files.pyplot()
  fig, ax = plt.subplots()
  ax.plot([0, 1], [1, 0])
  files.save_figure(fig, tmp_path / "f.png")
  assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
  assert sorted(p.name for p in tmp_path.iterdir()) == ["f.png"]


# --- Outputs that are not regular files --------------------------------------

def test_output_into_a_fifo_is_written_straight(tmp_path):
  fifo = tmp_path / "out.fifo"
  os.mkfifo(fifo)
  reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
  try:
    files.write_text(fifo, "hello\n")
    assert os.read(reader, 100) == b"hello\n"
  finally:
    os.close(reader)
  assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # not replaced by a file
  assert sorted(p.name for p in tmp_path.iterdir()) == ["out.fifo"]


def test_symlinked_output_writes_through_to_the_target(tmp_path):
  (tmp_path / "real").mkdir()
  target = tmp_path / "real" / "out.txt"
  target.write_text("old")
  link = tmp_path / "out.txt"
  link.symlink_to(target)
  files.write_text(link, "new")
  assert link.is_symlink() and os.readlink(link) == str(target)
  assert target.read_text() == "new"
  dangling = tmp_path / "later.txt"
  dangling.symlink_to(tmp_path / "real" / "later.txt")
  files.write_text(dangling, "made")
  assert dangling.is_symlink()
  assert (tmp_path / "real" / "later.txt").read_text() == "made"
  assert sorted(p.name for p in (tmp_path / "real").iterdir()) == [
      "later.txt", "out.txt"]


def test_output_that_is_an_input_is_refused(tmp_path):
  source = tmp_path / "in.txt"
  source.write_text("precious")
  link = tmp_path / "link.txt"
  link.symlink_to(source)
  hard = tmp_path / "hard.txt"
  os.link(source, hard)
  for out in (source, link, hard, tmp_path / "." / "in.txt"):
    with pytest.raises(InputError, match=f"{out}: .*is also the input"):
      files.check_output(out, [source])
  files.check_output(tmp_path / "other.txt", [source, tmp_path / "none"])
  assert source.read_text() == "precious"


def test_gzip_outputs_are_written_compressed_or_refused(tmp_path):
  out = tmp_path / "x.json.gz"
  files.write_text(out, "{}\n")
  assert gzip.decompress(out.read_bytes()) == b"{}\n"
  with pytest.raises(InputError, match="x.png.gz: .*gzip"):
    files.check_output(tmp_path / "x.png.gz", gzip_ok=False)
  files.check_output(tmp_path / "x.png", gzip_ok=False)


# --- Litter and permissions --------------------------------------------------

KILLED_WRITER = """
import os, signal, sys
from madlab_dream.io import files
path, kind, how = sys.argv[1:]
with (files.atomic_dir(path, "x") if kind == "dir"
      else files.atomic_path(path)) as tmp:
  if kind == "file":
    open(tmp, "w").write("half")
  print(tmp, flush=True)
  if how == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
  sys.stdin.read()  # "live": waits until the test closes stdin
"""


def start_writer(path, kind, how):
  proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path),
                           kind, how], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True, env=env())
  tmp = proc.stdout.readline().strip()
  assert os.path.exists(tmp), tmp
  return proc, tmp


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["file", "dir"])
def test_stale_temporaries_of_dead_writers_are_cleaned(tmp_path, kind):
  out = tmp_path / ("out.txt" if kind == "file" else "saved_model")
  killed, stale = start_writer(out, kind, "kill")
  killed.wait(30)
  assert os.path.exists(stale)  # litter of the killed writer
  live, busy = start_writer(out, kind, "live")  # cleans it up on its start
  assert not os.path.exists(stale)
  killed, stale = start_writer(out, kind, "kill")  # litter beside a live one
  killed.wait(30)
  try:
    if kind == "file":
      files.write_text(out, "done")
      assert out.read_text() == "done"
    else:
      with files.atomic_dir(out, "x") as tmp:
        open(os.path.join(tmp, "x"), "w").close()
    assert not os.path.exists(stale)  # removed: its writer is dead
    assert os.path.exists(busy)  # kept: its writer is alive
  finally:
    live.communicate("", timeout=30)
  assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_atomic_dir_applies_the_umask(tmp_path):
  old = os.umask(0o022)
  try:
    with files.atomic_dir(tmp_path / "model", "x") as tmp:
      os.mkdir(os.path.join(tmp, "sub"))
  finally:
    os.umask(old)
  assert stat.S_IMODE(os.stat(tmp_path / "model").st_mode) == 0o755


# --- Reading once ------------------------------------------------------------

def test_open_input_peeks_without_losing_bytes(tmp_path):
  data = b"".join(b"ACGT%d\t%d\n" % (i, i) for i in range(50_000))
  for name, blob in (("plain", data), ("gz", gzip.compress(data))):

    def consume(name=name):
      with files.open_input(tmp_path / name) as source:
        return source.gzip, source.head, b"".join(source.chunks(4096))

    is_gz, head, got = run_through_fifo(tmp_path / name, blob, consume)
    assert is_gz == (name == "gz")
    assert head == b"ACGT0\t0\n" and got == data


def test_truncated_gzip_names_the_last_complete_line(tmp_path):
  gz = tmp_path / "t.gz"
  blob = gzip.compress(b"".join(b"%d\n" % i for i in range(1, 400_001)))
  gz.write_bytes(blob[:len(blob) // 2])
  with pytest.raises(InputError) as e:
    b"".join(files.read_chunks(gz, chunk_bytes=1000))
  match = re.fullmatch(rf"{gz}:(\d+): truncated or corrupt gzip data after "
                       r"line ([\d,]+) \(.*\)", str(e.value))
  assert match, str(e.value)
  line, last = int(match[1]), int(match[2].replace(",", ""))
  assert line == last + 1 and 100_000 < last < 400_000


def test_an_interrupted_write_probe_leaves_nothing(tmp_path, monkeypatch):
  """Ctrl-C or SIGTERM during check_output's write test: no probe file."""
  real_fsync = os.fsync

  def interrupted(fd):
    real_fsync(fd)
    raise KeyboardInterrupt
  monkeypatch.setattr(os, "fsync", interrupted)
  with pytest.raises(KeyboardInterrupt):
    files.check_output(tmp_path / "out.json")
  assert list(tmp_path.iterdir()) == []


# --- Bounds, input directories, sidecars, full disks --------------------------

def test_a_line_past_the_limit_is_an_error_with_bounded_memory(tmp_path):
  limit = 1 << 16
  path = tmp_path / "blob"
  path.write_bytes(b"A" * 100 + b"\n" + b"C" * (limit + 1))
  with pytest.raises(InputError, match=rf"{path}:2: line longer than 65,536 "
                     "bytes"):
    with files.open_input(path) as source:
      for _ in source.chunks(1000, limit):
        pass
  path.write_bytes((b"A" * 100 + b"\n") * 3000)  # short lines pass
  with files.open_input(path) as source:
    assert len(b"".join(source.chunks(1000, limit))) == 101 * 3000


def test_dev_zero_is_refused_at_the_line_limit():
  with pytest.raises(InputError, match="/dev/zero:1: line longer than"):
    files.read_bounded("/dev/zero", 1 << 20)


def test_an_output_inside_an_input_directory_is_refused(tmp_path):
  model = tmp_path / "run" / "saved_model"
  (model / "variables").mkdir(parents=True)
  (model / "saved_model.pb").write_bytes(b"graph")
  for out in (model / "saved_model.pb", model / "variables" / "new.index",
              tmp_path / "run" / "predictions.tsv"):
    with pytest.raises(InputError, match="lies inside the input directory"):
      files.check_output(out, [str(tmp_path / "run")])
  link = tmp_path / "link.pb"  # a link into the input is the input
  link.symlink_to(model / "saved_model.pb")
  with pytest.raises(InputError, match="input"):
    files.check_output(link, [str(model)])
  files.check_output(tmp_path / "runs.tsv", [str(tmp_path / "run")])


def test_no_sidecar_beside_a_device(tmp_path):
  assert files.sidecar("/dev/null", ".md") is None
  assert files.sidecar(tmp_path / "s.json", ".md") == str(tmp_path / "s.md")


def test_a_full_device_names_the_output():
  with pytest.raises(OSError) as caught:
    files.write_text("/dev/full", "x" * 100_000)
  assert caught.value.errno == 28 and caught.value.filename == "/dev/full"


def test_a_framework_no_space_error_becomes_enospc_naming_the_output(
    tmp_path):
  out = tmp_path / "saved_model"
  with pytest.raises(OSError) as caught:
    with files.atomic_dir(out, "x"):
      raise RuntimeError("RESOURCE_EXHAUSTED: x/variables.data-00000: No "
                         "space left on device")
  assert caught.value.errno == 28 and caught.value.filename == str(out)
  assert os.listdir(tmp_path) == []  # no temporary left


def test_free_space_is_checked_before_a_large_write(tmp_path, monkeypatch):
  files.check_free_space(tmp_path / "new" / "dir", 1000, "a cache")
  usage = type("usage", (), {"free": 5000})
  monkeypatch.setattr(files.shutil, "disk_usage", lambda path: usage)
  with pytest.raises(OSError, match=r"a cache needs about 1.0 MB, 5.0 KB "
                     "free"):
    files.check_free_space(tmp_path, 10 ** 6, "a cache")


def test_an_extension_of_another_format_is_refused(tmp_path):
  from madlab_dream.designing import outputs
  for name in ("d.json", "d.CSV", "d.png.gz"):
    with pytest.raises(InputError, match="but this output is TSV"):
      files.check_format(tmp_path / name, "TSV")
  for name in ("d.tsv", "d.txt.gz", "designs", "/dev/stdout"):
    files.check_format(name, "TSV")
  paths = {"output": str(tmp_path / "d.json"),
           **outputs.default_paths(str(tmp_path / "d.json"))}
  with pytest.raises(InputError, match="d.json: the name says JSON"):
    outputs.check_paths(paths)
  assert list(tmp_path.iterdir()) == []
