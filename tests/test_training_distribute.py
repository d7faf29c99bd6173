"""Distribution (training.distribute): worker roles, and two workers training
as one process would."""

import json
import socket
import subprocess
import sys

import numpy as np
import pytest
from helpers import REPO
from helpers import TINY_MODEL
from helpers import env
from helpers import run_module

from madlab_dream.training import distribute


@pytest.mark.parametrize("tf_config, role", [
    ({}, (True, 0)),
    ({"cluster": {"worker": ["a", "b"]}, "task": {"type": "worker",
                                                  "index": 0}}, (True, 0)),
    ({"cluster": {"worker": ["a", "b"]}, "task": {"type": "worker",
                                                  "index": 1}}, (False, 1)),
    ({"cluster": {"chief": ["c"], "worker": ["a"]},
      "task": {"type": "worker", "index": 0}}, (False, 0)),
    ({"cluster": {"chief": ["c"], "worker": ["a"]},
      "task": {"type": "chief", "index": 0}}, (True, 0)),
])
def test_worker_role(monkeypatch, tf_config, role):
  monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
  assert distribute.worker_role() == role


def test_multi_worker_needs_tf_config(monkeypatch):
  from madlab_dream.errors import InputError
  monkeypatch.delenv("TF_CONFIG", raising=False)
  with pytest.raises(InputError, match="TF_CONFIG"):
    distribute.check_environment("multi_worker")
  distribute.check_environment("default")


def _free_ports(n):
  socks = [socket.socket() for _ in range(n)]
  for s in socks:
    s.bind(("127.0.0.1", 0))
  ports = [s.getsockname()[1] for s in socks]
  for s in socks:
    s.close()
  return ports


@pytest.mark.slow
@pytest.mark.long
def test_multi_worker_matches_one_process(demo_train, tmp_path):
  args = ["--batch_size=32", "--steps_per_epoch=3", "--epochs=1",
          "--val_fraction=0.05", "--train_eval_rows=200", "--seed=5",
          "--jit_compile=false", *TINY_MODEL]
  single = run_module("madlab_dream.train", f"--train_data={demo_train}",
                      f"--model_dir={tmp_path / 'single'}", *args)
  assert single.returncode == 0, single.stderr[-2000:]
  ports = _free_ports(2)
  cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
  procs = []
  for i in range(2):
    e = env()
    e["TF_CONFIG"] = json.dumps({"cluster": cluster,
                                 "task": {"type": "worker", "index": i}})
    procs.append(subprocess.Popen(
        [sys.executable, "-m", "madlab_dream.train",
         f"--train_data={demo_train}", f"--model_dir={tmp_path / 'multi'}",
         "--strategy=multi_worker", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e,
        cwd=REPO))
  outs = [p.communicate(timeout=300) for p in procs]
  for p, (_, err) in zip(procs, outs):
    assert p.returncode == 0, err[-3000:]
  import keras

  from madlab_dream import layers  # noqa: F401
  from madlab_dream import model  # noqa: F401
  a = keras.models.load_model(tmp_path / "single" / "model.keras")
  b = keras.models.load_model(tmp_path / "multi" / "model.keras")
  for wa, wb in zip(a.get_weights(), b.get_weights()):
    np.testing.assert_allclose(wa, wb, rtol=1e-4, atol=1e-5)
  assert "2 replicas" in outs[0][0]
