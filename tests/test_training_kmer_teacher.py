"""The k-mer teacher's variants and labels (training/kmer_teacher.py)."""

import numpy as np
import pytest

from madlab_dream import baseline
from madlab_dream.config import ConfigError
from madlab_dream.training import kmer_teacher
from madlab_dream.training.kmer_teacher import KmerTeacher
from madlab_dream.training.kmer_teacher import TeacherConfig


def _rows(n=300, length=40, seed=0):
  rng = np.random.default_rng(seed)
  codes = rng.integers(0, 4, (n, length)).astype(np.uint8)
  codes[:, :6] = [3, 2, 1, 0, 3, 3]      # a constant 5' flank
  codes[:20, :2] = 4                     # left padding of short rows
  gc = np.isin(codes, (1, 2)).sum(1)
  return codes, np.stack([gc, -gc + rng.normal(0, 1, n)], 1).astype(float)


def test_conserved_positions_are_the_constant_ones():
  codes, _ = _rows()
  kept = kmer_teacher.conserved_positions(codes, 0.9)
  assert kept[:6].all() and not kept[6:].any()
  assert kmer_teacher.conserved_positions(codes, 0.95)[2:6].all()
  assert not kmer_teacher.conserved_positions(codes, 0.95)[:2].any()


def test_variants_keep_flanks_and_padding_and_redraw_at_the_rate():
  codes, targets = _rows()
  config = TeacherConfig(teacher_kmer=3, teacher_mutation_rate=0.4,
                         teacher_conserved_fraction=0.9)
  teacher = KmerTeacher.fit(codes, targets, config, seed=0)
  new, source = teacher.variants(codes, 5000, seed=3)
  assert new.shape == (5000, 40) and new.dtype == np.uint8
  original = codes[source]
  assert (new[:, :6] == original[:, :6]).all()
  assert ((original == 4) == (new == 4)).all()
  changed = (new[:, 6:] != original[:, 6:]).mean()
  assert changed == pytest.approx(0.4 * 0.75, abs=0.01)  # 1/4 redraws agree
  again, _ = teacher.variants(codes, 5000, seed=3)
  assert (again == new).all()
  assert not (teacher.variants(codes, 5000, seed=4)[0] == new).all()


def test_one_ridge_per_target_labels_as_the_baseline():
  codes, targets = _rows()
  config = TeacherConfig(teacher_kmer=2)
  teacher = KmerTeacher.fit(codes, targets, config, seed=0)
  labels = teacher.label(codes)
  assert labels.shape == (300, 2)
  for t in range(2):
    w, alpha = baseline.fit(codes, targets[:, t], 2, seed=0)
    assert teacher.alphas[t] == alpha
    assert np.allclose(labels[:, t], baseline.predict(codes, w, 2))
  assert np.corrcoef(labels[:, 0], targets[:, 0])[0, 1] > 0.95


@pytest.mark.parametrize("name, value, problem", [
    ("teacher_rows", 0, "at least 1"),
    ("teacher_kmer", 7, "at most 6"),
    ("teacher_mutation_rate", 0.0, "above 0"),
    ("teacher_mutation_rate", 1.5, ""),
    ("teacher_conserved_fraction", -0.1, "")])
def test_settings_are_checked(name, value, problem):
  with pytest.raises(ConfigError, match=f"--{name}=.*{problem}"):
    TeacherConfig(**{name: value})


def test_tables_hold_what_the_model_reads(tmp_path):
  codes = np.array([[4, 4, 0, 1], [2, 3, 0, 0]], np.uint8)
  path = tmp_path / "t.tsv"
  kmer_teacher.write_table(str(path), ["a", "b"], codes,
                           np.array([[1.0, 12.0000001], [0.25, -3.5]]))
  assert path.read_text().splitlines() == [
      "sequence\ta\tb", "AC\t1\t12", "GTAA\t0.25\t-3.5"]
