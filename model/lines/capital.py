"""F1 equity vs debt."""

from ..registry import line

S = "F1"


@line(S, "%", "After-tax cost of debt", "cost_of_debt*(1-tax_rate)")
def after_tax_cost_of_debt(cost_of_debt, tax_rate):
    """cost_of_debt · (1 − tax_rate)"""
    return cost_of_debt * (1 - tax_rate)


@line(S, "$/yr", "Annual tax shield", "debt_amount*cost_of_debt*tax_rate")
def annual_tax_shield(debt_amount, cost_of_debt, tax_rate):
    """debt_amount · cost_of_debt · tax_rate"""
    return debt_amount * cost_of_debt * tax_rate


@line(S, "%", "WACC", "equity_share*cost_of_equity+(1-equity_share)*after_tax_cost_of_debt")
def wacc(equity_share, cost_of_equity, after_tax_cost_of_debt):
    """equity_share · cost_of_equity + (1 − equity_share) · after_tax_cost_of_debt: the operator's hurdle rate
    (D3 contract values, E2, P1's project NPV)"""
    return equity_share * cost_of_equity + (1 - equity_share) * after_tax_cost_of_debt


@line(S, "×", "Equity / debt cost", "cost_of_equity/cost_of_debt")
def equity_debt_cost_ratio(cost_of_equity, cost_of_debt):
    """cost_of_equity / cost_of_debt"""
    return cost_of_equity / cost_of_debt


@line(S, "$/yr", "Rate shock annual cost", "financing_amount*rate_shock_bps/10000")
def rate_shock_annual_cost(financing_amount, rate_shock_bps):
    """financing_amount · rate_shock_bps / 10000"""
    return financing_amount * rate_shock_bps / 10000
