"""The DREAM-format simulator: formats, subsets, grammar, noise ceiling, CLI."""

import filecmp
import json
import os

import numpy as np
import pytest

from madlab_dream import scoring
from madlab_dream.errors import InputError
from madlab_dream.io import dream as dream_io
from madlab_dream.io import output_dirs
from madlab_dream.io import sequences
from madlab_dream.scoring.names import PUBLIC_DIR
from madlab_dream.scoring.names import SUBSET_DIR
from madlab_dream.scoring.names import TEST_FILE
from madlab_dream.scoring.names import TRAIN_FILE
from madlab_dream.scoring.names import TRUTH_FILE
from madlab_dream.tools import simulator as simulate
from madlab_dream.tools.simulator import testset
from madlab_dream.tools.simulator.grammar import HIGH
from madlab_dream.tools.simulator.grammar import LOW
from madlab_dream.tools.simulator.grammar import MOTIF_INDEX
from madlab_dream.tools.simulator.grammar import _site_sums
from madlab_dream.tools.simulator.grammar import logit
from madlab_dream.tools.simulator.grammar import site_sums
from madlab_dream.tools.simulator.writers import METADATA_FILE
from tests import helpers

TRAIN_ROWS, TEST_ROWS, SEED = 20_000, 1_000, 3


def _files(directory):
  out = []
  for root, _, names in os.walk(directory):
    out += [os.path.relpath(os.path.join(root, n), directory) for n in names
            if n != output_dirs.MANIFEST]  # its times differ from run to run
  return sorted(out)


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
  out = tmp_path_factory.mktemp("sim")
  meta = simulate.simulate(out, TRAIN_ROWS, TEST_ROWS, SEED, log=lambda m: None)
  return out, meta


def _background(n, seed=0):
  rng = np.random.default_rng(seed)
  return testset._backgrounds(rng, n)


def _with(codes, site, start):
  out = codes.copy()
  out[:, start:start + len(site)] = sequences.encode([site], len(site))[0]
  return out


# --- Files --------------------------------------------------------------------

def test_same_seed_same_bytes_other_seed_differs(tmp_path):
  quiet = dict(log=lambda m: None)
  simulate.simulate(tmp_path / "a", 700, 150, 11, **quiet)
  simulate.simulate(tmp_path / "b", 700, 150, 11, **quiet)
  simulate.simulate(tmp_path / "c", 700, 150, 12, **quiet)
  names = _files(tmp_path / "a")
  assert len(names) == 4 + 8 + 8
  assert names == _files(tmp_path / "b") == _files(tmp_path / "c")
  match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b",
                                             names, shallow=False)
  assert not mismatch and not errors
  for name in (TRAIN_FILE, TEST_FILE, TRUTH_FILE):
    assert not filecmp.cmp(tmp_path / "a" / name, tmp_path / "c" / name,
                           shallow=False)


def test_train_file_is_real_format(sim):
  out, meta = sim
  rows = dream_io.read(out / TRAIN_FILE, seq_len=110,
                       require_expression=True, keep_text=True)
  assert len(rows) == TRAIN_ROWS == meta["train_rows"]
  lengths = rows.lengths
  assert 0.79 < np.mean(lengths == 110) < 0.85
  counts = {k: int(np.sum(lengths == k)) for k in (104, 107, 108, 109, 111)}
  assert counts[109] > counts[108] > counts[107] > counts[111] > 0
  assert lengths.min() >= 78 and lengths.max() <= 142
  assert all(s.startswith(simulate.FLANK5) and s.endswith(simulate.FLANK3)
             for s in rows.text)
  y = rows.expression
  assert y.min() >= 0 and y.max() <= 17
  whole = y == np.floor(y)
  assert 0.54 < whole.mean() < 0.60
  assert meta["train"]["whole_number_fraction"] == pytest.approx(whole.mean())
  with_n = np.array(["N" in s for s in rows.text])
  assert 0.001 < with_n.mean() < 0.01
  assert with_n.sum() == meta["train"]["rows_with_n"]
  assert 9 < np.median(y) < 12.5


def test_test_and_truth_files(sim):
  out, meta = sim
  test = dream_io.read(out / TEST_FILE, seq_len=110,
                       require_expression=False, keep_text=True)
  truth = dream_io.read(out / TRUTH_FILE, seq_len=110,
                        require_expression=True, keep_text=True)
  assert len(test) == len(truth) == TEST_ROWS
  assert np.isnan(test.expression).all()
  assert (test.lengths == 110).all()
  assert test.text == truth.text
  assert (out / TEST_FILE).read_text().splitlines()[0].endswith("\t")
  assert -3 < truth.expression.min() < -1 and 1 < truth.expression.max() < 3
  assert meta["test"]["noise_ceiling"] > 0.9


