"""docs/settings.md: every setting of a training run, of explain, motifs
and design, generated from the settings' fields (name, default, help text
written once, in the field's metadata), so the page cannot drift from the
flags.

  python -m madlab_dream.tools.settings_table > docs/settings.md

`tests/test_docs.py` compares the page with `markdown()`.
"""

from __future__ import annotations

import dataclasses

from madlab_dream import config
from madlab_dream.designing.options import DesignOptions
from madlab_dream.explain.motifs import MotifsConfig
from madlab_dream.explain.settings import ExplainConfig
from madlab_dream.training.kmer_teacher import TeacherConfig

PAGE = "docs/settings.md"

#: (title, settings class, fields left out): a training run's, then the
#: other commands' (their fields with a help text are their flags).
_SECTIONS = (
    ("Data (`DataConfig`)", config.DataConfig, ()),
    ("Model (`ModelConfig`)", config.ModelConfig, ("seq_len", "seed")),
    ("Training run (`TrainConfig`)", config.TrainConfig, ()),
    ("Rows labelled by a k-mer ridge: `python -m madlab_dream.teacher_rows` "
     "(`TeacherConfig`; it also takes every training flag)", TeacherConfig,
     ()),
    ("Contribution scores: `python -m madlab_dream.explain` "
     "(`ExplainConfig`)", ExplainConfig, ()),
    ("Motifs: `python -m madlab_dream.motifs` (`MotifsConfig`)",
     MotifsConfig, ()),
    ("Design: `python -m madlab_dream.design` (`DesignOptions`)",
     DesignOptions, ()),
)


def _default(field: dataclasses.Field) -> str:
  value = field.default
  if value is None or value == ():
    return ""
  if isinstance(value, bool):
    return f"`{str(value).lower()}`"
  if isinstance(value, tuple):
    return f"`{','.join(str(v) for v in value)}`"
  return f"`{value}`"


def _row(field: dataclasses.Field) -> str:
  what = " ".join(field.metadata.get("help", "").split())
  choices = field.metadata.get("choices")
  if choices:
    what += f" One of: {', '.join(choices)}."
  what = what.replace("|", "\\|")
  return f"| `--{field.name}` | {_default(field)} | {what} |"


def markdown() -> str:
  """The page: one table per config, fields in their order."""
  lines = ["# Settings", "",
           "Every setting of `python -m madlab_dream.train` (and of "
           "`madlab_dream.train(...)`, a keyword of the same name), then of "
           "explain, motifs and design, with its default and what it does: "
           "generated from the settings' fields "
           "(`python -m madlab_dream.tools.settings_table > "
           f"{PAGE}`), where each is written once. `--seq_len` and "
           "`--seed` set both the data's and the model's. Each command's "
           "`--help` lists its own flags.", ""]
  for title, config_class, skipped in _SECTIONS:
    lines += [f"## {title}", "", "| flag | default | what |", "|---|---|---|"]
    lines += [_row(field) for field in dataclasses.fields(config_class)
              if field.name not in skipped and field.metadata.get("help")]
    lines.append("")
  return "\n".join(lines)


if __name__ == "__main__":
  print(markdown(), end="")
