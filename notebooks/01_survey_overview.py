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
# # 01 · Survey overview
#
# Every survey question of one order: who answered, the numbers behind each chart
# (`tables/<question id>.csv`) and the charts as the report draws them. Use it to check that
# a survey export was read as intended before the deck goes to the cluster.

# %% tags=["parameters"]
orders_file: str = "../data/raw/demo/orders.yaml"  # orders file; its paths are relative to it
order_id: str = "fjord-2025-akut"  # an order whose package has a survey
question_id: str = "q1"  # a Likert or single-choice question to check against the raw answers

# %%
from kiap_analysis.run.api import load_order

order = load_order(orders_file, order_id)
summary = order.summary
print(f"{summary.responded} of {summary.invited} invited answered ({summary.response_rate:.0f} %), "
      f"{summary.completed} completed the survey.")

# %% [markdown]
# ## The questions
#
# Chart questions have a table; free-text questions are read in `03_free_text`. A question
# whose base is below 5 is shown on its slide as "too few answers" and its numbers are blank
# in the table.

# %%
questions = order.spec.questions
[(q.id, q.type, q.title) for q in questions]

# %% [markdown]
# ## One question, checked by hand
#
# The table counts every answer category (`n`) of everyone who answered the question
# (`base`, "Ved ikke" included); `pct` is `n / base` in per cent. The cleaned responses hold
# one column per answer slot, so the counts can be checked directly:

# %%
order.survey_table(question_id)

# %%
order.survey_responses()[question_id].value_counts()

# %%
order.chart(question_id);

# %% [markdown]
# ## All charts
#
# For a Likert scale the bars diverge at 0: negative levels to the left, "Ved ikke" in its
# own panel on the right. Multi-choice questions show the share of respondents who ticked each
# option (several answers allowed, so the shares need not add up to 100 %).

# %%
survey_charts = [key for key in order.charts() if key in {q.id for q in questions}]
for key in survey_charts:
    order.chart(key)

# %% [markdown]
# A quick look across the scale questions with seaborn, from the same tables (a grid
# question's items are averaged here):

# %%
import pandas as pd
import seaborn as sns

scale_ids = [q.id for q in questions if q.scale is not None]
scale_tables = pd.concat([order.survey_table(qid) for qid in scale_ids], ignore_index=True)
sns.catplot(data=scale_tables, kind="bar", x="pct", y="category", col="question_id", col_wrap=3,
            sharey=False, height=2.6, aspect=1.4, color="#0B4F6C", errorbar=None);
