"""`make explain-demo`: the explanations proved on the simulator's grammar.

  proof.py    held-out sequences with planted motifs, every method timed
              with its AUROC at the grammar's sites, the references x steps
              sweep, ISM vs expected gradients
  recovery.py TF-MoDISco on the scores; which planted motifs it recovered
  report.py   report.json and report.md, with the targets
"""
