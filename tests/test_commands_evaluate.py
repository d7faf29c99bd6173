"""The scoring command line, run as a user would (subprocess)."""

import json
import os

import pytest
from helpers import assert_one_line_error
from helpers import run_module
from scoring_cases import HAND_WEIGHTS
from scoring_cases import write_inputs

pytestmark = pytest.mark.slow

MODULE = "madlab_dream.evaluate"


@pytest.fixture
def inputs(tmp_path):
  gt, sub, pub, tsv, js = write_inputs(tmp_path)
  return {"ground_truth": gt, "subsets_dir": sub, "public_dir": pub,
          "tsv": tsv, "json": js}


def args(inputs, predictions, **extra):
  out = [f"--predictions={predictions}",
         f"--ground_truth={inputs['ground_truth']}",
         f"--subsets_dir={inputs['subsets_dir']}"]
  return out + [f"--{k}={v}" for k, v in extra.items()]


def test_cli_writes_json_and_markdown(inputs, tmp_path):
  out = tmp_path / "out" / "score.json"
  proc = run_module(MODULE, *args(inputs, inputs["json"], output=out),
                    timeout=60)
  assert proc.returncode == 0, proc.stderr
  result = json.loads(out.read_text())
  for key in ("pearson_score", "spearman_score", "subsets", "missing_subsets",
              "score_covers", "score_weight", "public_mode", "counts",
              "complete"):
    assert key in result, key
  assert set(result["subsets"]) == set(HAND_WEIGHTS)
  for s in result["subsets"].values():
    assert {"pearson", "spearman", "n"} <= set(s)
  assert result["public_mode"] == "ignore" and result["complete"]
  assert result["counts"]["skipped_missing_truth"] == 1
  assert result["subsets"]["all"]["n"] == 15
  assert result["counts"]["subset_duplicates_dropped"] == {"high": 1,
                                                           "SNVs": 1}
  assert "subset SNVs: 1 duplicate pair dropped" in proc.stdout
  md = (tmp_path / "out" / "score.md").read_text()
  assert f"{result['pearson_score']:.4f}" in md
  assert f"Pearson score:  {result['pearson_score']:.4f}" in proc.stdout
  assert "motif_tiling" in proc.stdout


def test_cli_public_modes(inputs, tmp_path):
  """exclude is the default with --public_dir; only keeps public positions."""
  outs = {}
  for mode in (None, "only"):
    out = tmp_path / f"{mode}.json"
    extra = {"public_dir": inputs["public_dir"], "output": out}
    if mode:
      extra["public"] = mode
    proc = run_module(MODULE, *args(inputs, inputs["tsv"], **extra),
                      timeout=60)
    assert proc.returncode == 0, proc.stderr
    outs[mode] = json.loads(out.read_text())
  assert outs[None]["public_mode"] == "exclude"
  assert outs[None]["subsets"]["all"]["n"] == 8
  assert outs["only"]["subsets"]["all"]["n"] == 7
  # Undefined correlations are null in the JSON, and so is the score.
  assert outs[None]["subsets"]["yeast"]["pearson"] is None
  assert outs[None]["pearson_score"] is None


def test_cli_missing_subset_reported(inputs, tmp_path):
  (inputs["subsets_dir"] / "motif_tiling_seqs.csv").unlink()
  out = tmp_path / "score.json"
  proc = run_module(MODULE, *args(inputs, inputs["tsv"], output=out),
                    timeout=60)
  assert proc.returncode == 0, proc.stderr
  result = json.loads(out.read_text())
  assert result["missing_subsets"] == ["motif_tiling"]
  assert result["complete"] is False
  assert "motif_tiling" not in result["score_covers"]
  assert "INCOMPLETE" in proc.stdout


def test_cli_bad_predictions_exit_2_without_output(inputs, tmp_path):
  bad = tmp_path / "bad.tsv"
  lines = inputs["tsv"].read_text().splitlines()
  lines[3] = "ACGT\toops"
  bad.write_text("\n".join(lines) + "\n")
  out = tmp_path / "score.json"
  proc = run_module(MODULE, *args(inputs, bad, output=out), timeout=60)
  assert_one_line_error(proc, str(bad), ":4:", "not a number")
  assert not out.exists() and not (tmp_path / "score.md").exists()
  assert list(tmp_path.glob(".score*")) == []


def test_cli_short_json_predictions(inputs, tmp_path):
  bad = tmp_path / "short.json"
  bad.write_text(json.dumps({str(i): 0.5 for i in range(10)}))
  out = tmp_path / "score.json"
  proc = run_module(MODULE, *args(inputs, bad, output=out), timeout=60)
  assert_one_line_error(proc, str(bad), "missing")
  assert not out.exists()


def test_cli_only_needs_public_dir(inputs):
  proc = run_module(MODULE, *args(inputs, inputs["tsv"], public="only"),
                    timeout=60)
  assert_one_line_error(proc, "--public_dir")


def test_cli_warns_when_sequences_differ(inputs, tmp_path):
  shifted = tmp_path / "shifted.tsv"
  lines = inputs["tsv"].read_text().splitlines()
  lines[2] = "GGGG\t" + lines[2].split("\t")[1]
  shifted.write_text("\n".join(lines) + "\n")
  out = tmp_path / "score.json"
  proc = run_module(MODULE, *args(inputs, shifted, output=out), timeout=60)
  assert proc.returncode == 0, proc.stderr
  assert "1 sequence differs" in proc.stderr and "row 3" in proc.stderr
  assert json.loads(out.read_text())["counts"]["sequence_mismatches"] == 1


def test_cli_refuses_to_overwrite_an_input_or_write_gzip(inputs, tmp_path):
  """Neither --output nor the Markdown beside it may be an input; .gz is
  refused (the Markdown's name is derived from the JSON's)."""
  preds = tmp_path / "scores.md"  # predictions TSV under an unlucky name
  preds.write_bytes(inputs["tsv"].read_bytes())
  before = preds.read_bytes()
  for output in (preds.with_suffix(".json"), inputs["ground_truth"]):
    proc = run_module(MODULE, *args(inputs, preds, output=output), timeout=60)
    assert_one_line_error(proc, "is also the input")
  proc = run_module(MODULE, *args(inputs, preds,
                                  output=tmp_path / "s.json.gz"), timeout=60)
  assert_one_line_error(proc, "s.json.gz", "gzip")
  assert preds.read_bytes() == before
  assert not list(tmp_path.glob("s.*"))
  assert not (tmp_path / "scores.json").exists()


def test_outputs_may_not_replace_or_lie_inside_an_input(inputs, tmp_path):
  subset = next(inputs["subsets_dir"].iterdir())
  before = subset.read_bytes()
  for out in (inputs["subsets_dir"] / "high_exp_seqs.json",
              subset.with_suffix(".json"), inputs["public_dir"] / "s.json"):
    proc = run_module(MODULE, *args(inputs, inputs["json"], output=out,
                                    public_dir=inputs["public_dir"]),
                      timeout=60)
    assert_one_line_error(proc, "lies inside the input directory")
  assert subset.read_bytes() == before


def test_a_device_output_gets_no_sidecar(inputs):
  proc = run_module(MODULE, *args(inputs, inputs["json"], output="/dev/null"),
                    timeout=60)
  assert proc.returncode == 0, proc.stderr
  assert "wrote /dev/null in" in proc.stdout
  assert not os.path.exists("/dev/null.md")


def test_a_predictions_file_without_newlines_is_refused(inputs):
  proc = run_module(MODULE, *args(inputs, "/dev/zero"), timeout=60)
  assert_one_line_error(proc, "/dev/zero:1: line longer than")
