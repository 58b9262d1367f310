# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (kiap-workbook)
#     language: python
#     name: kiap-workbook
# ---

# %% [markdown]
# # Explore one order
#
# Reads an order's inputs the way a batch run does and lets you look at every table on the
# way: the canonical survey responses, what cleaning dropped, the numbers behind each chart,
# the referral rates. Nothing is written. Set the two names below and run all cells.

# %% tags=["parameters"]
orders_file: str = "../data/raw/demo/orders.yaml"  # run `make demo` first for the demo orders
order_id: str = "fjord-2026-forebyg"  # an order id in the orders file

# %%
import pandas as pd

from kiap_analysis.analysis import analyse_order

analysis = analyse_order(orders_file, order_id, dry_run=True)  # provisional practice letters
survey = analysis.current.survey
survey.summary

# %%
survey.clean.dropped  # rows left out, and why

# %%
survey.clean.responses.drop(columns=["respondent_id"]).head()

# %%
survey.tables["q1"]

# %%
analysis.current.referrals.rates if analysis.current.referrals else "no referral data in this package"

# %%
[str(w) for w in analysis.warnings]

# %%
from kiap_analysis.charts import plot_likert

plot_likert(survey.tables["q1"], scale=analysis.spec.question("q1").scale);

# %% [markdown]
# Quick looks with seaborn work on the same tables, e.g. every scale question's answers:

# %%
import seaborn as sns

scale_tables = [t for qid, t in survey.tables.items() if analysis.spec.question(qid).scale is not None]
grid = sns.catplot(data=pd.concat(scale_tables), kind="bar", x="pct", y="category", col="question_id",
                   col_wrap=3, sharey=False, height=2.6, aspect=1.4, color="#0B4F6C")
