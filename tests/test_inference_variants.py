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
  rows = [l.split("\t") for l in lines[2:]]
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
