"""The fine-tuning study's bookkeeping: a seeded held-out split made once,
the from-scratch counterpart of a recipe, the results table."""

from madlab_dream.tools.pretrain import study


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
