"""How commands run (madlab_dream.cli): one-line errors and exit statuses."""

import subprocess
import sys
import textwrap

import pytest

from helpers import REPO, assert_one_line_error, env

SCRIPT = textwrap.dedent("""
    import sys
    from madlab_dream import cli, errors
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
      if what == "status":
        return 3
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
    (["--what=terminate"], 143, ["terminated (SIGTERM)"]),
])
def test_failures_are_one_line(args, status, needles):
  assert_one_line_error(run(*args), *needles, status=status)
