"""The workbook's checks, each declared once: a Python body over the model's values and the same
test as Excel text over defined names and block rows. 1 = OK, 0 = failed.

The writer lays out every check on the Checks sheet with the value its body gives, and the
master check on the Cover is their minimum, so an unrecalculated file tells the truth too.
A check compares on the scale its quantity lives on (ROUND(x / scale, 9) = 0), so float
noise never fails it while a real break does.

>>> import model
>>> from model.checks import evaluate_checks
>>> evaluate_checks(model.resolve_inputs())["fleet_corkscrew_closes"]
1
"""

from __future__ import annotations

from collections.abc import Mapping

from . import (
    graph,
    lines,  # noqa: F401  (the checks read line items)
    xp,
)
from .registry import CHECKS, check


def _ok(cond) -> int:
    return 1 if cond else 0


def _zero(x: float) -> bool:
    """Excel's ROUND(x, 9) = 0."""
    return xp.round_(float(x), 9) == 0


@check("D3", "Segment shares sum to 1", "IF(ABS(segment_share_total-1)<=share_tolerance,1,0)")
def segment_shares_sum_to_one(segment_share_total, share_tolerance):
    """share_hobbyist + share_growth + share_enterprise + share_batch = 1 within share_tolerance, the bound Python's
    validation refuses beyond (a cell cannot refuse a sum)"""
    return _ok(abs(float(segment_share_total) - 1) <= share_tolerance)


@check("D2", "Model fits in GPU memory", "IFERROR(IF(effective_batch>=1,1,0),0)")
def model_fits(effective_batch):
    """effective_batch = min(batch_size, max_batch_by_memory) ≥ 1"""
    return _ok(effective_batch >= 1)


@check("F2", "Sculpted debt corkscrew closes every year",
       "IF(AND(ROUND(MAX([sculpting.corkscrew_gap:])/MAX([sculpting.opening:]),9)=0,"
       "ROUND(MIN([sculpting.corkscrew_gap:])/MAX([sculpting.opening:]),9)=0),1,0)")
def sculpting_corkscrew_closes(sculpting):
    """opening − principal − closing = 0 in every year, within 1e-9 of the largest balance (the capacity, or a
    later balance when CFADS grows faster than the debt amortises: float noise scales with the balance)"""
    rows = sculpting["rows"]
    scale = max(rows["opening"])
    return _ok(_zero(max(rows["corkscrew_gap"]) / scale) and _zero(min(rows["corkscrew_gap"]) / scale))


@check("P1", "Fleet debt corkscrew closes every year",
       "IF(AND(ROUND(MAX([fleet_financing.corkscrew_gap:])/MAX(fleet_capex,[fleet_financing.opening:]),9)=0,"
       "ROUND(MIN([fleet_financing.corkscrew_gap:])/MAX(fleet_capex,[fleet_financing.opening:]),9)=0),1,0)")
def fleet_corkscrew_closes(fleet_financing, fleet_capex):
    """opening + drawn − principal − closing = 0 in every year, within 1e-9 of the fleet's capex or its largest
    balance"""
    gaps = fleet_financing["corkscrew_gap"]
    scale = max(fleet_capex, *fleet_financing["opening"])
    return _ok(_zero(max(gaps) / scale) and _zero(min(gaps) / scale))


@check("P1", "Fleet debt within the equipment LTV", "IF(ROUND((fleet_debt-equipment_ltv*fleet_capex)/fleet_capex,9)<=0,1,0)")
def fleet_debt_within_ltv(fleet_debt, equipment_ltv, fleet_capex):
    """fleet_debt ≤ equipment_ltv · fleet_capex (integrity, not a covenant test: the debt is sized at most this, so
    only an edited formula fails it)"""
    return _ok(xp.round_((fleet_debt - equipment_ltv * fleet_capex) / fleet_capex, 9) <= 0)


@check("P1", "Every year's DSCR at or above the target",
       "IF(fleet_debt>0,IF(ROUND(fleet_min_dscr-target_dscr,9)>=0,1,0),1)")
def fleet_dscr_at_target(fleet_debt, fleet_min_dscr, target_dscr):
    """min DSCR ≥ target_dscr over the years with debt service, above it when the LTV cap binds (integrity, not a
    covenant test: the debt is sculpted to the target, so only an edited formula fails it)"""
    return 1 if fleet_debt <= 0 else _ok(xp.round_(fleet_min_dscr - target_dscr, 9) >= 0)


