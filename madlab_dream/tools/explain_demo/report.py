"""The proof's report: report.json (every figure) and report.md (tables).

Targets: at least TARGET_RECOVERED of the eight planted motifs recovered
(`recovery.RULE`), no strong pattern that recovers no planted motif, and
expected gradients' site AUROC at least TARGET_AUROC under the functional
definition and TARGET_AUROC_BROAD under the broad one
(`proof.SITE_DEFINITIONS`).
"""

from __future__ import annotations

import json
import os

TARGET_RECOVERED = 6
TARGET_AUROC = 0.85
TARGET_AUROC_BROAD = 0.75


def targets(report: dict) -> dict:
  """{name: met} for the proof's four targets."""
  eg = next(r for r in report["methods"]
            if r["method"] == "expected_gradients")
  motifs = report["motifs"]
  return {f"at least {TARGET_RECOVERED} of 8 planted motifs recovered":
              motifs["recovered"] >= TARGET_RECOVERED,
          "no strong pattern that recovers no planted motif":
              not motifs["unmatched_strong"],
          f"expected-gradients AUROC (functional sites) >= {TARGET_AUROC}":
              eg["auroc_functional"] >= TARGET_AUROC,
          f"expected-gradients AUROC (every consensus match) >= "
          f"{TARGET_AUROC_BROAD}": eg["auroc_broad"] >= TARGET_AUROC_BROAD}


DEFINITIONS = (("planted", "auroc"), ("functional", "auroc_functional"),
               ("broad", "auroc_broad"))


def best_methods(report: dict) -> dict:
  """{definition: {"method", "auroc", "sequences"}}: the method with the
  highest site AUROC under each definition, whichever it is."""
  best = {}
  for name, key in DEFINITIONS:
    top = max(report["methods"], key=lambda r: r[key])
    best[name] = {"method": top["method"], "auroc": top[key],
                  "sequences": top["sequences"]}
  return best


def _best_lines(report: dict) -> list[str]:
  parts = [f"{name} {b['method']} {b['auroc']:.3f} ({b['sequences']:,} "
           f"sequences)" for name, b in best_methods(report).items()]
  reach = [r["method"] for r in report["methods"]
           if r["auroc_functional"] >= TARGET_AUROC
           and r["auroc_broad"] >= TARGET_AUROC_BROAD]
  return ["", "Best method per site definition: " + "; ".join(parts) + ".",
          f"Methods at AUROC >= {TARGET_AUROC} (functional) and >= "
          f"{TARGET_AUROC_BROAD} (broad): "
          + (", ".join(reach) if reach else "none") + "."]


def _fmt(value, spec: str = ".3f") -> str:
  return "" if value is None else format(value, spec)


