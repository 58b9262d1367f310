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
# # 03 · Free-text answers
#
# The answers to the open questions, as they go on the slides. They are redacted before
# anything sees them: CPR numbers, e-mail addresses, phone numbers, ydernumre and the names
# the inputs hold become visible markers such as `[navn]` or `[telefon]`. Read them before the
# meeting: a marker, or a detail that still points at a person, may call for a shorter quote.

# %% tags=["parameters"]
orders_file: str = "../data/raw/demo/orders.yaml"  # orders file; its paths are relative to it
order_id: str = "aa-2026-akut"  # an order whose survey has free-text questions
question_id: str = "q3"  # the free-text question to read in full
word: str = "telefon"  # a word to search for in every free-text answer

# %%
from kiap_analysis.run.api import load_order
from kiap_analysis.privacy.redaction import MARKERS

order = load_order(orders_file, order_id)
free_text_ids = [q.id for q in order.spec.questions if q.type == "free_text"]
for qid in free_text_ids:
    print(f"{qid}: {len(order.free_text(qid))} answers - {order.spec.question(qid).text}")

# %% [markdown]
# ## One question in full
#
# The answers in the order of the export; the deck spreads them over as many slides as they
# need.

# %%
print(order.spec.question(question_id).text, "\n")
for number, answer in enumerate(order.free_text(question_id), start=1):
    print(f"{number:>2}. {answer}")

# %% [markdown]
# ## Redaction markers
#
# How many answers of each question had something replaced. The demo's answers hold nothing
# to redact, so expect zeros there.

# %%
{qid: sum(any(m in answer for m in MARKERS.values()) for answer in order.free_text(qid))
 for qid in free_text_ids}

# %% [markdown]
# ## Searching
#
# Every answer mentioning `word` (case ignored), with its question:

# %%
[(qid, answer) for qid in free_text_ids for answer in order.free_text(qid) if word.lower() in answer.lower()]
