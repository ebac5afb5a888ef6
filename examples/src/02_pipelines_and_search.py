# %% [markdown]
# # Pipelines and hyperparameter search
#
# A seqforecast forecaster is a scikit-learn regressor whose rows are
# timesteps, so scikit-learn's own tools work around it unchanged. This
# notebook, on the AirPassengers series (last year held out):
#
# 1. builds covariates with `CalendarFeatures` inside a `ColumnTransformer`,
#    feeds them to a recurrent forecaster in a `Pipeline`, and fits it on the
#    log of the target with `TransformedTargetRegressor`;
# 2. tunes the cell type and the hidden size, and checks whether the log
#    transform pays, with `GridSearchCV`, using seqforecast's
#    `ForecastSplitter` for the folds and `mase_scorer` for the score;
# 3. forecasts the held-out year with the best model.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from seqforecast import NaiveForecaster, RNNForecaster, load_airpassengers
from seqforecast.metrics import mase, mase_scorer, smape
from seqforecast.model_selection import ForecastSplitter
from seqforecast.plotting import plot_forecast
from seqforecast.transformers import CalendarFeatures

torch.set_num_threads(1)  # a small network gains little from more threads
RANDOM_STATE = 0  # seeds the networks' weights and batches: reruns give the same numbers
HORIZON = 12  # forecast one year of monthly data

# %% [markdown]
# ## Data: the target and a covariate known in advance
#
# `y` is the monthly passenger count. `X` holds what is known about the
# future months when the forecast is made: here the number of days in the
# month (a February has fewer days to fly in), and, through its
# `DatetimeIndex`, the dates themselves. Rows are timesteps in both.

# %%
y = load_airpassengers()
X = pd.DataFrame({"days": y.index.days_in_month.astype(float)}, index=y.index)

X_train, X_test = X.iloc[:-HORIZON], X.iloc[-HORIZON:]
y_train, y_test = y.iloc[:-HORIZON], y.iloc[-HORIZON:]
X_train.tail(3)

# %% [markdown]
# ## The pipeline
#
# From the inside out:
#
# - **`ColumnTransformer`** builds the covariates: `CalendarFeatures` turns
#   the index into the sine and cosine of the month (it reads only the
#   dates, so `keep_original=False` drops the column it was handed), and
#   `StandardScaler` standardises `days`. `set_output(transform="pandas")`
#   keeps the output a DataFrame *with the dates as its index*: the
#   forecaster uses them to check that the months passed to `predict`
#   follow the training history.
# - **`RNNForecaster`** (step `"forecaster"`) is the recurrent network; it
#   reads the last three years of the target and the covariates and outputs
#   the next 12 months at once. `cell` picks the recurrent cell. Training is
#   cut from the default 50 epochs to 6 because the grid search below fits
#   seventeen networks, and the notebook should run in seconds.
# - **`TransformedTargetRegressor`** fits the pipeline on `log(y)` and
#   returns `exp` of its forecasts: the classical remedy for a seasonal swing
#   that grows with the level.

# %%
features = ColumnTransformer(
    [
        ("calendar", CalendarFeatures(keep_original=False), ["days"]),
        ("days", StandardScaler(), ["days"]),
    ]
).set_output(transform="pandas")

forecaster = RNNForecaster(
    cell="gru", hidden_size=32, horizon=HORIZON, max_epochs=6, random_state=RANDOM_STATE
)
pipeline = Pipeline([("features", features), ("forecaster", forecaster)])
model = TransformedTargetRegressor(regressor=pipeline, func=np.log, inverse_func=np.exp)

model.fit(X_train, y_train)
# The covariates the network sees for the test months:
model.regressor_.named_steps["features"].transform(X_test).head(3).round(3)

# %% [markdown]
# `predict(X_test)` forecasts the 12 months of `X_test`, which must start
# right after the training history (a gap or an overlap is an error).
# `TransformedTargetRegressor` hands back a plain array (it converts `y` to
# numpy), so the dates are put back for plotting.
#
# For reference, the table also scores the seasonal naive forecast (last
# year repeated). MASE is the mean absolute error divided by the in-sample
# error of the seasonal naive forecast on the training years; lower is
# better.

# %%
forecasts = {"GRU pipeline, log target": pd.Series(model.predict(X_test), index=y_test.index)}

naive = NaiveForecaster(strategy="seasonal").fit(X_train, y_train)
forecasts["Seasonal naive"] = naive.predict(X_test)


def score_table(forecasts):
    """MASE and sMAPE of each forecast of the test year, sorted by MASE."""
    return pd.DataFrame(
        {
            name: {
                "MASE": mase(y_test, y_pred, y_train=y_train, seasonal_period=12),
                "sMAPE (%)": smape(y_test, y_pred),
            }
            for name, y_pred in forecasts.items()
        }
    ).T.sort_values("MASE").round(3)


score_table(forecasts)

