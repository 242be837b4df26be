"""P1 the fleet project by year: the sections joined into one life cycle.

The D1 fleet is bought in year 0, earns for `economic_life_years` (L) and is sold at its
residual value in year L. Operations give CFADS; CFADS sizes sculpted debt whose spread
falls with the contracted share; equity takes the rest. Years 0..15 run along the last
axis (16 columns in the workbook), every row switched by timing flags.

Two blocks, because the debt block reads the debt that the operations block sizes:
`fleet_operations` (revenue to project cash flow) → `fleet_debt_capacity`, `fleet_debt`
→ `fleet_financing` (debt service, corkscrew, DSCR, levered tax, equity cash flow).
"""

from .. import xp
from ..finance import irr, irr_search, sign_flips, sign_rows
from ..registry import Row, block, line

S = "P1"
YEARS = 16  # years 0..15: economic_life_years and fleet_debt_tenor_years are at most 15


def _flag(cond) -> object:
    return xp.where(cond, 1.0, 0.0)


@line(S, "$", "Fleet capex", "fleet_gpus*(gpu_price+network_capex_per_gpu)")
def fleet_capex(fleet_gpus, gpu_price, network_capex_per_gpu):
    """fleet_gpus · (gpu_price + network_capex_per_gpu)"""
    return fleet_gpus * (gpu_price + network_capex_per_gpu)


@line(S, "%", "Fleet debt interest rate",
      "base_rate+spread_uncontracted-contracted_share*MIN(contract_years,MIN(fleet_debt_tenor_years,economic_life_years))"
      "/MIN(fleet_debt_tenor_years,economic_life_years)*(spread_uncontracted-spread_contracted)")
def fleet_debt_rate(base_rate, spread_uncontracted, spread_contracted, contracted_share, contract_years,
                    fleet_debt_tenor_years, economic_life_years):
    """base_rate + spread_uncontracted − contracted_share · min(contract_years, T) / T · (spread_uncontracted −
    spread_contracted), T = min(fleet_debt_tenor_years, economic_life_years): lenders credit contracts for the share
    of the loan's life they cover"""
    T = xp.minimum(fleet_debt_tenor_years, economic_life_years)
    return (base_rate + spread_uncontracted
            - contracted_share * xp.minimum(contract_years, T) / T * (spread_uncontracted - spread_contracted))


@line(S, "$", "Fleet sale proceeds", "fleet_gpus*residual_value")
def fleet_sale_proceeds(fleet_gpus, residual_value):
    """fleet_gpus · residual_value, received in year economic_life_years"""
    return fleet_gpus * residual_value


@line(S, "$", "Fleet book value at sale",
      "fleet_gpus*(gpu_price*MAX(0,1-economic_life_years/depreciation_years)"
      "+network_capex_per_gpu*MAX(0,1-economic_life_years/network_life_years))")
def fleet_book_value_at_sale(fleet_gpus, gpu_price, economic_life_years, depreciation_years, network_capex_per_gpu,
                             network_life_years):
    """fleet_gpus · (gpu_price · max(0, 1 − L / depreciation_years) + network_capex_per_gpu · max(0, 1 − L /
    network_life_years)), L = economic_life_years"""
    L = economic_life_years
    return fleet_gpus * (gpu_price * xp.maximum(0.0, 1 - L / depreciation_years)
                         + network_capex_per_gpu * xp.maximum(0.0, 1 - L / network_life_years))


# finance.irr_search in a year column: z = 1/(2+r) moves ±2^−(t+2) towards the root's, from z = 1/2 (r = 0, the
# blank cell left of year 0); the last column is the IRR's last guess (_irr_excel)
_SEARCH = ("1/(1/(2+[{row}<])+IF(NPV([{row}<],[{flows}:all])*[{sign}@end]>0,-1,1)*POWER(2,-([{year}]+2)))-2")

