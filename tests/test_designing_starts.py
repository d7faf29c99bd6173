"""Starts, what may change, and the length policy (designing.starts)."""

import numpy as np
import pytest

from madlab_dream.designing import starts as starts_lib
from madlab_dream.errors import InputError
from madlab_dream.tools.simulator.grammar import FLANK3
from madlab_dream.tools.simulator.grammar import FLANK5


def test_random_regions_are_seeded_and_keep_the_flanks():
  a, b = starts_lib.random_regions(5, 3), starts_lib.random_regions(5, 3)
  assert a == b and a != starts_lib.random_regions(5, 4)
  for s in a:
    assert len(s) == 110 and s.startswith(FLANK5) and s.endswith(FLANK3)
    assert set(s) <= set("ACGT")


def test_mutable_positions_flanks_protect_and_window():
  seqs = ["A" * 110, "C" * 120, "G" * 100]
  s = starts_lib.prepare(seqs, 110, protect=[(30, 39)])
  m = s.mutable
  assert m[0].sum() == 80 - 10 and not m[0, :17].any() and not m[0, 97:].any()
  assert not m[0, 29:39].any() and m[0, 28] and m[0, 39]
  # 120 nt: the model sees positions 11-120 (window 0 = position 11); the
  # flanks and protected range are the sequence's own positions
  assert m[1].sum() == 120 - 17 - 13 - 10 and m[1, 7] and not m[1, 6]
  assert not m[1, 19:29].any() and not m[1, 97:].any()
  # 100 nt: 10 N of padding on the left, never mutable
  assert not m[2, :10 + 17].any() and m[2, 27] and (s.codes[2, :10] == 4).all()
  assert any("longer than the model's L = 110" in n for n in s.notes)
  assert any("shorter than L = 110" in n for n in s.notes)


def test_to_text_keeps_lengths_and_the_unseen_part():
  seqs = ["T" * 120, "G" * 100]
  s = starts_lib.prepare(seqs, 110)
  codes = s.codes.copy()
  codes[:, 50] = 0  # an A in the window
  out = s.to_text(codes, np.array([0, 1]))
  assert len(out[0]) == 120 and out[0][:10] == "T" * 10 and out[0][60] == "A"
  assert len(out[1]) == 100 and out[1][40] == "A"


def test_nothing_to_mutate_is_an_error():
  with pytest.raises(InputError, match="start 1 .*leave nothing to mutate"):
    starts_lib.prepare(["A" * 110], 110, flank_5p=60, flank_3p=60)
  with pytest.raises(InputError, match="start 2 "):
    starts_lib.prepare(["A" * 110, "A" * 40], 110, flank_5p=30)
  with pytest.raises(InputError, match="nothing to mutate"):
    starts_lib.prepare(["A" * 110], 110, protect=[(18, 97)])


def test_a_protected_range_past_a_starts_end_is_refused():
  with pytest.raises(InputError, match=r"--protect=100:105 lies outside "
                     r"start 2 \(100 nt\)"):
    starts_lib.prepare(["A" * 110, "C" * 100], 110, protect=[(100, 105)])


def test_parse_protect():
  assert starts_lib.parse_protect(["3:7", "10:10"]) == [(3, 7), (10, 10)]
  for bad in ("7:3", "0:4", "a:b", "5"):
    with pytest.raises(InputError, match="--protect"):
      starts_lib.parse_protect([bad])
