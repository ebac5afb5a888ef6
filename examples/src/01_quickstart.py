# %% [markdown]
# # Quick start: forecasting AirPassengers
#
# seqforecast forecasters are scikit-learn estimators whose rows are
# timesteps: `fit(X, y)` learns from the history `y` (and covariates `X`, here
# none), and `forecast(steps)` returns the next `steps` values indexed by their
# dates.
#
# This notebook
#
# 1. loads the monthly AirPassengers series and holds out its last year;
# 2. fits two recurrent networks (`LSTMForecaster`, `GRUForecaster`), an
#    automatic ARIMA and the seasonal naive forecast;
# 3. scores the four forecasts of the held-out year (sMAPE, MASE, MAE);
# 4. draws the forecasts with a 90 % prediction interval.

# %%
import time

import matplotlib.pyplot as plt
import pandas as pd
import torch

from seqforecast import (
    ARIMAForecaster,
    GRUForecaster,
    LSTMForecaster,
    NaiveForecaster,
    load_airpassengers,
)
from seqforecast.metrics import coverage, mae, mase, smape
from seqforecast.plotting import plot_forecast

torch.set_num_threads(1)  # a small network gains little from more threads
RANDOM_STATE = 0  # seeds the networks' weights and batches: reruns give the same numbers
HORIZON = 12  # forecast one year of monthly data

# %% [markdown]
# ## The data
#
# `load_airpassengers` returns the classic Box & Jenkins series: monthly
# totals of international airline passengers (thousands), January 1949 to
# December 1960, as a `pandas.Series` with a monthly `DatetimeIndex`. It has
# a trend and a seasonal swing that grows with the level.
#
# The last 12 months are the test set; every model sees only the months
# before them.

# %%
y = load_airpassengers()
y_train, y_test = y.iloc[:-HORIZON], y.iloc[-HORIZON:]
print(f"{len(y)} months, frequency {y.index.freqstr!r}")
print(f"train: {y_train.index[0]:%Y-%m} to {y_train.index[-1]:%Y-%m} ({len(y_train)} months)")
print(f"test:  {y_test.index[0]:%Y-%m} to {y_test.index[-1]:%Y-%m} ({len(y_test)} months)")
y.plot(figsize=(9, 3), title="AirPassengers", ylabel="passengers (thousands)")
plt.show()

# %% [markdown]
# ## Four forecasters
#
# - `LSTMForecaster` and `GRUForecaster`: one recurrent network each, with
#   the package defaults (64 hidden units, 50 epochs, shortened on one short
#   series like this to about 4 optimisation steps per training window, a
#   lookback of three seasons (at most a quarter of the data on little data
#   like this series: 33 months), and each window scaled by its recent level so
#   the network learns relative changes). They are kept as they are: each fits in
#   seconds on one CPU thread (the fit times are in the table below). Only
#   `horizon=12` (the network outputs a whole year at once) and
#   `random_state` are set.
# - `ARIMAForecaster()`: automatic order selection (Hyndman–Khandakar
#   stepwise search, seasonal differencing when the seasonality is strong).
# - `NaiveForecaster(strategy="seasonal")`: the last observed year, repeated.
#   It is the reference that MASE is scaled by.
#
# Every forecaster has the same API: `fit(None, y)` (no covariates), then
# `forecast(12)`.

# %%
models = {
    "LSTM": LSTMForecaster(horizon=HORIZON, random_state=RANDOM_STATE),
    "GRU": GRUForecaster(horizon=HORIZON, random_state=RANDOM_STATE),
    "ARIMA (auto)": ARIMAForecaster(),
    "Seasonal naive": NaiveForecaster(strategy="seasonal"),
}
forecasts, fit_seconds = {}, {}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(None, y_train)
    fit_seconds[name] = time.perf_counter() - start
    forecasts[name] = model.forecast(HORIZON)

order, seasonal_order, with_constant = models["ARIMA (auto)"].orders_[0]
print(f"ARIMA chose order={order}, seasonal_order={seasonal_order}, "
      f"constant={with_constant}")
pd.DataFrame(forecasts).round(1).head()

# %% [markdown]
# ## Accuracy on the held-out year
#
# - **sMAPE**: symmetric mean absolute percentage error, in percent (the M3
#   and M4 competitions' definition).
# - **MASE**: mean absolute error divided by the in-sample error of the
#   seasonal naive forecast on the *training* years (`y_train`, lag 12).
#   Below 1, a forecast beats what the seasonal naive method did in sample.
# - **MAE**: mean absolute error, in thousands of passengers.
#
# Lower is better for all three; the table is sorted by MASE.

# %%
scores = pd.DataFrame(
    {
        name: {
            "sMAPE (%)": smape(y_test, y_pred),
            "MASE": mase(y_test, y_pred, y_train=y_train, seasonal_period=12),
            "MAE": mae(y_test, y_pred),
            "fit time (s)": fit_seconds[name],
        }
        for name, y_pred in forecasts.items()
    }
).T.sort_values("MASE")
scores.round(3)

# %% [markdown]
# One held-out year is a single forecast origin, so small differences between
# rows say little; `seqforecast.model_selection.backtest` scores a model over
# several origins (see the next notebook for cross-validation).
#
# ## Forecasts with a prediction interval
#
# `predict_interval(X, coverage=0.9)` returns the bounds of a central 90 %
# interval for the steps in `X` (here a DataFrame with no columns that only
# carries the future dates). ARIMA's intervals come from its state-space
# model; the seasonal naive method's from its residuals. The cell below
# takes whichever of the two classical models scored the lower MASE above
# and draws its interval, with both networks' forecasts on top.
#
# The recurrent forecasters are trained with the MAE loss by default, which
# gives point forecasts only: for their intervals, train them with
# `loss="quantile"` or `loss="gaussian"`, or wrap them in
# `seqforecast.ConformalForecaster`.

# %%
classical = scores.loc[["ARIMA (auto)", "Seasonal naive"], "MASE"].idxmin()
X_future = pd.DataFrame(index=y_test.index)  # no covariates: only the dates to forecast
interval = models[classical].predict_interval(X_future, coverage=0.9)
print(f"90 % interval of {classical}: covers "
      f"{coverage(y_test, interval['lower'], interval['upper']):.0%} of the test months")

ax = plot_forecast(
    y_train,
    forecasts[classical],
    y_true=y_test,
    intervals={0.9: interval},
    history_tail=48,
    title=f"{classical} forecast with 90 % interval, and the networks' forecasts",
)
for line in ax.get_lines():
    if line.get_label() == "forecast":
        line.set_label(classical)
for color, name in [("C2", "LSTM"), ("C3", "GRU")]:
    ax.plot(forecasts[name].index, forecasts[name].to_numpy(), color=color, marker=".",
            label=name)
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# ## What next
#
# - **`02_pipelines_and_search`**: covariates (calendar features) in a
#   scikit-learn `Pipeline`, a log-transformed target with
#   `TransformedTargetRegressor`, and `GridSearchCV` with the forecasting
#   splitter `ForecastSplitter` and the `mase_scorer`.
# - **`03_global_model_m3`**: one network trained on the 1428 monthly series
#   of the M3 competition, against per-series ARIMA, Theta and seasonal naive.
# - **`04_covariates`**: a leading indicator as a covariate known in advance,
#   and what it gains in a backtest.
# - For honest accuracy estimates over several forecast origins, see
#   `seqforecast.model_selection.backtest` and
#   `seqforecast.plotting.plot_backtest`.