OPERATIONS = [
    Row("period", "Period", "#", "[period<]+1"),
    Row("year", "Year", "year", "[period]-1"),
    Row("start", "Start flag (year 0)", "flag", "IF([year]=0,1,0)"),
    Row("life", "Operating flag", "flag", "IF(AND([year]>=1,[year]<=economic_life_years),1,0)"),
    Row("contract", "Contract flag", "flag", "IF(AND([year]>=1,[year]<=contract_years),1,0)"),
    Row("debt", "Debt flag", "flag",
        "IF(AND([year]>=1,[year]<=MIN(fleet_debt_tenor_years,economic_life_years)),1,0)"),
    Row("last", "Sale flag", "flag", "IF([year]=economic_life_years,1,0)"),
    Row("market_price", "Market price", "$/GPU-h",
        "[life]*rental_price_per_gpu_hour*(1-market_price_decline_per_year)^([year]-1)"),
    Row("contracted_gpus", "Contracted GPUs", "GPUs", "[life]*[contract]*fleet_gpus*contracted_share"),
    Row("revenue", "Revenue", "$",
        "[life]*hours_per_year*([contracted_gpus]*reserved_contract_price_per_hour"
        "+(fleet_gpus-[contracted_gpus])*gpu_utilization*[market_price])"),
    Row("cash_costs", "Cash costs", "$", "[life]*fleet_gpus*hours_per_year*cash_cost_per_gpu_hour"),
    Row("ebitda", "EBITDA", "$", "[revenue]-[cash_costs]"),
    Row("replacement_capex", "Replacement capex", "$",
        "[life]*fleet_gpus*annual_failure_rate*gpu_price*(1-market_price_decline_per_year)^([year]-1)"),
    # the share of a full year's straight-line depreciation taken in year t: 1 within the book life, the fraction
    # in its last (part) year, 0 after it and outside the operating life; a timing row, not an IF on dates
    Row("gpu_depreciation_share", "GPU depreciation, share of a year", "%",
        "[life]*MAX(0,MIN(1,depreciation_years-[year]+1))"),
    Row("network_depreciation_share", "Network depreciation, share of a year", "%",
        "[life]*MAX(0,MIN(1,network_life_years-[year]+1))"),
    Row("tax_depreciation", "Tax depreciation", "$",
        "fleet_gpus*(gpu_price*[gpu_depreciation_share]/depreciation_years"
        "+network_capex_per_gpu*[network_depreciation_share]/network_life_years)"),
    Row("unlevered_tax", "Unlevered tax", "$", "tax_rate*MAX(0,[ebitda]-[replacement_capex]-[tax_depreciation])"),
    Row("cfads", "CFADS", "$", "[ebitda]-[replacement_capex]-[unlevered_tax]"),
    Row("sale_cash", "Sale proceeds after tax", "$",
        "[last]*(fleet_sale_proceeds-tax_rate*MAX(0,fleet_sale_proceeds-fleet_book_value_at_sale))"),
    Row("capex", "Fleet capex (year 0)", "$", "[start]*fleet_capex"),
    Row("project_cash_flow", "Project cash flow", "$", "[cfads]+[sale_cash]-[capex]"),
    Row("project_pv", "Project cash flow, PV at WACC", "$", "[project_cash_flow]/(1+wacc)^[year]"),
    Row("project_abs_flow", "Project cash flow, absolute (check helper)", "$", "ABS([project_cash_flow])", helper=True),
    Row("project_sign", "Project cash flow sign (IRR helper)", "sign",
        "IF([project_cash_flow]>0,1,IF([project_cash_flow]<0,-1,[project_sign<]))", helper=True),
    Row("project_flip", "Project sign change (IRR helper)", "flag",
        "IF(AND([project_cash_flow]<>0,[project_sign<]<>0,[project_sign]<>[project_sign<]),1,0)", helper=True),
    Row("capacity_pv", "Debt service capacity, PV", "$",
        "[debt]*MAX(0,[cfads])/target_dscr/(1+fleet_debt_rate)^[year]"),
    Row("rent_pv", "Market rent, PV at WACC", "$/GPU-h", "[market_price]/(1+wacc)^[year]"),
    Row("project_irr_search", "Project IRR guess, bisected (IRR helper)", "%",
        _SEARCH.format(row="project_irr_search", flows="project_cash_flow", sign="project_sign", year="year"), helper=True),
]


