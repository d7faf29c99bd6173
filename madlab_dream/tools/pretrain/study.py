"""Measures fine-tuning from the simulator prior on small real files.

  python -m madlab_dream.pretrain_study --real_data=REAL.txt \
      --deepstarr_dir=DIR --out_dir=OUT [--stage=all --seeds=5 --parallel=2]

Stages (a run with a report.json is not run again):

  split      sets aside a seeded 20 % of the real DREAM rows (--holdout,
             --split_seed) before anything else: OUT/split/holdout.txt, the
             rest OUT/split/dev.txt, the held-out row numbers in split.json.
  recipes    trains each candidate recipe (RECIPES) on dev.txt, seed 1,
             with the run's own validation split of dev.txt; the best
             validation r chooses the recipe (never the held-out rows).
             A TEACHER recipe is three steps (`teacher_run`): the k-mer
             ridge's labelled rows, a run on them, the recipe from it.
             A REFIT recipe (`refit_run`) adds a fourth: the last run
             again on the training and validation rows together, for the
             passes validation chose; it is not a candidate here.
  final      the chosen recipe (or --chosen) with --seeds seeds, and the
             same recipe without the prior (from scratch; not with
             --noscratch_runs); each run and the ensemble of the
             fine-tuned seeds (mean prediction) are scored on holdout.txt,
             beside a 5-mer ridge fitted on all of dev.txt, the prior
             alone and, for a TEACHER recipe, each seed's own ridge, its
             first runs and their agreement with it (`teacher_report`).
  deepstarr  the DeepSTARR sample (train/val/test files, 249 nt, two
             targets): experiments/deepstarr.flags with and without the
             prior, --deepstarr_seeds seeds each, and the ridge.

Every stage writes OUT/results.json and the markdown table OUT/table.md.
--score_only trains nothing and scores the runs that have finished; a run
that diverged before exporting a model (exit status 3) is counted, not
scored.

Run it from the repository root (it reads experiments/*.flags).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys

import numpy as np

from madlab_dream import baseline
from madlab_dream import machine
from madlab_dream import metrics
from madlab_dream.errors import InputError
from madlab_dream.io import sequences

#: Settings shared by every candidate: small_data.flags' optimiser with
#: fewer passes and a shorter patience, so that twenty-odd runs fit a
#: shared 2-core CPU.
COMMON = ["--flagfile=experiments/small_data.flags", "--epochs=12",
          "--early_stopping_patience=3", "--baseline_kmer=0",
          "--train_eval_rows=500", "--noprogress", "--noresume"]
PRIOR = ["--init_from=simulator"]
#: Candidate recipes (all start from the prior), compared on dev.txt.
#: MadLab's L2 of 1e-3 pulls every weight towards zero, the prior's
#: included; the prior itself was trained with 1e-5. MadLab's singleton
#: filter drops half the whole-number rows, a third of a small file: "all
#: rows" keeps them (its validation split then holds them too, the noisier
#: rows, which handicaps it in the comparison).
RECIPES = {
    "prior lr 3e-4": [],
    "prior lr 3e-4 freeze conv": ["--freeze=conv"],
    "prior lr 3e-4 l2 1e-5": ["--l2=1e-5"],
    "prior lr 3e-4 l2 1e-5 freeze conv": ["--l2=1e-5", "--freeze=conv"],
    "prior lr 1e-4 l2 1e-5": ["--learning_rate=1e-4", "--l2=1e-5"],
    "prior lr 3e-4 all rows": ["--singleton_keep=1"],
    "prior lr 3e-4 all rows rc_augment": ["--singleton_keep=1",
                                          "--rc_augment"],
    "prior lr 3e-4 kmer teacher": [],
    "prior lr 3e-4 kmer teacher all rows": ["--singleton_keep=1"],
    "prior lr 3e-4 kmer teacher all rows refit": ["--singleton_keep=1"],
}
#: Recipes that are the k-mer teacher's three steps (`teacher_run`):
#: "all rows" keeps every whole-number row, so that the ridge, stage 2 and
#: the validation split see every row of the file, as the held-out rows do.
#: `teacher_rows` on dev.txt with the runs' own data flags and seed, stage 1
#: on its labelled variants (from the prior, or from scratch), stage 2 the
#: base recipe from stage 1 on the measured training rows. Both stages
#: choose their best epoch on the measured validation rows, the same rows
#: as every other candidate of that seed; the ridge never sees them.
TEACHER = ("prior lr 3e-4 kmer teacher",
           "prior lr 3e-4 kmer teacher all rows")
#: Recipes that end with a refit (`refit_run`), each with its base recipe:
#: the base's steps as they are, then its last run again from the same
#: start on its training and validation rows together (every row of
#: dev.txt, as the reference ridge sees them), for the passes the base's
#: validation chose, with no validation left to choose on. Its runs sit
#: beside the base's (`<base run>_refit`), and the recipes stage leaves it
#: out: it has no validation r to be compared on.
REFIT = {"prior lr 3e-4 kmer teacher all rows refit":
         "prior lr 3e-4 kmer teacher all rows"}
REFIT_ARGS = ["--val_fraction=0", "--noselect_on_validation",
              "--early_stopping_patience=0"]
TEACHER_STAGE1 = ["--batch_size=128", "--epochs=3",
                  "--early_stopping_patience=2"]
TABLE = ["--sequence_column=sequence", "--target_columns=expression"]
DEEPSTARR = ["--flagfile=experiments/deepstarr.flags", "--epochs=8",
             "--early_stopping_patience=2", "--train_eval_rows=500",
             "--noprogress", "--noresume"]
DEEPSTARR_TARGETS = ("Dev_log2_enrichment", "Hk_log2_enrichment")
KMER = 5


def split_rows(path: str, out_dir: str, fraction: float, seed: int) -> dict:
  """Writes dev.txt / holdout.txt (a seeded `fraction` of the lines) and
  split.json into out_dir/split; returns the split record."""
  split_dir = os.path.join(out_dir, "split")
  record_path = os.path.join(split_dir, "split.json")
  if os.path.exists(record_path):
    with open(record_path) as f:
      return json.load(f)
  with open(path) as f:
    lines = [line.rstrip("\n") + "\n" for line in f if line.strip()]
  order = np.random.default_rng(seed).permutation(len(lines))
  held = np.sort(order[:int(round(fraction * len(lines)))])
  is_held = np.zeros(len(lines), bool)
  is_held[held] = True
  os.makedirs(split_dir, exist_ok=True)
  for name, keep in (("holdout.txt", is_held), ("dev.txt", ~is_held)):
    with open(os.path.join(split_dir, name), "w") as f:
      f.writelines(line for line, k in zip(lines, keep) if k)
  record = {"source": os.path.abspath(path), "rows": len(lines),
            "fraction": fraction, "seed": seed, "holdout_rows": len(held),
            "dev_rows": int(len(lines) - len(held)),
            "holdout_line_numbers": [int(i) + 1 for i in held]}
  with open(record_path, "w") as f:
    json.dump(record, f)
  return record


def _logged(module: str, args: list[str], log_path: str) -> int:
  """Runs python -m module args with its output in log_path; the status."""
  with open(log_path, "w") as log:
    return subprocess.run([sys.executable, "-m", module, *args], stdout=log,
                          stderr=subprocess.STDOUT, check=False).returncode


def train_run(run_dir: str, args: list[str], seed: int,
              score_only: bool = False) -> dict:
  """Trains one run (python -m madlab_dream.train) unless it has run;
  returns its report, or {"diverged": the run's last line} for a run that
  diverged before any epoch could be exported (exit status 3). With
  `score_only`, a run that has not finished is left alone: {"missing"}."""
  report_path = os.path.join(run_dir, "report.json")
  log_path = run_dir.rstrip("/") + ".log"
  diverged = run_dir.rstrip("/") + ".diverged"
  finished = os.path.exists(report_path) or os.path.exists(diverged)
  if score_only and not finished:
    return {"missing": True}
  if not finished:
    os.makedirs(os.path.dirname(run_dir.rstrip("/")), exist_ok=True)
    status = _logged("madlab_dream.train", [*args, f"--seed={seed}",
                                            f"--model_dir={run_dir}"],
                     log_path)
    if status == 3 and not os.path.exists(report_path):
      with open(log_path) as log, open(diverged, "w") as f:
        f.write([line for line in log if line.strip()][-1])
    elif status or not os.path.exists(report_path):
      raise InputError(f"training run failed (status {status}; "
                       f"see {log_path})", run_dir)
  if not os.path.exists(report_path):
    with open(diverged) as f:
      return {"diverged": f.read().strip()}
  with open(report_path) as f:
    return json.load(f)


def _command(module: str, args: list[str], log_path: str) -> None:
  """Runs python -m module args, its output in log_path; InputError if it
  fails."""
  status = _logged(module, args, log_path)
  if status:
    raise InputError(f"{module} failed (status {status}; see {log_path})")


def teacher_run(run_dir: str, args: list[str], seed: int,
                score_only: bool = False) -> dict:
  """The k-mer teacher's steps (TEACHER) for one seed; returns stage 2's
  report (as train_run). Its files sit beside run_dir: `_rows` (the
  tables), `_stage1` (the run on the labelled variants)."""
  if score_only:
    return train_run(run_dir, [], seed, score_only=True)
  rows, stage1 = run_dir.rstrip("/") + "_rows", run_dir.rstrip("/") + "_stage1"
  base = _without_start_and_data(args)
  if not os.path.exists(os.path.join(rows, "teacher.json")):
    os.makedirs(os.path.dirname(rows), exist_ok=True)
    _command("madlab_dream.teacher_rows",
             [*base, *[a for a in args if a.startswith("--train_data")],
              f"--seed={seed}", f"--output_dir={rows}"], rows + ".log")
  tables = [*TABLE, f"--val_data={rows}/validation.tsv"]
  first = train_run(stage1, [*base, *TEACHER_STAGE1, *tables,
                             f"--train_data={rows}/teacher.tsv",
                             *[a for a in args if a in PRIOR]], seed)
  if "diverged" in first:
    return first
  return train_run(run_dir, [*base, *tables, f"--train_data={rows}/train.tsv",
                             f"--init_from={stage1}"], seed)


def _without_start_and_data(args: list[str]) -> list[str]:
  """A recipe's arguments less its start (prior, freeze) and its data."""
  return [a for a in args
          if not a.startswith(("--init_from", "--freeze", "--train_data"))]


def refit_run(run_dir: str, args: list[str], seed: int,
              score_only: bool = False) -> dict:
  """A REFIT recipe for one seed: its base's steps (teacher_run in
  `run_dir` less `_refit`), then the base's second run again from the
  base's first run on train.tsv and validation.tsv together, for the
  base's best epoch count (REFIT_ARGS: no validation). Returns the
  refit's report (as train_run)."""
  if score_only:
    return train_run(run_dir, [], seed, score_only=True)
  base_dir = run_dir.rstrip("/").removesuffix("_refit")
  base_report = teacher_run(base_dir, args, seed)
  if "diverged" in base_report:
    return base_report
  rows = base_dir + "_rows"
  every = os.path.join(rows, "train_and_validation.tsv")
  if not os.path.exists(every):
    with open(os.path.join(rows, "train.tsv")) as train, open(
        os.path.join(rows, "validation.tsv")) as val, open(every, "w") as f:
      f.writelines(train)
      f.writelines(val.readlines()[1:])  # one header: train.tsv's
  return train_run(run_dir, [*_without_start_and_data(args), *TABLE,
                             *REFIT_ARGS,
                             f"--epochs={base_report['best_epoch']}",
                             f"--train_data={every}",
                             f"--init_from={base_dir}_stage1"], seed)


def _finished(run_dirs: list[str]) -> tuple[list[str], list[str]]:
  """(runs with an exported model, runs that diverged before any); runs
  that have not finished are in neither."""
  done = [d for d in run_dirs if os.path.exists(os.path.join(d,
                                                             "report.json"))]
  return done, [d for d in run_dirs
                if os.path.exists(d.rstrip("/") + ".diverged")]


def train_all(jobs: list[tuple[str, list[str], int]], parallel: int,
              score_only: bool = False, recipes: list[str] | None = None
              ) -> list:
  """Runs train_run over jobs (run_dir, args, seed), `parallel` at once;
  refit_run or teacher_run for a job whose recipe (`recipes`, one per job)
  is in REFIT or TEACHER."""
  runners = [refit_run if name in REFIT else
             teacher_run if name in TEACHER else train_run
             for name in (recipes or [None] * len(jobs))]
  with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
    return list(pool.map(
        lambda pair: pair[0](*pair[1], score_only=score_only),
        zip(runners, jobs)))


def read_dream(path: str) -> tuple[list[str], np.ndarray]:
  seqs, values = [], []
  with open(path) as f:
    for line in f:
      seq, value = line.rstrip("\n").split("\t")[:2]
      seqs.append(seq)
      values.append(float(value))
  return seqs, np.asarray(values)


def read_deepstarr(path: str) -> tuple[list[str], np.ndarray]:
  """Sequences and [N, 2] targets of a DeepSTARR table (header row)."""
  import pandas as pd  # heavy: only the DeepSTARR stage reads tables
  frame = pd.read_csv(path, sep="\t")
  return (frame["Sequence"].tolist(),
          frame[list(DEEPSTARR_TARGETS)].to_numpy(np.float64))


def score_runs(run_dirs: list[str], codes: np.ndarray, truth: np.ndarray,
               target: str | None = None) -> dict:
  """Test r of each run and of their ensemble (the mean prediction); runs
  that diverged before exporting a model are counted, not scored."""
  done, diverged = _finished(run_dirs)
  result = {"diverged": len(diverged), "runs": [], "mean": None, "sd": None,
            "ensemble": None}
  if not done:
    return result
  from madlab_dream.inference.ensemble import Ensemble  # heavy: TensorFlow
  ensemble = Ensemble.from_paths(done, target=target)
  return member_scores(ensemble.predict_members(codes), truth, result)


def member_scores(members: np.ndarray, truth: np.ndarray,
                  result: dict) -> dict:
  """Fills `result` (as score_runs) from members' predictions [M, N]."""
  each = [float(metrics.pearson(truth, m)) for m in members]
  result.update(
      runs=[round(r, 4) for r in each], mean=round(float(np.mean(each)), 4),
      sd=round(float(np.std(each, ddof=1)), 4) if len(each) > 1 else None,
      ensemble=round(float(metrics.pearson(truth, members.mean(axis=0))), 4))
  return result


def prior_alone_r(codes: np.ndarray, truth: np.ndarray) -> float:
  """Test r of the prior itself, no real rows seen (first output)."""
  from madlab_dream import model as model_lib  # heavy: Keras
  from madlab_dream.training import init_from  # imports Keras too
  net = model_lib.build_model(seq_len=codes.shape[1])
  init_from.copy_weights(net, "simulator", lambda _: None)
  pred = np.asarray(net.predict(codes, batch_size=256, verbose=0))[:, 0]
  return round(float(metrics.pearson(truth, pred)), 4)


def ridge_r(train_codes, train_y, test_codes, test_y) -> float:
  w, _ = baseline.fit(train_codes, train_y, KMER, seed=0)
  return round(float(metrics.pearson(test_y, baseline.predict(
      test_codes, w, KMER))), 4)


def _run_dir(out_dir: str, group: str, name: str, seed: int) -> str:
  slug = name.replace(" ", "_").replace("-", "")
  return os.path.join(out_dir, "runs", group, f"{slug}_seed{seed}")


def _recipe_args(name: str, prior: bool, dev: str) -> list[str]:
  args = [*COMMON, f"--train_data={dev}", *RECIPES[name]]
  if not prior:  # from scratch: the same recipe, nothing kept fixed
    return [a for a in args if not a.startswith("--freeze")]
  return args + PRIOR


def stage_recipes(out_dir: str, dev: str, parallel: int,
                  score_only: bool = False, chosen: str | None = None
                  ) -> dict:
  """Seed 1 of each candidate on dev.txt; the best validation r wins
  (or `chosen`, named by the caller, who says why)."""
  names = [n for n in RECIPES if n not in REFIT]
  reports = train_all([(_run_dir(out_dir, "dream", n, 1),
                        _recipe_args(n, True, dev), 1) for n in names],
                      parallel, score_only, names)
  scores = {n: {"validation_r": round(r["validation"]["pearson"], 4),
                "best_epoch": r["best_epoch"]} if r.get("validation") else
            {"validation_r": None, "best_epoch": None}
            for n, r in zip(names, reports)}
  if chosen is None:
    chosen = max((n for n in names if scores[n]["validation_r"] is not None),
                 key=lambda n: scores[n]["validation_r"])
  return {"candidates": scores, "chosen": chosen}


def _final_dir(out_dir: str, chosen: str, prior: bool, seed: int) -> str:
  """A final-stage run of `chosen` from the prior or from scratch; a
  REFIT's sits beside its base's run (`_refit`)."""
  base = REFIT.get(chosen, chosen)
  name = base if prior else scratch_name(base)
  return (_run_dir(out_dir, "dream", name, seed)
          + ("_refit" if chosen in REFIT else ""))


def scratch_name(chosen: str) -> str:
  """The from-scratch runs' name: `scratch` for the base recipe (a frozen
  block is not kept frozen without the prior), else `scratch <recipe>`."""
  extra = [a for a in RECIPES[chosen] if not a.startswith("--freeze")]
  if chosen in TEACHER:
    return f"scratch {chosen.removeprefix('prior ')}"
  return "scratch" if not extra else f"scratch {chosen}"


def _teacher_ridge(run_dir: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
  """(weights, validation codes): a teacher run's ridge, refitted as
  `teacher_rows` fits it (k = 5, the run's seed) on its training rows."""
  import pandas as pd  # heavy: only the teacher's tables are read here
  rows = run_dir.rstrip("/") + "_rows"
  frames = {n: pd.read_csv(os.path.join(rows, f"{n}.tsv"), sep="\t")
            for n in ("train", "validation")}
  codes = {n: sequences.encode(f["sequence"].tolist(), 110)
           for n, f in frames.items()}
  w, _ = baseline.fit(codes["train"], frames["train"]["expression"]
                      .to_numpy(np.float64), KMER, seed)
  return w, codes["validation"]


def teacher_report(run_dirs: list[str], seeds: list[int], codes: np.ndarray,
                   truth: np.ndarray) -> dict:
  """For the teacher runs (stage 2 directories) that have their tables:
  `ridges`, each seed's own ridge's test r; `agreement`, r between each
  run's predictions and its ridge's on the validation and on the test
  sequences (no measured values used), for the first run (`_stage1`) and
  the second; `first_runs`, the first runs scored as `score_runs`."""
  from madlab_dream.inference.ensemble import Ensemble  # heavy: TensorFlow
  result = {"ridges": [], "agreement": {}}
  firsts, first_predictions = [], []
  for run_dir, seed in zip(run_dirs, seeds):
    if not os.path.exists(os.path.join(run_dir.rstrip("/") + "_rows",
                                       "train.tsv")):
      continue
    w, val_codes = _teacher_ridge(run_dir, seed)
    splits = {"validation": val_codes, "holdout": codes}
    ridge = {n: baseline.predict(c, w, KMER) for n, c in splits.items()}
    result["ridges"].append(round(float(metrics.pearson(
        truth, ridge["holdout"])), 4))
    firsts.append(run_dir.rstrip("/") + "_stage1")
    for stage, d in (("first", firsts[-1]), ("second", run_dir)):
      if not _finished([d])[0]:
        continue
      member = Ensemble.from_paths([d])
      for name, c in splits.items():
        net = member.predict_members(c)[0]
        result["agreement"].setdefault(f"{stage}_{name}", []).append(round(
            float(metrics.pearson(ridge[name], net)), 4))
        if (stage, name) == ("first", "holdout"):
          first_predictions.append(net)
  result["first_runs"] = {"diverged": len(_finished(firsts)[1]), "runs": [],
                          "mean": None, "sd": None, "ensemble": None}
  if first_predictions:
    member_scores(np.stack(first_predictions), truth, result["first_runs"])
  return result


def stage_final(out_dir: str, split_dir: str, chosen: str, seeds: int,
                parallel: int, score_only: bool = False,
                scratch_runs: bool = True) -> dict:
  """The chosen recipe and (with `scratch_runs`) from scratch, `seeds` seeds
  each, and the ridge, scored on the held-out rows; a teacher recipe's own
  ridges too, and a REFIT's base runs."""
  dev = os.path.join(split_dir, "dev.txt")
  groups = {"fine_tuned": True, **({"scratch": False} if scratch_runs else {})}
  dirs = {key: [_final_dir(out_dir, chosen, prior, s)
                for s in range(1, seeds + 1)] for key, prior in groups.items()}
  jobs = [(d, _recipe_args(chosen, groups[key], dev), s)
          for key in groups for s, d in enumerate(dirs[key], 1)]
  reports = dict(zip([d for d, _, _ in jobs],
                     train_all(jobs, parallel, score_only,
                               [chosen] * len(jobs))))
  seqs, truth = read_dream(os.path.join(split_dir, "holdout.txt"))
  codes = sequences.encode(seqs, 110)
  result = {}
  for key in groups:
    result[key] = score_runs(dirs[key], codes, truth)
    result[key]["validation_r"] = [
        round(reports[d]["validation"]["pearson"], 4) for d in dirs[key]
        if reports[d].get("validation")]  # a refit has none
  base = REFIT.get(chosen, chosen)
  base_dirs = [_final_dir(out_dir, base, True, s)
               for s in range(1, seeds + 1)]
  if chosen in REFIT:
    result["refit_base"] = score_runs(base_dirs, codes, truth)
  if base in TEACHER:
    result["teacher"] = teacher_report(base_dirs, list(range(1, seeds + 1)),
                                       codes, truth)
  dev_seqs, dev_y = read_dream(dev)
  result["ridge"] = ridge_r(sequences.encode(dev_seqs, 110), dev_y, codes,
                            truth)
  result["prior_alone"] = prior_alone_r(codes, truth)
  result["holdout_rows"] = len(truth)
  result["recipe"] = chosen
  result["args"] = _recipe_args(chosen, True, "dev.txt")
  return result


def stage_deepstarr(out_dir: str, data_dir: str, seeds: int,
                    parallel: int, score_only: bool = False) -> dict:
  """deepstarr.flags with and without the prior; test r per target."""
  files = {k: os.path.join(data_dir, f"deepstarr_sample_{k}.txt")
           for k in ("train", "val", "test")}
  base = [*DEEPSTARR, f"--train_data={files['train']}",
          f"--val_data={files['val']}"]
  groups = {"prior": base + PRIOR, "scratch": base}
  jobs = [(_run_dir(out_dir, "deepstarr", g, s), args, s)
          for g, args in groups.items() for s in range(1, seeds + 1)]
  train_all(jobs, parallel, score_only)
  seqs, truth = read_deepstarr(files["test"])
  codes = sequences.encode(seqs, 249)
  train_seqs, train_y = read_deepstarr(files["train"])
  train_codes = sequences.encode(train_seqs, 249)
  result = {"test_rows": len(truth)}
  for t, target in enumerate(DEEPSTARR_TARGETS):
    result[target] = {
        g: score_runs([_run_dir(out_dir, "deepstarr", g, s)
                       for s in range(1, seeds + 1)], codes, truth[:, t],
                      target)
        for g in groups}
    result[target]["ridge"] = ridge_r(train_codes, train_y[:, t], codes,
                                      truth[:, t])
  return result


def _row(label: str, score: dict) -> str:
  def fmt(value):
    return "-" if value is None else f"{value:.3f}"
  runs = ", ".join(f"{r:.3f}" for r in score["runs"]) or "-"
  if score.get("diverged"):
    runs += f" ({score['diverged']} diverged at the start, no model)"
  return (f"| {label} | {fmt(score['mean'])} | {fmt(score['sd'])} | {runs} "
          f"| {fmt(score['ensemble'])} |")


def _teacher_rows(report: dict | None) -> list[str]:
  """The teacher's lines of the held-out table: its ridges, its first runs
  and each run's agreement with its ridge (mean and range over seeds)."""
  if not report or not report["ridges"]:
    return []
  ridges = report["ridges"]
  lines = [f"| each seed's own ridge (its training rows) | "
           f"{np.mean(ridges):.3f} | "
           f"{np.std(ridges, ddof=1) if len(ridges) > 1 else 0:.3f} | "
           + ", ".join(f"{r:.3f}" for r in ridges) + " | - |",
           _row("its first run alone (labelled rows only)",
                report["first_runs"])]
  for key, values in report["agreement"].items():
    stage, split = key.split("_")
    lines.append(f"| agreement with the ridge, {stage} run, {split} "
                 f"sequences | {np.mean(values):.3f} | - | "
                 + ", ".join(f"{r:.3f}" for r in values) + " | - |")
  return lines


def table(results: dict) -> str:
  """results.json as markdown: the recipes, the held-out table, DeepSTARR."""
  lines = [f"Measured on {results['cpu']} by `{results['command']}`.", ""]
  if "recipes" in results:
    lines += ["| candidate (seed 1, dev rows) | validation r | best epoch |",
              "|---|---:|---:|"]
    for name, s in results["recipes"]["candidates"].items():
      mark = " (chosen)" if name == results["recipes"]["chosen"] else ""
      if s["validation_r"] is None:
        lines.append(f"| {name}{mark} | not finished | - |")
      else:
        lines.append(f"| {name}{mark} | {s['validation_r']:.3f} | "
                     f"{s['best_epoch']} |")
    lines.append("")
  head = ["| model | mean r | sd | each seed | ensemble |",
          "|---|---:|---:|---|---:|"]
  if "final" in results:
    final = results["final"]
    lines += [f"Held-out real rows ({final['holdout_rows']}):", ""] + head
    lines += [_row(f"fine-tuned from the prior ({final['recipe']})",
                   final["fine_tuned"]),
              *([_row("from scratch (same recipe)", final["scratch"])]
                if "scratch" in final else []),
              *([_row(f"before the refit ({REFIT[final['recipe']]})",
                      final["refit_base"])]
                if "refit_base" in final else []),
              *_teacher_rows(final.get("teacher")),
              f"| 5-mer ridge (all dev rows) | {final['ridge']:.3f} | - | - "
              "| - |",
              f"| the prior alone (no real rows) | {final['prior_alone']:.3f}"
              " | - | - | - |", ""]
  if "deepstarr" in results:
    ds = results["deepstarr"]
    for target in DEEPSTARR_TARGETS:
      lines += [f"DeepSTARR sample, {target} (test {ds['test_rows']} rows):",
                ""] + head
      lines += [_row("fine-tuned from the prior", ds[target]["prior"]),
                _row("from scratch", ds[target]["scratch"]),
                f"| 5-mer ridge | {ds[target]['ridge']:.3f} | - | - | - |",
                ""]
  return "\n".join(lines)


def study(real_data: str, deepstarr_dir: str | None, out_dir: str,
          stage: str = "all", seeds: int = 5, deepstarr_seeds: int = 3,
          parallel: int = 2, holdout: float = 0.2, split_seed: int = 2031,
          command: str = "", score_only: bool = False,
          chosen: str | None = None, scratch_runs: bool = True) -> dict:
  """Runs the stages (see the module docstring); returns results.json."""
  results_path = os.path.join(out_dir, "results.json")
  results = {}
  if os.path.exists(results_path):
    with open(results_path) as f:
      results = json.load(f)
  results["cpu"] = machine.cpu_line(machine.describe(with_tensorflow=False))
  results["command"] = command or "python -m madlab_dream.pretrain_study"
  split = split_rows(real_data, out_dir, holdout, split_seed)
  results["split"] = {k: v for k, v in split.items()
                      if k != "holdout_line_numbers"}
  split_dir = os.path.join(out_dir, "split")
  if stage in ("all", "recipes"):
    results["recipes"] = stage_recipes(
        out_dir, os.path.join(split_dir, "dev.txt"), parallel, score_only,
        chosen)
  if stage in ("all", "final"):
    results["final"] = stage_final(
        out_dir, split_dir, chosen or results["recipes"]["chosen"], seeds,
        parallel, score_only, scratch_runs)
  if stage in ("all", "deepstarr") and deepstarr_dir:
    results["deepstarr"] = stage_deepstarr(out_dir, deepstarr_dir,
                                           deepstarr_seeds, parallel,
                                           score_only)
  with open(results_path, "w") as f:
    json.dump(results, f, indent=2)
  with open(os.path.join(out_dir, "table.md"), "w") as f:
    f.write(table(results) + "\n")
  return results
