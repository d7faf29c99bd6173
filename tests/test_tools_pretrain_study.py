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
