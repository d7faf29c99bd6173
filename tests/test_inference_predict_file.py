"""Prediction of whole files (inference.predict_file)."""

import gzip
import json

import numpy as np
from helpers import demo_sequences
from helpers import run_through_fifo

from madlab_dream.inference.predict_file import predict_file


def test_input_formats_give_the_same_predictions(predictor, demo_train,
                                                 tmp_path):
  seqs = [line.split("\t")[0] for line in demo_train.read_text().splitlines()[:50]]
  files = {
      "test.txt": "".join(f"{s}\t\n" for s in seqs),  # like test_sequences.txt
      "plain.txt": "\n".join(seqs),
      "seqs.fa": "".join(f">s{i}\n{s[:60]}\n{s[60:]}\n"
                         for i, s in enumerate(seqs)),
  }
  results = []
  for name, text in files.items():
    path = tmp_path / name
    path.write_text(text)
    out = tmp_path / f"{name}.json"
    assert predict_file(predictor, str(path), str(out), progress=False) == 50
    results.append(list(json.loads(out.read_text()).values()))
  gz = tmp_path / "test.txt.gz"
  gz.write_bytes(gzip.compress(files["test.txt"].encode()))
  out = tmp_path / "gz.tsv"
  predict_file(predictor, str(gz), str(out), fmt="json", progress=False)
  results.append(list(json.loads(out.read_text()).values()))
  for r in results[1:]:
    np.testing.assert_allclose(r, results[0], rtol=1e-6)


def test_predict_from_a_pipe_keeps_every_row_in_place(predictor, demo_train,
                                                      tmp_path):
  data = demo_train.read_bytes()
  fifo, out = tmp_path / "stdin", tmp_path / "from_pipe.json"
  n = run_through_fifo(fifo, data, lambda: predict_file(
      predictor, str(fifo), str(out), progress=False))
  assert n == 6370
  got = json.loads(out.read_text())
  assert list(got) == [str(i) for i in range(6370)]
  expected = predictor.predict_text(demo_sequences(demo_train))
  np.testing.assert_allclose(list(got.values()), expected, rtol=1e-6)


def test_gzip_output_is_honoured(predictor, demo_train, tmp_path):
  src = tmp_path / "in.txt"
  src.write_text("\n".join(demo_sequences(demo_train, 40)))
  for name in ("p.json", "p.json.gz", "p.tsv", "p.tsv.gz"):
    predict_file(predictor, str(src), str(tmp_path / name), progress=False)
  for name in ("p.json", "p.tsv"):
    plain = (tmp_path / name).read_bytes()
    assert gzip.decompress((tmp_path / f"{name}.gz").read_bytes()) == plain
  assert len(json.loads((tmp_path / "p.json").read_text())) == 40


def test_trimmed_and_padded_sequences_are_counted(predictor, tmp_path):
  seqs = ["ACGT" * 30, "ACGT" * 10, "A" * 110, "C" * 111, "G"]
  path = tmp_path / "mixed.txt"
  path.write_text("\n".join(seqs) + "\n")
  fitted = {}
  assert predict_file(predictor, str(path), str(tmp_path / "p.tsv"),
                      progress=False, fitted=fitted) == 5
  assert fitted == {"trimmed": 2, "padded": 2}


def test_a_file_without_newlines_is_refused_at_the_line_limit(predictor,
                                                              tmp_path):
  import pytest

  from madlab_dream.errors import InputError
  out = tmp_path / "p.tsv"
  with pytest.raises(InputError, match="/dev/zero:1: line longer than "
                     "67,108,864 bytes"):
    predict_file(predictor, "/dev/zero", str(out), progress=False)
  assert list(tmp_path.iterdir()) == []
  with pytest.raises(InputError, match="lies inside the input directory"):
    predict_file(predictor, "/dev/null",
                 str(tmp_path / predictor.path / "saved_model.pb"),
                 progress=False)


def test_a_fasta_input_keeps_its_ids_in_a_last_column(predictor, demo_train,
                                                      tmp_path):
  from madlab_dream.scoring import load_predictions
  seqs = demo_sequences(demo_train, 5)
  fasta = tmp_path / "seqs.fa"
  fasta.write_text("".join(f">promoter_{i} some description\n{s}\n"
                           for i, s in enumerate(seqs)))
  out = tmp_path / "p.tsv"
  assert predict_file(predictor, str(fasta), str(out), progress=False) == 5
  header, *rows = [line.split("\t") for line in out.read_text().splitlines()]
  assert header == ["sequence", "prediction", "id"]
  assert [r[2] for r in rows] == [f"promoter_{i}" for i in range(5)]
  assert [r[0] for r in rows] == seqs
  np.testing.assert_allclose([float(r[1]) for r in rows],
                             predictor.predict_text(seqs), rtol=1e-6)
  plain = tmp_path / "plain.tsv"
  (tmp_path / "plain.txt").write_text("\n".join(seqs) + "\n")
  predict_file(predictor, str(tmp_path / "plain.txt"), str(plain),
               progress=False)
  assert plain.read_text().splitlines()[0] == "sequence\tprediction"
  np.testing.assert_array_equal(load_predictions(str(plain)),
                                [float(r[1]) for r in rows])


def test_a_header_table_by_its_sequence_column(predictor, tmp_path):
  from conftest import REPO

  from madlab_dream.errors import InputError
  from madlab_dream.io import tables
  table = REPO / "tests" / "data" / "deepstarr_mini_test.txt"
  seqs = tables.read_sequences(str(table), "Sequence")
  out = tmp_path / "p.tsv"
  assert predict_file(predictor, str(table), str(out), progress=False,
                      sequence_column="Sequence") == len(seqs) == 100
  header, *rows = [line.split("\t") for line in out.read_text().splitlines()]
  assert header == ["sequence", "prediction"]
  assert [r[0] for r in rows] == seqs
  np.testing.assert_allclose([float(r[1]) for r in rows],
                             predictor.predict_text(seqs), rtol=1e-6)
  import pytest
  with pytest.raises(InputError, match="no column 'Seq'"):
    predict_file(predictor, str(table), str(tmp_path / "q.tsv"),
                 progress=False, sequence_column="Seq")
