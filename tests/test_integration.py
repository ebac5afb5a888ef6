"""seqforecast forecasters inside scikit-learn's own machinery.

Each test puts a forecaster where scikit-learn users put regressors
(``Pipeline``, ``ColumnTransformer``, ``TransformedTargetRegressor``,
``GridSearchCV`` and ``cross_validate`` with ``TimeSeriesSplit``, ``clone``,
pickle) and checks the numbers against a hand computation or statsmodels
called directly, so that the scikit-learn integration is tested for what it
computes and not only for running.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from statsmodels.tsa.statespace.sarimax import SARIMAX

from seqforecast.baselines import (
    ARIMAForecaster,
    ETSForecaster,
    NaiveForecaster,
    ThetaForecaster,
)
from seqforecast.metrics import make_mase_scorer, mase_scorer, smape_scorer
from seqforecast.neural import GRUForecaster, LSTMForecaster, RNNForecaster
from seqforecast.transformers import CalendarFeatures, LagFeatures

H = 6  # forecast horizon of the cross-validation folds
M = 12  # seasonal period of the monthly data


# ------------------------------------------------------------------ data
def _monthly_frame(n=60, trend=0.0, season=10.0, seed=0):
    """A positive monthly series with a 12-month season and a covariate."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    target = 100 + trend * t + season * np.sin(2 * np.pi * t / M) + rng.normal(0, 0.5, n)
    promo = rng.normal(0, 1, n)
    index = pd.date_range("2015-01-01", periods=n, freq="MS")
    return pd.DataFrame({"target": target, "promo": promo}, index=index)


def _monthly_panel(n=60):
    """Three monthly series; "c" starts 10 months late (leading NaN)."""
    rng = np.random.default_rng(3)
    t = np.arange(n)
    index = pd.date_range("2016-01-01", periods=n, freq="MS")
    data = {}
    for j, name in enumerate("abc"):
        values = 50 * (j + 1) + 5 * np.sin(2 * np.pi * (t + j) / M) + rng.normal(0, 0.5, n)
        data[name] = values
    data["c"][:10] = np.nan
    return pd.DataFrame(data, index=index)


def _regression_frame(n=60, seed=0):
    """Monthly y = 20 + 2 promo + season + AR(1) noise, and the covariate promo."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    promo = rng.normal(0, 1, n)
    eps = rng.normal(0, 1, n)
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = 0.6 * noise[i - 1] + eps[i]
    target = 20 + 2 * promo + 3 * np.sin(2 * np.pi * t / M) + noise
    index = pd.date_range("2015-01-01", periods=n, freq="MS")
    return pd.DataFrame({"target": target, "promo": promo}, index=index)


def _sarimax_forecast(y_train, X_train, X_future, *, steps=None, order=(1, 0, 0), trend="c"):
    """ARIMAForecaster's documented estimation, called on statsmodels directly."""
    results = SARIMAX(
        np.asarray(y_train), exog=X_train, order=order, trend=trend,
        simple_differencing=True, concentrate_scale=True,
    ).fit(method="lbfgs", maxiter=50, disp=False)
    return results.forecast(steps or len(X_future), exog=X_future)


def _tiny(**params):
    """Keyword arguments of a neural forecaster that fits in well under a second."""
    base = dict(
        hidden_size=4,
        max_epochs=2,
        windows_per_epoch=64,
        batch_size=32,
        lookback=12,
        horizon=H,
        random_state=0,
    )
    base.update(params)
    return base


# ----------------------------------------------------- hand computations
def _naive_by_hand(strategy, y_train, steps):
    """Forecasts at the 1-based ``steps`` after ``y_train`` (one series)."""
    y_train = np.asarray(y_train, dtype=float)
    y_train = y_train[~np.isnan(y_train)]
    steps = np.asarray(steps)
    if strategy == "last":
        return np.full(len(steps), y_train[-1])
    if strategy == "drift":
        slope = (y_train[-1] - y_train[0]) / (len(y_train) - 1)
        return y_train[-1] + steps * slope
    if strategy == "seasonal":
        return y_train[-M:][(steps - 1) % M]
    raise AssertionError(strategy)