def _method_lines(report: dict) -> list[str]:
  lines = ["| method | setting | sequences | seconds | sequences/s | AUROC "
           "planted | AUROC functional | AUROC broad | completeness error "
           "median / worst |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
  for r in report["methods"]:
    gap = r.get("completeness")
    gaps = (f"{gap['median']:.2%} / {gap['worst']:.2%}" if gap else "")
    lines.append(f"| {r['method']} | {r['setting']} | {r['sequences']:,} | "
                 f"{r['seconds']:.1f} | {r['sequences_per_s']:.1f} | "
                 f"{r['auroc']:.3f} | {r['auroc_functional']:.3f} | "
                 f"{r['auroc_broad']:.3f} | {gaps} |")
  n = report["sweep"][0]["sequences"] if report["sweep"] else 0
  lines += ["", f"Sweep on the first {n:,} sequences: expected gradients "
            "(references x steps) and integrated gradients from the all-N "
            "baseline without the correction; completeness error as above.",
            "", "| method | references x steps | quadrature | gradient "
            "evaluations / sequence | seconds | AUROC planted | AUROC "
            "functional | AUROC broad | within 1 % | median | worst |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
  for r in report["sweep"]:
    gap = r["completeness"]
    lines.append(f"| {r['method']} | {r['references']} x {r['steps']} | "
                 f"{r['quadrature']} | "
                 f"{r['gradient_evaluations_per_sequence']} | "
                 f"{r['seconds']:.1f} | {r['auroc']:.3f} | "
                 f"{r['auroc_functional']:.3f} | {r['auroc_broad']:.3f} | "
                 f"{gap['within_1_percent']:.0%} | {gap['median']:.2%} | "
                 f"{gap['worst']:.2%} |")
  return lines


def _mark(passed: bool) -> str:
  return "pass" if passed else "FAIL"


def _motif_lines(motifs: dict) -> list[str]:
  lines = [f"Rule: a pattern recovers a planted motif when it has the "
           f"{motifs['rule']} ({motifs['decoys']} decoys).", "",
           "| planted motif | recovered | best pattern | consensus | seqlets "
           "| best planted match | Tomtom q | IC covered | sign |",
           "|---|---|---|---|---:|---|---:|---:|---|"]
  for r in motifs["planted"]:
    b = r["best"]
    if b is None:
      lines.append(f"| {r['motif']} | no | no patterns | | | | | | |")
      continue
    ok = b["passed"]
    sign = "+" if b["pattern_sign"] > 0 else "-"
    lines.append(
        f"| {r['motif']} | {'yes' if r['recovered'] else 'no'} | "
        f"{b['pattern']} | `{b['consensus']}` | {b['seqlets']:,} | "
        f"{b['best_planted_match']} {_mark(ok['best_planted'])} | "
        f"{b['qvalue']:.2g} {_mark(ok['qvalue'])} | "
        f"{b['coverage']:.0%} {_mark(ok['coverage'])} | "
        f"{sign} {_mark(ok['sign'])} |")
  lines += ["", f"{motifs['recovered']} of {len(motifs['planted'])} planted "
            f"motifs recovered; {motifs['patterns']} patterns, "
            f"{motifs['seqlets']:,} seqlets."]
  for r in motifs["unmatched_strong"]:
    lines.append(f"Strong pattern that recovers no planted motif: "
                 f"{r['pattern']} {r['consensus']} ({r['seqlets']:,} "
                 f"seqlets; best Tomtom match {r['closest']}, q "
                 f"{r['qvalue']:.2g}).")
  return lines


def markdown(report: dict) -> str:
  held = report["held_out"]
  agree = report["ism_vs_expected_gradients"]
  lines = [
      "# Explanations against the simulator's known grammar", "",
      f"Model: `{report['model']}` (validation Pearson r "
      f"{_fmt(report.get('validation_pearson'))}). Machine: "
      f"{report['machine']}. Total {report['seconds']:.0f} s.", "",
      f"{held['sequences']:,} held-out sequences with "
      f"{held['planted_sites']:,} planted motif instances. AUROC of "
      "|contribution| per position over the 80-nt variable region: "
      "\"planted\": the informative positions of the planted instances "
      f"({held['planted_positions']:.1%} of the positions) against all "
      "others; \"functional\": those of every site of the grammar, planted "
      "or by chance, with occupancy >= 0.5 and position x orientation weight "
      f">= 0.3 ({held['functional_positions']:.1%}); \"broad\": those of "
      "every exact consensus match of the eight motifs on either strand, "
      f"whatever its weight ({held.get('broad_positions', 0):.1%}).",
      ""]
  lines += _method_lines(report)
  lines += _best_lines(report)
  lines += ["", f"ISM vs expected gradients ({agree['sequences']:,} "
            f"sequences, per-position contributions): Pearson r "
            f"{agree['pearson']:.3f} over all positions, median "
            f"{agree['median_per_sequence']:.3f} per sequence. Completeness "
            "error: |sum of contributions - (f(x) - f(baseline))| / "
            "|f(x) - f(baseline)| per sequence.", "",
            "## Motifs (TF-MoDISco on the expected-gradients scores)", ""]
  lines += _motif_lines(report["motifs"])
  lines += ["", "## Targets", ""]
  lines += [f"- [{'x' if met else ' '}] {name}"
            for name, met in report["targets"].items()]
  return "\n".join(lines) + "\n"


def write(directory: str, report: dict) -> None:
  """report.json and report.md into `directory` (adds report["targets"])."""
  report["targets"] = targets(report)
  report["best_methods"] = best_methods(report)
  with open(os.path.join(directory, "report.json"), "w") as f:
    json.dump(report, f, indent=1, default=float)
  with open(os.path.join(directory, "report.md"), "w") as f:
    f.write(markdown(report))
