"""The package's surface: exact ``__all__``, documented config fields, running examples."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pydantic
import pytest

import tailored.bandits as bandits

MODULES = [
    importlib.import_module(f"tailored.bandits.{m.name}")
    for m in pkgutil.iter_modules(bandits.__path__)
]


def test_all_is_exact_and_sorted():
    public = {
        name
        for name, value in vars(bandits).items()
        if not name.startswith("_") and not isinstance(value, ModuleType) and name != "annotations"
    }

    # isort-style, as ruff keeps it: CONSTANTS, then Classes, then functions.
    def order(name):
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert bandits.__all__ == sorted(public, key=order)
    private = [m.__name__.rsplit(".", 1)[1].startswith("_") for m in MODULES]
    assert all(private), "modules are private; the package is the surface"


def test_docstring_examples_run():
    attempted = 0
    for module in MODULES:
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted >= 4


@pytest.mark.parametrize(
    "config",
    [
        v
        for v in vars(bandits).values()
        if isinstance(v, type) and issubclass(v, pydantic.BaseModel)
    ],
)
def test_every_config_field_is_documented(config):
    assert config.__doc__
    for name, field in config.model_fields.items():
        assert field.description, f"{config.__name__}.{name} has no docstring"


def test_configs_are_strict():
    with pytest.raises(pydantic.ValidationError):
        bandits.UCB1Config(exploraton=2.0)
    with pytest.raises(pydantic.ValidationError):
        bandits.PolicyConfig(exploration_floor=1.0)
    with pytest.raises(pydantic.ValidationError):
        bandits.LinUCBConfig(n_features=0)
