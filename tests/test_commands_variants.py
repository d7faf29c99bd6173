"""The variants command (pairs, one sequence's mutagenesis, a file's), on an
exported tiny model."""

import numpy as np
import pytest
from helpers import assert_one_line_error
from helpers import run_module

pytestmark = pytest.mark.slow


def test_variant_pairs(exported_model, tmp_path, predictor):
  ref = "TGCATTTTTTTCACATC" + "A" * 80 + "GGTTACGGCTGTT"
  alt = ref[:50] + "TTACCCG" + ref[57:]
  pairs = tmp_path / "pairs.tsv"
  pairs.write_text(f"# ref alt\nv1\t{ref}\t{alt}\nv2\t{alt}\t{ref}\n")
  out = tmp_path / "effects.tsv"
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--pairs={pairs}", f"--output={out}")
  assert proc.returncode == 0, proc.stderr[-2000:]
  rows = [line.split("\t") for line in out.read_text().splitlines()]
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
  assert any("positions 1-110 of 110" in line for line in lines if line[0] == "#")
  rows = [line.split("\t") for line in lines if not line.startswith("#")][1:]
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


# --- Quiet surprises and outputs ---------------------------------------------

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
  rng = np.random.default_rng(3)
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
  assert any("positions 191-300" in line for line in lines if line.startswith("#"))
  rows = [line.split("\t") for line in lines if not line.startswith("#")][1:]
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


# --- Batched saturation mutagenesis ------------------------------------------


def test_ism_input_writes_every_sequence_with_an_id(exported_model, tmp_path,
                                                    predictor):
  rng = np.random.default_rng(12)
  seqs = ["".join(rng.choice(list("ACGT"), n)) for n in (110, 110, 95)]
  fasta = tmp_path / "seqs.fa"
  fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs)))
  out = tmp_path / "ism.tsv.gz"
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--ism_input={fasta}", f"--output={out}",
                    "--eval_batch_size=300")
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert "of 3 sequences" in proc.stdout
  import gzip
  lines = gzip.decompress(out.read_bytes()).decode().splitlines()
  assert lines[0].split("\t") == ["sequence_id", "position", "ref", "alt",
                                  "reference_prediction", "prediction",
                                  "effect"]
  rows = [line.split("\t") for line in lines[1:]]
  assert len(rows) == 3 * (110 + 110 + 95)
  assert [r[0] for r in rows] == (["1"] * 330 + ["2"] * 330 + ["3"] * 285)
  # Sequence 3 as the single-sequence mode gives it.
  single = tmp_path / "single.tsv"
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--sequence={seqs[2]}", f"--output={single}")
  assert proc.returncode == 0, proc.stderr[-2000:]
  want = [line.split("\t") for line in single.read_text().splitlines()
          if not line.startswith("#")][1:]
  got = [r[1:] for r in rows if r[0] == "3"]
  assert [g[:3] for g in got] == [w[:3] for w in want]
  for g, w in zip(got, want):
    assert float(g[5]) == pytest.approx(float(w[4]), abs=4e-5)


def test_ism_input_refusals(exported_model, tmp_path):
  rng = np.random.default_rng(13)
  seqs = tmp_path / "seqs.txt"
  seqs.write_text("ACGT" * 20 + "\n" + "".join(rng.choice(list("ACGT"), 150))
                  + "\n")
  out = tmp_path / "ism.tsv"
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--ism_input={seqs}", f"--output={out}")
  assert_one_line_error(proc, str(seqs), "sequence 2 is 150 nt",
                        "--allow_long_sequence")
  assert not out.exists()
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--ism_input={seqs}", f"--output={out}",
                    "--allow_long_sequence")
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert "1 longer than 110 nt" in proc.stdout
  rows = out.read_text().splitlines()[1:]
  assert len(rows) == 3 * 80 + 3 * 110
  assert {int(r.split("\t")[1]) for r in rows if r.startswith("2\t")} == set(
      range(41, 151))
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--ism_input={seqs}", f"--output={out}",
                    f"--heatmap={tmp_path / 'h.png'}")
  assert_one_line_error(proc, "--heatmap is for --sequence")
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--ism_input={seqs}", "--sequence=ACGT",
                    f"--output={out}")
  assert_one_line_error(proc, "exactly one of --pairs, --sequence or "
                        "--ism_input")
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--ism_input={seqs}", f"--output={seqs}")
  assert_one_line_error(proc, str(seqs), "is also the input")


def test_heatmap_is_only_for_one_sequence(exported_model, tmp_path):
  pairs = tmp_path / "pairs.tsv"
  pairs.write_text("ACGT\tACGA\n")
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--pairs={pairs}", f"--output={tmp_path / 'o.tsv'}",
                    f"--heatmap={tmp_path / 'h.png'}")
  assert_one_line_error(proc, "--heatmap is for --sequence")
  assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.tsv"]


def test_outputs_inside_the_model_and_unbounded_pairs_are_refused(
    exported_model, tmp_path):
  index = exported_model / "saved_model" / "variables" / "variables.index"
  before = index.read_bytes()
  pairs = tmp_path / "pairs.tsv"
  pairs.write_text("ACGT\tACGA\n")
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    f"--pairs={pairs}", f"--output={index}")
  assert_one_line_error(proc, "lies inside the input directory")
  assert index.read_bytes() == before
  proc = run_module("madlab_dream.variants", f"--model={exported_model}",
                    "--pairs=/dev/zero", f"--output={tmp_path / 'o.tsv'}")
  assert_one_line_error(proc, "/dev/zero:1: line longer than")
