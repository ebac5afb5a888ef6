"""EnsembleForecaster: combinations checked against the members' own forecasts."""

import pickle
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from seqforecast import (
    EnsembleForecaster,
    ForecastSplitter,
    LSTMForecaster,
    NaiveForecaster,
    ThetaForecaster,
    load_airpassengers,
    make_ensemble,
    mase_scorer,
)
from seqforecast.baselines import ARIMAForecaster

TINY = dict(hidden_size=4, max_epochs=2, windows_per_epoch=32, lookback=8, horizon=4,
            random_state=0)


@pytest.fixture(scope="module")
def y():
    return load_airpassengers()


def _members():
    return [
        ("snaive", NaiveForecaster(strategy="seasonal")),
        ("drift", NaiveForecaster(strategy="drift")),
        ("theta", ThetaForecaster()),
    ]


def _member_forecasts(y, steps, X=None):
    return np.column_stack([clone(f).fit(None, y).forecast(steps).to_numpy()
                            for _, f in _members()])


@pytest.mark.parametrize(
    ("aggregate", "combine"),
    [("mean", lambda f: f.mean(axis=1)), ("median", lambda f: np.median(f, axis=1))],
)
def test_combines_member_forecasts(y, aggregate, combine):
    ensemble = EnsembleForecaster(_members(), aggregate=aggregate).fit(None, y)
    forecast = ensemble.forecast(6)
    assert isinstance(forecast, pd.Series)
    assert forecast.index.equals(pd.date_range("1961-01", periods=6, freq="MS"))
    np.testing.assert_allclose(forecast, combine(_member_forecasts(y, 6)))


def test_fixed_weights_and_drop(y):
    ensemble = EnsembleForecaster(_members(), weights=[3, 1, 0]).fit(None, y)
    members = _member_forecasts(y, 4)
    np.testing.assert_allclose(ensemble.forecast(4), 0.75 * members[:, 0] + 0.25 * members[:, 1])
    dropped = EnsembleForecaster(_members()).set_params(drift="drop").fit(None, y)
    np.testing.assert_allclose(dropped.forecast(4), members[:, [0, 2]].mean(axis=1))
    assert list(dropped.named_forecasters_) == ["snaive", "theta"]


def test_weighted_learns_inverse_validation_error(y):
    h = 12
    ensemble = EnsembleForecaster(_members(), aggregate="weighted", validation_horizon=h)
    ensemble.fit(None, y)
    # By hand: members fitted without the last 12 months, scored there,
    # errors scaled by the in-sample seasonal-naive MAE (lag 12).
    train, valid = y.iloc[:-h], y.to_numpy()[-h:]
    scale = np.mean(np.abs(train.to_numpy()[12:] - train.to_numpy()[:-12]))
    errors = np.array([
        np.mean(np.abs(valid - clone(f).fit(None, train).forecast(h).to_numpy())) / scale
        for _, f in _members()
    ])
    np.testing.assert_allclose(ensemble.validation_errors_, errors)
    weights = (1 / errors) / np.sum(1 / errors)
    np.testing.assert_allclose(ensemble.weights_, weights)
    np.testing.assert_allclose(ensemble.forecast(3), _member_forecasts(y, 3) @ weights)
    # Members are refitted on the whole history.
    assert len(ensemble.named_forecasters_["snaive"].y_history_) == len(y)


def test_panel_numpy_and_detected_period(y):
    panel = np.column_stack([y.to_numpy(), 2 * y.to_numpy()[::-1]])
    ensemble = EnsembleForecaster(_members()).fit(None, panel)
    assert ensemble.seasonal_period_ == 12 and ensemble.seasonal_period_source_ == "detected"
    forecast = ensemble.predict(np.empty((5, 0)))
    assert forecast.shape == (5, 2)
    expected = np.mean(
        [clone(f).fit(None, panel).predict(np.empty((5, 0))) for _, f in _members()], axis=0
    )
    np.testing.assert_allclose(forecast, expected)


def test_covariates_reach_the_members(y):
    X = pd.DataFrame({"t": np.arange(len(y), dtype=float)}, index=y.index)
    X_future = pd.DataFrame({"t": np.arange(len(y), len(y) + 3, dtype=float)},
                            index=pd.date_range("1961-01", periods=3, freq="MS"))
    members = [("arima", ARIMAForecaster(order=(1, 0, 0))),
               ("snaive", NaiveForecaster(strategy="seasonal"))]
    ensemble = EnsembleForecaster(members).fit(X, y)
    arima = ARIMAForecaster(order=(1, 0, 0)).fit(X, y).predict(X_future)
    snaive = NaiveForecaster(strategy="seasonal").fit(X, y).predict(X_future)
    np.testing.assert_allclose(ensemble.predict(X_future), (arima + snaive) / 2)


