"""The flags of the commands that explain a model and design with it:
explain, motifs, explain_demo, design, design_demo (and the simulator's
--motifs_meme). Defined like the others (`commands.flags`), once each."""

from __future__ import annotations

from absl import flags

from madlab_dream.commands.flags import FLAGS
from madlab_dream.commands.flags import _define
from madlab_dream.commands.flags import define_eval_batch_flag
from madlab_dream.commands.flags import define_input_flag
from madlab_dream.commands.flags import define_model_path_flag
from madlab_dream.commands.flags import define_model_paths_flag
from madlab_dream.commands.flags import define_output_dir_flag
from madlab_dream.commands.flags import define_output_flag
from madlab_dream.commands.flags import define_settings
from madlab_dream.commands.flags import define_target_flag
from madlab_dream.commands.flags import set_default
from madlab_dream.commands.flags import settings_from_flags
from madlab_dream.config import ConfigError
from madlab_dream.explain import settings
from madlab_dream.explain.motifs import MotifsConfig

# --- Explaining a model ------------------------------------------------------

def define_explain_flags() -> None:
  """The flags of `python -m madlab_dream.explain`."""
  default = settings.ExplainConfig()
  define_model_path_flag()
  define_target_flag()
  define_eval_batch_flag()
  # A gradient holds the activations of its batch: smaller than prediction's.
  set_default("eval_batch_size", default.batch_size)
  define_input_flag("Sequences: DREAM TSV, FASTA or one per line; .gz "
                    "accepted.")
  define_output_flag("Output .npz: one_hot, hypothetical, contributions "
                     "[N, L, 4], prediction, baseline_prediction, sequence "
                     "[N] and the settings (TF-MoDISco's layout).")
  define_settings(settings.ExplainConfig, EXPLAIN_SETTINGS)
  _define(flags.DEFINE_integer, "logos", 0,
          "Draw the contribution logos of the first N sequences (PNG).")
  _define(flags.DEFINE_string, "logo_dir", None,
          "Directory of the logos (default: the output's name without .npz, "
          "plus _logos).")
  _define(flags.DEFINE_boolean, "allow_long_sequence", False,
          "Explain a sequence longer than the model's L: only its last L "
          "positions (all the model sees) instead of refusing.")


#: The ExplainConfig fields that are explain's flags (batch_size is the
#: shared --eval_batch_size).
EXPLAIN_SETTINGS = ("method", "references", "steps", "quadrature", "baseline",
                    "correct", "shuffle_region", "seed")


def explain_config(flag_values=None):
  """The ExplainConfig of the explain flags (ConfigError on a bad value)."""
  return settings_from_flags(settings.ExplainConfig,
                             EXPLAIN_SETTINGS + ("batch_size",), flag_values)


def define_motifs_flags() -> None:
  """The flags of `python -m madlab_dream.motifs`."""
  define_output_dir_flag()
  _define(flags.DEFINE_string, "contributions", None,
          "The .npz of python -m madlab_dream.explain (one_hot, hypothetical).")
  _define(flags.DEFINE_string, "motif_db", "jaspar_fungi",
          "Motifs to match: jaspar_fungi (JASPAR 2024 CORE fungi, from the "
          "pyjaspar package) or a MEME file.")
  define_settings(MotifsConfig, MOTIFS_SETTINGS)


#: The MotifsConfig fields that are motifs' flags.
MOTIFS_SETTINGS = ("sliding_window_size", "flank_size", "target_seqlet_fdr",
                   "max_seqlets_per_metacluster", "n_leiden_runs")


def motifs_config(flag_values=None):
  """The MotifsConfig of the motifs flags (ConfigError on a bad value)."""
  return settings_from_flags(MotifsConfig, MOTIFS_SETTINGS, flag_values)


def define_simulate_motif_flags() -> None:
  """The flags of `python -m madlab_dream.simulate --motifs_meme=FILE`."""
  _define(flags.DEFINE_string, "motifs_meme", None,
          "Write the grammar's eight motifs as a MEME file (letter "
          "probabilities named Reb1, Abf1, ...); with or without "
          "--output_dir.")


