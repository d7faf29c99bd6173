"""training.training_run: what a run says it wrote is what it wrote."""

from madlab_dream.training.training_run import written_outputs


def test_the_outputs_line_lists_only_files_that_exist(tmp_path):
  for name in ("model.keras", "report.json", "validation_scatter_dev.png",
               "validation_scatter_hk.png"):
    (tmp_path / name).write_text("x")
  (tmp_path / "saved_model").mkdir()
  assert written_outputs(str(tmp_path)) == (
      "saved_model/ model.keras report.json validation_scatter_dev.png "
      "validation_scatter_hk.png")
