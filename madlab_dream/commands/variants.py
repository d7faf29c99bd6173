"""Variant effects and in-silico saturation mutagenesis with a trained model.

Pairs (reference, alternative), one pair per line, tab-separated, `#` lines
are comments; optionally a first column with a name:

  python -m madlab_dream.variants --model=runs/base --pairs=pairs.tsv \
      --output=effects.tsv

writes `[name<TAB>]ref<TAB>alt<TAB>ref_prediction<TAB>alt_prediction<TAB>effect`
with effect = alt - ref on the expression scale. A pair whose ref and alt
differ in length is refused unless --allow_unequal_lengths (the model would
see them shifted against each other).

Saturation mutagenesis of one sequence (every single-nucleotide change):

  python -m madlab_dream.variants --model=runs/base --sequence=TGCATT... \
      --output=ism.tsv --heatmap=ism.png

writes `position<TAB>ref<TAB>alt<TAB>prediction<TAB>effect` (position 1-based,
3 rows per position, 4 where the reference is N) and a heatmap [4, length]
of effects. The model sees only the last L nt (110): a longer sequence is
refused unless --allow_long_sequence, which mutates only those last L
positions; the output's comment lines say which positions were mutated.

Saturation mutagenesis of every sequence of a file (DREAM TSV, FASTA or one
per line; `.gz` accepted), the variants of many sequences predicted together
in large batches (--eval_batch_size):

  python -m madlab_dream.variants --model=runs/base --ism_input=seqs.txt \
      --output=ism.tsv.gz

writes `sequence_id<TAB>position<TAB>ref<TAB>alt<TAB>reference_prediction<TAB>
prediction<TAB>effect`, sequence_id being the sequence's number in the file
(1-based), in input order; no heatmap. Sequences longer than L are refused
unless --allow_long_sequence, as above.

Each mode also prints `N of M predictions outside the trained range [a, b]`
(the trained range widened by one training sd), or that the model's trained
range is unknown.

--output may not be the --pairs or --ism_input file; a `.gz` name is written
gzip-compressed (not the heatmap).
"""

import os
import time

from madlab_dream.commands import cli
from madlab_dream.commands import flags
from madlab_dream.errors import InputError
from madlab_dream.inference import out_of_range
from madlab_dream.inference import variants
from madlab_dream.inference.predictor import Predictor
from madlab_dream.inference.predictor import model_inputs
from madlab_dream.io import files


def run():
  args = flags.FLAGS
  if not args.model or not args.output:
    raise InputError("--model and --output are required")
  if sum(bool(v) for v in (args.pairs, args.sequence, args.ism_input)) != 1:
    raise InputError("give exactly one of --pairs, --sequence or "
                     "--ism_input")
  if args.heatmap and not args.sequence:
    raise InputError("--heatmap is for --sequence (one sequence); --pairs "
                     "and --ism_input write the table only")
  files.check_output(args.output, [
      *[p for p in (args.pairs, args.ism_input) if p],
      *model_inputs(args.model)])
  started = time.perf_counter()
  if args.ism_input:
    ism_of_file(args, started)
  elif args.pairs:
    pair_effects(args, started)
  else:
    ism_of_sequence(args, started)


def ism_of_file(args, started: float) -> None:
  """--ism_input: every sequence of a file, into one table."""
  predictor = Predictor(args.model, args.eval_batch_size).select_target(
      args.target)
  done = variants.ism_file(predictor, args.ism_input, args.output,
                           args.allow_long_sequence)
  long_note = (f" ({done['long_sequences']:,} longer than "
               f"{predictor.seq_len} nt: only their last "
               f"{predictor.seq_len} positions mutated)"
               if done["long_sequences"] else "")
  print(f"wrote {done['variants']:,} single-nucleotide variants of "
        f"{done['sequences']:,} sequences{long_note} to {args.output} in "
        f"{time.perf_counter() - started:.1f} s")
  print(done["out_of_range"])


def pair_effects(args, started: float) -> None:
  """--pairs: the effect of each (reference, alternative) pair."""
  refs, alts, names = variants.read_pairs(args.pairs,
                                          args.allow_unequal_lengths)
  predictor = Predictor(args.model, args.eval_batch_size).select_target(
      args.target)
  table = variants.pair_table(predictor, refs, alts, names, args.pairs)
  variants.write_tsv(args.output, table)
  print(f"wrote effects of {len(refs):,} pair{'s' * (len(refs) != 1)} to {args.output} in "
        f"{time.perf_counter() - started:.1f} s")
  print(out_of_range.report(predictor, list(table["ref_prediction"])
                            + list(table["alt_prediction"])))


def ism_of_sequence(args, started: float) -> None:
  """--sequence: one sequence's table and heatmap."""
  seq = args.sequence.strip()
  heatmap = args.heatmap or files.sidecar(args.output, ".png")
  if heatmap and os.path.realpath(heatmap) == os.path.realpath(args.output):
    raise InputError("--heatmap must differ from --output", heatmap)
  if heatmap:
    files.check_output(heatmap, model_inputs(args.model), gzip_ok=False)
  predictor = Predictor(args.model, args.eval_batch_size).select_target(
      args.target)
  ism = variants.saturation_mutagenesis(predictor, seq,
                                        args.allow_long_sequence)
  variants.write_tsv(args.output, variants.ism_table(ism),
                     f"# reference prediction {ism['reference']:.9g}\n"
                     f"# {variants.coverage(ism)}\n")
  if heatmap:
    variants.heatmap_png(heatmap, seq[ism["first"] - 1:].upper(),
                         ism["matrix"], ism["reference"], ism["first"])
  print(variants.coverage(ism))
  where = f" and the heatmap to {heatmap}" if heatmap else ""
  print(f"wrote {len(ism['effect']):,} single-nucleotide variants to "
        f"{args.output}{where} in "
        f"{time.perf_counter() - started:.1f} s")
  print(out_of_range.report(predictor, [ism["reference"],
                                        *ism["prediction"]]))


def main() -> None:
  """`python -m madlab_dream.variants`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.variants", flags.define_variants_flags)