def _root_excel(rate: str, block: str, flows: str) -> str:
    """Newton's step from `rate` on the NPV of the row `flows` of `block` (NPV over its derivative in the rate,
    Σ t·cf_t / (1 + rate)^(t+1)) within irr_tolerance; 1 on an error (no rate, or no slope to test)."""
    cf, year = f"[{block}.{flows}", "[fleet_operations.year:]"
    return (f"IFERROR(IF(ABS((NPV({rate},{cf}@1:])+{cf}@0])/SUMPRODUCT({year}*{cf}:]/(1+{rate})^({year}+1)))"
            f"<=irr_tolerance,1,0),1)")


def _root(flows: list, years: list, rate: float, irr_tolerance: float) -> int:
    """|Σ cf_t / (1 + rate)^t| / |Σ t·cf_t / (1 + rate)^(t+1)| ≤ irr_tolerance: `rate` is within the tolerance of a
    root, as MODEL.md's agreement is stated (an NPV relative to the flows' size would ask 1e-9 of (1 + rate), which
    LibreOffice's IRR does not give near −100%); 1 without a rate (nan) or a slope."""
    if rate != rate:
        return 1
    npv = sum(cf / (1 + rate) ** t for t, cf in zip(years, flows))
    slope = sum(t * cf / (1 + rate) ** (t + 1) for t, cf in zip(years, flows))
    return 1 if slope == 0 else _ok(abs(npv / slope) <= irr_tolerance)


@check("P1", "Project NPV at the project IRR is 0", _root_excel("project_irr", "fleet_operations", "project_cash_flow"))
def project_npv_zero_at_irr(fleet_operations, project_irr, irr_tolerance):
    """Σ cf_t / (1 + project_irr)^t = 0: Newton's step from project_irr within irr_tolerance (nothing to test
    without an IRR)"""
    return _root(fleet_operations["project_cash_flow"], fleet_operations["year"], project_irr, irr_tolerance)


@check("P1", "Equity NPV at the equity IRR is 0", _root_excel("equity_irr", "fleet_financing", "equity_cash_flow"))
def equity_npv_zero_at_irr(fleet_operations, fleet_financing, equity_irr, irr_tolerance):
    """Σ cf_t / (1 + equity_irr)^t = 0: Newton's step from equity_irr within irr_tolerance (nothing to test without
    an IRR)"""
    return _root(fleet_financing["equity_cash_flow"], fleet_operations["year"], equity_irr, irr_tolerance)


def _shown_excel(rate: str, block: str, flows: str, flips: str, abs_flows: str) -> str:
    """1 unless the flows change sign once, their NPVs at 1 + r = 2·irr_floor and at r = 10000 differ in sign (a root
    between), and `rate` shows none (an error). Each NPV is scaled to stay finite: the low one times
    (2·irr_floor)^L (each term at most the flow), both over the largest flow (their product at most 256)."""
    cf, year, big = f"[{block}.{flows}:]", "[fleet_operations.year:]", f"MAX([{block}.{abs_flows}:])"
    low = f"SUMPRODUCT({cf}*(2*irr_floor)^(economic_life_years-{year}))/{big}"
    top = f"SUMPRODUCT({cf}/(1+10000)^{year})/{big}"
    return f"IF(SUM([{block}.{flips}:])<>1,1,IF({low}*{top}<0,IFERROR({rate}*0+1,0),1))"


def _shown(flows: list, flips: list, abs_flows: list, years: list, life: float, rate: float, irr_floor: float) -> int:
    """A rate where the flows define one: they change sign once (Σ flips = 1) and their NPVs at 1 + r = 2·irr_floor and
    at r = 10000 differ in sign (a root between, which Python's IRR brackets from irr_floor: the factor 2 leaves out
    roots so near −100% that a double holds only the first digits of 1 + r ≈ 1e-13, and the workbook's IRR may not
    reach them); 1 otherwise. Scaled as the Excel text is, so that no product overflows."""
    if sum(flips) != 1:
        return 1
    big = max(abs_flows)
    low = sum(cf * (2 * irr_floor) ** (life - t) for t, cf in zip(years, flows)) / big
    top = sum(cf / (1 + 10000.0) ** t for t, cf in zip(years, flows)) / big
    return _ok(not low * top < 0 or rate == rate)


