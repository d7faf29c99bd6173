"""io.progress: on a terminal only, with its total; never on a file."""

import io

from madlab_dream.io import seqfiles
from madlab_dream.io.progress import Progress


class Terminal(io.StringIO):
  def isatty(self):
    return True


def test_a_terminal_gets_the_count_and_its_total_a_file_nothing():
  screen, log = Terminal(), io.StringIO()
  for stream in (screen, log):
    bar = Progress(2000, stream=stream, interval=0.0)
    bar.update(1000)
    bar.update(2000)
    bar.close()
  assert screen.getvalue().endswith("\r2,000 / 2,000 sequences (100 %)\n")
  assert "\r1,000 / 2,000 sequences (50 %)" in screen.getvalue()
  assert log.getvalue() == ""
  unknown = Terminal()
  bar = Progress(None, stream=unknown)
  bar.update(7)
  bar.close()
  assert unknown.getvalue().endswith("7 sequences\n")


def test_the_total_of_a_plain_file_and_none_for_gzip_or_a_pipe(tmp_path):
  (tmp_path / "a.txt").write_text("ACGT\t\nACGT\t\nAC")
  (tmp_path / "b.fa").write_text(">x\nAC\nGT\n>y\nAA\n")
  (tmp_path / "c.gz").write_bytes(b"\x1f\x8b rest")
  assert seqfiles.count_sequences(str(tmp_path / "a.txt")) == 3
  assert seqfiles.count_sequences(str(tmp_path / "b.fa")) == 2
  assert seqfiles.count_sequences(str(tmp_path / "c.gz")) is None
  assert seqfiles.count_sequences("/dev/null") is None
