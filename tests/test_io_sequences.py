"""Encoding, length policy, reverse complement: properties and edge cases."""

import numpy as np
import pytest

from madlab_dream.errors import InputError
from madlab_dream.io import sequences

RNG = np.random.default_rng(0)


def random_seqs(n, lo, hi, alphabet="ACGTNacgtn"):
  lengths = RNG.integers(lo, hi + 1, n)
  return ["".join(RNG.choice(list(alphabet), k)) for k in lengths]


def reference_encode(seq, length):
  """Per-character reference (slow, obviously correct)."""
  codes = ["ACGTN".index(c) for c in seq.upper()]
  codes = codes[-length:]
  return [4] * (length - len(codes)) + codes


def test_encode_matches_reference_for_random_lengths():
  seqs = random_seqs(300, 1, 40)
  got = sequences.encode(seqs, length=25)
  assert got.dtype == np.uint8 and got.shape == (300, 25)
  want = np.array([reference_encode(s, 25) for s in seqs])
  np.testing.assert_array_equal(got, want)


def test_length_policy_trims_5prime_and_pads_left():
  assert sequences.decode(sequences.encode(["AACCGGTT"], 4)) == ["GGTT"]
  assert sequences.decode(sequences.encode(["ACG"], 6)) == ["NNNACG"]
  assert sequences.decode(sequences.encode(["acgt"], 4)) == ["ACGT"]


def test_decode_inverts_encode_at_full_length():
  seqs = [s.upper() for s in random_seqs(50, 30, 30)]
  assert sequences.decode(sequences.encode(seqs, 30)) == seqs


def test_reverse_complement_properties():
  codes = sequences.encode(random_seqs(100, 10, 30), 30)
  rc = sequences.reverse_complement(codes)
  np.testing.assert_array_equal(sequences.reverse_complement(rc), codes)
  assert sequences.decode(sequences.reverse_complement(
      sequences.encode(["AACGTN"], 6))) == ["NACGTT"]
  np.testing.assert_array_equal(rc == 4, (codes == 4)[:, ::-1])


@pytest.mark.parametrize("bad, line, what", [
    (["ACGT", "ACXT"], 2, "invalid character"),
    (["ACGT", "", "AC"], 2, "empty sequence"),
    (["AC-T"], 1, "invalid character"),
])
def test_bad_sequences_name_source_and_line(bad, line, what):
  with pytest.raises(InputError) as e:
    sequences.encode(bad, 4, source="my.txt")
  assert str(e.value).startswith(f"my.txt:{line}: ") and what in str(e.value)