def test_quantiles_are_averaged(y):
    ensemble = EnsembleForecaster(_members()).fit(None, y)
    future = pd.DataFrame(index=pd.date_range("1961-01", periods=4, freq="MS"))
    q = ensemble.predict_quantiles(future, quantiles=(0.1, 0.5, 0.9))
    parts = [clone(f).fit(None, y).predict_quantiles(future, quantiles=(0.1, 0.5, 0.9))
             for _, f in _members()]
    np.testing.assert_allclose(q.to_numpy(), np.mean([p.to_numpy() for p in parts], axis=0))
    interval = ensemble.predict_interval(future, coverage=0.8)
    np.testing.assert_allclose(interval.to_numpy(), q.to_numpy()[:, [0, 2]])


def test_quantiles_need_quantile_members(y):
    members = [("lstm", LSTMForecaster(**TINY)), ("snaive", NaiveForecaster())]
    ensemble = EnsembleForecaster(members).fit(None, y)
    with pytest.raises(ValueError, match="Member 'lstm' gives no quantiles"):
        ensemble.predict_interval(pd.DataFrame(index=pd.date_range("1961-01", periods=2,
                                                                   freq="MS")))


def test_update_moves_every_member(y):
    ensemble = EnsembleForecaster(_members()).fit(None, y.iloc[:-6])
    ensemble.update(None, y.iloc[-6:])
    refit = EnsembleForecaster(_members()).fit(None, y)
    # Naive members are the same after update as after a refit; Theta keeps
    # its parameters but sees the new data.
    for name in ("snaive", "drift"):
        np.testing.assert_allclose(ensemble.named_forecasters_[name].forecast(3),
                                   refit.named_forecasters_[name].forecast(3))
    assert ensemble.forecast(1).index[0] == pd.Timestamp("1961-01-01")


def test_an_update_a_member_rejects_leaves_every_member_as_it_was(y):
    from seqforecast.baselines import ETSForecaster

    inner = EnsembleForecaster([("snaive", NaiveForecaster(strategy="seasonal")),
                                ("drift", NaiveForecaster(strategy="drift"))])
    # The multiplicative ETS, last, rejects a negative value after the naive
    # members and the nested ensemble were updated.
    members = [("naive", NaiveForecaster()), ("inner", inner),
               ("ets", ETSForecaster(auto=False, error="mul"))]
    ensemble = EnsembleForecaster(members).fit(None, y)
    before = {name: m.forecast(3) for name, m in ensemble.named_forecasters_.items()}
    nested_before = {name: m.forecast(3)
                     for name, m in ensemble.named_forecasters_["inner"].named_forecasters_.items()}
    new = pd.Series([-5.0], index=pd.date_range("1961-01-01", periods=1, freq="MS"))
    with pytest.raises(ValueError, match="strictly positive"):
        ensemble.update(None, new)
    for name, member in ensemble.named_forecasters_.items():
        pd.testing.assert_series_equal(member.forecast(3), before[name])
    for name, member in ensemble.named_forecasters_["inner"].named_forecasters_.items():
        pd.testing.assert_series_equal(member.forecast(3), nested_before[name])
    # And a good update still moves every member.
    ensemble.update(None, new.abs())
    assert ensemble.named_forecasters_["naive"].forecast(1).iloc[0] == 5.0


def test_grid_search_over_member_parameters(y):
    ensemble = EnsembleForecaster([("naive", NaiveForecaster()), ("theta", ThetaForecaster())])
    search = GridSearchCV(
        ensemble, {"naive__strategy": ["last", "seasonal"]},
        cv=ForecastSplitter(horizon=12, n_splits=2), scoring=mase_scorer,
    ).fit(pd.DataFrame(index=y.index), y)
    # Seasonal naive is far better than the last value on this series.
    assert search.best_params_ == {"naive__strategy": "seasonal"}
    assert clone(ensemble).get_params()["naive__strategy"] == "last"


def test_save_and_load_with_a_neural_member(y, tmp_path):
    # A member's name is any string: it must not become a path.
    members = [("../lstm", LSTMForecaster(**TINY)),
               ("snaive", NaiveForecaster(strategy="seasonal"))]
    ensemble = EnsembleForecaster(members).fit(None, y)
    ensemble.save(tmp_path / "model")
    assert (tmp_path / "model" / "member_0").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    loaded = EnsembleForecaster.load(tmp_path / "model")
    np.testing.assert_allclose(loaded.forecast(5), ensemble.forecast(5))
    assert list(loaded.named_forecasters_) == ["../lstm", "snaive"]
    with pytest.raises(ValueError, match="not a directory written by save"):
        EnsembleForecaster.load(tmp_path)
    (tmp_path / "model" / "ensemble.pkl").write_bytes(b"\x80\x04garbage")
    with pytest.raises(ValueError, match=r"ensemble\.pkl could not be read.*corrupt"):
        EnsembleForecaster.load(tmp_path / "model")


