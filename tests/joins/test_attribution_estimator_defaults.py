"""ClusterAttributor's defaults are `attribute`'s (issue 24: mutation survivors in its
``__init__``): an estimator built without parameters must attribute exactly as the function
does, so every default and every stored parameter is checked against the function's."""

from __future__ import annotations

import inspect

import pytest

from joins.attribution import ClusterAttributor, attribute


def _function_defaults() -> dict:
    return {
        name: p.default
        for name, p in inspect.signature(attribute).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def test_an_attributor_without_parameters_has_the_function_s_defaults():
    defaults = _function_defaults()
    assert set(defaults) == {
        "min_reports", "min_users", "max_pairs", "pair_candidates_per_dimension",
        "max_pair_candidates", "pair_margin", "pair_alpha", "details",
    }  # fmt: skip
    assert ClusterAttributor().get_params() == defaults


@pytest.mark.parametrize("name", sorted(_function_defaults()))
def test_each_parameter_is_stored_as_given(name):
    default = _function_defaults()[name]
    value = (not default) if isinstance(default, bool) else default * 2 + 1
    params = ClusterAttributor(**{name: value}).get_params()
    assert params == {**_function_defaults(), name: value}
