"""The fine-tuning study's bookkeeping: a seeded held-out split made once,
the from-scratch counterpart of a recipe, the teacher's steps and its own
ridges, the final stage and the results table."""

import os
import pathlib
import shutil

import numpy as np

from madlab_dream import baseline
from madlab_dream import metrics
from madlab_dream.commands import flags
from madlab_dream.io import sequences
from madlab_dream.tools.pretrain import study

REPO = pathlib.Path(__file__).resolve().parents[1]


def test_the_split_is_seeded_disjoint_complete_and_kept(tmp_path):
  rows = [f"{'ACGT'[i % 4] * 10}\t{i}\n" for i in range(50)]
  source = tmp_path / "rows.txt"
  source.write_text("".join(rows).rstrip("\n"))  # no final newline
  record = study.split_rows(str(source), str(tmp_path / "a"), 0.2, 7)
  again = study.split_rows(str(source), str(tmp_path / "b"), 0.2, 7)
  assert record == again and record["holdout_rows"] == 10
  held = (tmp_path / "a" / "split" / "holdout.txt").read_text().splitlines()
  dev = (tmp_path / "a" / "split" / "dev.txt").read_text().splitlines()
  assert sorted(held + dev) == sorted(r.rstrip("\n") for r in rows)
  assert held == [rows[i - 1].rstrip("\n")
                  for i in record["holdout_line_numbers"]]
  other = study.split_rows(str(source), str(tmp_path / "c"), 0.2, 8)
  assert other["holdout_line_numbers"] != record["holdout_line_numbers"]
  source.write_text("changed\t1\n")  # an existing split is never redone
  assert study.split_rows(str(source), str(tmp_path / "a"), 0.2, 7) == record


def test_from_scratch_drops_the_prior_and_the_freeze_only():
  dev = "dev.txt"
  frozen = study._recipe_args("prior lr 3e-4 freeze conv", True, dev)
  assert "--init_from=simulator" in frozen and "--freeze=conv" in frozen
  scratch = study._recipe_args("prior lr 3e-4 freeze conv", False, dev)
  assert not [a for a in scratch if a.startswith(("--init_from", "--freeze"))]
  assert study.scratch_name("prior lr 3e-4 freeze conv") == "scratch"
  name = "prior lr 1e-4 l2 1e-5"
  assert study.scratch_name(name) == f"scratch {name}"
  assert "--learning_rate=1e-4" in study._recipe_args(name, False, dev)


def test_the_table_names_the_machine_command_and_every_seed():
  score = {"runs": [0.61, 0.63], "mean": 0.62, "sd": 0.014,
           "ensemble": 0.65}
  results = {"cpu": "AMD EPYC (avx512f), 2 cores", "command": "cmd",
             "recipes": {"candidates": {"a": {"validation_r": 0.5,
                                              "best_epoch": 3}},
                         "chosen": "a"},
             "final": {"holdout_rows": 9, "recipe": "a", "fine_tuned": score,
                       "scratch": score, "ridge": 0.6, "prior_alone": 0.2}}
  text = study.table(results)
  assert "AMD EPYC (avx512f), 2 cores" in text and "`cmd`" in text
  assert "| a (chosen) | 0.500 | 3 |" in text
  assert "| 0.620 | 0.014 | 0.610, 0.630 | 0.650 |" in text
  assert "| 5-mer ridge (all dev rows) | 0.600 |" in text
  assert "| the prior alone (no real rows) | 0.200 |" in text


def test_the_teacher_recipe_runs_its_three_steps_on_the_same_split(
    monkeypatch, tmp_path):
  calls = []
  monkeypatch.setattr(study, "_command", lambda module, args, log:
                      calls.append((module, args)))
  monkeypatch.setattr(study, "train_run", lambda run_dir, args, seed,
                      score_only=False: calls.append((run_dir, args)) or {})
  name = "prior lr 3e-4 kmer teacher"
  run_dir = str(tmp_path / "t_seed2")
  for prior in (True, False):
    calls.clear()
    study.teacher_run(run_dir, study._recipe_args(name, prior, "dev.txt"), 2)
    (module, rows), (stage1, first), (final, second) = calls
    assert module == "madlab_dream.teacher_rows"
    assert "--train_data=dev.txt" in rows and "--seed=2" in rows
    assert f"--output_dir={run_dir}_rows" in rows
    assert not [a for a in rows if a.startswith("--init_from")]
    assert stage1 == f"{run_dir}_stage1" and final == run_dir
    assert f"--train_data={run_dir}_rows/teacher.tsv" in first
    assert ("--init_from=simulator" in first) == prior
    assert {"--sequence_column=sequence", "--target_columns=expression",
            f"--val_data={run_dir}_rows/validation.tsv"} <= set(first)
    assert "--batch_size=128" in first and "--epochs=3" in first
    assert f"--train_data={run_dir}_rows/train.tsv" in second
    assert f"--val_data={run_dir}_rows/validation.tsv" in second
    assert second[-1] == f"--init_from={run_dir}_stage1"
    assert "--batch_size=128" not in second
  assert study.scratch_name(name) == "scratch lr 3e-4 kmer teacher"


