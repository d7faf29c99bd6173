"""The GPU check: `python -m madlab_dream.gpu_check [--smoke]` (`make
gpu-check`); the steps are `tools.bench.gpu_check`'s (see there).

Writes --report (BENCHMARKS_GPU.md) and its figures as .json beside it,
and the simulated data and the run in --output_dir.
"""

import json
import os
import time

from madlab_dream import compat
from madlab_dream.commands import cli
from madlab_dream.commands import flags
from madlab_dream.io import files
from madlab_dream.tools.bench import gpu_check as check


def run() -> int:
  f = flags.FLAGS
  sizes = check.SMOKE if f.smoke else check.FULL
  if f.bare_step_only:  # the PyTorch process of `check.torch_step`
    print(json.dumps(check.bare_step(f.smoke, sizes["batch"])))
    return 0
  t0 = time.time()
  keras = compat.keras()
  budget = f.budget or sizes["budget"]
  r = {"smoke": f.smoke, "sizes": sizes, "budget": budget,
       "device": check.device(), "keras": keras.__version__}
  check.log(t0, f"device {r['device']}; Keras {keras.__version__} on "
            f"{keras.backend.backend()}")
  os.makedirs(f.output_dir, exist_ok=True)
  r["e2e"] = check.train_and_score(f.output_dir, sizes, budget, t0)
  r["bare_steps"] = [check.bare_step(f.smoke, sizes["batch"])]
  check.log(t0, f"bare step ({r['bare_steps'][0]['backend']}): "
            f"{r['bare_steps'][0]['seq_per_s']:,.0f} seq/s")
  other = check.torch_step(f.smoke, sizes["batch"]) if (
      keras.backend.backend() != "torch") else None
  if other:
    r["bare_steps"].append(other)
    check.log(t0, f"bare step (torch): {other['seq_per_s']:,.0f} seq/s")
  r["seconds"] = time.time() - t0
  files.write_text(f.report, check.markdown(r))
  files.write_text(os.path.splitext(f.report)[0] + ".json",
                   json.dumps(r, indent=1, default=str) + "\n")
  check.log(t0, f"wrote {f.report} and its .json")
  return 0


def main() -> None:
  cli.run(run, "madlab_dream.gpu_check", flags.define_gpu_check_flags)


if __name__ == "__main__":
  main()