def test_subsets_match_the_test_file(sim):
  out, _ = sim
  codes = dream_io.read(out / TEST_FILE, 110, False).codes
  subsets = scoring.load_subsets(out / SUBSET_DIR, n=TEST_ROWS)
  assert set(subsets) == set(scoring.SUBSET_NAMES)
  for name in ("high", "low", "yeast", "random", "challenging"):
    assert subsets[name].ndim == 1 and len(subsets[name]) >= 2
  assert set(subsets["high"]) <= set(subsets["random"])
  assert set(subsets["low"]) <= set(subsets["random"])
  assert not set(subsets["high"]) & set(subsets["low"])
  diffs = {name: (codes[p[:, 0]] != codes[p[:, 1]]).sum(axis=1)
           for name, p in subsets.items() if p.ndim == 2}
  assert (diffs["SNVs"] == 1).all()
  assert (diffs["motif_perturbation"] >= 1).all()
  assert (diffs["motif_tiling"] >= 1).all()
  # Tiling: every reference has its site moved along many positions.
  refs, counts = np.unique(subsets["motif_tiling"][:, 1], return_counts=True)
  assert counts.min() >= 10
  # All positions are used by some subset.
  used = set()
  for p in subsets.values():
    used |= set(p.ravel().tolist())
  assert used == set(range(TEST_ROWS))
  # Public-leaderboard keys: a ~13 % sample of each subset.
  singles, pairs = scoring.load_public(out / PUBLIC_DIR, n=TEST_ROWS)
  for name, filename in scoring.PUBLIC_FILES.items():
    keys = json.loads((out / PUBLIC_DIR / filename).read_text())
    if subsets[name].ndim == 1:
      listed = set(subsets[name].tolist())
      picked = {int(k) for k in keys}
    else:
      listed = set(map(tuple, subsets[name].tolist()))
      picked = {tuple(int(x) for x in k.split(",")) for k in keys}
    assert picked <= listed, name
    assert abs(len(picked) - 0.13 * len(listed)) <= 1, name
  assert singles and pairs


def test_subset_files_are_plain_csv(sim):
  out, meta = sim
  high = (out / SUBSET_DIR / "high_exp_seqs.csv").read_bytes()
  snvs = (out / SUBSET_DIR / "all_SNVs_seqs.csv").read_bytes()
  assert high.startswith(b"pos\n") and high.endswith(b"\n")
  assert snvs.startswith(b"alt_pos,ref_pos\n") and snvs.endswith(b"\n")
  assert high.count(b"\n") == meta["test"]["subset_sizes"]["high"] + 1
  assert b"\r" not in high + snvs
  assert all(line.count(b",") == 1 for line in snvs.splitlines())


def test_high_and_low_follow_the_measurements(sim):
  out, _ = sim
  truth = scoring.load_ground_truth(out / TRUTH_FILE)
  subsets = scoring.load_subsets(out / SUBSET_DIR, n=TEST_ROWS)
  assert (truth[subsets["high"]].mean() > truth[subsets["random"]].mean()
          > truth[subsets["low"]].mean())


def test_metadata(sim):
  out, meta = sim
  on_disk = json.loads((out / METADATA_FILE).read_text())
  assert on_disk == json.loads(json.dumps(meta))
  assert on_disk["seed"] == SEED and on_disk["test_rows"] == TEST_ROWS
  assert [m["name"] for m in on_disk["grammar"]["motifs"]] == [
      "Reb1", "Abf1", "Rap1", "TATA", "polyAT", "Gcn4", "Mcm1", "Cbf1"]


# --- Noise ceiling ------------------------------------------------------------

def test_noise_ceiling_recomputes_from_the_files(sim):
  out, meta = sim
  ceiling = meta["noise_ceiling"]
  assert 0.75 < ceiling < 0.95
  rows = dream_io.read(out / TRAIN_FILE, 110, keep_text=True)
  act = simulate.activity(rows.text)
  assert simulate.noise_ceiling(act, rows.expression) == pytest.approx(
      ceiling, abs=1e-9)
  whole = rows.expression == np.floor(rows.expression)
  assert simulate.noise_ceiling(act[whole], rows.expression[whole]) == (
      pytest.approx(meta["train"]["noise_ceiling_singletons"], abs=1e-9))
  assert (meta["train"]["noise_ceiling_singletons"] < ceiling <
          meta["train"]["noise_ceiling_averages"])