def test_the_all_rows_teacher_keeps_every_row_in_each_step(monkeypatch,
                                                          tmp_path):
  calls = []
  monkeypatch.setattr(study, "_command", lambda module, args, log:
                      calls.append(args))
  monkeypatch.setattr(study, "train_run", lambda run_dir, args, seed,
                      score_only=False: calls.append(args) or {})
  name = "prior lr 3e-4 kmer teacher all rows"
  assert name in study.TEACHER
  study.teacher_run(str(tmp_path / "t_seed1"),
                    study._recipe_args(name, True, "dev.txt"), 1)
  rows, first, second = calls
  for args in (rows, first, second):
    assert "--singleton_keep=1" in args


def _write_teacher_tables(run_dir, seqs, values):
  rows = run_dir + "_rows"
  os.makedirs(rows)
  for name, part in (("train", slice(0, 150)), ("validation",
                                                slice(150, 200))):
    with open(os.path.join(rows, f"{name}.tsv"), "w") as f:
      f.write("sequence\texpression\n")
      f.writelines(f"{s}\t{v}\n" for s, v in zip(seqs[part], values[part]))


def _finished_run(model_dir, run_dir):
  shutil.copytree(model_dir, run_dir)
  with open(os.path.join(run_dir, "report.json"), "w") as f:
    f.write("{}")


def test_the_teacher_report_refits_each_ridge_and_compares_the_runs(
    tmp_path, exported_model):
  rng = np.random.default_rng(0)
  seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(300)]
  values = [s.count("A") + s.count("GC") + rng.normal() for s in seqs]
  run = str(tmp_path / "t_seed3")
  _write_teacher_tables(run, seqs, values)
  _finished_run(exported_model, run + "_stage1")
  codes = sequences.encode(seqs[200:], 110)
  truth = np.asarray(values[200:])
  report = study.teacher_report([run, str(tmp_path / "missing")], [3, 4],
                                codes, truth)
  w, _ = baseline.fit(sequences.encode(seqs[:150], 110),
                      np.asarray(values[:150]), study.KMER, 3)
  ridge = baseline.predict(codes, w, study.KMER)
  assert report["ridges"] == [round(float(metrics.pearson(truth, ridge)), 4)]
  assert report["ridges"][0] > 0.5
  # The first run has finished, the second has not: only the first is
  # compared, on both sets of sequences.
  assert set(report["agreement"]) == {"first_validation", "first_holdout"}
  from madlab_dream.inference.ensemble import Ensemble  # heavy: TensorFlow
  net = Ensemble.from_paths([run + "_stage1"]).predict_members(codes)[0]
  assert report["agreement"]["first_holdout"] == [
      round(float(metrics.pearson(ridge, net)), 4)]
  assert report["first_runs"]["runs"] == [
      round(float(metrics.pearson(truth, net)), 4)]


def _split_dir(tmp_path):
  """A split directory whose dev.txt and holdout.txt hold the same 60 rows."""
  split = tmp_path / "split"
  split.mkdir()
  lines = "".join(f"{'ACGT'[i % 4] * 30}{'GT'[i % 2] * 5}\t{i % 7}\n"
                  for i in range(60))
  (split / "dev.txt").write_text(lines)
  (split / "holdout.txt").write_text(lines)
  return split


def test_the_final_stage_can_leave_out_the_scratch_runs(monkeypatch,
                                                        tmp_path):
  jobs_seen = []
  monkeypatch.setattr(study, "train_all", lambda jobs, *a, **k:
                      jobs_seen.extend(jobs) or [{} for _ in jobs])
  monkeypatch.setattr(study, "score_runs", lambda dirs, codes, truth: {
      "runs": [0.5], "mean": 0.5, "sd": None, "ensemble": 0.5})
  monkeypatch.setattr(study, "teacher_report", lambda *a: {
      "ridges": [0.6, 0.62], "first_runs": {"runs": [0.55, 0.57],
                                            "mean": 0.56, "sd": 0.014,
                                            "ensemble": 0.58},
      "agreement": {"first_holdout": [0.95, 0.97]}})
  monkeypatch.setattr(study, "prior_alone_r", lambda codes, truth: 0.1)
  split = _split_dir(tmp_path)
  name = "prior lr 3e-4 kmer teacher all rows"
  final = study.stage_final(str(tmp_path), str(split), name, 2, 1,
                            scratch_runs=False)
  assert len(jobs_seen) == 2 and "scratch" not in final
  assert all("--init_from=simulator" in args for _, args, _ in jobs_seen)
  assert final["teacher"]["ridges"] == [0.6, 0.62]
  text = study.table({"cpu": "cpu", "command": "cmd", "final": final})
  assert "from scratch" not in text
  assert "| each seed's own ridge (its training rows) | 0.610 | 0.014 | " \
         "0.600, 0.620 | - |" in text
  assert "| its first run alone (labelled rows only) | 0.560 | 0.014 | " \
         "0.550, 0.570 | 0.580 |" in text
  assert "| agreement with the ridge, first run, holdout sequences | " \
         "0.960 | - | 0.950, 0.970 | - |" in text