@block(S, "Fleet operations, CFADS and project cash flow", YEARS, OPERATIONS)
def fleet_operations(economic_life_years, contract_years, fleet_debt_tenor_years, fleet_gpus, contracted_share,
                       reserved_contract_price_per_hour, gpu_utilization, rental_price_per_gpu_hour,
                       market_price_decline_per_year, hours_per_year, cash_cost_per_gpu_hour, annual_failure_rate,
                       gpu_price, depreciation_years, network_capex_per_gpu, network_life_years, tax_rate,
                       fleet_sale_proceeds, fleet_book_value_at_sale, fleet_capex, wacc, target_dscr, fleet_debt_rate,
                       keep_rows=False):
    """Per year t (0..15), flags life = 1 ≤ t ≤ L, contract = 1 ≤ t ≤ contract_years, debt = 1 ≤ t ≤ T, last = t = L:
    revenue = life · hours · (contracted · reserved price + (fleet − contracted) · gpu_utilization · market price);
    cash costs = life · fleet · hours · cash cost; EBITDA; replacement capex at the falling price; straight-line tax
    depreciation; unlevered tax (no carry-forward); CFADS = EBITDA − replacement − unlevered tax; sale after tax on
    a gain in year L; project cash flow = CFADS + sale − capex in year 0.

    Powers of (1 + wacc) and (1 + fleet_debt_rate) are carried year to year (a product per year, not a power: the
    same to a few ulps; those of (1 − decline) stay powers, as cfads can cancel); a 0/1 flag leading a product
    multiplies the rest computed once (exact: ×1 and ×0). One scenario runs on plain floats
    (`_operations_floats`: the IRR search row is made when first read), arrays on years × scenarios
    (`project_arrays.operations_arrays`: the rows that only some outputs read are made when first read);
    `keep_rows` makes them all."""
    args = (economic_life_years, contract_years, fleet_debt_tenor_years, fleet_gpus, contracted_share,
            reserved_contract_price_per_hour, gpu_utilization, rental_price_per_gpu_hour,
            market_price_decline_per_year, hours_per_year, cash_cost_per_gpu_hour, annual_failure_rate, gpu_price,
            depreciation_years, network_capex_per_gpu, network_life_years, tax_rate, fleet_sale_proceeds,
            fleet_book_value_at_sale, fleet_capex, wacc, target_dscr, fleet_debt_rate)
    if all(isinstance(a, float) for a in args):
        return _operations_floats(*args, keep_rows=keep_rows)
    from .project_arrays import operations_arrays  # here: it reads this module's rows

    return operations_arrays(*args, keep_rows=keep_rows)


