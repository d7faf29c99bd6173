"""Preprocessing, the on-disk cache and the training batches.

  select.py    MadLab's row filter and the fixed train/validation split
  cache.py     file -> filtered, standardised, split arrays on disk (reused)
  table_cache.py  tables with a header row (named columns, several targets,
               given splits) -> the same cache
  order.py     the order of the rows: pass permutations, resume, rc coins
               (NumPy; every input path takes its batches from it)
  pipeline.py  cached codes -> shuffled, resumable tf.data batches
  numpy_batches.py  the same batches without TensorFlow (NumPy, a
               prefetch thread): JAX, PyTorch

`python -m madlab_dream.data --input=FILE --output_dir=DIR` runs `preprocess`.
"""

from madlab_dream.data.cache import Cache
from madlab_dream.data.cache import fingerprint
from madlab_dream.data.cache import load_cache
from madlab_dream.data.cache import preprocess
from madlab_dream.data.numpy_batches import train_batches
from madlab_dream.data.order import batches_per_pass
from madlab_dream.data.order import pass_batches
from madlab_dream.data.pipeline import pass_order
from madlab_dream.data.pipeline import train_dataset
from madlab_dream.data.select import select_rows
from madlab_dream.data.table_cache import preprocess_table

__all__ = ["Cache", "batches_per_pass", "fingerprint", "load_cache",
           "pass_batches", "pass_order", "preprocess", "preprocess_table",
           "select_rows", "train_batches", "train_dataset"]
