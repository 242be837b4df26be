"""Looks in one place: fonts, fills, number formats by unit, tab colours by sheet type."""

from __future__ import annotations

INPUT_FONT = "#0000FF"
INPUT_FILL = "#FFF2CC"
HEADER_FILL = "#1F3864"
OVERRIDE_FILL = "#F8CBAD"
SECTION_FILL = "#D9E1F2"

TAB = {"cover": "#1F3864", "inputs": "#FFC000", "calc": "#5B9BD5", "sensitivity": "#70AD47",
       "charts": "#70AD47", "checks": "#C00000", "udf": "#7030A0"}

# number format by unit (fallback: general with thousands). Money and counts carry an explicit zero section
# (a dash), so a masked year past a term reads "–", never "0" or "-0"
M = '$#,##0.0,,"m";[Red]-$#,##0.0,,"m";"–"'
UNIT_FORMATS = {
    "$m": M,  # whole-fleet sums, in $ millions
    "$": '$#,##0;[Red]-$#,##0;"–"', "$/yr": '$#,##0;[Red]-$#,##0;"–"', "$/GPU": '$#,##0;[Red]-$#,##0;"–"',
    "$/GPU-h": '$#,##0.000;[Red]-$#,##0.000;"–"', "$/h": '$#,##0.000;[Red]-$#,##0.000;"–"',
    "$/kW/month": '$#,##0.00;[Red]-$#,##0.00;"–"', "$/kWh": '$0.000', "$/M tokens": '$#,##0.0000',
    "%": '0.00%', "%/yr": '0.00%',  # rates to the basis point: 7.55%, not 7.5% beside $12.7m of interest
    "×": '0.00"×"', "×/yr": '0.00"×"', "ratio": '0.00',
    "years": '0.0', "year": '0', "flag": '0', "case": '0', "GPUs": '#,##0', "GPUs/yr": '#,##0',  # 0 owned GPUs: 0
    "sequences": '#,##0', "customers": '#,##0', "bps": '#,##0', "s": '0.000000',
    "tokens/s": '#,##0', "tokens/h": '#,##0', "GB": '#,##0.000', "B params": '#,##0.0',
    "bytes": '0.0', "TB/s": '0.00', "TFLOP/s": '#,##0', "kW": '0.000', "kW/rack": '#,##0',
    "MW": '#,##0.0', "σ": '0.00', "hours": '#,##0', "seconds": '#,##0', "tokens": '#,##0',
}
# a breakeven utilization at or above 100% is never reached: its number, marked (the command line shows the number)
NEVER = "breakeven %"  # the format's key, not a unit: the unit column says %


def never_format(percent: str) -> str:
    """`percent` (a number format), marked (never) from 100% up."""
    return f'[>=1]{percent}" (never)";{percent}'


def marks_never(name: str) -> bool:
    """Whether output `name` is a breakeven utilization, which no utilization reaches from 100% up."""
    return name.startswith("breakeven_utilization")


UNIT_FORMATS[NEVER] = never_format(UNIT_FORMATS["%"])
# units whose format has no zero section, given one in yearly rows (a year past a term: "–", not 0.00% or 0.00×)
DASHED_IN_ROWS = ("%", "%/yr", "×", "×/yr", "GPUs")
BIG_UNITS = ("$", "$/yr")  # shown in $ millions when the amount is a million or more
BIG = 1e6


def display_unit(unit: str, *values) -> str:
    """`unit`, or "$m" for a money amount whose (largest stored) value is a million dollars or more."""
    if unit in BIG_UNITS:
        try:
            if max((abs(float(v)) for v in values if v == v), default=0) >= BIG:
                return "$m"
        except (TypeError, ValueError):
            pass
    return unit


def number_format(unit: str) -> str:
    return UNIT_FORMATS.get(unit, '#,##0.####')