def _operations_floats(L, contract_years, tenor, fleet, share, reserved, util, rental, decline_rate, hours, cash_cost,
                       afr, gpu_price, dep_years, net_capex, net_years, tax_rate, proceeds, book, capex, wacc, dscr,
                       rate, keep_rows=False):
    T = min(tenor, L)
    decline, w1, r1 = 1 - decline_rate, 1 + wacc, 1 + rate
    k_cost = fleet * hours * cash_cost
    k_repl = fleet * afr * gpu_price
    k_sale = proceeds - tax_rate * max(0.0, proceeds - book)
    later = {"project_irr_search": lambda: {"project_irr_search": irr_search(flows, rows["project_sign"][-1])}}
    rows: dict[str, list] = {r.key: [] for r in OPERATIONS if r.key not in later}
    D, W, R = 1.0, 1.0, 1.0  # (1 − decline)^(t−1) from t = 1, (1 + wacc)^t and (1 + fleet_debt_rate)^t carried
    flows = []
    for t in range(YEARS):
        if t >= 1:
            W *= w1
            R *= r1
            D = decline ** (t - 1)
        ft = float(t)
        life = 1.0 if 1 <= t <= L else 0.0
        contract = 1.0 if 1 <= t <= contract_years else 0.0
        debt = 1.0 if 1 <= t <= T else 0.0
        last = 1.0 if ft == L else 0.0
        gpu_share = max(0.0, min(1.0, dep_years - t + 1)) if life else 0.0
        net_share = max(0.0, min(1.0, net_years - t + 1)) if life else 0.0
        if life:
            market = rental * D
            contracted = contract * fleet * share
            revenue = hours * (contracted * reserved + (fleet - contracted) * util * market)
            cash_costs = k_cost
            ebitda = revenue - cash_costs
            replacement = k_repl * D
            depreciation = fleet * (gpu_price * gpu_share / dep_years + net_capex * net_share / net_years)
            unlevered_tax = tax_rate * max(0.0, ebitda - replacement - depreciation)
            cfads = ebitda - replacement - unlevered_tax
        else:
            market = contracted = revenue = cash_costs = ebitda = replacement = depreciation = unlevered_tax = 0.0
            cfads = 0.0
        sale = k_sale if last else 0.0
        cash_flow = cfads + sale - capex if t == 0 else cfads + sale
        flows.append(cash_flow)
        values = (ft + 1.0, ft, 1.0 if t == 0 else 0.0, life, contract, debt, last, market, contracted, revenue,
                  cash_costs, ebitda, replacement, gpu_share, net_share, depreciation, unlevered_tax, cfads, sale,
                  capex if t == 0 else 0.0,
                  cash_flow, cash_flow / W,
                  abs(cash_flow), 0.0, 0.0, max(0.0, cfads) / dscr / R if debt else 0.0, market / W)
        for key, v in zip(rows, values, strict=True):
            rows[key].append(v)
    rows["project_sign"], rows["project_flip"] = sign_rows(flows)
    out = _Rows(rows, later)
    return out.complete(OPERATIONS) if keep_rows else out


class _Rows(dict):
    """A block's rows. The rows that only some outputs read (on arrays: present values, helpers, DSCR; on plain
    floats: the IRR search) are made on first read by the functions in `later` (key -> function returning a dict of
    rows), so an evaluation that asks for other outputs does not compute them; `complete` makes every row (in
    `order`). Read rows by key (or by the block's row list), not by iterating the dict: rows not yet made are not
    among its keys."""

    def __init__(self, rows: dict, later: dict):
        super().__init__(rows)
        self.later = later

    def __missing__(self, key: str):
        make = self.later.get(key)
        if make is None:
            raise KeyError(key)
        for k, v in make().items():
            self[k] = v
            self.later.pop(k, None)
        return self[key]

    def complete(self, order) -> dict:
        return {r.key: self[r.key] for r in order}


@line(S, "$", "Fleet debt capacity", "SUM([fleet_operations.capacity_pv:])", block="fleet_operations")
def fleet_debt_capacity(fleet_operations):
    """Σ_{t ≤ T} max(0, cfads_t) / target_dscr / (1 + fleet_debt_rate)^t"""
    return xp.total(fleet_operations["capacity_pv"])


@line(S, "$", "Fleet debt", "MIN(fleet_debt_capacity,equipment_ltv*fleet_capex)")
def fleet_debt(fleet_debt_capacity, equipment_ltv, fleet_capex):
    """min(fleet_debt_capacity, equipment_ltv · fleet_capex): lenders also cap the loan at a share of the cost"""
    return xp.minimum(fleet_debt_capacity, equipment_ltv * fleet_capex)


@line(S, "%", "Fleet gearing", "fleet_debt/fleet_capex")
def fleet_gearing(fleet_debt, fleet_capex):
    """fleet_debt / fleet_capex"""
    return fleet_debt / fleet_capex


