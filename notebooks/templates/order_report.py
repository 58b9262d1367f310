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

# %% [markdown] tags=["kiap-hide"]
# # KiAP order report (template)
#
# `kiap run` executes this notebook with papermill once per order; the executed copy becomes
# `reports/<order id>/notebook.ipynb` and, without code, `report.html`. Every cell calls
# `kiap_analysis`, whose `run.pipeline` holds the stages (read -> pseudonymise -> clean ->
# compute -> present -> publish): change the package, not this notebook. To explore an order
# by hand, set the parameters below and run all cells (outputs then go to
# `<output_dir>/<order_id>/`).

# %% tags=["parameters"]
order_id: str = "fjord-2025-akut"  # id of the order in the orders file
orders_file: str = "data/raw/demo/orders.yaml"  # orders file; its paths are relative to it
output_dir: str = "reports"  # the order's files go to <output_dir>/<order_id>/

# %%
from kiap_analysis.run.notebook import OrderRun

run = OrderRun(order_id, orders_file, output_dir)  # read, pseudonymise, clean, compute, present

# %%
run.show_title()

# %%
run.show_program()

# %%
run.show_data()

# %%
run.export();  # publish: the deck, tables/*.csv, the processed tables, the private letters