class Styles:
    """XlsxWriter formats, created once per workbook and cached by key."""

    def __init__(self, wb):
        self.wb = wb
        self._cache: dict = {}
        base = {"font_name": "Calibri", "font_size": 10}
        self.title = wb.add_format({**base, "bold": True, "font_size": 16, "font_color": HEADER_FILL})
        self.subtitle = wb.add_format({**base, "italic": True, "font_color": "#595959"})
        head = {**base, "bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_FILL, "border": 1}
        self.header = wb.add_format({**head, "text_wrap": True, "valign": "top"})
        self.header_num = wb.add_format({**head, "text_wrap": True, "valign": "top", "align": "right"})
        self.header_center = wb.add_format({**head, "text_wrap": True, "valign": "top", "align": "center"})
        # a text header beside a right-aligned number header: indented, so the two do not run together
        self.header_pad = wb.add_format({**head, "valign": "top", "align": "left", "indent": 2})
        self.section = wb.add_format({**base, "bold": True, "bg_color": SECTION_FILL})
        self.text = wb.add_format(base)
        self.text_top = wb.add_format({**base, "valign": "top"})
        self.text_right = wb.add_format({**base, "align": "right"})
        self.name = wb.add_format({**base, "font_name": "Consolas", "font_color": "#595959"})
        # a row that recomputes a line for a template or an axis point: its name in italics (the named cell is on
        # the line's section sheet)
        self.name_copy = wb.add_format({**base, "font_name": "Consolas", "font_color": "#595959", "italic": True})
        # the Inputs axes' names, across: italic, as names that are not their defined cell's row (the Cover's key)
        self.name_wrap = wb.add_format({**base, "font_name": "Consolas", "font_color": "#595959", "font_size": 8,
                                        "italic": True,
                                        "text_wrap": True, "valign": "top"})
        grey = {**base, "font_color": "#595959"}
        self.unit = wb.add_format({**grey, "align": "center"})
        self.unit_pad = wb.add_format({**grey, "align": "left", "indent": 2})  # under header_pad
        self.note = wb.add_format({**base, "italic": True, "font_color": "#595959"})
        self.name_top = wb.add_format({**base, "font_name": "Consolas", "font_color": "#595959", "valign": "top"})
        self.code_wrap = wb.add_format({**base, "font_name": "Consolas", "font_color": "#595959", "font_size": 9,
                                        "text_wrap": True, "valign": "top"})
        # a note wrapped in its column, at the bottom like the cells beside it (Book.wrapped sizes its row)
        self.note_wrap_low = wb.add_format({**base, "italic": True, "font_color": "#595959", "text_wrap": True})
        self.note_wrap = wb.add_format({**base, "italic": True, "font_color": "#595959", "text_wrap": True,
                                        "valign": "top"})
        self.link = wb.add_format({**base, "font_color": "#0563C1", "underline": 1})
        self.check = wb.add_format({**base, "bold": True, "align": "center", "valign": "top",
                                    "num_format": '"OK";;"FAIL"'})
        self.master = wb.add_format({**base, "bold": True, "font_size": 12, "align": "center", "border": 2,
                                     "num_format": '"ALL CHECKS OK";;"CHECK FAILED"'})
        self.selector = wb.add_format({**base, "bold": True, "font_color": INPUT_FONT, "bg_color": INPUT_FILL,
                                       "border": 2, "locked": False})
        self.year_header = wb.add_format({**head, "align": "right", "num_format": '"Year "0'})
        # the Sensitivity grids' breakevens (NEVER's format to a tenth of a percent: narrower columns)
        self.breakeven = wb.add_format({**base, "num_format": never_format("0.0%")})
        # the DSCR sentinel (years without debt service) reads "none": a conditional format (Book.year_row), as a
        # number format's condition would have to write 1e300 out in full, past its 255 characters
        self.none = wb.add_format({"num_format": '"none"'})
        self.no_gap = wb.add_format({"num_format": '"–"', "font_color": "#000000"})  # a check's gap row at 0 cents
        self.base_case = wb.add_format({"bold": True, "border": 2, "border_color": "#C00000"})
        self.base_line = wb.add_format({"bold": True, "bg_color": "#E7E6E6"})  # a grid's base-case row and column
        self.flagged = wb.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006", "bold": True})
        self.not_applicable = wb.add_format({"font_color": "#A6A6A6"})  # #N/A by definition (a DSCR off the term)
        self.const_big = wb.add_format({**base, "font_color": "#7F7F7F", "num_format": "0E+00"})  # the DSCR sentinel
        self.overridden_head = wb.add_format({**base, "bold": True, "font_color": "#C65911", "align": "center"})
        self._base = base

    def for_row(self, row, *values, unit: str | None = None) -> object:
        """A yearly row's format, by its unit (as money() picks it from the values, or `unit` as given)."""
        if (unit or row.unit) in DASHED_IN_ROWS:
            return self.value(unit or row.unit, "row")
        return self.value(unit) if unit else self.money(row.unit, *values)

    def output(self, name: str, unit: str, *values, kind: str = "calc") -> object:
        """An output's format: money(unit, values), a breakeven utilization's marked (never) from 100% up."""
        return self.value(NEVER, kind) if marks_never(name) else self.money(unit, *values, kind=kind)

    def money(self, unit: str, *values, kind: str = "calc") -> object:
        """The format of `unit`, in $ millions when the values are large sums (display_unit)."""
        return self.value(display_unit(unit, *values), kind)

    def value(self, unit: str, kind: str = "calc") -> object:
        """kind: calc (black), input (blue on pale fill, unlocked), const (grey), live (black, bold), row (black,
        zero as a dash)."""
        key = (unit, kind)
        if key not in self._cache:
            props = {**self._base, "num_format": number_format(unit)}
            if kind == "row":  # a yearly row's rate or multiple: a masked year reads "–", as its money rows do
                props["num_format"] = f'{number_format(unit)};-{number_format(unit)};"–"'
            if kind == "input":
                props.update(font_color=INPUT_FONT, bg_color=INPUT_FILL, locked=False, border=1,
                             border_color="#BFBFBF")
            elif kind == "overridden":  # an input changed by --set: an input cell, on an orange fill
                props.update(font_color=INPUT_FONT, bg_color=OVERRIDE_FILL, locked=False, border=1,
                             border_color="#C65911", bold=True)
            elif kind == "const":  # a domain's bound: 0 reads 0 ($0), not the dash of a masked year
                props.update(font_color="#7F7F7F", num_format=props["num_format"].removesuffix(';"–"'))
            elif kind == "live":
                props.update(bold=True)
            self._cache[key] = self.wb.add_format(props)
        return self._cache[key]
