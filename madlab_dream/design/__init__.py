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
  speed.py      candidate evaluations/s against plain inference
  proof.py      the simulator as the oracle: how much of a design's gain is
                real (`python -m madlab_dream.design_demo`)
  __main__.py   `python -m madlab_dream.design`

The package is also callable: `madlab_dream.design(models, starts, ...)`
is `designer.design` (the public API's name, as `madlab_dream.train`).
"""

import sys
import types

from madlab_dream.design.designer import DesignResult
from madlab_dream.design.designer import design
from madlab_dream.design.options import DesignOptions

__all__ = ["DesignOptions", "DesignResult", "design"]


class _CallableDesignPackage(types.ModuleType):
  """The `madlab_dream.design` package, callable as `designer.design`.

  `madlab_dream.design` names both this package and the public API's
  design function; a module object is callable only if its class is, so
  this package's module object is given this class (see
  `madlab_dream.train`).
  """

  def __call__(self, *args, **options):
    """Designs sequences: see `madlab_dream.design.designer.design`."""
    return design(*args, **options)


sys.modules[__name__].__class__ = _CallableDesignPackage
