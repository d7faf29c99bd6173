"""What a benchmark run puts out: progress lines on stdout, and its
results (their common fields here) as the Markdown report and, beside it,
the raw figures as JSON, both written atomically."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from typing import Any
from typing import Sequence

from madlab_dream.io import files
from madlab_dream.tools.bench.markdown import render
from madlab_dream.tools.bench.sizes import TARGETS
from madlab_dream.tools.bench.sizes import Sizes


def log(message: str) -> None:
  """Prints one progress line of the benchmark."""
  print(f"[bench] {message}", flush=True)


def start(output: str, argv: Sequence[str], quick: bool, sizes: Sizes,
          hardware: dict) -> dict[str, Any]:
  """The results' common fields; checks that `output` can be written."""
  files.check_output(output)
  return {"argv": "".join(f" {a}" for a in argv), "quick": quick,
          "date": time.strftime("%Y-%m-%d %H:%M %Z"),
          "json": os.path.splitext(output)[0] + ".json",
          "hardware": hardware, "sizes": dataclasses.asdict(sizes),
          "targets": TARGETS, "started": time.perf_counter()}


def finish(results: dict, output: str) -> dict:
  """Writes the JSON and the Markdown report; returns `results`."""
  results["total_s"] = time.perf_counter() - results.pop("started")
  files.write_text(results["json"], json.dumps(results, indent=1,
                                               default=float) + "\n")
  files.write_text(output, render(results))
  log(f"wrote {output} and {results['json']} ({results['total_s']:.0f} s)")
  return results
