"""F3 capital structure by stage."""

from ..inputs import STAGE_LABELS, STAGES
from ..registry import OUTPUTS, Output, line

S = "F3"


def _stage_wacc(stage: str) -> None:
    """Register wacc_<stage> = equity_share_<stage> · coe_<stage> + (1 − equity_share_<stage>) · cod_<stage> · (1 − tax_rate)."""

    def wacc(equity_share, coe, cod, tax_rate):
        return equity_share * coe + (1 - equity_share) * cod * (1 - tax_rate)

    eq, coe, cod = f"equity_share_{stage}", f"coe_{stage}", f"cod_{stage}"
    name = f"wacc_{stage}"
    OUTPUTS[name] = Output(
        name, f"WACC, {STAGE_LABELS[stage]}", "%", S, wacc,
        (eq, coe, cod, "tax_rate"),
        f"{eq}*{coe}+(1-{eq})*{cod}*(1-tax_rate)",
        f"{eq} · {coe} + (1 − {eq}) · {cod} · (1 − tax_rate)",
    )


for _stage in STAGES:
    _stage_wacc(_stage)


@line(S, "$", "Venture debt capacity", "last_equity_round*venture_debt_fraction")
def venture_debt_capacity(last_equity_round, venture_debt_fraction):
    """last_equity_round · venture_debt_fraction"""
    return last_equity_round * venture_debt_fraction


@line(S, "$", "Equipment financing capacity", "gpu_purchase_amount*equipment_ltv")
def equipment_financing_capacity(gpu_purchase_amount, equipment_ltv):
    """gpu_purchase_amount · equipment_ltv"""
    return gpu_purchase_amount * equipment_ltv


@line(S, "%", "Project debt share", "project_debt/(project_debt+project_equity)")
def project_debt_share(project_debt, project_equity):
    """project_debt / (project_debt + project_equity)"""
    return project_debt / (project_debt + project_equity)
