"""The generated model reference is current, and the public modules' doctests run."""

import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_model_reference_is_current():
    fresh = subprocess.run([sys.executable, "-m", "model", "reference"], capture_output=True, text=True, check=True,
                           cwd=ROOT).stdout
    assert (ROOT / "docs" / "model.md").read_text(encoding="utf-8") == fresh, (
        "docs/model.md is stale: run `python -m model reference > docs/model.md`")


def test_reference_names_every_input_and_output():
    import model

    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    for name in [*model.INPUTS, *model.OUTPUTS]:
        assert f"| `{name}` |" in text, name


def test_readmes_list_every_udf():
    import udfs

    for name in udfs.UDFS:
        assert f"`{name.upper()}`" in (ROOT / "README.md").read_text(encoding="utf-8"), \
            f"README.md's list of UDFs lacks {name.upper()}"
        assert f"| `{name.upper()}` |" in (ROOT / "udfs" / "README.md").read_text(encoding="utf-8"), \
            f"udfs/README.md's table lacks a row for {name.upper()}"


@pytest.mark.parametrize("module", ["model", "model.graph", "model.finance", "model.checks", "model.sweeps", "model.samples"])
def test_doctests(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
