# %% [markdown]
# # A panel as users hold it: one row per store and month
#
# Real panels come as long tables — one row per series and time — with
# series that start and end on different dates, covariates per series and
# time, and properties that never change. This notebook takes such a table
# from a CSV file to a backtest, forecasts and plots:
#
# 1. reads a long CSV (store, month, sales, promo) into a `Series` indexed by
#    `(store, month)`;
# 2. backtests a global GRU (with the promotions as covariates and the
#    stores' sizes as static features) against Theta and seasonal naive,
#    holding out each store's own last year;
# 3. forecasts the next year of every store from its own last month, with a
#    promotion plan and the stores' sizes as static features;
# 4. draws one store's forecast and backtest.
#
# The table is synthetic, written here so the notebook runs anywhere: 40
# stores with a trend, a seasonal swing, promotions that lift sales by 20 %,
# and opening and last-report dates that differ from store to store.

# %%
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from seqforecast import (
    ForecastSplitter,
    GRUForecaster,
    NaiveForecaster,
    ThetaForecaster,
    backtest,
)
from seqforecast.plotting import plot_backtest, plot_forecast

torch.set_num_threads(1)  # a small network gains little from more threads
RANDOM_STATE = 0
HORIZON = 12  # one year of monthly data

# %% [markdown]
# ## The file
#
# Each store opens between 2014 and 2018 and reports until some month of
# 2022 or 2023; its size sets its level. This is the shape of an export from
# a sales database.

# %%
rng = np.random.default_rng(0)
rows, sizes = [], {}
for k in range(40):
    store = f"store {k:02d}"
    start = pd.Timestamp("2014-01-01") + pd.DateOffset(months=int(rng.integers(0, 60)))
    end = pd.Timestamp("2022-01-01") + pd.DateOffset(months=int(rng.integers(0, 24)))
    months = pd.date_range(start, end, freq="MS")
    size = float(rng.choice([1.0, 2.0, 4.0]))
    sizes[store] = size
    t = np.arange(len(months))
    season = 1 + 0.25 * np.sin(2 * np.pi * (months.month - 3) / 12)
    promo = (rng.random(len(months)) < 0.2).astype(float)
    level = 100 * size * (1 + 0.004 * t) * season * (1 + 0.2 * promo)
    sales = level * rng.lognormal(0, 0.05, len(months))
    rows.append(pd.DataFrame({"store": store, "month": months.strftime("%Y-%m"),
                              "sales": sales.round(1), "promo": promo.astype(int)}))
path = Path(tempfile.mkdtemp()) / "store_sales.csv"
pd.concat(rows).to_csv(path, index=False)
print(path.read_text().splitlines()[:4])

# %% [markdown]
# ## Reading it as a long panel
#
# `set_index(["store", "month"])` is all it takes: the forecasters take a
# `Series` (the target) and a `DataFrame` (the covariates) indexed by
# `(series, time)`. The months must be dates; each store must be regular
# (no missing month inside it), which the forecasters check, naming the
# store at fault.

# %%
table = pd.read_csv(path, parse_dates=["month"]).set_index(["store", "month"])
y, X = table["sales"], table[["promo"]]
spans = y.reset_index("month").groupby(level="store")["month"].agg(["min", "max", "count"])
print(f"{len(spans)} stores, {len(y)} rows")
print(spans.head())

# %% [markdown]
# ## Backtest: each store's last year held out
#
# `backtest` folds a long panel at each series' own end: with one split of
# 12 months, every store is fitted on everything but its last year and
# forecast for it, whatever its dates. The GRU is one global network for all
# 40 stores, reading the promotions of the past and of the forecast year,
# and each store's size: a static feature, one row per store, given to
# every fit of the backtest as it will be to the final model. It is told
# the horizon; without one it would train for two years ahead (the default
# for monthly data), and the stores too short for a two-year training
# window would be left out of its training (it says so in a warning).
# Theta and seasonal naive fit each store on its own.

# %%
static = pd.DataFrame({"size": pd.Series(sizes)})
cv = ForecastSplitter(horizon=HORIZON, n_splits=1)
models = {
    "gru": (GRUForecaster(horizon=HORIZON, random_state=RANDOM_STATE), X, static),
    "theta": (ThetaForecaster(), None, None),
    "seasonal naive": (NaiveForecaster(strategy="seasonal"), None, None),
}
scores, results = {}, {}
for name, (model, covariates, features) in models.items():
    start = time.perf_counter()
    results[name] = backtest(model, covariates, y, cv=cv, static_features=features)
    scores[name] = {**results[name].scores.mean().round(3).to_dict(),
                    "seconds": round(time.perf_counter() - start, 1)}
pd.DataFrame(scores).T.sort_values("mase")

# %% [markdown]
# The forecasts table has one row per store, step and fold, with each
# store's own cutoff and months:

# %%
results["gru"].forecasts.groupby("series").head(1).head()

# %% [markdown]
# ## Forecasting the next year of every store
#
# Fitted on the whole table, the model forecasts the 12 months after *each*
# store's own last month. The promotion plan for those months is a long
# frame on the same `(store, month)` pairs (`forecast` builds the index; here
# every store runs a promotion in its first forecast month). The stores'
# sizes are read by the network beside the covariates at every step, as in
# the backtest.

# %%
model = GRUForecaster(horizon=HORIZON, random_state=RANDOM_STATE)
model.fit(X, y, static_features=static)
future = model._future_frame(HORIZON, None).index
plan = pd.DataFrame({"promo": 0.0}, index=future)
first_month = plan.groupby(level="store").cumcount() == 0
plan.loc[first_month.to_numpy(), "promo"] = 1.0
forecast = model.predict(plan)
print(forecast.groupby(level="store").head(1).head())

# %% [markdown]
# Forecasts come back in the long layout, ready to be written where the
# data came from:

# %%
out = forecast.rename("forecast").reset_index()
out["month"] = out["month"].dt.strftime("%Y-%m")
out.head()

# %% [markdown]
# ## One store, drawn
#
# `plot_forecast` and `plot_backtest` draw one series of a panel, named with
# `series=`.

# %%
store = spans["max"].idxmin()  # the store whose data stop earliest
fig, axes = plt.subplots(1, 2, figsize=(12, 3.5), layout="constrained")
plot_forecast(y, forecast, series=store, history_tail=36, ax=axes[0],
              title=f"{store}: the next year after its own last month")
plot_backtest(results["gru"], series=store, ax=axes[1])
plt.show()