def test_noise_ceiling_from_returned_arrays():
  block = simulate.train_block(SEED, 0, 5_000)
  r = simulate.noise_ceiling(block.activity, block.measured)
  assert 0 < r < 1
  assert r == pytest.approx(np.corrcoef(block.activity, block.measured)[0, 1])
  assert np.array_equal(block.measured == np.floor(block.measured),
                        block.singleton)
  assert np.array_equal(simulate.activity(block.text()), block.activity)
  assert np.isnan(simulate.noise_ceiling(np.ones(3), np.arange(3.0)))
  with pytest.raises(ValueError):
    simulate.noise_ceiling(np.ones(3), np.ones(4))


# --- The grammar --------------------------------------------------------------

def test_activator_raises_activity():
  bg = _background(400)
  base = simulate.activity(bg)
  for site in ("TTACCCG", "TTTTTTTT"):  # Reb1, poly(dT) on the + strand
    planted = simulate.activity(_with(bg, site, 80))
    assert (planted > base).mean() > 0.8, site
    assert np.mean(planted - base) > 0.5, site
  repressed = simulate.activity(_with(bg, "CCTAATTAGG", 85))  # Mcm1
  assert (repressed < base).mean() > 0.8
  assert np.mean(repressed - base) < -0.5


def test_orientation_and_position_matter():
  bg = _background(400, seed=1)
  base = simulate.activity(bg)
  reb1 = "TTACCCG"
  forward_near = simulate.activity(_with(bg, reb1, 86)) - base
  reverse_near = simulate.activity(
      _with(bg, "CGGGTAA", 86)) - base  # reverse complement
  forward_far = simulate.activity(_with(bg, reb1, 20)) - base
  assert np.mean(forward_near) > 1.5 * np.mean(reverse_near) > 0
  assert np.mean(forward_near) > 1.5 * np.mean(forward_far) > 0
  # TATA works best ~35-50 nt from the 3' end, not at the 5' end.
  tata_mid = simulate.activity(_with(bg, "TATAAAAG", 64)) - base
  tata_far = simulate.activity(_with(bg, "TATAAAAG", 18)) - base
  assert np.mean(tata_mid) > 2 * np.mean(tata_far)


def test_interaction_is_not_additive():
  bg = _background(300, seed=2)
  gcn4, tata = ("TGACTCA", 20), ("TATATAAG", 62)
  z0 = logit(bg)
  z_gcn4 = logit(_with(bg, *gcn4))
  z_tata = logit(_with(bg, *tata))
  z_both = logit(_with(_with(bg, *gcn4), *tata))
  synergy = (z_both - z_tata) - (z_gcn4 - z0)
  assert np.mean(synergy) > 0.3


def test_activity_inputs_agree():
  block = simulate.train_block(5, 0, 300)
  text = block.text()
  from_text = simulate.activity(text)
  assert np.array_equal(from_text, simulate.activity(block.codes))
  assert np.array_equal(from_text, simulate.activity(
      sequences.encode(text, 110)))
  assert simulate.activity("ACGT" * 30).shape == (1,)
  with pytest.raises(ValueError):
    simulate.activity(np.zeros((2, 100), np.uint8))
  # Rows without N: base-4 and base-5 lookups give identical sums.
  clean = block.codes[~(block.codes == 4).any(axis=1)]
  assert np.array_equal(_site_sums(clean, 4), _site_sums(clean, 5))
  # N never matches: turning bases into N lowers no motif's site sum, and
  # removes a planted site.
  bg = _with(_background(50, seed=3), "TTACCCG", 86)
  masked = bg.copy()
  masked[:, 84:95] = sequences.N_CODE
  before, after = site_sums(bg), site_sums(masked)
  assert (after <= before + 1e-6).all()
  reb1 = MOTIF_INDEX["Reb1"]
  assert (after[:, reb1] < before[:, reb1] - 0.5).all()


def test_activity_is_spread_out():
  act = simulate.activity(_background(5000, seed=4))
  assert act.std() > 1.5
  assert act.min() > LOW and act.max() < HIGH
  # Not saturated: few sequences near either end of the sigmoid.
  assert np.mean(act > HIGH - 0.5) < 0.01
  assert np.mean(act < LOW + 0.5) < 0.01


