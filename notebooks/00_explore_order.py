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
# # 00 · One order at a glance
#
# Loads an order the way a batch run does (`kiap_analysis.run.api.load_order`): the same reading,
# cleaning, numbers, practice pseudonyms and meeting content. Look at what the inputs gave,
# what cleaning left out, the warnings and the blocks of the deck; then edit a slide and
# rebuild the deck by hand, without the batch.
#
# Set the parameters below and run all cells. `make lab` writes the demo data first.
# Packages with referral data need the pseudonym key (`$KIAP_PSEUDONYM_KEY` or
# `data/private/pseudonym.key`), so the practices get the letters the published decks use.

# %% tags=["parameters"]
orders_file: str = "../data/raw/demo/orders.yaml"  # orders file; its paths are relative to it
order_id: str = "fjord-2026-forebyg"  # an order in the orders file (this one: follow-up, survey and referrals)
output_dir: str = "../reports/analyst"  # build_deck/export write to <output_dir>/<order_id>/

# %%
from kiap_analysis.run.api import load_order

order = load_order(orders_file, order_id)
order

# %% [markdown]
# The package, its round and, for a follow-up, the baseline order it is compared with.

# %%
order.order.package, order.order.round, order.order.baseline, order.spec.title

# %% [markdown]
# ## Respondents and cleaning
#
# `responded` is everyone left after cleaning (partial responses count); the response rate is
# of `invited` in the orders file. Check that `invited` is right: every base on the slides
# ("n = 20 · 23 af 29 inviterede svarede, heraf 21 fuldt ud") uses it.

# %%
summary = order.summary
print(f"{summary.responded} of {summary.invited} invited answered ({summary.response_rate:.0f} %), "
      f"{summary.completed} completed the survey.")

# %% [markdown]
# Rows cleaning left out: empty responses and duplicates of the same respondent. Many dropped
# rows can mean a wrong export (e.g. invitations without answers) rather than bad data.

# %%
order.dropped_rows()

# %% [markdown]
# Warnings about the inputs (also listed in the report's data section): read them before the
# meeting, e.g. a practice without listed patients gets no rate.

# %%
for warning in order.warnings:
    print("-", warning)

# %% [markdown]
# ## The meeting content
#
# One row per block (a slide's worth of content) in program order. `key` names the block for
# `order.block(key)` and its chart for `order.chart(key)`; `base` is what the slide says under
# the chart.

# %%
order.blocks()

# %% [markdown]
# The tables written to `tables/*.csv`, with their number of rows (small bases are blank).

# %%
{name: len(table) for name, table in order.tables().items()}

# %%
order.chart("q1");

# %% [markdown]
# ## Edit a slide and rebuild the deck
#
# Blocks are plain objects: change a title, a caption, the note or the chart's data
# (`block.chart.data`) and `build_deck` writes the deck from the edited content (slide text
# is Danish). The deck is checked for ydernumre, names and other identifying data before it
# is written, as in a batch run. `order.rebuild_content()` discards the edits.

# %%
order.block("q1").title = "Hvor godt kender vi kommunens tilbud?"
deck = order.build_deck(f"{output_dir}/{order_id}/deck.pptx")
print(deck)

# %%
order.rebuild_content()
order.block("q1").title
