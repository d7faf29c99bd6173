"""What a trained model learned: contribution scores, logos and motifs.

  methods.py       the attribution methods, each declared once (a registry)
  settings.py      ExplainConfig: the method and its settings (no framework)
  shuffle.py       exact dinucleotide shuffles of a region (the references)
  gradients.py     GradientModel: forward passes and input gradients of a
                   model from its one-hot input, in fixed-size batches
  attribution.py   saliency, input x gradient, integrated and expected
                   gradients, ISM; `contributions` (the Python API)
  run_model.py     a run directory's model.keras and its output scale
  scores_file.py   sequences in, the `.npz` of scores out
  logos.py         sequence logos drawn with Matplotlib
  checks.py        AUROC against known sites, completeness, correlations
  motifs.py        TF-MoDISco for 110-nt sequences (the `explain` extra)
  matching.py      Tomtom matches and motif similarity
  motif_db.py      JASPAR 2024 CORE fungi (pyjaspar) or a MEME file
  motif_report.py  the outputs of `python -m madlab_dream.motifs`

Commands: `python -m madlab_dream.explain` (scores; needs nothing beyond
the package) and `python -m madlab_dream.motifs` (needs
`pip install -e '.[explain]'`). Importing this package imports no
framework; `contributions` imports TensorFlow when called.
"""

from __future__ import annotations

from madlab_dream.explain import attribution


def contributions(model, codes, method: str = "expected_gradients",
                  **options):
  """Contribution scores of `model` for codes uint8 [N, L]
  (`attribution.contributions`)."""
  return attribution.contributions(model, codes, method, **options)


__all__ = ["contributions"]