def _mase_by_hand(y_true, y_pred, y_train, m=M):
    y_train = np.asarray(y_train, dtype=float)
    y_train = y_train[~np.isnan(y_train)]
    scale = np.mean(np.abs(y_train[m:] - y_train[:-m]))
    return np.mean(np.abs(np.asarray(y_true) - y_pred)) / scale


def _smape_by_hand(y_true, y_pred):
    y_true = np.asarray(y_true)
    return np.mean(200 * np.abs(y_true - y_pred) / (np.abs(y_true) + np.abs(y_pred)))


def _candidate(search, **params):
    """Row of ``cv_results_`` of the candidate with ``params``."""
    return next(i for i, p in enumerate(search.cv_results_["params"]) if p == params)


# ------------------------------------------------------------- pipelines
def test_pipeline_of_covariate_transformers_and_naive_equals_bare_forecaster():
    df = _monthly_frame()
    X, y = df.drop(columns="target"), df["target"]
    covariates = ColumnTransformer(
        [("scale", StandardScaler(), ["promo"])]
    ).set_output(transform="pandas")
    pipe = make_pipeline(
        covariates, CalendarFeatures(), NaiveForecaster(strategy="seasonal")
    )
    pipe.fit(X.iloc[:48], y.iloc[:48])
    y_pred = pipe.predict(X.iloc[48:])

    bare = NaiveForecaster(strategy="seasonal").fit(X.iloc[:48], y.iloc[:48])
    pd.testing.assert_series_equal(y_pred, bare.predict(X.iloc[48:]))
    # A Series indexed by the future dates, with the target's name.
    assert isinstance(y_pred, pd.Series)
    pd.testing.assert_index_equal(y_pred.index, X.index[48:])
    assert y_pred.name == "target"
    # Seasonal naive: the last observed year again.
    np.testing.assert_allclose(y_pred.to_numpy(), y.iloc[36:48].to_numpy(), rtol=0, atol=0)
    # The forecaster saw the transformed covariates, not the raw ones.
    assert list(pipe[-1].feature_names_in_) == ["scale__promo", "month_sin", "month_cos"]


