"""`make demo`: the whole product on a laptop, inside a time budget.

  budget.py    measure this machine's training speed in a few seconds and
               size the run to the budget (steps, epochs, time budget)
  verdict.py   model vs k-mer ridge vs noise ceiling, the checks, the
               learning curve, demo_report.md / .json
  __main__.py  the steps, each a real command: simulate, train, predict,
               score

  python -m madlab_dream.demo [--output_dir=demo_output] [--budget=12m]
"""
