"""Variant effects and saturation mutagenesis (inference.variants), on an
exported tiny model."""

import numpy as np
import pytest

from madlab_dream.inference import variants
from madlab_dream.io import sequences

pytestmark = pytest.mark.slow


def test_snv_codes_makes_every_variant_vectorised():
  codes = np.array([[0, 1, 2, 3], [4, 4, 0, 2]], np.uint8)  # 2nd: N pad + N
  mutated, row, position, alt = variants.snv_codes(codes,
                                                   first=np.array([0, 1]))
  # 3 per position, 4 where the reference is N; row 1's position 0 skipped.
  assert len(mutated) == 4 * 3 + (4 + 3 + 3)
  assert list(row) == [0] * 12 + [1] * 10
  assert list(position[:12]) == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
  assert list(alt[:3]) == [1, 2, 3] and list(alt[12:16]) == [0, 1, 2, 3]
  for m, r, p, a in zip(mutated, row, position, alt):
    want = codes[r].copy()
    want[p] = a
    np.testing.assert_array_equal(m, want)
    assert codes[r, p] != a
  # The same variants, in the same order, as the one-sequence text path.
  seq = "ACGT"
  texts, positions, refs, alts = variants.mutants(seq)
  decoded = ["".join("ACGTN"[c] for c in m) for m in mutated[:12]]
  assert decoded == texts and list(position[:12] + 1) == list(positions)


def test_ism_of_many_sequences_equals_one_by_one(predictor):
  rng = np.random.default_rng(11)
  flank = "TGCATTTTTTTCACATC"
  seqs = [flank + "".join(rng.choice(list("ACGT"), 93)),  # 110 nt
          "".join(rng.choice(list("ACGT"), 80)),           # padded with N
          flank + "ACGTN" * 18 + "GGTTACGGCTGTT",          # N's inside
          "".join(rng.choice(list("ACGT"), 130))]          # longer than L
  codes = sequences.encode(seqs, 110)
  batch = variants.ism_codes(predictor, codes,
                             np.array([len(s) for s in seqs]))
  assert len(batch["effect"]) == 3 * 110 + 3 * 80 + (3 * 92 + 4 * 18) + 3 * 110
  for i, seq in enumerate(seqs):
    one = variants.saturation_mutagenesis(predictor, seq,
                                          allow_long_sequence=True)
    mine = batch["row"] == i
    np.testing.assert_array_equal(batch["position"][mine], one["positions"])
    assert list(batch["ref"][mine]) == one["ref"]
    assert list(batch["alt"][mine]) == one["alt"]
    # The same model on other batches: float32 rounding only. A CPU's
    # kernels may sum in another order for another batch size, so allow 16
    # ulps of the sequence's largest prediction (these reach 75, where an
    # ulp is 7.6e-6); a wrong variant moves a prediction by far more.
    tol = 16 * float(np.spacing(np.float32(np.abs(one["prediction"]).max())))
    assert batch["reference"][i] == pytest.approx(one["reference"], abs=tol)
    np.testing.assert_allclose(batch["prediction"][mine], one["prediction"],
                               rtol=0, atol=tol)
    np.testing.assert_allclose(batch["effect"][mine], one["effect"], rtol=0,
                               atol=2 * tol)
    assert (one["first"], one["last"]) == (batch["first"][i],
                                           batch["last"][i])
  # Against predictions of the mutated strings themselves.
  for k in rng.choice(len(batch["effect"]), 12, replace=False):
    seq = seqs[batch["row"][k]]
    pos = batch["position"][k]
    assert seq[pos - 1].upper() == batch["ref"][k]
    mutant = seq[:pos - 1] + batch["alt"][k] + seq[pos:]
    p_ref, p_mut = predictor.predict_text([seq, mutant])
    assert batch["effect"][k] == pytest.approx(p_mut - p_ref, abs=1e-4)


def test_ism_file_counts_every_prediction_it_makes(predictor, tmp_path):
  from madlab_dream.inference import variants as variants_lib
  src = tmp_path / "seqs.txt"
  src.write_text("".join(("ACGT" * 28)[:110] + "\n" for _ in range(3)))
  out = tmp_path / "ism.tsv"
  done = variants_lib.ism_file(predictor, str(src), str(out))
  assert (done["sequences"], done["variants"]) == (3, 990)
  # the model has no trained range here: said, not counted as zeros
  assert done["out_of_range"].startswith("trained range unknown")
  import types
  fake = types.SimpleNamespace(trusted_range=(-1e9, 1e9),
                               output_targets=["expression"],
                               seq_len=predictor.seq_len,
                               predict_codes=predictor.predict_codes)
  done = variants_lib.ism_file(fake, str(src), str(tmp_path / "b.tsv"))
  assert done["out_of_range"].startswith("0 of 993 predictions")