# %% [markdown]
# Is the log worth it here? Not necessarily for this forecaster: by default
# it already divides each training window by its recent level
# (`scaling="recent"`, so the network learns relative changes) and divides a
# seasonal series by its multiplicative seasonal factors
# (`deseasonalize=True`), which is what the log buys a linear model. After a
# log, the values differ by only a few percent from their mean, so the
# relative changes the network learns from become much smaller, and `exp`
# magnifies the remaining errors on the way back. Rather than decide it on
# the test year, the grid search below lets cross-validation on the training
# years compare the log with no transform.
#
# ## Grid search with forecasting folds
#
# ### Folds: `ForecastSplitter`
#
# Ordinary K-fold cross-validation tests on blocks anywhere in the series, so
# a model would be trained on months that come after the ones it is tested
# on. `ForecastSplitter` places forecast origins backwards from the end of the
# data, one horizon apart: each fold trains on every month before its origin
# and is tested on the `horizon` months after it, exactly how the model is
# used. Its test blocks have the length of
# the forecast horizon whatever the length of the data (scikit-learn's
# `TimeSeriesSplit` sizes them from the number of rows by default). Only the
# training years are split; the held-out year stays untouched until the end.

# %%
cv = ForecastSplitter(horizon=HORIZON, n_splits=2)
for k, (train, test) in enumerate(cv.split(X_train)):
    print(f"fold {k}: train {X_train.index[train[0]]:%Y-%m} to "
          f"{X_train.index[train[-1]]:%Y-%m}, test {X_train.index[test[0]]:%Y-%m} to "
          f"{X_train.index[test[-1]]:%Y-%m}")

# %% [markdown]
# ### Score: `mase_scorer`
#
# MASE divides a fold's forecast error by the seasonal naive error *on that
# fold's own training history*. `mase_scorer(estimator, X, y)` finds the
# forecaster inside the pipeline, takes that history from it (undoing the log
# of `TransformedTargetRegressor`, so the error and its scale are both in
# passengers) and the seasonal period from the data's frequency (12). Folds
# whose years are harder or easier are thus put on one scale, and the mean
# over the folds means something. Like every scikit-learn score, it is
# *greater is better*: it returns minus the MASE.
#
# ### Parameter names
#
# A parameter is addressed by the path to it, with `__` between the levels:
# `TransformedTargetRegressor` calls the pipeline `regressor`, the pipeline
# calls the network `forecaster`, and the network's parameters are `cell`
# and `hidden_size`:

# %%
[name for name in model.get_params() if name.endswith(("__cell", "__hidden_size"))]

# %% [markdown]
# The target transform belongs to the outer `TransformedTargetRegressor`: its
# parameters `func` and `inverse_func` have no prefix. They must change
# together, so the grid is a list of two grids, one per transform (`None`
# is no transform), each with the same network grid: 2 transforms x 2 cells
# x 2 sizes = 8 candidates, each fitted on 2 folds, then the best refitted
# on all the training years.

# %%
network_grid = {
    "regressor__forecaster__cell": ["lstm", "gru"],
    "regressor__forecaster__hidden_size": [16, 32],
}
param_grid = [
    {"func": [np.log], "inverse_func": [np.exp], **network_grid},
    {"func": [None], "inverse_func": [None], **network_grid},
]
search = GridSearchCV(
    model, param_grid, cv=cv, scoring=mase_scorer, n_jobs=1, error_score="raise"
)
start = time.perf_counter()
search.fit(X_train, y_train)
print(f"{len(search.cv_results_['params'])} candidates x {cv.get_n_splits()} folds "
      f"+ 1 refit in {time.perf_counter() - start:.1f} s")

# %% [markdown]
# `error_score="raise"` makes a failing fit stop the search with its error
# instead of silently scoring it NaN.
#
# `cv_results_` as a table, best first (MASE is minus the score):

# %%
results = pd.DataFrame(search.cv_results_)
table = pd.DataFrame(
    {
        "target": results["param_func"].map(lambda f: "log" if f is np.log else "none"),
        "cell": results["param_regressor__forecaster__cell"],
        "hidden_size": results["param_regressor__forecaster__hidden_size"],
        "mean MASE": -results["mean_test_score"],
        "std MASE": results["std_test_score"],
        **{
            f"fold {k} MASE": -results[f"split{k}_test_score"]
            for k in range(cv.get_n_splits())
        },
        "rank": results["rank_test_score"],
        "mean fit time (s)": results["mean_fit_time"],
    }
).sort_values("rank")
table.round(3)

# %%
for name, value in search.best_params_.items():
    print(f"{name} = {getattr(value, '__name__', value)}")

# %% [markdown]
# ## The best model on the held-out year
#
# With `refit=True` (the default), the search refits the best candidate on
# all the training years; `search.predict` uses it. Two folds of one year each
# are a small sample, so the ranking above is noisy; the held-out year is a
# third, independent check.

# %%
forecasts["Best of the grid search"] = pd.Series(
    search.predict(X_test), index=y_test.index
)
score_table(forecasts)

# %%
best = search.best_params_
ax = plot_forecast(
    y_train, forecasts["Best of the grid search"], y_true=y_test, history_tail=48,
    title=f"Best of the grid search: {best['regressor__forecaster__cell'].upper()}, "
          f"hidden_size={best['regressor__forecaster__hidden_size']}, "
          f"target transform: {'log' if best['func'] is np.log else 'none'}",
)
ax.plot(forecasts["Seasonal naive"].index, forecasts["Seasonal naive"].to_numpy(),
        color="C2", marker=".", label="Seasonal naive")
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# ## Going further
#
# - **More folds, more epochs.** Two folds and 6 epochs keep this notebook
#   fast; `ForecastSplitter(horizon=12, n_splits=5, step=6)` gives more
#   (overlapping) origins, and `max_epochs` or `early_stopping` more
#   training.
# - **`RandomizedSearchCV`** and `cross_validate` take the same `cv` and
#   `scoring`.
# - **`03_global_model_m3`** trains one network on many series at once.