def test_the_refit_trains_the_base_run_again_on_every_row_it_chose(
    monkeypatch, tmp_path):
  monkeypatch.chdir(REPO)
  calls = []
  monkeypatch.setattr(study, "teacher_run", lambda run_dir, args, seed,
                      score_only=False: calls.append(run_dir) or
                      {"best_epoch": 2})
  monkeypatch.setattr(study, "train_run", lambda run_dir, args, seed,
                      score_only=False: calls.append((run_dir, args)) or {})
  rng = np.random.default_rng(1)
  seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(200)]
  base = str(tmp_path / "t_seed1")
  _write_teacher_tables(base, seqs, rng.normal(size=200))
  name = "prior lr 3e-4 kmer teacher all rows refit"
  assert study._final_dir(str(tmp_path), name, True, 1) == os.path.join(
      tmp_path, "runs", "dream",
      "prior_lr_3e4_kmer_teacher_all_rows_seed1_refit")
  study.refit_run(base + "_refit", study._recipe_args(name, True, "dev.txt"),
                  1)
  (first, (run_dir, args)) = calls
  assert first == base and run_dir == base + "_refit"
  every = f"{base}_rows/train_and_validation.tsv"
  lines = open(every).read().splitlines()
  assert lines[0] == "sequence\texpression" and len(lines) == 201
  assert [line.split("\t")[0] for line in lines[1:]] == seqs
  assert f"--train_data={every}" in args
  assert f"--init_from={base}_stage1" in args
  assert "--init_from=simulator" not in args and "--singleton_keep=1" in args
  assert not [a for a in args if a.startswith("--val_data")]
  # A second call keeps the table it wrote (the study reruns nothing).
  os.utime(every, (0, 0))
  study.refit_run(base + "_refit", study._recipe_args(name, True, "dev.txt"),
                  1)
  assert os.path.getmtime(every) == 0
  # The arguments are a valid training run: the last --epochs wins.
  run = flags.run_config_from_args(args)
  assert run.train.epochs == 2 and not run.has_validation
  assert not run.train.select_on_validation


def test_the_final_stage_of_a_refit_scores_it_beside_its_base(monkeypatch,
                                                             tmp_path):
  jobs_seen, scored = [], []
  # A run without validation rows reports "validation": null.
  monkeypatch.setattr(study, "train_all", lambda jobs, *a, **k:
                      jobs_seen.extend(jobs) or [{"validation": None}
                                                 for _ in jobs])
  monkeypatch.setattr(study, "score_runs", lambda dirs, codes, truth:
                      scored.append(dirs) or {
                          "runs": [0.5], "mean": 0.5, "sd": None,
                          "ensemble": 0.5})
  monkeypatch.setattr(study, "teacher_report", lambda dirs, *a:
                      scored.append(dirs) or {"ridges": []})
  monkeypatch.setattr(study, "prior_alone_r", lambda codes, truth: 0.1)
  split = _split_dir(tmp_path)
  name = "prior lr 3e-4 kmer teacher all rows refit"
  final = study.stage_final(str(tmp_path), str(split), name, 2, 1,
                            scratch_runs=False)
  base = [os.path.join(tmp_path, "runs", "dream",
                       f"prior_lr_3e4_kmer_teacher_all_rows_seed{s}")
          for s in (1, 2)]
  assert [d for d, _, _ in jobs_seen] == [b + "_refit" for b in base]
  assert scored == [[b + "_refit" for b in base], base, base]
  text = study.table({"cpu": "cpu", "command": "cmd", "final": final})
  assert "| before the refit (prior lr 3e-4 kmer teacher all rows) | " \
         "0.500 |" in text
  # The recipes stage compares validation r, which a refit has none of.
  jobs_seen.clear()
  candidates = study.stage_recipes(str(tmp_path), "dev.txt", 1,
                                   chosen=name)["candidates"]
  assert name not in candidates and len(jobs_seen) == len(candidates)
  assert set(candidates) == set(study.RECIPES) - set(study.REFIT)