def test_value_formatting_round_trips(tmp_path):
  values = np.array([0, 17, 9.5, 12.000001, 16.999999, 3.123456, 10.25, 1])
  seqs = ["ACGT", "A" * 110, "C" * 109, "G", "T" * 142, "N" * 3, "AC", "GG"]
  codes = np.full((len(seqs), 142), 4, np.uint8)
  for i, s in enumerate(seqs):
    codes[i, :len(s)] = sequences.LOOKUP[np.frombuffer(s.encode(), np.uint8)]
  data = simulate.format_rows(codes, [len(s) for s in seqs], values)
  lines = data.decode().splitlines()
  assert lines[0] == "ACGT\t0" and lines[2] == "C" * 109 + "\t9.5"
  assert lines[3] == "G\t12.000001" and lines[6] == "AC\t10.25"
  assert [float(line.split("\t")[1]) for line in lines] == values.tolist()
  empty = simulate.format_rows(codes[:2], [4, 110], None).decode()
  assert empty == "ACGT\t\n" + "A" * 110 + "\t\n"


# --- Command line -------------------------------------------------------------

@pytest.mark.slow
def test_cli_writes_and_reports(tmp_path):
  out = tmp_path / "data"
  proc = helpers.run_module("madlab_dream.simulate", f"--output_dir={out}",
                            "--train_rows=500", "--test_rows=200", "--seed=4")
  assert proc.returncode == 0, proc.stderr
  assert "noise ceiling" in proc.stdout
  meta = json.loads((out / "simulation.json").read_text())
  assert (meta["train_rows"], meta["test_rows"], meta["seed"]) == (500, 200, 4)
  assert f"{meta['noise_ceiling']:.4f}" in proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("args, needle", [
    (["--train_rows=0"], "--train_rows"),
    (["--train_rows=abc"], "--train_rows"),
    (["--test_rows=-5"], "--test_rows"),
    ([], "--output_dir"),
])
def test_cli_bad_counts(tmp_path, args, needle):
  if needle != "--output_dir":
    args = [f"--output_dir={tmp_path / 'o'}", *args]
  proc = helpers.run_module("madlab_dream.simulate", *args)
  helpers.assert_one_line_error(proc, needle)
  assert not (tmp_path / "o" / "train_sequences.txt").exists()


def test_a_directory_holding_other_files_is_refused_untouched(tmp_path):
  from test_io_output_dirs import tree
  data = tmp_path / "data"
  (data / SUBSET_DIR).mkdir(parents=True)
  (data / TRAIN_FILE).write_text("ACGT\t1.0\n")  # a real challenge file
  (data / SUBSET_DIR / "notes.csv").write_text("mine")
  before = tree(tmp_path)
  with pytest.raises(InputError, match=f"did not write .*{TRAIN_FILE}"):
    simulate.simulate(data, 300, 100, 1, log=lambda m: None)
  assert tree(tmp_path) == before
  own = tmp_path / "own"
  simulate.simulate(own, 300, 100, 1, log=lambda m: None)
  first = tree(own)
  simulate.simulate(own, 300, 100, 1, log=lambda m: None)  # its own: again
  again = tree(own)
  del first[output_dirs.MANIFEST], again[output_dirs.MANIFEST]
  assert again == first


@pytest.mark.slow
def test_cli_unwritable_output(tmp_path):
  blocker = tmp_path / "file"
  blocker.write_text("x")
  proc = helpers.run_module("madlab_dream.simulate",
                            f"--output_dir={blocker}/sub", "--train_rows=10",
                            "--test_rows=100")
  helpers.assert_one_line_error(proc, str(blocker))


def test_a_grammar_variant_changes_the_effects_not_the_sites():
  from madlab_dream.tools.simulator import grammar
  own = grammar.effects()
  variant = grammar.variant_effects(5)
  assert variant == grammar.variant_effects(5) != grammar.variant_effects(6)
  assert own.motif == tuple(m.effect for m in grammar.MOTIFS)
  assert variant.motif != own.motif and len(variant.motif) == len(own.motif)
  codes = np.random.default_rng(0).integers(0, 4, (300, 110)).astype(np.uint8)
  base = grammar.activity(codes)
  np.testing.assert_array_equal(grammar.activity(codes, weights=own), base)
  other = grammar.activity(codes, weights=variant)
  assert 0.0 < np.corrcoef(base, other)[0, 1] < 0.95
  assert grammar.describe(variant)["variant_seed"] == 5
  assert "variant_seed" not in grammar.describe()
