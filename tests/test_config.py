"""Scenario files: validation messages, extends, and override priority."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting.config import load_scenario, parse_override
from siting.exceptions import DataError

DATA = """data:
  zones: z.csv
  spaces: s.csv
  functions: f.csv
  channels: c.csv
"""


def write(folder: Path, name: str, text: str) -> Path:
    p = folder / f"{name}.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_and_relative_paths(tmp_path):
    s = load_scenario(write(tmp_path, "base", DATA))
    assert s.name == "base"
    assert s.data.zones.path == (tmp_path / "z.csv").resolve()
    assert s.model.objective == "max_coverage" and s.distance.detour_factor == 1.3


def test_unknown_key_names_file_and_suggests(tmp_path):
    p = write(tmp_path, "bad", DATA + "model:\n  budjet: 1e7\n")
    with pytest.raises(DataError) as exc:
        load_scenario(p)
    msg = str(exc.value)
    assert "bad.yaml" in msg and "model.budjet" in msg and "did you mean 'budget'" in msg


def test_unknown_key_inside_function_override(tmp_path):
    p = write(tmp_path, "bad", DATA + "functions:\n  childcare:\n    walking_limit: 300\n")
    with pytest.raises(DataError, match="walking_limit_m"):
        load_scenario(p)


def test_wrong_type_says_what_was_expected(tmp_path):
    p = write(tmp_path, "bad", DATA + "model:\n  budget: lots\n  objective: cheapest\n")
    with pytest.raises(DataError) as exc:
        load_scenario(p)
    msg = str(exc.value)
    assert "model.budget" in msg and "'lots'" in msg
    assert "model.objective" in msg and "max_coverage" in msg


def test_extends_merges_and_priority(tmp_path):
    write(tmp_path, "base", DATA + "model:\n  budget: 5e7\n  objective: max_coverage\n"
          "functions:\n  childcare:\n    walking_limit_m: 500\n    weight: 3\n")
    child = write(tmp_path, "tight", "extends: base\nmodel:\n  budget: 3e7\n"
                  "functions:\n  childcare:\n    walking_limit_m: 300\n")
    s = load_scenario(child)
    assert s.name == "tight"
    assert s.model.budget == 3e7                      # scenario > extended
    assert s.model.objective == "max_coverage"         # inherited
    assert s.functions["childcare"].walking_limit_m == 300
    assert s.functions["childcare"].weight == 3        # nested mapping merged, not replaced
    s2 = load_scenario(child, parse_override("model.budget=1e7"))
    assert s2.model.budget == 1e7                      # command line > scenario


def test_extends_cycle_reported(tmp_path):
    write(tmp_path, "a", "extends: b\n" + DATA)
    write(tmp_path, "b", "extends: a\n")
    with pytest.raises(DataError, match="cycle in 'extends': a -> b -> a"):
        load_scenario(tmp_path / "a.yaml")


def test_extends_missing_parent(tmp_path):
    p = write(tmp_path, "a", "extends: nothere\n" + DATA)
    with pytest.raises(DataError, match="nothere"):
        load_scenario(p)


def test_bad_override_syntax():
    with pytest.raises(DataError, match="KEY=VALUE"):
        parse_override("model.budget")


def test_extends_typo_suggests(tmp_path):
    write(tmp_path, "base", DATA)
    p = write(tmp_path, "a", "extends: bse\n")
    with pytest.raises(DataError, match="did you mean 'base'"):
        load_scenario(p)


def test_built_minimum_needs_street_or_city(tmp_path):
    p = write(tmp_path, "bad", DATA + "standards:\n  function_minimums:\n"
              "    - {function: childcare, amount: 1, level: community, count: built}\n")
    with pytest.raises(DataError, match="count 'built' needs level 'street' or 'city'"):
        load_scenario(p)