def test_a_failed_save_over_an_earlier_one_leaves_nothing_that_loads(y, tmp_path):
    first = EnsembleForecaster([("lstm", LSTMForecaster(**TINY)),
                                ("theta", ThetaForecaster())]).fit(None, y)
    first.save(tmp_path / "model")
    # The second member cannot be saved (a class in net_params is not JSON)
    # after the first has overwritten member_0: the earlier ensemble.pkl
    # used to load around the newer member, forecasting like neither.
    import torch

    second = EnsembleForecaster([
        ("lstm", LSTMForecaster(**{**TINY, "random_state": 3})),
        ("adamw", LSTMForecaster(**TINY, net_params={"optimizer": torch.optim.AdamW})),
    ]).fit(None, y * 5)
    with pytest.raises(ValueError, match="not JSON-serialisable"):
        second.save(tmp_path / "model")
    with pytest.raises(ValueError, match="not a directory written by save"):
        EnsembleForecaster.load(tmp_path / "model")
    first.save(tmp_path / "model")
    np.testing.assert_allclose(EnsembleForecaster.load(tmp_path / "model").forecast(3),
                               first.forecast(3))


def test_load_reads_saves_with_members_in_directories_by_name(y, tmp_path):
    # Saves written before the members' directories were numbered.
    members = [("lstm", LSTMForecaster(**TINY)), ("snaive", NaiveForecaster(strategy="seasonal"))]
    ensemble = EnsembleForecaster(members).fit(None, y)
    ensemble.save(tmp_path / "model")
    (tmp_path / "model" / "member_0").rename(tmp_path / "model" / "lstm")
    file = tmp_path / "model" / "ensemble.pkl"
    shell = pickle.loads(file.read_bytes())
    shell._saved_members = [(name, kind) for name, kind, _ in shell._saved_members]
    file.write_bytes(pickle.dumps(shell))
    loaded = EnsembleForecaster.load(tmp_path / "model")
    np.testing.assert_allclose(loaded.forecast(5), ensemble.forecast(5))


@pytest.mark.parametrize(
    ("params", "match"),
    [({"forecasters": []}, "non-empty list"),
     ({"forecasters": [("a", "drop")]}, "at least one is required"),
     ({"forecasters": [("a", object())]}, "must be a seqforecast forecaster"),
     ({"aggregate": "mode"}, "aggregate"),
     ({"weights": [1, -1]}, "non-negative"),
     ({"weights": [1]}, "one per forecaster"),
     ({"validation_horizon": 0}, "validation_horizon")],
)
def test_bad_parameters(y, params, match):
    ensemble = EnsembleForecaster([("a", NaiveForecaster()), ("b", NaiveForecaster())])
    with pytest.raises(ValueError, match=match):
        ensemble.set_params(**params).fit(None, y)


def test_make_ensemble_presets():
    fast = make_ensemble("fast", horizon=12, seasonal_period=12, random_state=0, n_jobs=2)
    assert [n for n, _ in fast.forecasters] == ["gru", "theta", "ets"]
    assert fast.aggregate == "mean" and fast.weights is None
    params = fast.get_params()
    assert params["gru__horizon"] == 12
    assert params["theta__seasonal_period"] == params["ets__seasonal_period"] == 12
    # The workers go to the per-series members; the members are fitted in turn.
    assert params["theta__n_jobs"] == params["ets__n_jobs"] == 2 and fast.n_jobs is None
    accurate = make_ensemble("accurate", horizon=12, seasonal_period=12, random_state=0,
                             n_jobs=2)
    assert [n for n, _ in accurate.forecasters] == ["gru", "theta", "ets", "arima"]
    assert accurate.aggregate == "median"
    params = accurate.get_params()
    assert params["arima__seasonal_period"] == 12 and params["arima__n_jobs"] == 2
    assert params["arima__order"] is None  # the automatic search
    # The ensemble itself has the members' period: it reported the index's
    # (12 on monthly data given seasonal_period=4) or a detected one.
    assert fast.seasonal_period == accurate.seasonal_period == 12
    assert make_ensemble(seasonal_period=4).seasonal_period == 4
    # The shared members are the fast preset's, the network's seed included.
    for name in ("gru", "theta", "ets"):
        assert repr(dict(accurate.forecasters)[name]) == repr(dict(fast.forecasters)[name])
    assert dict(fast.forecasters)["gru"].random_state not in (0, None)
    assert make_ensemble(random_state=0).aggregate == "mean"  # "fast" is the default
    assert dict(make_ensemble(random_state=None).forecasters)["gru"].random_state is None


