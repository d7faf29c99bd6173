"""Reading and checking the scoring inputs (scoring.inputs)."""

import gzip
import json

import numpy as np
import pytest
from scoring_cases import PRED
from scoring_cases import load_all

from madlab_dream import scoring
from madlab_dream.errors import InputError


def test_tsv_and_json_predictions_agree(inputs):
  gt, sub, pub, tsv, js = inputs
  a = load_all(gt, sub, pub, tsv)
  b = load_all(gt, sub, pub, js)
  np.testing.assert_array_equal(a[0], b[0])
  np.testing.assert_array_equal(a[0], PRED)
  ra = scoring.score(*a, mode="exclude")
  rb = scoring.score(*b, mode="exclude")
  assert json.dumps(scoring.jsonable(ra)) == json.dumps(scoring.jsonable(rb))


def test_gzip_inputs(inputs, tmp_path):
  gt, sub, pub, tsv, _ = inputs
  gz = tmp_path / "pred.tsv.gz"
  gz.write_bytes(gzip.compress(tsv.read_bytes()))
  np.testing.assert_array_equal(scoring.load_predictions(gz, 16), PRED)


def test_bad_ground_truth_value_names_line(tmp_path):
  path = tmp_path / "gt.txt"
  path.write_text("ACGT\t0.5\nACGT\tabc\n")
  with pytest.raises(InputError) as e:
    scoring.load_ground_truth(path)
  assert e.value.path == str(path) and e.value.line == 2


def test_prediction_count_must_match(inputs):
  _, _, _, tsv, _ = inputs
  with pytest.raises(InputError, match="16 predictions.*17 rows") as e:
    scoring.load_predictions(tsv, 17)
  assert e.value.path == str(tsv)


@pytest.mark.parametrize("content, message", [
    ({str(i): 0.1 for i in range(15)}, "missing"),
    ({str(i): 0.1 for i in range(17)}, "beyond"),
    ({**{str(i): 0.1 for i in range(16)}, "x": 1}, "not a position"),
    ({**{str(i): 0.1 for i in range(15)}, "15": "a"}, "not a number"),
])
def test_bad_json_predictions(tmp_path, content, message):
  path = tmp_path / "p.json"
  path.write_text(json.dumps(content))
  with pytest.raises(InputError, match=message) as e:
    scoring.load_predictions(path, 16)
  assert e.value.path == str(path)


def test_json_duplicate_position(tmp_path):
  path = tmp_path / "p.json"
  path.write_text('{"0": 1.0, "1": 2.0, "0": 3.0}')
  with pytest.raises(InputError, match="twice"):
    scoring.load_predictions(path, 2)


def test_subset_out_of_range_or_without_columns(tmp_path):
  d = tmp_path / "sub"
  d.mkdir()
  (d / "high_exp_seqs.csv").write_text("pos\n1\n2\n40\n")
  with pytest.raises(InputError, match="out of range") as e:
    scoring.load_subsets(d, 16)
  assert e.value.path.endswith("high_exp_seqs.csv") and e.value.line == 4
  (d / "high_exp_seqs.csv").write_text("position\n1\n2\n")
  with pytest.raises(InputError, match="alt_pos") as e:
    scoring.load_subsets(d, 16)
  assert e.value.path.endswith("high_exp_seqs.csv")


def test_public_missing_file(inputs):
  gt, sub, pub, tsv, _ = inputs
  (pub / "SNVs_exp_indices.json").unlink()
  with pytest.raises(InputError, match="missing") as e:
    scoring.load_public(pub, 16)
  assert e.value.path.endswith("SNVs_exp_indices.json")


def test_a_file_without_newlines_is_refused_at_the_line_limit():
  with pytest.raises(InputError, match="/dev/zero:1: line longer than"):
    scoring.load_predictions("/dev/zero", 16)


def test_a_subset_file_without_newlines_is_refused_at_the_line_limit(
    tmp_path):
  link = tmp_path / "high_exp_seqs.csv"
  link.symlink_to("/dev/zero")
  with pytest.raises(InputError, match="high_exp_seqs.csv:1: line longer"):
    scoring.load_subset(link, 16)


def test_predicts_header_row_is_read_and_line_numbers_stay_true(inputs,
                                                                tmp_path):
  _, _, _, tsv, _ = inputs
  with_header = tmp_path / "with_header.tsv"
  with_header.write_text("sequence\tprediction\n" + tsv.read_text())
  np.testing.assert_array_equal(scoring.load_predictions(with_header, 16),
                                PRED)
  lines = with_header.read_text().splitlines()
  lines[3] = lines[3].split("\t")[0] + "\tx"
  with_header.write_text("\n".join(lines) + "\n")
  with pytest.raises(InputError, match=r"with_header.tsv:4: prediction 'x'"):
    scoring.load_predictions(with_header, 16)


def test_duplicate_subset_rows_are_counted(inputs, tmp_path):
  _, sub, _, _, _ = inputs
  import shutil
  copy = tmp_path / "subsets"
  shutil.copytree(sub, copy)
  name, path = next((n, copy / f) for n, f in
                    scoring.names.SINGLE_FILES.items() if (copy / f).exists())
  lines = path.read_text().splitlines()
  path.write_text("\n".join(lines + lines[1:3]) + "\n")
  before, duplicates = {}, {}
  scoring.load_subsets(sub, 16, before)  # the cases hold some already
  subsets = scoring.load_subsets(copy, 16, duplicates)
  assert duplicates == {**before, name: before.get(name, 0) + 2}
  np.testing.assert_array_equal(subsets[name], scoring.load_subsets(sub, 16)[
      name])
