"""Variant effects and saturation mutagenesis (inference.variants, the
variants command), on an exported tiny model."""

import pytest

from helpers import run_module, assert_one_line_error

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def predictor(exported_model):
  from madlab_dream.inference.predictor import Predictor
  return Predictor(str(exported_model))


def test_variant_pairs(exported_model, tmp_path, predictor):
  ref = "TGCATTTTTTTCACATC" + "A" * 80 + "GGTTACGGCTGTT"
  alt = ref[:50] + "TTACCCG" + ref[57:]
  pairs = tmp_path / "pairs.tsv"
  pairs.write_text(f"# ref alt\nv1\t{ref}\t{alt}\nv2\t{alt}\t{ref}\n")
  out = tmp_path / "effects.tsv"
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--pairs={pairs}", f"--output={out}")
  assert proc.returncode == 0, proc.stderr[-2000:]
  rows = [l.split("\t") for l in out.read_text().splitlines()]
  assert rows[0] == ["name", "ref", "alt", "ref_prediction", "alt_prediction",
                     "effect"]
  p_ref, p_alt = predictor.predict_text([ref, alt])
  assert float(rows[1][5]) == pytest.approx(p_alt - p_ref, abs=1e-4)
  assert float(rows[2][5]) == pytest.approx(p_ref - p_alt, abs=1e-4)


def test_saturation_mutagenesis_table_and_heatmap(exported_model, tmp_path,
                                                  predictor):
  seq = "TGCATTTTTTTCACATC" + "ACGT" * 20 + "GGTTACGGCTGTT"
  out = tmp_path / "ism.tsv"
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--sequence={seq}", f"--output={out}")
  assert proc.returncode == 0, proc.stderr[-2000:]
  lines = out.read_text().splitlines()
  assert any("positions 1-110 of 110" in l for l in lines if l[0] == "#")
  rows = [l.split("\t") for l in lines if not l.startswith("#")][1:]
  assert len(rows) == 3 * len(seq)
  assert {r[0] for r in rows} == {str(i) for i in range(1, len(seq) + 1)}
  png = tmp_path / "ism.png"
  assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
  # one row checked against a direct prediction
  pos, ref, alt = int(rows[7][0]), rows[7][1], rows[7][2]
  mutant = seq[:pos - 1] + alt + seq[pos:]
  p_ref, p_mut = predictor.predict_text([seq, mutant])
  assert ref == seq[pos - 1]
  assert float(rows[7][4]) == pytest.approx(p_mut - p_ref, abs=1e-4)


def test_variants_bad_pairs_file(exported_model, tmp_path):
  pairs = tmp_path / "pairs.tsv"
  pairs.write_text("ACGT\tACGA\nACGT\n")
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--pairs={pairs}", f"--output={tmp_path / 'o.tsv'}")
  assert_one_line_error(proc, f"{pairs}:2:", "wrong number of columns")
  assert not (tmp_path / "o.tsv").exists()


# --- Quiet surprises and outputs (issue 15) ----------------------------------

def test_pairs_of_unequal_length_are_refused_unless_allowed(exported_model,
                                                            tmp_path):
  ref = "TGCATTTTTTTCACATC" + "A" * 80 + "GGTTACGGCTGTT"
  pairs = tmp_path / "pairs.tsv"
  pairs.write_text(f"{ref}\t{ref[:50] + 'T' + ref[51:]}\n{ref}\t{ref[1:]}\n")
  out = tmp_path / "effects.tsv"
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--pairs={pairs}", f"--output={out}")
  assert_one_line_error(proc, f"{pairs}:2:", "110 vs 109 nt",
                        "--allow_unequal_lengths")
  assert not out.exists()
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--pairs={pairs}", f"--output={out}",
                    "--allow_unequal_lengths")
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert len(out.read_text().splitlines()) == 3


def test_ism_above_the_model_length_is_refused_unless_asked(exported_model,
                                                            tmp_path,
                                                            predictor):
  rng = __import__("numpy").random.default_rng(3)
  seq = "".join(rng.choice(list("ACGT"), 300))
  out = tmp_path / "ism.tsv"
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--sequence={seq}", f"--output={out}")
  assert_one_line_error(proc, "300 nt", "last 110", "--allow_long_sequence")
  assert not out.exists()
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--sequence={seq}", f"--output={out}",
                    "--allow_long_sequence")
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert "positions 191-300" in proc.stdout
  lines = out.read_text().splitlines()
  assert any("positions 191-300" in l for l in lines if l.startswith("#"))
  rows = [l.split("\t") for l in lines if not l.startswith("#")][1:]
  assert len(rows) == 3 * 110
  assert {int(r[0]) for r in rows} == set(range(191, 301))
  pos, alt = int(rows[5][0]), rows[5][2]
  p_ref, p_mut = predictor.predict_text([seq, seq[:pos - 1] + alt + seq[pos:]])
  assert float(rows[5][4]) == pytest.approx(p_mut - p_ref, abs=1e-4)
  assert float(rows[5][4]) != 0


def test_variants_refuses_to_overwrite_its_pairs(exported_model, tmp_path):
  pairs = tmp_path / "pairs.tsv"
  pairs.write_text("ACGT\tACGA\n")
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--pairs={pairs}", f"--output={pairs}")
  assert_one_line_error(proc, str(pairs), "is also the input")
  assert pairs.read_text() == "ACGT\tACGA\n"
