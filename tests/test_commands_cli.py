"""How commands run (madlab_dream.commands.cli): one-line errors and exit statuses."""

import os
import subprocess
import sys
import textwrap

import pytest
from helpers import REPO
from helpers import assert_one_line_error
from helpers import env
from helpers import run_module

SCRIPT = textwrap.dedent("""
    import sys
    from madlab_dream import errors
    from madlab_dream.commands import cli
    from absl import flags

    def define():
      flags.DEFINE_string("what", "ok", "what main does")

    def main():
      what = flags.FLAGS.what
      if what == "input":
        raise errors.InputError("bad value", "some/file.txt", 7)
      if what == "interrupt":
        raise KeyboardInterrupt
      if what == "terminate":
        import os, signal, time
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
      if what == "swallowed_interrupt":  # as TensorFlow's C++ code does
        import os, signal
        try:
          os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt as e:
          raise TypeError("Expected `context` argument to have a `_handle` "
                          "attribute") from e
      if what == "status":
        return 3
      if what == "full":  # the write failing as on a full disk
        from madlab_dream.io import files
        files.write_text("/dev/full", "x" * 100000)
      if what == "framework_full":  # how TensorFlow and h5py report one
        raise RuntimeError("ResourceExhaustedError: /run/x/variables.data: "
                           "No space left on device")
      if what == "bug":
        raise RuntimeError("a bug")
      print("ran")

    cli.run(main, "prog", define)
    """)


def run(*args):
  return subprocess.run([sys.executable, "-c", SCRIPT, *args],
                        capture_output=True, text=True, env=env(), cwd=REPO,
                        timeout=60)


def test_success_and_status():
  proc = run()
  assert proc.returncode == 0 and proc.stdout == "ran\n" and not proc.stderr
  assert run("--what=status").returncode == 3


@pytest.mark.parametrize("args, status, needles", [
    (["--what=input"], 2, ["prog: error: some/file.txt:7: bad value"]),
    (["extra", "words"], 2, ["unexpected arguments: extra words"]),
    (["--no_such_flag"], 2, ["no_such_flag"]),
    (["--what=interrupt"], 130, ["interrupted"]),
    (["--what=swallowed_interrupt"], 130, ["interrupted (Ctrl-C)"]),
    (["--what=terminate"], 143, ["terminated (SIGTERM)"]),
])
def test_failures_are_one_line(args, status, needles):
  assert_one_line_error(run(*args), *needles, status=status)


@pytest.mark.parametrize("what, needles", [
    ("full", ["/dev/full: no space left on device (ENOSPC)"]),
    ("framework_full", ["no space left on device (ENOSPC)",
                        "/run/x/variables.data"]),
])
def test_a_full_disk_is_one_line_naming_the_path(what, needles):
  assert_one_line_error(run(f"--what={what}"), *needles)


def test_a_bug_still_shows_its_traceback():
  proc = run("--what=bug")
  assert proc.returncode == 1 and "Traceback" in proc.stderr


def test_a_setting_that_is_not_utf8_is_refused_before_any_work():
  proc = run("--what=" + os.fsdecode(b"/tmp/a\xffb"))
  line = assert_one_line_error(proc, "--what=/tmp/a\\xffb", "not valid UTF-8")
  assert "ran" not in proc.stdout, line


def test_flagfiles_that_go_wrong_are_one_line(tmp_path):
  (tmp_path / "self.flags").write_text("--flagfile=self.flags\n")
  (tmp_path / "a.flags").write_text("--flagfile=b.flags\n")
  (tmp_path / "b.flags").write_text("# comment\n--flagfile=a.flags\n")
  (tmp_path / "unknown.flags").write_text("--what=ok\n--nosuch=1\n")
  cases = [("missing.flags", ["missing.flags: no such flagfile"]),
           ("self.flags", ["self.flags: flagfile includes itself"]),
           ("a.flags", ["a.flags: flagfile includes itself", "b.flags"]),
           ("unknown.flags", ["unknown.flags:2: ", "nosuch"]),
           ("", ["--flagfile= needs a path"]), (".", ["cannot read"])]
  for name, needles in cases:
    proc = subprocess.run([sys.executable, "-c", SCRIPT,
                           f"--flagfile={name}"], capture_output=True,
                          text=True, env=env(), cwd=tmp_path, timeout=60)
    assert_one_line_error(proc, *needles)


def test_relative_paths_in_a_flagfile_are_relative_to_the_current_directory(
    tmp_path):
  (tmp_path / "sub").mkdir()
  (tmp_path / "sub" / "inner.flags").write_text("--what=status\n")
  (tmp_path / "outer.flags").write_text("--flagfile=sub/inner.flags\n")
  proc = subprocess.run([sys.executable, "-c", SCRIPT,
                         f"--flagfile={tmp_path / 'outer.flags'}"],
                        capture_output=True, text=True, env=env(),
                        cwd=tmp_path, timeout=60)
  assert proc.returncode == 3, proc.stderr
  proc = subprocess.run([sys.executable, "-c", SCRIPT,
                         f"--flagfile={tmp_path / 'outer.flags'}"],
                        capture_output=True, text=True, env=env(),
                        cwd=tmp_path / "sub", timeout=60)
  assert_one_line_error(proc, "sub/inner.flags: no such flagfile")


@pytest.mark.parametrize("command, own, usage", [
    ("predict", ["--model", "--input", "--output", "--format"],
     "Predict expression"),
    ("evaluate", ["--predictions", "--ground_truth"], "python -m "
     "madlab_dream.evaluate"),
    ("train", ["--train_data", "--model_dir", "--epochs", "--lstm_units"],
     "Train the MadLab model"),
])
def test_help_lists_the_command_s_own_flags_under_its_usage(command, own,
                                                            usage):
  for flag in ("--helpshort", "--help"):
    proc = run_module(f"madlab_dream.{command}", flag)
    assert usage in proc.stdout
    listed = proc.stdout.split("\nflags:\n", 1)[1]
    for name in own:
      assert f"  {name}:" in listed, (flag, name)