def test_observations_needed_is_what_every_member_needs(y):
    network = LSTMForecaster(lookback=20, horizon=6, max_epochs=1, hidden_size=4,
                             random_state=0)
    ensemble = EnsembleForecaster([("snaive", NaiveForecaster(strategy="seasonal")),
                                   ("lstm", network)])
    needed = ensemble.observations_needed(None, y)
    assert needed == network.observations_needed(None, y) > 13  # more than snaive's
    ensemble.fit(None, y.iloc[-needed:])
    with pytest.raises(ValueError, match=f"needs at least {needed}"):
        ensemble.fit(None, y.iloc[-needed + 1:])
    # Without the network, snaive's season decides; a weighted ensemble needs
    # its validation steps on top.
    naive = ensemble.set_params(lstm="drop")
    assert naive.observations_needed(None, y) == 12
    weighted = EnsembleForecaster([("a", NaiveForecaster()), ("b", NaiveForecaster())],
                                  aggregate="weighted", validation_horizon=5)
    assert weighted.observations_needed(None, y) == 6


@pytest.mark.slow
def test_presets_fit_a_ragged_panel_with_negative_and_short_series(y):
    values = y.to_numpy(dtype=float)
    panel = np.full((len(values), 3), np.nan)
    panel[:, 0] = values
    panel[:, 1] = values - 400  # negative: ETS falls back to additive parts
    panel[-30:, 2] = values[-30:]  # short: no seasonal ETS for it
    for preset in ("fast", "accurate"):
        model = make_ensemble(preset, random_state=0, max_epochs=2, hidden_size=8)
        forecast = model.fit(None, panel).predict(np.empty((12, 0)))
        assert forecast.shape == (12, 3) and np.all(np.isfinite(forecast))
        members = np.stack([m.predict(np.empty((12, 0))) for m in model.forecasters_])
        combine = np.mean if preset == "fast" else np.median
        np.testing.assert_allclose(forecast, combine(members, axis=0), rtol=1e-12)
        assert model.seasonal_period_ == 12 and model.seasonal_period_source_ == "detected"
    with pytest.raises(ValueError, match="preset"):
        make_ensemble("best")


def test_weighted_on_a_ragged_panel_validates_on_long_series(y):
    panel = pd.DataFrame({"long": y.to_numpy(), "short": np.r_[np.full(130, np.nan),
                                                               y.to_numpy()[-14:]]},
                         index=y.index)
    ensemble = EnsembleForecaster(
        [("snaive", NaiveForecaster(strategy="seasonal")), ("theta", ThetaForecaster())],
        aggregate="weighted", validation_horizon=12,
    ).fit(None, panel)
    # The weights are those learned on the long series alone.
    alone = EnsembleForecaster(
        [("snaive", NaiveForecaster(strategy="seasonal")), ("theta", ThetaForecaster())],
        aggregate="weighted", validation_horizon=12,
    ).fit(None, panel[["long"]])
    np.testing.assert_allclose(ensemble.weights_, alone.weights_)
    assert ensemble.forecast(2).shape == (2, 2)


def test_save_after_set_params_keeps_the_fitted_members(y, tmp_path):
    ensemble = EnsembleForecaster(_members()).fit(None, y)
    expected = ensemble.forecast(3)
    ensemble.set_params(drift="drop")  # not refitted: the fitted state is unchanged
    ensemble.save(tmp_path / "m")
    loaded = EnsembleForecaster.load(tmp_path / "m")
    assert list(loaded.named_forecasters_) == ["snaive", "drift", "theta"]
    np.testing.assert_allclose(loaded.forecast(3), expected)


@pytest.mark.parametrize(("weights", "message"), [
    ({"last": 1, "drift": 3}, "weights are given by position, one per forecaster in the order "
                              "of forecasters, not by name"),
    (["a", "b"], "weights must be 2 non-negative numbers (one per forecaster) with a positive "
                 "sum, got ['a', 'b']"),
    ([True, False], "got [True, False]"),
])
def test_weights_are_numbers_by_position(weights, message):
    # A dict raised numpy's "float() argument must be ..."; text was numpy's
    # "could not convert string to float"; bools were read as 1 and 0.
    members = [("last", NaiveForecaster()), ("drift", NaiveForecaster(strategy="drift"))]
    y = pd.Series(np.arange(30.0))
    with pytest.raises(ValueError, match=re.escape(message)):
        EnsembleForecaster(members, weights=weights).fit(None, y)
    fitted = EnsembleForecaster(members, weights=np.array([1.0, 3.0])).fit(None, y)
    np.testing.assert_allclose(fitted.weights_, [0.25, 0.75])