@check("P1", "Project IRR shown where its flows define one",
       _shown_excel("project_irr", "fleet_operations", "project_cash_flow", "project_flip", "project_abs_flow"))
def project_irr_shown(fleet_operations, project_irr, irr_floor, economic_life_years):
    """project_irr is a number when the project flows change sign once and their root lies in (2·irr_floor − 1, 10000)
    (the IRR's guesses all failing would show #N/A, which the NPV check above, having no rate to test, lets pass)"""
    ops = fleet_operations
    return _shown(ops["project_cash_flow"], ops["project_flip"], ops["project_abs_flow"], ops["year"],
                  economic_life_years, project_irr, irr_floor)


@check("P1", "Equity IRR shown where its flows define one",
       _shown_excel("equity_irr", "fleet_financing", "equity_cash_flow", "equity_flip", "equity_abs_flow"))
def equity_irr_shown(fleet_operations, fleet_financing, equity_irr, irr_floor, economic_life_years):
    """equity_irr is a number when the equity flows change sign once and their root lies in (2·irr_floor − 1, 10000)"""
    fin = fleet_financing
    return _shown(fin["equity_cash_flow"], fin["equity_flip"], fin["equity_abs_flow"], fleet_operations["year"],
                  economic_life_years, equity_irr, irr_floor)


@check("P1", "Sources equal uses in year 0",
       "IF(ROUND(([fleet_operations.capex@0]-[fleet_financing.drawdown@0]+[fleet_financing.equity_cash_flow@0])"
       "/fleet_capex,9)=0,1,0)")
def sources_equal_uses(fleet_operations, fleet_financing, fleet_capex):
    """capex (uses) = debt drawn + equity put in (− the year-0 equity cash flow), within 1e-9 of the capex
    (integrity: holds by construction, so only an edited formula fails it)"""
    uses = fleet_operations["capex"][0]
    return _ok(_zero((uses - fleet_financing["drawdown"][0] + fleet_financing["equity_cash_flow"][0]) / fleet_capex))


_FLOWS = "MAX(fleet_capex,[fleet_operations.project_abs_flow:],[fleet_financing.equity_abs_flow:])"


@check("P1", "Project to equity cash flow bridge closes every year",
       f"IF(AND(ROUND(MAX([fleet_financing.bridge_gap:])/{_FLOWS},9)=0,"
       f"ROUND(MIN([fleet_financing.bridge_gap:])/{_FLOWS},9)=0),1,0)")
def equity_bridge_closes(fleet_operations, fleet_financing, fleet_capex):
    """equity cash flow = project cash flow − debt service + debt drawn − (levered − unlevered tax) in every year,
    within 1e-9 of the capex or the largest flow, whichever is larger: float noise scales with the flows, which a
    fleet bought for cents outgrows (integrity: both are built from the same rows, so only an edited formula fails
    it)"""
    gaps = fleet_financing["bridge_gap"]
    scale = max(fleet_capex, *fleet_operations["project_abs_flow"], *fleet_financing["equity_abs_flow"])
    return _ok(_zero(max(gaps) / scale) and _zero(min(gaps) / scale))


@check("P1", "CFADS never above EBITDA", "IF(SUMPRODUCT(([fleet_operations.cfads:]>[fleet_operations.ebitda:])*1)=0,1,0)")
def cfads_within_ebitda(fleet_operations):
    """cfads ≤ ebitda in every year (integrity: replacement capex and tax are never negative, so only an edited
    formula fails it; exact in floating point, since subtracting a non-negative number never rounds above the
    minuend)"""
    return _ok(all(c <= e for c, e in zip(fleet_operations["cfads"], fleet_operations["ebitda"])))


def evaluate_checks(values: Mapping) -> dict[str, int]:
    """Every check on one scenario's validated input values: name -> 1 (OK) or 0 (failed)."""
    ctx = graph.context(values, only=graph.needed(frozenset(CHECKS)), scalar=True)
    return {name: int(ctx[name]) for name in CHECKS}
