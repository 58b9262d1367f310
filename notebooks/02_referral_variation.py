# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (kiap-workbook)
#     language: python
#     name: kiap-workbook
# ---

# %% [markdown]
# # 02 · Referral variation
#
# How often the cluster's practices refer to the municipality's offers: referrals per 1,000
# listed patients with 95 % intervals, per offer and per practice, and a funnel plot showing
# which practices lie further from the cluster than chance explains. Practices appear only
# as "Praksis A", "Praksis B", ...: the letters come from the pseudonym register, so this
# needs the pseudonym key (`$KIAP_PSEUDONYM_KEY` or `data/private/pseudonym.key`).

# %% tags=["parameters"]
orders_file: str = "../data/raw/demo/orders.yaml"  # orders file; its paths are relative to it
order_id: str = "aa-2026-forebyg"  # an order whose package uses referral data
offer: str = "Diabetes"  # the offer to look at practice by practice

# %%
from kiap_analysis.run.api import load_order

order = load_order(orders_file, order_id)
order.offers

# %% [markdown]
# ## The cluster, per offer
#
# The "Klyngen samlet" rows: all referrals of the practices with listed patients, per 1,000
# of their listed patients. Intervals are exact Poisson under 10 referrals, Byar's from 10.

# %%
rates = order.referral_rates()
cluster = rates[rates["practice"] == "Klyngen samlet"].set_index("offer")
cluster

# %%
row = cluster.loc[offer]
print(f"{offer}: the cluster refers {row.rate_per_1000:.1f} per 1,000 listed patients "
      f"(95 % CI {row.ci_low:.1f}-{row.ci_high:.1f}).")

# %%
order.chart("referrals_overview");

# %% [markdown]
# ## Practice by practice
#
# Left: each practice's rate with its interval; the dashed line is the cluster. Counts of 1-4
# are shown as "<5" with no rate, and a second count is hidden ("skjult") where the total
# would give the first away; a practice without listed patients has no rate ("ikke beregnet").
# Right: the funnel plot. The limits narrow as practices grow: a small practice can lie far
# from the cluster by chance alone, a large one cannot.

# %%
import matplotlib.pyplot as plt

fig, (left, right) = plt.subplots(1, 2, figsize=(15, 5.5))
order.chart(f"referrals_{offer}", ax=left)
order.chart(f"funnel_{offer}", ax=right);

# %% [markdown]
# ## Where the variation is
#
# The spread of the practices' rates per offer (lowest and highest shown rate), and every
# practice outside the funnel's 95 % or 99.8 % limits. Outside the limits is a question for
# the meeting, not a verdict: list size, patient mix and coding differ between practices.

# %%
practices = rates[(rates["practice"] != "Klyngen samlet") & rates["rate_per_1000"].notna()]
spread = practices.groupby("offer", sort=False)["rate_per_1000"].agg(["min", "max", "count"])
spread.assign(range=spread["max"] - spread["min"]).round(1)

# %%
detail = order.referral_rates(detail=True)
detail.loc[detail["funnel"] != "", ["practice", "offer", "rate_per_1000", "funnel"]].round(1)

# %% [markdown]
# A follow-up order (e.g. `fjord-2026-forebyg`) also compares the cluster's rates with its
# baseline: `referrals_change`, as in `tables/referrals_change.csv`.

# %%
order.tables().get("referrals_change", "not a follow-up order: no change since baseline")
