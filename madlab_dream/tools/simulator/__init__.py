"""A simulated DREAM dataset with a hidden regulatory grammar.

  grammar.py     the hidden grammar: motifs, site scoring, `activity`
  measure.py     the measurement model (training and test values), the
                 noise ceiling
  train_rows.py  training rows in seeded blocks: lengths, flanks, N's
  testset.py     the test set, its eight subsets, the public-leaderboard ids
  writers.py     fast row formatting, the files, `simulate` (all of it)

`python -m madlab_dream.simulate --output_dir=DIR [--train_rows=N
--test_rows=M --seed=S]` writes, in the challenge's exact formats (no header,
tab-separated):

  train_sequences.txt      sequence<TAB>expression (0-17 bin scale; ~57 %
                           whole numbers = reads observed once, the rest
                           averages), lengths and N's like the real file
  test_sequences.txt       sequence<TAB> (110 nt, second column empty)
  filtered_test_data_with_MAUDE_expression.txt
                           sequence<TAB>measured value (another scale,
                           about -1.5 to 1.7); position = row index
  test_subset_ids/         the eight official subset CSVs (`pos`, or
                           `alt_pos`,`ref_pos` pairs of test positions)
  public_leaderboard_ids/  the eight JSON files (keys "pos" or "alt,ref"),
                           a seeded ~13 % of each subset
  simulation.json          seed, row counts, noise ceiling, the grammar
                           (written last: its presence means complete)

The grammar. Eight yeast binding sites are scored with position weight
matrices on both strands; a site's occupancy is a sigmoid of its score
(a perfect site is ~95 % occupied, one mismatch about half, so partial
matches in random DNA matter). Occupancies are weighted by a position
profile (distance of the site's centre to the 3' end, the TSS side) and an
orientation weight and summed per motif; each motif's sum saturates
(s * (1 - exp(-x / s))); the logit is a weighted sum of these plus pairwise
products (cooperation, antagonism); the noiseless activity is
`LOW + (HIGH - LOW) * sigmoid(logit)` on the 0-17 bin scale. Measurement: a
singleton row is round(activity + N(0, SD_SINGLE)) clipped to 0..17; an
average row is activity + N(0, SD_AVERAGE) clipped, never a whole number.

All randomness comes from `np.random.default_rng` streams keyed by the seed
(training rows in fixed blocks of `TRAIN_BLOCK`), so the same seed gives
byte-identical files. Everything is vectorised NumPy.
"""

from madlab_dream.tools.simulator.grammar import FLANK3
from madlab_dream.tools.simulator.grammar import FLANK5
from madlab_dream.tools.simulator.grammar import MOTIFS
from madlab_dream.tools.simulator.grammar import SEQ_LEN
from madlab_dream.tools.simulator.grammar import activity
from madlab_dream.tools.simulator.measure import noise_ceiling
from madlab_dream.tools.simulator.testset import make_test_set
from madlab_dream.tools.simulator.train_rows import train_block
from madlab_dream.tools.simulator.writers import format_rows
from madlab_dream.tools.simulator.writers import simulate

__all__ = ["FLANK3", "FLANK5", "MOTIFS", "SEQ_LEN", "activity",
           "format_rows", "make_test_set", "noise_ceiling",
           "simulate", "train_block"]
