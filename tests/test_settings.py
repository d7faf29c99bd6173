"""The settings system (madlab_dream.settings): one base, one set of
validators, each error naming the setting as its flag."""

import dataclasses

import pytest

from madlab_dream import settings
from madlab_dream.designing.evolve import GeneticConfig
from madlab_dream.designing.options import DesignOptions
from madlab_dream.explain.motifs import MotifsConfig
from madlab_dream.explain.settings import ExplainConfig
from madlab_dream.settings import ConfigError


def test_validators_normalise_or_name_the_flag():
  assert settings.whole_number("epochs", "3", low=1) == 3
  assert settings.whole_number("epochs", 3.0) == 3
  assert settings.whole_number("max_steps", None, optional=True) is None
  assert settings.number("l2", "0.5", low=0.0) == 0.5
  assert settings.whole_numbers("conv_kernels", "3, 5") == (3, 5)
  assert settings.names("freeze", "conv,,lstm") == ("conv", "lstm")
  assert settings.duration_seconds("budget", "1.5h") == 5400.0
  for call, message in [
      (lambda: settings.whole_number("epochs", "two"),
       "--epochs=two: must be a whole number"),
      (lambda: settings.whole_number("epochs", 0, low=1),
       "--epochs=0: must be at least 1"),
      (lambda: settings.number("val_fraction", 1.0, 0.0, 1.0,
                               high_open=True),
       "--val_fraction=1.0: must be below 1"),
      (lambda: settings.choice("loss", "l1", ("mse", "mae")),
       "--loss=l1: must be one of mse, mae"),
      (lambda: settings.positive_whole_number("steps", 2.0),
       "--steps=2.0: must be a whole number of at least 1"),
      (lambda: settings.duration_seconds("budget", "soon"),
       "--budget=soon: is not a duration")]:
    with pytest.raises(ConfigError) as raised:
      call()
    assert str(raised.value).startswith(message), str(raised.value)


@pytest.mark.parametrize("config_class", [ExplainConfig, DesignOptions,
                                          GeneticConfig, MotifsConfig])
def test_every_command_s_settings_share_the_base(config_class):
  assert issubclass(config_class, settings.Settings)
  config = config_class()
  assert config.replace() == config
  assert set(config.to_dict()) == set(config_class.field_names())
  with pytest.raises(dataclasses.FrozenInstanceError):
    config.seed = 1  # every one of them has a field; frozen


def test_the_genetic_settings_name_their_own_flag():
  with pytest.raises(ConfigError, match=r"^--crossover=2.0: must be at most 1"):
    DesignOptions(crossover=2)
  with pytest.raises(ConfigError, match=r"^--population=1: must be at least"):
    GeneticConfig(population=1)
  assert GeneticConfig(population="10").population == 10


def test_a_setting_s_help_is_its_field_metadata():

  @dataclasses.dataclass(frozen=True)
  class Example(settings.Settings):
    size: int = settings.setting(3, "How many.")
    other: int = 1

  assert Example.help_of("size") == "How many."
  assert Example.help_of("other") == ""
  assert Example.default("size") == 3