def test_pipeline_with_array_covariates_takes_the_dates_from_y():
    # ColumnTransformer's default output is an array: the forecaster then has
    # the time index of y only, and forecasts the steps right after it.
    df = _monthly_frame(n=40, trend=1.0)
    X, y = df.drop(columns="target"), df["target"]
    pipe = make_pipeline(
        ColumnTransformer([("scale", StandardScaler(), ["promo"])]),
        NaiveForecaster(strategy="drift"),
    )
    y_pred = pipe.fit(X.iloc[:34], y.iloc[:34]).predict(X.iloc[34:])
    assert pipe[-1].n_features_in_ == 1
    assert not hasattr(pipe[-1], "feature_names_in_")
    pd.testing.assert_index_equal(y_pred.index, X.index[34:])
    expected = _naive_by_hand("drift", y.iloc[:34], np.arange(1, 7))
    np.testing.assert_allclose(y_pred.to_numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("index_kind", ["datetime", "period"])
def test_pipeline_with_zero_column_X_gives_univariate_forecast(index_kind):
    df = _monthly_frame(n=30, trend=1.0)
    if index_kind == "period":
        df.index = df.index.to_period("M")
    X, y = pd.DataFrame(index=df.index), df["target"]
    pipe = make_pipeline(CalendarFeatures(), NaiveForecaster(strategy="drift"))
    y_pred = pipe.fit(X.iloc[:24], y.iloc[:24]).predict(X.iloc[24:])
    expected = _naive_by_hand("drift", y.iloc[:24], np.arange(1, 7))
    np.testing.assert_allclose(y_pred.to_numpy(), expected, rtol=1e-12)
    pd.testing.assert_index_equal(y_pred.index, X.index[24:])


def test_pipeline_of_covariate_transformers_and_arima_matches_statsmodels():
    df = _regression_frame()
    X, y = df.drop(columns="target"), df["target"]
    covariates = ColumnTransformer(
        [("scale", StandardScaler(), ["promo"])]
    ).set_output(transform="pandas")
    pipe = make_pipeline(
        covariates, CalendarFeatures(), ARIMAForecaster(order=(1, 0, 0), with_constant=True)
    )
    y_pred = pipe.fit(X.iloc[:48], y.iloc[:48]).predict(X.iloc[48:])
    assert isinstance(y_pred, pd.Series)
    pd.testing.assert_index_equal(y_pred.index, X.index[48:])

    # The covariates by hand: promo standardised with the training mean and
    # (population) standard deviation, then sin/cos of the month.
    promo = X["promo"].to_numpy()
    mean, std = promo[:48].mean(), promo[:48].std()
    angle = 2 * np.pi * (X.index.month.to_numpy() - 1) / M
    design = np.column_stack([(promo - mean) / std, np.sin(angle), np.cos(angle)])
    expected = _sarimax_forecast(y.iloc[:48], design[:48], design[48:])
    np.testing.assert_allclose(y_pred.to_numpy(), expected, rtol=1e-6)
    # statsmodels' default fit (no concentrated scale) reaches the same optimum.
    default = SARIMAX(y.iloc[:48].to_numpy(), exog=design[:48], order=(1, 0, 0), trend="c")
    default = default.fit(disp=False).forecast(12, exog=design[48:])
    np.testing.assert_allclose(y_pred.to_numpy(), default, rtol=1e-4)


def test_pipeline_lag_features_continue_the_training_covariates():
    df = _regression_frame()
    X, y = df.drop(columns="target"), df["target"]
    pipe = make_pipeline(
        LagFeatures(lags=[1], fill_value=0.0),
        ARIMAForecaster(order=(1, 0, 0), with_constant=True),
    )
    y_pred = pipe.fit(X.iloc[:48], y.iloc[:48]).predict(X.iloc[48:])
    # The first future row's lag is the last training row's promo, not 0.
    promo = X["promo"].to_numpy()
    design = np.column_stack([promo, np.r_[0.0, promo[:-1]]])
    expected = _sarimax_forecast(y.iloc[:48], design[:48], design[48:])
    np.testing.assert_allclose(y_pred.to_numpy(), expected, rtol=1e-6)


# ------------------------------------------------- target transformation
def test_transformed_target_regressor_naive_drift_is_exp_of_log_fit():
    df = _monthly_frame(n=40, trend=2.0)
    X, y = df.drop(columns="target"), df["target"]
    ttr = TransformedTargetRegressor(
        regressor=NaiveForecaster(strategy="drift"), func=np.log, inverse_func=np.exp
    )
    y_pred = ttr.fit(X.iloc[:34], y.iloc[:34]).predict(X.iloc[34:])
    # Drift on the log scale, by hand: a geometric extrapolation.
    log_y = np.log(y.iloc[:34].to_numpy())
    expected = np.exp(log_y[-1] + np.arange(1, 7) * (log_y[-1] - log_y[0]) / 33)
    np.testing.assert_allclose(np.asarray(y_pred), expected, rtol=1e-12)
    # The inner forecaster was fitted on log(y).
    np.testing.assert_allclose(ttr.regressor_.y_history_[:, 0], log_y, rtol=1e-15)


def test_transformed_target_regressor_arima_is_exp_of_log_fit():
    df = _regression_frame()
    X, y = pd.DataFrame(index=df.index), df["target"]
    ttr = TransformedTargetRegressor(
        regressor=ARIMAForecaster(order=(1, 0, 0), with_constant=True),
        func=np.log,
        inverse_func=np.exp,
    )
    y_pred = ttr.fit(X.iloc[:48], y.iloc[:48]).predict(X.iloc[48:])
    expected = np.exp(_sarimax_forecast(np.log(y.iloc[:48]), None, None, steps=12))
    np.testing.assert_allclose(np.asarray(y_pred), expected, rtol=1e-6)


def test_mase_scorer_scales_transformed_target_in_original_units():
    df = _monthly_frame(n=40, trend=2.0)
    X, y = df.drop(columns="target"), df["target"]
    ttr = TransformedTargetRegressor(
        regressor=NaiveForecaster(strategy="drift"), func=np.log, inverse_func=np.exp
    ).fit(X.iloc[:34], y.iloc[:34])
    y_pred = np.exp(_naive_by_hand("drift", np.log(y.iloc[:34]), np.arange(1, 7)))
    expected = _mase_by_hand(y.iloc[34:], y_pred, y.iloc[:34])
    assert mase_scorer(ttr, X.iloc[34:], y.iloc[34:]) == pytest.approx(-expected, rel=1e-10)


# -------------------------------------------------------- model selection
@pytest.mark.parametrize(
    ("scoring", "by_hand"),
    [
        (mase_scorer, lambda yt, yp, ytr: -_mase_by_hand(yt, yp, ytr)),
        (smape_scorer, lambda yt, yp, ytr: -_smape_by_hand(yt, yp)),
    ],
    ids=["mase", "smape"],
)
@pytest.mark.parametrize("gap", [0, 2])
def test_grid_search_over_naive_strategies_picks_seasonal(scoring, by_hand, gap):
    df = _monthly_frame(n=60)
    X, y = pd.DataFrame(index=df.index), df["target"]
    cv = TimeSeriesSplit(n_splits=3, test_size=H, gap=gap)
    search = GridSearchCV(
        NaiveForecaster(),
        {"strategy": ["last", "seasonal", "drift"]},
        cv=cv,
        scoring=scoring,
        error_score="raise",
    ).fit(X, y)
    assert search.best_params_ == {"strategy": "seasonal"}

    # Every fold score of two candidates, by hand. With a gap of g rows the
    # fold's X starts g steps after the training history ends: the
    # forecaster forecasts g + H steps and the fold is scored on the last H.
    steps = gap + np.arange(1, H + 1)
    for strategy in ("seasonal", "drift"):
        row = _candidate(search, strategy=strategy)
        for k, (train, test) in enumerate(cv.split(X)):
            assert test[0] - train[-1] == gap + 1
            y_pred = _naive_by_hand(strategy, y.iloc[train], steps)
            expected = by_hand(y.iloc[test], y_pred, y.iloc[train])
            got = search.cv_results_[f"split{k}_test_score"][row]
            assert got == pytest.approx(expected, rel=1e-10), (strategy, k)

    # The refitted search forecasts the steps after the whole series.
    future = pd.DataFrame(index=pd.date_range("2020-01-01", periods=3, freq="MS"))
    np.testing.assert_array_equal(
        search.predict(future).to_numpy(), y.iloc[-M:-M + 3].to_numpy()
    )


def test_grid_search_over_pipeline_parameters_with_gap():
    df = _monthly_frame(n=60, trend=2.0, season=1.0)
    X, y = df.drop(columns="target"), df["target"]
    pipe = make_pipeline(CalendarFeatures(), NaiveForecaster())
    cv = TimeSeriesSplit(n_splits=3, test_size=H, gap=2)
    search = GridSearchCV(
        pipe,
        {"naiveforecaster__strategy": ["last", "drift", "mean"]},
        cv=cv,
        scoring=make_mase_scorer(seasonal_period=1),
        error_score="raise",
    ).fit(X, y)
    # With a trend, drift beats the constant forecasts.
    assert search.best_params_ == {"naiveforecaster__strategy": "drift"}
    row = _candidate(search, naiveforecaster__strategy="drift")
    train, test = list(cv.split(X))[1]
    y_pred = _naive_by_hand("drift", y.iloc[train], 2 + np.arange(1, H + 1))
    expected = -_mase_by_hand(y.iloc[test], y_pred, y.iloc[train], m=1)
    assert search.cv_results_["split1_test_score"][row] == pytest.approx(expected, rel=1e-10)


def test_cross_validate_arima_with_covariates_and_gap():
    # With a gap of g rows the fold's X starts g steps after the history: the
    # forecast of g + H steps is scored on its last H. (In a regression with
    # ARIMA errors the covariates of the skipped steps, which the fold does
    # not hold, do not change the later steps.)
    df = _regression_frame()
    X, y = df.drop(columns="target"), df["target"]
    cv = TimeSeriesSplit(n_splits=2, test_size=H, gap=2)
    with warnings.catch_warnings():
        # ...so the carried covariates are not warned about.
        warnings.filterwarnings("error", message=".*last observed covariates")
        result = cross_validate(
            ARIMAForecaster(order=(1, 0, 0), with_constant=True),
            X,
            y,
            cv=cv,
            scoring="neg_mean_absolute_error",
            error_score="raise",
        )
    for k, (train, test) in enumerate(cv.split(X)):
        promo = X["promo"].to_numpy()[:, None]
        future = np.vstack([promo[train[-1:]], promo[train[-1:]], promo[test]])
        y_pred = _sarimax_forecast(y.iloc[train], promo[train], future)[2:]
        expected = -np.mean(np.abs(y.iloc[test].to_numpy() - y_pred))
        assert result["test_score"][k] == pytest.approx(expected, rel=1e-6)


def test_cross_validate_on_a_panel_returns_per_fold_scores():
    y = _monthly_panel()
    X = pd.DataFrame(index=y.index)
    cv = TimeSeriesSplit(n_splits=3, test_size=H)
    result = cross_validate(
        NaiveForecaster(strategy="seasonal"),
        X,
        y,
        cv=cv,
        scoring={"mase": mase_scorer, "smape": smape_scorer, "r2": "r2"},
        return_estimator=True,
        error_score="raise",
    )
    assert len(result["test_mase"]) == 3
    for k, (train, test) in enumerate(cv.split(X)):
        forecaster = result["estimator"][k]
        assert forecaster.y_history_.shape == (len(train), 3)
        mases, smapes, y_preds = [], [], []
        for name in y.columns:
            y_pred = _naive_by_hand("seasonal", y[name].iloc[train], np.arange(1, H + 1))
            mases.append(_mase_by_hand(y[name].iloc[test], y_pred, y[name].iloc[train]))
            smapes.append(_smape_by_hand(y[name].iloc[test], y_pred))
            y_preds.append(y_pred)
        assert result["test_mase"][k] == pytest.approx(-np.mean(mases), rel=1e-10)
        assert result["test_smape"][k] == pytest.approx(-np.mean(smapes), rel=1e-10)
        # scikit-learn's own scorers see the same forecasts.
        expected_r2 = r2_score(y.iloc[test], np.column_stack(y_preds))
        assert result["test_r2"][k] == pytest.approx(expected_r2, rel=1e-10)


# ---------------------------------------------- clone and pickle (baselines)
@pytest.mark.parametrize("strategy", ["last", "seasonal", "drift", "mean"])
def test_naive_clone_and_pickle_round_trip(strategy):
    df = _monthly_frame(n=36, trend=1.0)
    X, y = df.drop(columns="target"), df["target"]
    forecaster = NaiveForecaster(strategy=strategy, seasonal_period=4)
    fitted = clone(forecaster).fit(X.iloc[:30], y.iloc[:30])
    unfitted = clone(fitted)
    assert unfitted.get_params() == forecaster.get_params()
    assert not hasattr(unfitted, "y_history_")
    restored = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_series_equal(restored.predict(X.iloc[30:]), fitted.predict(X.iloc[30:]))


CLASSICAL = [
    pytest.param(ARIMAForecaster(order=(1, 0, 0), with_constant=True), id="arima-fixed"),
    pytest.param(
        ARIMAForecaster(order=(0, 1, 1), seasonal_order=(0, 1, 1)), id="arima-seasonal"
    ),
    pytest.param(ARIMAForecaster(max_p=2, max_q=2, max_P=1, max_Q=1), id="arima-auto"),
    pytest.param(ETSForecaster(auto=False, trend="add", seasonal="add"), id="ets"),
    pytest.param(ThetaForecaster(), id="theta"),
]


@pytest.mark.parametrize("forecaster", CLASSICAL)
def test_classical_clone_and_pickle_round_trip(forecaster):
    # A panel with a late-starting series: one model per series.
    y = _monthly_panel(n=48)
    X = pd.DataFrame(index=y.index)
    fitted = clone(forecaster).fit(X.iloc[:42], y.iloc[:42])
    unfitted = clone(fitted)
    assert unfitted.get_params() == forecaster.get_params()
    assert not hasattr(unfitted, "models_")
    restored = pickle.loads(pickle.dumps(fitted))
    y_pred = fitted.predict(X.iloc[42:])
    assert isinstance(y_pred, pd.DataFrame) and list(y_pred.columns) == ["a", "b", "c"]
    assert np.isfinite(y_pred.to_numpy()).all()
    pd.testing.assert_frame_equal(restored.predict(X.iloc[42:]), y_pred, rtol=1e-12)


# ------------------------------------------------------------ bad inputs
PIPELINE_FORECASTERS = [
    pytest.param(NaiveForecaster(strategy="seasonal"), id="naive"),
    pytest.param(ARIMAForecaster(order=(1, 0, 0)), id="arima"),
    pytest.param(GRUForecaster(**_tiny()), id="gru"),
]


def _fitted_calendar_pipeline(forecaster):
    df = _monthly_frame(n=36)
    X, y = df.drop(columns="target"), df["target"]
    pipe = make_pipeline(CalendarFeatures(), clone(forecaster))
    return pipe.fit(X.iloc[:24], y.iloc[:24]), X


@pytest.mark.parametrize("forecaster", PIPELINE_FORECASTERS)
def test_pipeline_predict_inside_the_history_is_rejected(forecaster):
    pipe, X = _fitted_calendar_pipeline(forecaster)
    with pytest.raises(ValueError, match="inside the history that ends at 2016-12-01"):
        pipe.predict(X.iloc[20:30])


@pytest.mark.parametrize("forecaster", PIPELINE_FORECASTERS)
def test_pipeline_predict_off_the_time_grid_is_rejected(forecaster):
    pipe, _ = _fitted_calendar_pipeline(forecaster)
    weekly = pd.DataFrame(
        {"promo": 0.0}, index=pd.date_range("2017-01-01", periods=4, freq="W-SUN")
    )
    with pytest.raises(ValueError, match="not regularly spaced with the history's frequency"):
        pipe.predict(weekly)


def test_pipeline_predict_with_other_columns_is_rejected():
    pipe, X = _fitted_calendar_pipeline(NaiveForecaster())
    with pytest.raises(ValueError, match="feature names"):
        pipe.predict(X.iloc[24:].rename(columns={"promo": "price"}))


def test_grid_search_surfaces_a_too_short_training_fold():
    df = _monthly_frame(n=30)
    X, y = pd.DataFrame(index=df.index), df["target"]
    search = GridSearchCV(
        NaiveForecaster(strategy="seasonal"),
        {"seasonal_period": [12]},
        cv=TimeSeriesSplit(n_splits=3, test_size=H),  # first train fold: 12 rows
        scoring=mase_scorer,
        error_score="raise",
    )
    # The scale of MASE with lag 12 needs 13 observations: the first fold has 12.
    with pytest.raises(ValueError, match="needs at least 13"):
        search.fit(X, y)


def test_lag_features_with_nan_fill_are_rejected_by_the_forecaster():
    df = _monthly_frame(n=36)
    X, y = df.drop(columns="target"), df["target"]
    pipe = make_pipeline(LagFeatures(lags=[1, 2]), NaiveForecaster())
    # The first rows have no lagged value; a forecaster needs finite covariates.
    with pytest.raises(ValueError, match=r"X has NaN at row .* fill them"):
        pipe.fit(X, y)


# ---------------------------------------------------------------- neural
NEURAL = [
    pytest.param(LSTMForecaster, {}, id="lstm"),
    pytest.param(GRUForecaster, {}, id="gru"),
    pytest.param(RNNForecaster, {"cell": "rnn", "strategy": "seq2seq"}, id="rnn-seq2seq"),
]


@pytest.mark.parametrize(("cls", "params"), NEURAL)
def test_neural_clone_and_pickle_round_trip(cls, params):
    df = _monthly_frame(n=48)
    X, y = df.drop(columns="target"), df["target"]
    forecaster = cls(**_tiny(**params))
    fitted = clone(forecaster).fit(X.iloc[:40], y.iloc[:40])
    unfitted = clone(fitted)
    assert unfitted.get_params() == forecaster.get_params()
    assert not hasattr(unfitted, "net_")
    restored = pickle.loads(pickle.dumps(fitted))
    assert type(restored) is cls
    y_pred = fitted.predict(X.iloc[40:])
    pd.testing.assert_series_equal(restored.predict(X.iloc[40:]), y_pred, rtol=0, atol=0)
    # A clone refitted with the same random_state learns the same network.
    pd.testing.assert_series_equal(
        unfitted.fit(X.iloc[:40], y.iloc[:40]).predict(X.iloc[40:]), y_pred, rtol=0, atol=0
    )


@pytest.mark.parametrize(("cls", "params"), NEURAL[:2])
def test_neural_save_and_load_round_trip(cls, params, tmp_path):
    df = _monthly_frame(n=48)
    X, y = df.drop(columns="target"), df["target"]
    fitted = cls(**_tiny(**params)).fit(X.iloc[:40], y.iloc[:40])
    fitted.save(tmp_path / "model")
    loaded = cls.load(tmp_path / "model")
    assert type(loaded) is cls
    # Parameters come back equal, tuples (the default quantiles) included.
    assert loaded.get_params() == fitted.get_params()
    pd.testing.assert_series_equal(
        loaded.predict(X.iloc[40:]), fitted.predict(X.iloc[40:]), rtol=0, atol=0
    )
    # The loaded forecaster keeps the alignment rules of the history.
    with pytest.raises(ValueError, match="inside the history"):
        loaded.predict(X.iloc[35:41])


def test_neural_random_state_is_repeatable_and_leaves_global_rng_alone():
    df = _monthly_frame(n=48)
    X, y = df.drop(columns="target"), df["target"]
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    first = LSTMForecaster(**_tiny()).fit(X.iloc[:40], y.iloc[:40]).predict(X.iloc[40:])
    assert torch.equal(torch.random.get_rng_state(), before)
    second = LSTMForecaster(**_tiny()).fit(X.iloc[:40], y.iloc[:40]).predict(X.iloc[40:])
    pd.testing.assert_series_equal(first, second, rtol=0, atol=0)
    other = LSTMForecaster(**_tiny(random_state=1)).fit(X.iloc[:40], y.iloc[:40])
    assert not np.allclose(other.predict(X.iloc[40:]).to_numpy(), first.to_numpy())
    assert torch.equal(torch.random.get_rng_state(), before)


def test_neural_pipeline_equals_manual_composition():
    df = _monthly_frame(n=48)
    X, y = df.drop(columns="target"), df["target"]
    pipe = make_pipeline(CalendarFeatures(), GRUForecaster(**_tiny()))
    y_pred = pipe.fit(X.iloc[:40], y.iloc[:40]).predict(X.iloc[40:])
    calendar = CalendarFeatures().fit(X.iloc[:40])
    manual = GRUForecaster(**_tiny()).fit(calendar.transform(X.iloc[:40]), y.iloc[:40])
    pd.testing.assert_series_equal(
        y_pred, manual.predict(calendar.transform(X.iloc[40:])), rtol=0, atol=0
    )
    pd.testing.assert_index_equal(y_pred.index, X.index[40:])
    assert pipe[-1].n_features_in_ == 3  # promo, month_sin, month_cos


def test_neural_forecast_after_a_gap_carries_the_last_covariates_forward():
    df = _monthly_frame(n=48)
    X, y = df.drop(columns="target"), df["target"]
    forecaster = RNNForecaster(**_tiny(cell="gru", strategy="seq2seq"))
    forecaster.fit(X.iloc[:36], y.iloc[:36])
    # X starts two steps after the history: 2 + 6 steps are forecast, the
    # skipped steps' covariates being the last observed row, with a warning.
    with pytest.warns(UserWarning, match=r"^X starts 3 steps after the history's end: the "
                                         r"model forecasts those 2 step\(s\) too, with the "
                                         r"last observed covariates") as caught:
        y_pred = forecaster.predict(X.iloc[38:44])
    assert caught[0].filename == __file__
    # Through a pipeline (whose transformers keep the index) the warning still
    # names this line, not scikit-learn's.
    pipe = make_pipeline(StandardScaler(), RNNForecaster(**_tiny(cell="gru")))
    pipe.set_output(transform="pandas")
    pipe.fit(X.iloc[:36], y.iloc[:36])
    with pytest.warns(UserWarning, match="last observed covariates") as through:
        pipe.predict(X.iloc[38:44])
    assert [w.filename for w in through] == [__file__]
    pd.testing.assert_index_equal(y_pred.index, X.index[38:44])
    promo = X["promo"].to_numpy()[:, None]
    by_hand = np.vstack([promo[35:36], promo[35:36], promo[38:44]])
    # Plain arrays carry no time index: they are taken to start right away
    # (scikit-learn warns that they have no column names).
    with pytest.warns(UserWarning, match="valid feature names"):
        expected = forecaster.predict(by_hand)[2:]
        no_gap = forecaster.predict(promo[38:44])
    np.testing.assert_array_equal(y_pred.to_numpy(), expected)
    # The seq2seq decoder reads those covariates: other values change the result.
    assert not np.allclose(no_gap, y_pred.to_numpy())


def test_neural_cross_validate_on_a_ragged_panel():
    y = _monthly_panel(n=48)
    X = pd.DataFrame(index=y.index)
    cv = TimeSeriesSplit(n_splits=2, test_size=H)
    result = cross_validate(
        GRUForecaster(**_tiny()), X, y, cv=cv, scoring=mase_scorer,
        return_estimator=True, error_score="raise",
    )
    for k, (train, test) in enumerate(cv.split(X)):
        y_pred = result["estimator"][k].predict(X.iloc[test])
        assert list(y_pred.columns) == ["a", "b", "c"]
        mases = [
            _mase_by_hand(y[c].iloc[test], y_pred[c].to_numpy(), y[c].iloc[train])
            for c in y.columns
        ]
        assert result["test_score"][k] == pytest.approx(-np.mean(mases), rel=1e-10)


def test_neural_grid_search_runs_end_to_end():
    df = _monthly_frame(n=48)
    X, y = pd.DataFrame(index=df.index), df["target"]
    cv = TimeSeriesSplit(n_splits=2, test_size=H)
    grid = {"cell": ["lstm", "gru"], "hidden_size": [4, 8]}
    search = GridSearchCV(
        LSTMForecaster(**_tiny()), grid, cv=cv, scoring=mase_scorer, n_jobs=1,
        error_score="raise",
    ).fit(X, y)
    assert search.best_params_["cell"] in grid["cell"]
    assert search.best_params_["hidden_size"] in grid["hidden_size"]
    assert len(search.cv_results_["params"]) == 4
    # A fold score is the MASE of that candidate fitted on the fold's prefix.
    row = _candidate(search, cell="gru", hidden_size=8)
    train, test = list(cv.split(X))[1]
    fold = LSTMForecaster(**_tiny(cell="gru", hidden_size=8)).fit(X.iloc[train], y.iloc[train])
    expected = -_mase_by_hand(y.iloc[test], fold.predict(X.iloc[test]).to_numpy(), y.iloc[train])
    assert search.cv_results_["split1_test_score"][row] == pytest.approx(expected, rel=1e-10)
    # The refitted best model forecasts the following months.
    future = pd.DataFrame(index=pd.date_range("2019-01-01", periods=H, freq="MS"))
    y_pred = search.predict(future)
    assert isinstance(y_pred, pd.Series) and np.isfinite(y_pred).all()
    pd.testing.assert_index_equal(y_pred.index, future.index)


def test_rnn_load_of_a_saved_preset_returns_the_preset(tmp_path):
    df = _monthly_frame(n=48)
    X, y = pd.DataFrame(index=df.index), df["target"]
    fitted = GRUForecaster(**_tiny()).fit(X.iloc[:40], y.iloc[:40])
    fitted.save(tmp_path / "model")
    loaded = RNNForecaster.load(tmp_path / "model")
    pd.testing.assert_series_equal(
        loaded.predict(X.iloc[40:]), fitted.predict(X.iloc[40:]), rtol=0, atol=0
    )
    assert type(loaded) is GRUForecaster
