"""Selection by position: a user template sharing a bundled name (in any case) gets its own column name,
and the Cover selects by column number, never by matching typed text."""

from __future__ import annotations

import openpyxl

import model
import xl
from model.registry import INPUTS


def test_user_template_with_bundled_name_in_other_case_is_renamed(tmp_path):
    t = tmp_path / "mine.toml"
    t.write_text('[template]\nname = "SEED"\ndescription = "mine"\n[inputs]\npue = 1.4\n')
    scen, sel = xl.scenarios_for(t)
    names = [s.name for s in scen]
    assert names[sel] == "SEED (user)"
    assert len({n.casefold() for n in names}) == len(names)


def test_cover_selects_by_number(tmp_path):
    t = tmp_path / "w.toml"
    t.write_text('[template]\nname = "se*"\ndescription = "wildcard"\n[inputs]\npue = 1.4\n')
    out = tmp_path / "w.xlsx"
    xl.build(out, t)
    wb = openpyxl.load_workbook(out)
    cover = wb["Cover"]
    assert wb["Inputs"]["G3"].value == len(model.bundled()) + 1  # after the bundled templates
    assert cover["C6"].value == "=scenario_number"  # shown on the Cover, chosen on Inputs
    assert cover["C7"].value.startswith("=INDEX(") and "MATCH" not in cover["C7"].value
    # no text is ever matched (MATCH reads * ? ~ in text as wildcards): the one MATCH in the workbook finds the
    # live contracted share, a number, among the share axis's validated numbers (the Definitions sheet's column G
    # quotes formulas as text)
    import re

    looked_up = {m for ws in wb.worksheets for row in ws.iter_rows() for c in row
                 if ws.title != "Definitions" or c.column != 7 for m in re.findall(r"MATCH\(([^,]*),", str(c.value))}
    assert looked_up == {"contracted_share"} and INPUTS["contracted_share"].domain.text() == "[0, 1]"
    stored = openpyxl.load_workbook(out, data_only=True)["Cover"]
    assert stored["C7"].value == "se*"
