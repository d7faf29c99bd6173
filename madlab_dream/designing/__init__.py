"""Designing sequences with trained models.

  objective.py  the score (mean over models, sd penalty, max/min/target) and
                the guard (the trusted range: saturation, never selected)
  starts.py     random starts between the DREAM flanks or a file's
                sequences; what may change (flanks, --protect, length policy)
  pool.py       scored sequences of many designs as parallel arrays
  greedy.py     greedy / beam search over all single-nucleotide edits
  evolve.py     Vaishnav et al.'s genetic algorithm
  options.py    DesignOptions: the settings, checked once
  designer.py   `design(models, starts, objective=..., method=..., ...)`
  outputs.py    the TSV, trajectory.tsv, the PNG and the summary, atomically

`madlab_dream.design(models, starts, ...)` (the public API) is
`designer.design`.
"""

from madlab_dream.designing.designer import DesignResult
from madlab_dream.designing.designer import design
from madlab_dream.designing.options import DesignOptions

__all__ = ["DesignOptions", "DesignResult", "design"]