DEBT = [
    Row("drawdown", "Debt drawn", "$", "[fleet_operations.start]*fleet_debt"),
    Row("debt_service", "Debt service", "$",
        "[fleet_operations.debt]*MAX(0,[fleet_operations.cfads])/target_dscr"
        "*IF(fleet_debt_capacity>0,fleet_debt/fleet_debt_capacity,0)"),
    Row("opening", "Opening balance", "$", "[fleet_operations.debt]*NPV(fleet_debt_rate,[debt_service:end])"),
    Row("interest", "Interest", "$", "[opening]*fleet_debt_rate"),
    Row("principal", "Principal", "$", "[debt_service]-[interest]"),
    Row("closing", "Closing balance", "$", "[opening>]"),
    Row("corkscrew_gap", "Opening + drawn − principal − closing (check)", "$",
        "[opening]+[drawdown]-[principal]-[closing]", gap=True),
    Row("dscr", "DSCR", "×", "IF([debt_service]>0,[fleet_operations.cfads]/[debt_service],NA())"),
    Row("dscr_or_sentinel", "DSCR, sentinel without debt service (helper)", "×",
        "IF([debt_service]>0,[fleet_operations.cfads]/[debt_service],dscr_sentinel)", helper=True),
    Row("levered_tax", "Levered tax", "$",
        "tax_rate*MAX(0,[fleet_operations.ebitda]-[fleet_operations.replacement_capex]"
        "-[fleet_operations.tax_depreciation]-[interest])"),
    Row("equity_invested", "Equity invested (year 0)", "$", "[fleet_operations.start]*(fleet_capex-fleet_debt)"),
    Row("equity_cash_flow", "Equity cash flow", "$",
        "[fleet_operations.ebitda]-[fleet_operations.replacement_capex]-[levered_tax]-[debt_service]"
        "+[fleet_operations.sale_cash]-[equity_invested]"),
    Row("bridge_gap", "Project-to-equity bridge gap (check)", "$",
        "[equity_cash_flow]-([fleet_operations.project_cash_flow]-[debt_service]+[drawdown]"
        "-([levered_tax]-[fleet_operations.unlevered_tax]))", gap=True),
    Row("equity_pv", "Equity cash flow, PV at cost of equity", "$",
        "[equity_cash_flow]/(1+cost_of_equity)^[fleet_operations.year]"),
    Row("equity_sign", "Equity cash flow sign (IRR helper)", "sign",
        "IF([equity_cash_flow]>0,1,IF([equity_cash_flow]<0,-1,[equity_sign<]))", helper=True),
    Row("equity_flip", "Equity sign change (IRR helper)", "flag",
        "IF(AND([equity_cash_flow]<>0,[equity_sign<]<>0,[equity_sign]<>[equity_sign<]),1,0)", helper=True),
    Row("equity_abs_flow", "Equity cash flow, absolute (check helper)", "$", "ABS([equity_cash_flow])", helper=True),
    Row("equity_irr_search", "Equity IRR guess, bisected (IRR helper)", "%",
        _SEARCH.format(row="equity_irr_search", flows="equity_cash_flow", sign="equity_sign",
                       year="fleet_operations.year"), helper=True),
]


@block(S, "Fleet debt, DSCR and equity cash flow", YEARS, DEBT)
def fleet_financing(fleet_operations, fleet_debt, fleet_debt_capacity, fleet_debt_rate, target_dscr, tax_rate,
                 fleet_capex, cost_of_equity, dscr_sentinel, keep_rows=False):
    """Debt service sculpted on CFADS: debt_t · max(0, cfads_t) / target_dscr · fleet_debt / fleet_debt_capacity;
    opening_t = Σ_{s ≥ t} DS_s / (1 + r)^(s−t+1) (computed backwards: stable at any rate), interest = opening · r,
    principal = DS − interest, closing_t = opening_{t+1}; DSCR where DS > 0; levered tax after interest;
    equity cash flow = EBITDA − replacement − levered tax − DS + sale − (capex − debt) in year 0."""
    args = (fleet_debt, fleet_debt_capacity, fleet_debt_rate, target_dscr, tax_rate, fleet_capex, cost_of_equity,
            dscr_sentinel)
    if all(isinstance(a, float) for a in args) and isinstance(fleet_operations["cfads"][0], float):
        return _financing_floats(fleet_operations, *args, keep_rows=keep_rows)
    from .project_arrays import financing_arrays  # here: it reads this module's rows

    return financing_arrays(fleet_operations, *args, keep_rows=keep_rows)


