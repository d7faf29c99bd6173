"""The challenge's names: files, subsets, score weights, public modes.

One home for what the organisers' repository calls things, shared by the
scoring, the evaluate command, the flags and the simulator.
"""

TRAIN_FILE = "train_sequences.txt"
TEST_FILE = "test_sequences.txt"
TRUTH_FILE = "filtered_test_data_with_MAUDE_expression.txt"
SUBSET_DIR = "test_subset_ids"
PUBLIC_DIR = "public_leaderboard_ids"

# Weight of every set in the official scores; they sum to 4.65.
WEIGHTS = {
    "all": 1.0,
    "high": 0.3,
    "low": 0.3,
    "yeast": 0.3,
    "random": 0.3,
    "challenging": 0.5,
    "SNVs": 1.25,
    "motif_perturbation": 0.3,
    "motif_tiling": 0.4,
}
TOTAL_WEIGHT = 4.65  # the official denominator

# Subsets of single positions and of (alt, ref) pairs, with their files.
SINGLE_FILES = {
    "high": "high_exp_seqs.csv",
    "low": "low_exp_seqs.csv",
    "yeast": "yeast_seqs.csv",
    "random": "all_random_seqs.csv",
    "challenging": "challenging_seqs.csv",
}
PAIR_FILES = {
    "SNVs": "all_SNVs_seqs.csv",
    "motif_perturbation": "motif_perturbation_seqs.csv",
    "motif_tiling": "motif_tiling_seqs.csv",
}
SUBSET_NAMES = tuple(SINGLE_FILES) + tuple(PAIR_FILES)
PUBLIC_FILES = {
    "high": "high_exp_indices.json",
    "low": "low_exp_indices.json",
    "yeast": "yeast_exp_indices.json",
    "random": "random_exp_indices.json",
    "challenging": "challenging_exp_indices.json",
    "SNVs": "SNVs_exp_indices.json",
    "motif_perturbation": "motif_perturbation_exp_indices.json",
    "motif_tiling": "motif_tiling_exp_indices.json",
}
PUBLIC_MODES = ("exclude", "only", "ignore")
