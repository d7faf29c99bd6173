"""The documentation's marked examples run, and its links resolve.

A fenced `sh` or `python` block of README.md or docs/*.md whose preceding
line is `<!-- runnable -->` is run; a fenced `text` block whose preceding
line is `<!-- output -->` lists lines that the runnable block above it must
print (docs/README.md, "Examples that run").

The examples are written for the repository root. They run in a temporary
directory holding copies of `experiments/` and `tests/data/` (their inputs,
at the same relative paths), with a `python` that runs this interpreter
first on PATH and the repository on PYTHONPATH; their text is run as
written. README.md's blocks run first (the quick start); each docs page
then runs its blocks in order in a copy of what the quick start left.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
README = REPO / "README.md"
PAGES = sorted((REPO / "docs").glob("*.md"))
RUNNABLE = "<!-- runnable -->"
OUTPUT = "<!-- output -->"
LANGUAGES = {"sh": "sh", "bash": "sh", "python": "python"}
#: The inputs the examples name, copied from the repository.
INPUTS = ("experiments", "tests/data")
TIMEOUT_S = 600
FENCE = re.compile(r"^(`{3,})(.*)$")


@dataclasses.dataclass
class Block:
  """A runnable fenced block: where it is, its language, text and output."""

  where: str                    # PATH:LINE of the opening fence
  language: str                 # "sh" or "python"
  text: str
  expected: list[str] = dataclasses.field(default_factory=list)


def fenced_blocks(text: str) -> list[tuple[int, str, str, str]]:
  """Every fenced block of a Markdown text.

  Returns:
    (line of the opening fence, 1-based; the line before it, stripped: the
    marker; the fence's info string; the block's text) per block.
  """
  lines = text.splitlines()
  blocks, i = [], 0
  while i < len(lines):
    fence = FENCE.match(lines[i])
    if not fence:
      i += 1
      continue
    start, body = i, []
    i += 1
    while i < len(lines) and lines[i].strip() != fence.group(1):
      body.append(lines[i])
      i += 1
    marker = lines[start - 1].strip() if start else ""
    blocks.append((start + 1, marker, fence.group(2).strip(),
                   "\n".join(body) + "\n"))
    i += 1
  return blocks


def runnable_blocks(path: pathlib.Path) -> list[Block]:
  """The runnable blocks of `path`, each with its expected output lines."""
  name = path.relative_to(REPO) if path.is_relative_to(REPO) else path
  out: list[Block] = []
  for line, marker, info, text in fenced_blocks(path.read_text("utf-8")):
    where = f"{name}:{line}"
    if marker == RUNNABLE:
      assert info in LANGUAGES, f"{where}: a runnable {info!r} block"
      out.append(Block(where, LANGUAGES[info], text))
    elif marker == OUTPUT:
      assert info == "text" and out, f"{where}: an output block after no " \
          "runnable block"
      out[-1].expected += [s for s in text.splitlines() if s.strip()]
  return out


def stray_markers(path: pathlib.Path) -> list[int]:
  """Lines of markers, outside fenced blocks, not followed by a fence."""
  lines = path.read_text("utf-8").splitlines()
  fence, stray = None, []
  for i, line in enumerate(lines):
    opening = FENCE.match(line)
    if fence:
      fence = None if line.strip() == fence else fence
    elif opening:
      fence = opening.group(1)
    elif line.strip() in (RUNNABLE, OUTPUT) and not (
        i + 1 < len(lines) and FENCE.match(lines[i + 1])):
      stray.append(i + 1)
  return stray


def make_workspace(directory: pathlib.Path) -> pathlib.Path:
  """Fills `directory` with the examples' inputs and `.bin/python`.

  `.bin/python` is a script that runs this interpreter (a symbolic link
  would lose this interpreter's virtual environment).
  """
  for name in INPUTS:
    shutil.copytree(REPO / name, directory / name)
  bin_dir = directory / ".bin"
  bin_dir.mkdir()
  python = bin_dir / "python"
  python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
  python.chmod(0o755)
  return directory


def environment(workspace: pathlib.Path) -> dict[str, str]:
  """This process's environment, with the workspace's `python` first."""
  env = dict(os.environ)
  env.update({"PATH": f"{workspace / '.bin'}{os.pathsep}{env.get('PATH', '')}",
              "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3",
              "CUDA_VISIBLE_DEVICES": "", "PYTHONUNBUFFERED": "1"})
  return env


def run_block(block: Block, workspace: pathlib.Path) -> None:
  """Runs `block` in `workspace`.

  Raises:
    AssertionError (with the block's output) unless it exits with status 0
    and prints every expected line, on stdout or stderr.
  """
  if block.language == "sh":
    command = ["bash", "-e", "-o", "pipefail", "-c", block.text]
  else:
    command = [sys.executable, "-c", block.text]
  proc = subprocess.run(command, cwd=workspace, env=environment(workspace),
                        capture_output=True, text=True, timeout=TIMEOUT_S)
  printed = proc.stdout + proc.stderr
  assert proc.returncode == 0, (
      f"{block.where}: exit status {proc.returncode}\n{block.text}\n"
      f"{printed[-4000:]}")
  for line in block.expected:
    assert line in printed, (f"{block.where}: the documented output line "
                             f"{line!r} is not printed:\n{printed[-4000:]}")


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory) -> pathlib.Path:
  """A workspace in which README.md's runnable blocks have run."""
  workspace = make_workspace(tmp_path_factory.mktemp("readme"))
  for block in runnable_blocks(README):
    run_block(block, workspace)
  return workspace


def test_markers_are_on_the_line_before_a_fence():
  """A marker that is not followed by a fence marks nothing: refused."""
  for path in [README, *PAGES]:
    assert not stray_markers(path), (path, stray_markers(path))


def test_markers_select_blocks_and_outputs(tmp_path):
  """Only marked blocks run; an output block belongs to the one above."""
  page = tmp_path / "page.md"
  page.write_text("```sh\nnot marked\n```\n\n<!-- runnable -->\n```sh\n"
                  "echo one\n```\n<!-- output -->\n```text\none\n```\n"
                  "<!-- runnable -->\n```python\nprint(2)\n```\n")
  blocks = runnable_blocks(page)
  assert [(b.language, b.text, b.expected) for b in blocks] == [
      ("sh", "echo one\n", ["one"]), ("python", "print(2)\n", [])]


def test_a_failing_or_silent_block_fails(tmp_path):
  """The runner fails on a non-zero status and on a missing output line."""
  workspace = make_workspace(tmp_path / "w")
  run_block(Block("x:1", "sh", "python -c 'print(42)'\n", ["42"]), workspace)
  with pytest.raises(AssertionError, match="exit status 3"):
    run_block(Block("x:1", "sh", "true\nexit 3\n"), workspace)
  with pytest.raises(AssertionError, match="is not printed"):
    run_block(Block("x:1", "python", "print(41)\n", ["42"]), workspace)


def test_the_quick_start_is_runnable():
  """The README's quick start is marked, and goes simulate -> explain."""
  text = README.read_text("utf-8")
  section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
  assert RUNNABLE in section
  commands = "".join(b.text for b in runnable_blocks(README))
  for step in ("madlab_dream.simulate", "madlab_dream.train",
               "madlab_dream.predict", "madlab_dream.evaluate",
               "madlab_dream.explain"):
    assert step in commands, step


@pytest.mark.slow
def test_readme_examples_run(quickstart):
  """The quick start leaves a trained run, a submission, its scores and
  contribution scores with their logos."""
  run = quickstart / "runs" / "quickstart"
  for name in ("saved_model/saved_model.pb", "model.keras", "report.json",
               "submission.json", "scores.json", "scores.md",
               "contributions.npz", "contributions_logos"):
    assert (run / name).exists(), name


@pytest.mark.slow
@pytest.mark.parametrize(
    "page", [p for p in PAGES if runnable_blocks(p)], ids=lambda p: p.name)
def test_page_examples_run(page, quickstart, tmp_path):
  """A page's blocks run in order, in a copy of the quick start's results."""
  workspace = tmp_path / "workspace"
  shutil.copytree(quickstart, workspace, symlinks=True)
  for block in runnable_blocks(page):
    run_block(block, workspace)


# --- Links ------------------------------------------------------------------

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def without_fences(text: str) -> str:
  """`text` without its fenced blocks."""
  return re.sub(r"^(`{3,}).*?^\1\s*$", "", text, flags=re.M | re.S)


def anchors(path: pathlib.Path) -> set[str]:
  """GitHub's anchors of the headings of `path` (repeats get -1, -2, ...)."""
  seen: dict[str, int] = {}
  out = set()
  for line in without_fences(path.read_text("utf-8")).splitlines():
    heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
    if not heading:
      continue
    slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
    count = seen.get(slug, 0)
    seen[slug] = count + 1
    out.add(slug if count == 0 else f"{slug}-{count}")
  return out


def broken_links(path: pathlib.Path, root: pathlib.Path) -> list[str]:
  """The relative links of `path` that miss a file or heading under `root`.

  Links inside code (fenced blocks, `inline code`) and links with a scheme
  (https:, mailto:) are not checked.
  """
  text = re.sub(r"`[^`\n]*`", "", without_fences(path.read_text("utf-8")))
  broken = []
  for link in LINK.findall(text):
    if re.match(r"^[a-z][a-z0-9+.-]*:", link):
      continue
    target, _, anchor = link.partition("#")
    resolved = (path.parent / target).resolve() if target else path
    if not resolved.is_relative_to(root):
      broken.append(f"{path.name}: {link} (outside the repository)")
    elif not resolved.exists():
      broken.append(f"{path.name}: {link} (no such file)")
    elif anchor and resolved.suffix == ".md" and \
        anchor not in anchors(resolved):
      broken.append(f"{path.name}: {link} (no such heading)")
  return broken


def test_anchors_follow_github():
  """Headings become GitHub's anchors: lower case, punctuation dropped."""
  assert {"small-files", "budgets-schedules-and-stopping",
          "training-python--m-madlab_dreamtrain"} <= anchors(
              REPO / "docs" / "training.md")


def test_broken_links_are_found(tmp_path):
  """A missing file, a missing heading and a way out are reported."""
  (tmp_path / "docs").mkdir()
  page = tmp_path / "docs" / "page.md"
  page.write_text("# Top\n\n[a](#top) [b](page.md#top) [c](other.md) "
                  "[d](#bottom) [e](../../x.md) `[f](nowhere.md)` "
                  "[g](https://example.org/none)\n")
  assert broken_links(page, tmp_path) == [
      "page.md: other.md (no such file)",
      "page.md: #bottom (no such heading)",
      "page.md: ../../x.md (outside the repository)"]


def test_every_relative_link_resolves():
  """Every relative link of README.md and docs/ reaches a file and heading."""
  broken = [b for p in [README, *PAGES] for b in broken_links(p, REPO)]
  assert not broken, "\n".join(broken)


def test_the_settings_page_is_generated_from_the_settings():
  """docs/settings.md is what the settings' fields say (regenerate it with
  `python -m madlab_dream.tools.settings_table > docs/settings.md`)."""
  from madlab_dream.tools import settings_table
  assert (REPO / settings_table.PAGE).read_text("utf-8") == (
      settings_table.markdown())
  for name in ("seq_len", "lstm_activation", "mixed_precision", "freeze"):
    assert f"| `--{name}` |" in settings_table.markdown()