def _financing_floats(ops, debt_, capacity, r, dscr_target, tax_rate, capex, coe, sentinel, keep_rows=False):
    scale = debt_ / capacity if capacity > 0 else 0.0
    r1, e1 = 1 + r, 1 + coe
    ds = [max(0.0, cf) / dscr_target * scale if d else 0.0 for d, cf in zip(ops["debt"], ops["cfads"])]
    pv_remaining = [0.0] * (YEARS + 1)  # NPV(r, DS_t..DS_15), built from the last year back
    for t in range(YEARS - 1, -1, -1):
        pv_remaining[t] = (ds[t] + pv_remaining[t + 1]) / r1
    opening = [pv_remaining[t] if ops["debt"][t] else 0.0 for t in range(YEARS)]
    later = {"equity_irr_search": lambda: {"equity_irr_search": irr_search(flows, rows["equity_sign"][-1])}}
    rows: dict[str, list] = {row.key: [] for row in DEBT if row.key not in later}
    E = 1.0  # (1 + cost_of_equity)^t, carried
    flows = []
    for t in range(YEARS):
        if t:
            E *= e1
        drawdown = debt_ if t == 0 else 0.0
        interest = opening[t] * r
        principal = ds[t] - interest
        closing = opening[t + 1] if t + 1 < YEARS else 0.0
        cfads = ops["cfads"][t]
        dscr = xp.div(cfads, ds[t]) if ds[t] > 0 else xp.nan
        operating = ops["ebitda"][t] - ops["replacement_capex"][t]
        levered_tax = tax_rate * max(0.0, operating - ops["tax_depreciation"][t] - interest)
        equity = operating - levered_tax - ds[t] + ops["sale_cash"][t]
        if t == 0:
            equity -= capex - debt_
        flows.append(equity)
        bridge = equity - (ops["project_cash_flow"][t] - ds[t] + drawdown - (levered_tax - ops["unlevered_tax"][t]))
        values = (drawdown, ds[t], opening[t], interest, principal, closing,
                  opening[t] + drawdown - principal - closing, dscr, dscr if ds[t] > 0 else sentinel,
                  levered_tax, capex - debt_ if t == 0 else 0.0, equity, bridge, equity / E, 0.0, 0.0, abs(equity))
        for key, v in zip(rows, values, strict=True):
            rows[key].append(v)
    rows["equity_sign"], rows["equity_flip"] = sign_rows(flows)
    out = _Rows(rows, later)
    return out.complete(DEBT) if keep_rows else out


@line(S, "×", "Fleet minimum DSCR", "IF(fleet_debt>0,MIN([fleet_financing.dscr_or_sentinel:]),NA())", block="fleet_financing")
def fleet_min_dscr(fleet_debt, fleet_financing):
    """the smallest dscr_t over the years with debt service; undefined (nan) without debt"""
    low = fleet_financing["dscr_or_sentinel"][0]
    for v in fleet_financing["dscr_or_sentinel"][1:]:
        low = xp.minimum(low, v)
    return xp.where(fleet_debt > 0, low, xp.nan)


@line(S, "$", "Fleet revenue, total", "SUM([fleet_operations.revenue:])", block="fleet_operations")
def fleet_revenue_total(fleet_operations):
    """Σ revenue_t"""
    return xp.total(fleet_operations["revenue"])


@line(S, "%", "Fleet EBITDA margin",
      "IF(fleet_revenue_total=0,NA(),SUM([fleet_operations.ebitda:])/fleet_revenue_total)", block="fleet_operations")
def fleet_ebitda_margin(fleet_operations, fleet_revenue_total):
    """Σ ebitda_t / Σ revenue_t; undefined (nan) without revenue"""
    margin = xp.div(xp.total(fleet_operations["ebitda"]), fleet_revenue_total)
    return xp.where(fleet_revenue_total == 0, xp.nan, margin)


