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


def test_readme_lists_every_bundled_template():
    import re

    import model

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if x.startswith("* `model/bundled_templates/`"))
    assert re.findall(r"`([^`]+)`", line.split("TOML", 1)[1]) == model.bundled(), \
        "README.md's list of templates: every bundled one, in order"


def test_readmes_list_every_udf():
    import udfs

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("`udfs/` exposes the model as Excel functions")
    listing = readme[start:readme.index("\n\n", start)]  # the paragraph that lists them
    table = [line for line in (ROOT / "udfs" / "README.md").read_text(encoding="utf-8").splitlines()
             if line.startswith("| `AIE_")]
    for name in udfs.UDFS:
        assert f"`{name.upper()}`" in listing, f"README.md's list of UDFs lacks {name.upper()}"
    assert [line.split("`")[1] for line in table] == [n.upper() for n in udfs.UDFS], \
        "udfs/README.md's table: one row per UDF, in the order of udfs/functions.py"


@pytest.mark.parametrize("module", ["model", "model.graph", "model.finance", "model.checks", "model.sweeps", "model.samples"])
def test_doctests(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
