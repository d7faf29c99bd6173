"""The pretrained starting point: MadLab's model trained on simulated rows.

  python -m madlab_dream.pretrain

simulates `rows` training rows from the simulator's default yeast grammar
(seed `seed`), trains MadLab's model as described (319,657 parameters) on
them with the small-batch optimiser of experiments/demo.flags (batch 32,
RMSprop 3e-4 constant, L2 1e-5, XLA on) for `steps` steps, keeps the epoch
of the best simulated validation r, and writes its weights
(`simulator.npz`, float32) and a record (`simulator.json`: the command,
seed, rows, steps, simulated validation r, the simulated rows' noise
ceiling, time and CPU) into the package's `madlab_dream/pretrained/`, or
into --output_dir. `--init_from=simulator` starts a training run from the
package's copy (`madlab_dream/training/pretrained.py`).

A tool, not library: it imports the simulator.
"""

from madlab_dream.tools.pretrain.run import pretrain

__all__ = ["pretrain"]