@line(S, "$", "Project NPV at WACC", "SUM([fleet_operations.project_pv:])", block="fleet_operations")
def project_npv(fleet_operations):
    """Σ_{t=0..L} project_cash_flow_t / (1 + wacc)^t"""
    return xp.total(fleet_operations["project_pv"])


def _irr_excel(block_: str, flows: str, flips: str, search: str) -> str:
    """MODEL.md's IRR: #N/A unless the flows change sign exactly once; guesses tried in turn, each one's root kept
    only inside (−1, 10000) (from 1 + r = irr_floor up, where Python's search starts), else the next guess (Newton
    on r, as LibreOffice's IRR is, can land on a root below −1, where (1 + r)^t is still real: −192% for flows
    whose IRR is −49%). After MODEL.md's four, a fifth: the search row's last column, within 2^−17 of the root in
    1/(2 + r), where the four find none (losses every year and one small positive year: 11% of random scenarios
    with an IRR); a sixth, MODEL.md's first without its floor,
    for a root within 1e-3 of −100% (a fleet that loses nearly all its capital: 1 + r = 1e-6 for a 1-year life
    returning a millionth of it, where Newton from the floor's 1 + r = 1e-3 or from the search lands below −1)."""
    row, first, rest = f"[{block_}.{flows}:]", f"[{block_}.{flows}@0]", f"[{block_}.{flows}@1:]"
    ratio = f"SUM({rest})/ABS({first})"
    guess = f"POWER(MAX({ratio},1/1000),1/economic_life_years)-1"
    unfloored = f"POWER({ratio},1/economic_life_years)-1"  # a ratio ≤ 0: #NUM!, and the cascade's NA()

    def attempt(g: str) -> str:
        irr = f"IRR({row},{g})"
        return f"IF(AND({irr}>irr_floor-1,{irr}<10000),{irr},NA())"

    cascade = "NA()"
    for g in reversed((guess, "irr_guess_1", "irr_guess_2", "irr_guess_3", f"[{block_}.{search}@{YEARS - 1}]",
                       unfloored)):
        cascade = f"IFERROR({attempt(g)},{cascade})"
    return f"IF(SUM([{block_}.{flips}:])<>1,NA(),{cascade})"


@line(S, "%", "Project IRR",
      _irr_excel("fleet_operations", "project_cash_flow", "project_flip", "project_irr_search"),
      block="fleet_operations")
def project_irr(fleet_operations):
    """IRR of project_cash_flow_0..L: defined when the non-zero flows change sign once and the root is in (−1, 10000)"""
    return irr(fleet_operations["project_cash_flow"], sign_flips(fleet_operations["project_flip"]))


@line(S, "$", "Equity NPV at cost of equity", "SUM([fleet_financing.equity_pv:])", block="fleet_financing")
def equity_npv(fleet_financing):
    """Σ_{t=0..L} equity_cash_flow_t / (1 + cost_of_equity)^t"""
    return xp.total(fleet_financing["equity_pv"])


@line(S, "%", "Equity IRR", _irr_excel("fleet_financing", "equity_cash_flow", "equity_flip", "equity_irr_search"),
      block="fleet_financing")
def equity_irr(fleet_financing):
    """IRR of equity_cash_flow_0..L (the same rule as project_irr)"""
    return irr(fleet_financing["equity_cash_flow"], sign_flips(fleet_financing["equity_flip"]))


@line(S, "×", "Equity multiple",
      "IF(fleet_capex-fleet_debt=0,NA(),SUM([fleet_financing.equity_cash_flow@1:])/(fleet_capex-fleet_debt))",
      block="fleet_financing")
def equity_multiple(fleet_financing, fleet_capex, fleet_debt):
    """Σ_{t≥1} equity_cash_flow_t / (fleet_capex − fleet_debt); undefined (nan) when no equity is invested"""
    invested = fleet_capex - fleet_debt
    returned = xp.total(fleet_financing["equity_cash_flow"][1:])
    return xp.where(invested == 0, xp.nan, xp.div(returned, invested))
