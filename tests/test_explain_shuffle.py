"""Exact dinucleotide shuffles of the variable region (explain/shuffle.py)."""

import collections

import numpy as np
import pytest

from madlab_dream.errors import InputError
from madlab_dream.explain import shuffle
from madlab_dream.io import sequences
from madlab_dream.tools.simulator.grammar import FLANK3
from madlab_dream.tools.simulator.grammar import FLANK5


def _constructs(n, seed=0, n_fraction=0.05):
  rng = np.random.default_rng(seed)
  probs = np.r_[np.full(4, (1 - n_fraction) / 4), n_fraction]
  return [FLANK5 + "".join(rng.choice(list("ACGTN"), 80, p=probs)) + FLANK3
          for _ in range(n)]


def test_counts_flanks_and_region_ends_are_kept():
  codes = sequences.encode(_constructs(60), 110)
  refs = shuffle.dinucleotide_shuffle(codes, 8, seed=3)
  assert refs.shape == (60, 8, 110) and refs.dtype == np.uint8
  counts = shuffle.dinucleotide_counts(codes)[:, None]
  assert (shuffle.dinucleotide_counts(refs) == counts).all()
  # The flanks (N never moves into them) and the region's end letters.
  assert (refs[:, :, :17] == codes[:, None, :17]).all()
  assert (refs[:, :, 97:] == codes[:, None, 97:]).all()
  assert (refs[:, :, [17, 96]] == codes[:, None, [17, 96]]).all()
  assert (refs[:, :, 17:97] != codes[:, None, 17:97]).mean() > 0.5
  # N stays in place: a zero one-hot row in the sequence and its references.
  is_n = codes == sequences.N_CODE
  assert is_n[:, 17:97].any()
  assert ((refs == sequences.N_CODE) == is_n[:, None]).all()


def test_seeded_per_sequence_whatever_the_batch():
  codes = sequences.encode(_constructs(10), 110)
  whole = shuffle.dinucleotide_shuffle(codes, 4, seed=5)
  part = shuffle.dinucleotide_shuffle(codes[6:8], 4, seed=5, first_index=6)
  assert np.array_equal(part, whole[6:8])
  assert np.array_equal(whole, shuffle.dinucleotide_shuffle(codes, 4, seed=5))
  assert not np.array_equal(whole, shuffle.dinucleotide_shuffle(codes, 4, 6))


def test_regions_padding_short_and_foreign_sequences():
  seqs = [FLANK5 + "A" * 80 + FLANK3,          # a 110-nt construct
          FLANK5 + "ACGT" * 15 + FLANK3,       # a short one: N padding
          "ACGT" * 20,                         # no flanks
          FLANK5[4:] + "ACGT" * 20 + FLANK3]   # 5' flank trimmed
  codes = sequences.encode(seqs, 110)
  start, end = shuffle.shuffle_regions(codes)
  assert start.tolist() == [17, 20 + 17, 30, 4] and end.tolist() == [
      97, 97, 110, 97]
  start, end = shuffle.shuffle_regions(codes, "all")
  assert start.tolist() == [0, 20, 30, 4] and end.tolist() == [110] * 4
  refs = shuffle.dinucleotide_shuffle(codes, 3, seed=0)
  assert (refs[1, :, :37] == codes[1, :37]).all()  # padding and flank
  assert (shuffle.dinucleotide_counts(refs) ==
          shuffle.dinucleotide_counts(codes)[:, None]).all()
  with pytest.raises(InputError, match="unknown shuffle region"):
    shuffle.shuffle_regions(codes, "flanks")


def test_every_euler_path_is_drawn_about_equally_often():
  # ACAGACT: the paths from A to T using the edges AC, CA, AG, GA, AC, CT
  # are ACAGACT and AGACACT (the last exits fixed by the walk): two, each
  # drawn half of the time.
  seq = sequences.encode(["ACAGACT"], 7)[0]
  rng = np.random.default_rng(0)
  drawn = collections.Counter(
      sequences.decode(shuffle.euler_shuffle(seq, rng)[None])[0]
      for _ in range(2000))
  assert set(drawn) == {"ACAGACT", "AGACACT"}
  assert abs(drawn["ACAGACT"] - 1000) < 120


def test_tiny_regions_are_returned_unchanged():
  seq = np.array([0, 1], np.uint8)
  assert shuffle.euler_shuffle(seq, np.random.default_rng(0)).tolist() == [
      0, 1]