def define_explain_demo_flags() -> None:
  """The flags of `python -m madlab_dream.explain_demo`."""
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.tools.explain_demo.proof import ProofConfig
  from madlab_dream.tools.explain_demo.proof import sweep_text
  define_eval_batch_flag()
  set_default("eval_batch_size", ProofConfig.default("batch_size"))
  define_output_dir_flag()
  define_settings(ProofConfig, EXPLAIN_DEMO_SETTINGS)
  _define(flags.DEFINE_string, "sweep",
          sweep_text(ProofConfig.default("sweep")),
          "Completeness, AUROC and time on a subset: expected gradients at "
          "REFERENCESxSTEPS, integrated gradients (all-N baseline, "
          "uncorrected) at igSTEPS; /midpoint or /gauss_legendre.")
  _define(flags.DEFINE_boolean, "check_targets", False,
          "Exit with status 1 when a target is missed (the targets are always "
          "in the report).")


#: The ProofConfig fields that are explain_demo's flags (batch_size is the
#: shared --eval_batch_size; sweep is a text flag, parsed by `parse_sweep`).
EXPLAIN_DEMO_SETTINGS = ("demo_dir", "sequences", "ism_sequences",
                         "references", "steps", "quadrature",
                         "sweep_sequences", "seed", "model")


def explain_demo_config(flag_values=None):
  """The ProofConfig of the explain_demo flags."""
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.tools.explain_demo.proof import ProofConfig
  from madlab_dream.tools.explain_demo.proof import parse_sweep
  flag_values = FLAGS if flag_values is None else flag_values
  return settings_from_flags(
      ProofConfig, EXPLAIN_DEMO_SETTINGS, flag_values,
      sweep=parse_sweep(flag_values["sweep"].value),
      batch_size=flag_values["eval_batch_size"].value)


# --- Design -------------------------------------------------------------------

def define_design_flags() -> None:
  """The flags of `python -m madlab_dream.design`."""
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.designing import options
  define_model_paths_flag()
  define_target_flag()
  define_eval_batch_flag()
  define_settings(options.DesignOptions,
                  options.DesignOptions.field_names())
  _define(flags.DEFINE_string, "start", None,
          "Start sequences (DREAM TSV, FASTA or one per line; .gz accepted); "
          "default: random 80-nt regions between the DREAM flanks.")
  define_output_flag("Designs TSV (design order).")
  _define(flags.DEFINE_string, "trajectory", None,
          "Per-round TSV (default: <output stem>.trajectory.tsv).")
  _define(flags.DEFINE_string, "plot", None,
          "PNG of prediction by round (default: <output stem>.png).")


def design_options(flag_values=None):
  """The design command's DesignOptions from its flags (ConfigError on a
  bad value)."""
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.designing import options
  from madlab_dream.designing import starts
  flag_values = FLAGS if flag_values is None else flag_values
  names = [name for name in options.DesignOptions.__dataclass_fields__
           if name in flag_values]
  values = {name: flag_values[name].value for name in names}
  values["protect"] = tuple(starts.parse_protect(values.get("protect")))
  if values.get("trained_range") is not None:
    try:
      values["trained_range"] = tuple(float(v) for v in
                                      values["trained_range"])
    except ValueError:
      values["trained_range"] = None
    if values["trained_range"] is None or len(values["trained_range"]) != 3:
      raise ConfigError("trained_range", flag_values["trained_range"].value,
                        "expected MIN,MAX,SD (three numbers)")
  return options.DesignOptions(**values)


def define_design_demo_flags() -> None:
  """The flags of `python -m madlab_dream.design_demo`."""
  define_eval_batch_flag()
  _define(flags.DEFINE_string, "demo_dir", "demo_output",
          "A finished demo (python -m madlab_dream.demo): data/ and run/.")
  _define(flags.DEFINE_string, "model", None,
          "Another run trained on the simulator's default grammar, used "
          "instead of the demo's run/ (default: that one).")
  _define(flags.DEFINE_string, "ensemble_dir", None,
          "Where the ensemble's other members are trained or reused (seed_N/; "
          "default <demo_dir>/design_ensemble).")
  _define(flags.DEFINE_list, "ensemble_seeds", ["1", "2"],
          "Seeds of the ensemble's other members (the demo's model is the "
          "first).")
  define_output_dir_flag()
  _define(flags.DEFINE_string, "budget", "14m",
          "Wall-clock budget of the designs (after the members are ready): "
          "greedy rounds are sized to it.")
  _define(flags.DEFINE_integer, "rounds", None,
          "Greedy rounds (default: as many as fit --budget).")
  _define(flags.DEFINE_integer, "num_designs", 100, "Designs per case.")
  _define(flags.DEFINE_float, "penalty_sd", 1.0,
          "The ensemble's sd penalty (mean - penalty_sd x sd for max).")
  _define(flags.DEFINE_integer, "max_edits", None,
          "A trust region in sequence space: designs stay within this many "
          "edits of their random start (default: any).")
