"""The proof's report: report.json (every figure) and report.md (tables).

Targets: at least TARGET_RECOVERED of the eight planted motifs recovered,
no strong pattern matching no planted motif, and an expected-gradients
AUROC of at least TARGET_AUROC.
"""

from __future__ import annotations

import json
import os

TARGET_RECOVERED = 6
TARGET_AUROC = 0.85


def targets(report: dict) -> dict:
  """{name: met} for the proof's three targets."""
  eg = next(r for r in report["methods"]
            if r["method"] == "expected_gradients")
  motifs = report["motifs"]
  return {f"at least {TARGET_RECOVERED} of 8 planted motifs recovered":
              motifs["recovered"] >= TARGET_RECOVERED,
          "no strong pattern that matches no planted motif":
              not motifs["unmatched_strong"],
          f"expected-gradients AUROC >= {TARGET_AUROC}":
              eg["auroc"] >= TARGET_AUROC}


def _fmt(value, spec: str = ".3f") -> str:
  return "" if value is None else format(value, spec)


def _method_lines(report: dict) -> list[str]:
  lines = ["| method | setting | sequences | seconds | sequences/s | AUROC "
           "planted | AUROC all sites |", "|---|---|---:|---:|---:|---:|---:|"]
  for r in report["methods"]:
    lines.append(f"| {r['method']} | {r['setting']} | {r['sequences']:,} | "
                 f"{r['seconds']:.1f} | {r['sequences_per_s']:.1f} | "
                 f"{r['auroc']:.3f} | {r['auroc_functional']:.3f} |")
  lines += ["", "Expected gradients, references x steps (first "
            f"{report['sweep'][0]['sequences'] if report['sweep'] else 0} "
            "sequences):", "",
            "| references x steps | gradient evaluations / sequence | "
            "seconds | AUROC planted | AUROC all sites |",
            "|---|---:|---:|---:|---:|"]
  for r in report["sweep"]:
    lines.append(f"| {r['references']} x {r['steps']} | "
                 f"{r['gradient_evaluations_per_sequence']} | "
                 f"{r['seconds']:.1f} | {r['auroc']:.3f} | "
                 f"{r['auroc_functional']:.3f} |")
  return lines


def _motif_lines(motifs: dict) -> list[str]:
  lines = ["| planted motif | recovered | pattern | consensus | similarity | "
           "Tomtom q | seqlets |", "|---|---|---|---|---:|---:|---:|"]
  for r in motifs["planted"]:
    lines.append(f"| {r['motif']} | {'yes' if r['recovered'] else 'no'} | "
                 f"{r['pattern'] or ''} | {r['consensus'] or ''} | "
                 f"{_fmt(r['similarity'], '.2f')} | "
                 f"{_fmt(r['tomtom_qvalue'], '.2g')} | {r['seqlets']:,} |")
  lines += ["", f"{motifs['recovered']} of {len(motifs['planted'])} planted "
            f"motifs recovered; {motifs['patterns']} patterns, "
            f"{motifs['seqlets']:,} seqlets."]
  for r in motifs["unmatched_strong"]:
    lines.append(f"Strong pattern matching no planted motif: {r['pattern']} "
                 f"{r['consensus']} ({r['seqlets']:,} seqlets; closest "
                 f"{r['closest']}, similarity {r['similarity']:.2f}).")
  return lines


def markdown(report: dict) -> str:
  held = report["held_out"]
  agree = report["ism_vs_expected_gradients"]
  gap = report["expected_gradients_completeness"]
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
      "others; \"all sites\": those of every site of the grammar, planted or "
      "by chance, with occupancy >= 0.5 and position x orientation weight "
      f">= 0.3 ({held['functional_positions']:.1%}) against all others.",
      ""]
  lines += _method_lines(report)
  lines += ["", f"ISM vs expected gradients ({agree['sequences']:,} "
            f"sequences, per-position contributions): Pearson r "
            f"{agree['pearson']:.3f} over all positions, median "
            f"{agree['median_per_sequence']:.3f} per sequence. Expected "
            "gradients' completeness: median relative gap "
            f"{gap['median_relative_gap']:.2%}, 95th percentile "
            f"{gap['p95_relative_gap']:.2%}.", "",
            "## Motifs (TF-MoDISco on the expected-gradients scores)", ""]
  lines += _motif_lines(report["motifs"])
  lines += ["", "## Targets", ""]
  lines += [f"- [{'x' if met else ' '}] {name}"
            for name, met in report["targets"].items()]
  return "\n".join(lines) + "\n"


def write(directory: str, report: dict) -> None:
  """report.json and report.md into `directory` (adds report["targets"])."""
  report["targets"] = targets(report)
  with open(os.path.join(directory, "report.json"), "w") as f:
    json.dump(report, f, indent=1, default=float)
  with open(os.path.join(directory, "report.md"), "w") as f:
    f.write(markdown(report))
