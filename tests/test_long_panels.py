"""Long-format panels: one row per (series, time), each series with its own dates."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from seqforecast import (
    ConformalForecaster,
    EnsembleForecaster,
    ForecastSplitter,
    NaiveForecaster,
    backtest,
)
from seqforecast.baselines import ARIMAForecaster, ETSForecaster, ThetaForecaster
from seqforecast.neural import LSTMForecaster

TINY = {"hidden_size": 8, "max_epochs": 2, "batch_size": 16, "random_state": 0}


def _long(spec, seed=0, promo=False):
    """A long panel: spec = [(id, first month, length), ...]; sales with a season."""
    rng = np.random.default_rng(seed)
    rows = []
    for k, (sid, start, n) in enumerate(spec):
        for t in pd.date_range(start, periods=n, freq="MS"):
            value = 10 + 3 * k + 2 * np.sin(2 * np.pi * t.month / 12) + rng.normal(0, 0.3)
            rows.append((sid, t, value, float(rng.integers(0, 2))))
    frame = pd.DataFrame(rows, columns=["id", "date", "sales", "promo"])
    frame = frame.set_index(["id", "date"])
    return (frame["sales"], frame[["promo"]]) if promo else frame["sales"]


COMMON_END = [("b", "2016-01", 60), ("a", "2017-01", 48), ("c", "2016-07", 54)]
OWN_ENDS = [("b", "2016-01", 60), ("a", "2015-06", 50), ("c", "2017-03", 40)]


def _wide(y_long):
    """The same data wide: one column per series, sorted by id as a long panel orders them."""
    return y_long.unstack(0).asfreq("MS")


def _as_wide_output(pred_long):
    return pred_long.unstack(0)


# ------------------------------------------------------------ same as wide
@pytest.mark.parametrize(
    "forecaster",
    [
        NaiveForecaster(strategy="seasonal"),
        ThetaForecaster(),
        ETSForecaster(auto=False, trend="add"),
        ARIMAForecaster(order=(1, 0, 0)),
        LSTMForecaster(**TINY),
        EnsembleForecaster([("naive", NaiveForecaster(strategy="seasonal")),
                            ("theta", ThetaForecaster())], aggregate="weighted"),
    ],
    ids=lambda f: type(f).__name__,
)
def test_long_and_wide_give_identical_forecasts(forecaster):
    y_long = _long(COMMON_END)
    wide = _wide(y_long)
    from_long = clone(forecaster).fit(None, y_long)
    from_wide = clone(forecaster).fit(None, wide)
    assert from_long.seasonal_period_ == from_wide.seasonal_period_ == 12
    long_pred = from_long.forecast(6)
    assert long_pred.index.names == ["id", "date"] and long_pred.name == "sales"
    pd.testing.assert_frame_equal(
        _as_wide_output(long_pred), from_wide.forecast(6), check_names=False, check_freq=False
    )


def test_long_quantiles_match_wide():
    y_long = _long(COMMON_END)
    model = LSTMForecaster(loss="quantile", **TINY)
    long_q = model.fit(None, y_long).predict_quantiles(
        model._future_frame(4, None), quantiles=(0.1, 0.9)
    )
    wide_model = LSTMForecaster(loss="quantile", **TINY).fit(None, _wide(y_long))
    wide_q = wide_model.predict_quantiles(wide_model._future_frame(4, None), quantiles=(0.1, 0.9))
    for series in ("a", "b", "c"):
        np.testing.assert_allclose(long_q.loc[series].to_numpy(), wide_q[series].to_numpy())
    interval = model.predict_interval(model._future_frame(4, None), coverage=0.8)
    assert list(interval.columns) == ["lower", "upper"]
    assert (interval["lower"] <= interval["upper"]).all()


def test_backtest_and_conformal_on_long_match_wide():
    y_long = _long(COMMON_END)
    wide = _wide(y_long)
    cv = ForecastSplitter(horizon=3, n_splits=3)
    long_bt = backtest(NaiveForecaster(strategy="seasonal"), None, y_long, cv=cv)
    wide_bt = backtest(NaiveForecaster(strategy="seasonal"), None, wide, cv=cv)
    pd.testing.assert_frame_equal(long_bt.scores, wide_bt.scores)
    columns = ["fold", "step", "series", "actual", "forecast"]
    pd.testing.assert_frame_equal(long_bt.forecasts[columns], wide_bt.forecasts[columns])
    np.testing.assert_array_equal(long_bt.forecasts["time"], wide_bt.forecasts["time"])
    # A metric given each series' training values (read from the ragged
    # panel, not a padded rectangle) scores as on the wide layout.
    def last_change(y_true, y_pred, y_train):
        return float(np.mean(np.abs(y_true - y_pred)) / abs(y_train[-1] - y_train[0]))

    scoring = {"mase": "mase", "msis": "msis", "own": last_change}
    long_bt = backtest(NaiveForecaster(strategy="seasonal"), None, y_long, cv=cv,
                       scoring=scoring, coverage=0.8)
    wide_bt = backtest(NaiveForecaster(strategy="seasonal"), None, wide, cv=cv,
                       scoring=scoring, coverage=0.8)
    pd.testing.assert_frame_equal(long_bt.series_scores, wide_bt.series_scores)
    long_cf = ConformalForecaster(ThetaForecaster(), horizon=2, n_windows=6).fit(None, y_long)
    wide_cf = ConformalForecaster(ThetaForecaster(), horizon=2, n_windows=6).fit(None, wide)
    np.testing.assert_allclose(long_cf.errors_, wide_cf.errors_)


@pytest.mark.parametrize("adaptive", [False, True])
def test_conformal_update_on_a_long_panel_equals_the_wide_one(adaptive):
    # It always failed ("update needs y in the same layout"): the wrapped
    # forecaster, fitted on the long layout, was given bare arrays; so did
    # backtest(refit=False) and an ensemble with a conformal member.
    y_long, X_long = _long(COMMON_END, promo=True)
    last = y_long.index.get_level_values(1) >= pd.Timestamp("2020-11")
    head, tail = y_long[~last], y_long[last]
    wide = _wide(y_long)
    params = dict(horizon=2, n_windows=6, adaptive=adaptive)
    long_cf = ConformalForecaster(NaiveForecaster(strategy="seasonal"), **params).fit(
        None, head).update(None, tail)
    wide_cf = ConformalForecaster(NaiveForecaster(strategy="seasonal"), **params).fit(
        None, wide[:-2]).update(None, wide[-2:])
    np.testing.assert_allclose(long_cf.errors_, wide_cf.errors_)
    pred_long = long_cf.predict_interval(pd.DataFrame(index=long_cf.forecast(2).index))
    pred_wide = wide_cf.predict_interval(pd.DataFrame(index=wide_cf.forecast(2).index))
    for sid in wide.columns:
        np.testing.assert_allclose(pred_long.loc[sid].to_numpy(), pred_wide[sid].to_numpy())
    # With per-series covariates too (the long X split per series as at fit).
    with_X = ConformalForecaster(LSTMForecaster(**TINY), method="split", **params).fit(
        X_long[~last], head).update(X_long[last], tail)
    alone = LSTMForecaster(**TINY).fit(X_long[~last], head).update(X_long[last], tail)
    future = _long([(sid, "2021-01", 2) for sid, _, _ in COMMON_END], seed=1, promo=True)[1]
    np.testing.assert_allclose(with_X.predict(future), alone.predict(future))
    cv = ForecastSplitter(horizon=2, n_splits=3)
    long_bt = backtest(ConformalForecaster(NaiveForecaster(), **params), None, y_long,
                       cv=cv, refit=False)
    wide_bt = backtest(ConformalForecaster(NaiveForecaster(), **params), None, wide,
                       cv=cv, refit=False)
    np.testing.assert_allclose(long_bt.series_scores.to_numpy(),
                               wide_bt.series_scores.to_numpy())
    ensemble = EnsembleForecaster([
        ("conformal", ConformalForecaster(NaiveForecaster(), **params)),
        ("naive", NaiveForecaster())]).fit(None, head).update(None, tail)
    expected = NaiveForecaster().fit(None, y_long).forecast(2)
    np.testing.assert_allclose(ensemble.forecast(2), expected)


def test_an_empty_long_update_says_there_is_nothing_new():
    y_long = _long(COMMON_END)
    model = NaiveForecaster().fit(None, y_long)
    empty = y_long[y_long.index.get_level_values(1) > pd.Timestamp("2030-01")]
    with pytest.raises(ValueError, match=r"update got no new observations \(y has no rows\)"):
        model.update(None, empty)  # IndexError inside the panel split before


# ------------------------------------------------------------ own ends
def test_each_series_is_forecast_from_its_own_end():
    y_long = _long(OWN_ENDS)
    model = ThetaForecaster().fit(None, y_long)
    pred = model.forecast(3)
    for sid, _, _ in OWN_ENDS:
        alone = y_long.loc[sid].asfreq("MS")
        expected = ThetaForecaster().fit(None, alone).forecast(3)
        got = pred.loc[sid]
        assert got.index[0] == alone.index[-1] + pd.offsets.MonthBegin()
        np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-10)
    ends = {sid: model.series_ends_[i] for i, sid in enumerate(model.series_names_)}
    assert ends == {"b": pd.Timestamp("2020-12-01"), "a": pd.Timestamp("2019-07-01"),
                    "c": pd.Timestamp("2020-06-01")}


def test_predict_takes_any_steps_of_any_series():
    y_long = _long(OWN_ENDS)
    model = NaiveForecaster(strategy="last").fit(None, y_long)
    X = pd.DataFrame(index=pd.MultiIndex.from_tuples(
        [("c", pd.Timestamp("2020-09-01")), ("b", pd.Timestamp("2021-01-01"))],
        names=["id", "date"],
    ))
    pred = model.predict(X)
    assert list(pred.index) == list(X.index)
    assert pred["c"].iloc[0] == y_long.loc["c"].iloc[-1]
    assert pred["b"].iloc[0] == y_long.loc["b"].iloc[-1]


def test_round_trip_long_wide_long():
    y_long = _long(OWN_ENDS)
    model = NaiveForecaster().fit(None, y_long)
    _, again = model._history_data()
    pd.testing.assert_series_equal(again.sort_index(), y_long.sort_index(), check_freq=False)
    # and the common-end panel round-trips through its wide form
    wide = _wide(_long(COMMON_END))
    long_again = wide.stack().dropna().swaplevel().sort_index().rename("sales")
    long_again.index.names = ["id", "date"]
    pd.testing.assert_series_equal(long_again, _long(COMMON_END).sort_index())


def test_update_continues_each_series_from_its_end():
    y_long = _long(OWN_ENDS)
    ids = ["a", "b", "c"]  # sorted, whatever the order of the rows
    from_end = y_long.groupby(level=0).cumcount(ascending=False)
    head, tail = y_long[from_end >= 2], y_long[from_end < 2]
    updated = ThetaForecaster().fit(None, head).update(None, tail)
    refit = ThetaForecaster().fit(None, y_long)
    pd.testing.assert_series_equal(updated.forecast(3), refit.forecast(3), rtol=1e-8)
    assert list(updated.series_names_) == ids
    with pytest.raises(ValueError, match=r"series 'a' to continue at 2019-08-01"):
        updated.update(None, tail)
    with pytest.raises(ValueError, match=r"every fitted series.*missing: \['c'\]"):
        updated.update(None, tail.drop("c", level=0))


# ------------------------------------------------------------ covariates
def test_per_series_covariates_reach_the_network():
    """Per-series covariates equal for every series give the shared-X network."""
    y_long, X_long = _long(COMMON_END, promo=True)
    shared = X_long.loc["b"]["promo"].asfreq("MS")
    X_same = X_long.copy()
    for sid in ("a", "c"):
        times = X_long.loc[sid].index
        X_same.loc[sid, "promo"] = shared.reindex(times).to_numpy()
    wide = _wide(y_long)
    X_wide = pd.DataFrame({"promo": shared.reindex(wide.index).to_numpy()}, index=wide.index)
    X_wide = X_wide.fillna(0.0)
    long_model = LSTMForecaster(horizon=4, lookback=12, **TINY)
    wide_model = LSTMForecaster(horizon=4, lookback=12, **TINY)
    # Where a series has not started, the wide X still has values: give the
    # long panel the same by using only the common (latest) 48 months.
    start = wide.index[12]
    y_long = y_long[y_long.index.get_level_values(1) >= start]
    X_same = X_same[X_same.index.get_level_values(1) >= start]
    long_model.fit(X_same, y_long)
    wide_model.fit(X_wide.loc[start:], wide.loc[start:])
    future = long_model._future_frame(4, None)
    X_future = pd.DataFrame({"promo": 1.0}, index=future.index)
    got = _as_wide_output(long_model.predict(X_future))
    expected = wide_model.forecast(4, wide_model._future_frame(4, np.ones((4, 1))))
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-5)


def test_per_series_covariates_change_the_forecast_of_their_series_only():
    y_long, X_long = _long(OWN_ENDS, promo=True)
    model = LSTMForecaster(horizon=4, lookback=12, **TINY).fit(X_long, y_long)
    future = model._future_frame(4, None)
    base = model.predict(pd.DataFrame({"promo": 0.0}, index=future.index))
    X_b = pd.DataFrame({"promo": 0.0}, index=future.index)
    X_b.loc["b", "promo"] = 1.0
    changed = model.predict(X_b)
    assert not np.allclose(changed.loc["b"], base.loc["b"])
    pd.testing.assert_series_equal(changed.drop("b", level=0), base.drop("b", level=0))


def test_long_neural_save_load(tmp_path):
    y_long, X_long = _long(OWN_ENDS, promo=True)
    model = LSTMForecaster(horizon=4, lookback=12, **TINY).fit(X_long, y_long)
    model.save(tmp_path / "m")
    loaded = LSTMForecaster.load(tmp_path / "m")
    X_future = pd.DataFrame({"promo": 1.0}, index=model._future_frame(4, None).index)
    pd.testing.assert_series_equal(loaded.predict(X_future), model.predict(X_future))


# ------------------------------------------------------------ bad panels
def _bad(y, X=None, model=None):
    return (model or NaiveForecaster()).fit(X, y)


def test_duplicate_pairs_name_the_series():
    y = _long(OWN_ENDS)
    y = pd.concat([y, y.loc[["a"]].iloc[:1]])
    with pytest.raises(ValueError, match=r"duplicate \(series, time\) pairs: series 'a' has"):
        _bad(y)


def test_a_gap_inside_a_series_names_it():
    y = _long(OWN_ENDS).drop(("c", pd.Timestamp("2018-01-01")))
    with pytest.raises(ValueError, match=r"index of series 'c' of y is not regularly spaced"):
        _bad(y)


def test_mixed_frequencies_name_both_series():
    y = _long(OWN_ENDS[:1])
    weekly = pd.Series(1.0, index=pd.MultiIndex.from_product(
        [["w"], pd.date_range("2020-01-05", periods=10, freq="W")], names=["id", "date"]))
    with pytest.raises(ValueError, match=r"Series 'w' of y has frequency W-SUN but series 'b'"):
        _bad(pd.concat([y, weekly]))


def test_nan_names_series_and_time():
    y = _long(OWN_ENDS)
    y.loc[("a", pd.Timestamp("2016-02-01"))] = np.nan
    with pytest.raises(ValueError, match=r"Series 'a' of y has a NaN at 2016-02-01") as error:
        _bad(y)
    # The advice fills the value inside its series (dropping the row would
    # be a gap, the next error): the filled panel fits, with the mean of
    # the neighbours in place of the NaN.
    advice = "y.groupby(level=0).transform(lambda s: s.interpolate())"
    assert f"(e.g. {advice})" in str(error.value)
    filled = eval(advice)  # the message's own code
    before, after = (y.loc[("a", pd.Timestamp(t))] for t in ("2016-01-01", "2016-03-01"))
    assert filled.loc[("a", pd.Timestamp("2016-02-01"))] == pytest.approx((before + after) / 2)
    assert filled.drop(("a", pd.Timestamp("2016-02-01"))).equals(
        y.drop(("a", pd.Timestamp("2016-02-01"))))
    NaiveForecaster().fit(None, filled)


def test_swapped_levels_are_named():
    y = _long(OWN_ENDS)
    swapped = y.swaplevel()
    with pytest.raises(ValueError, match=r"time level of y's \(series, time\) index must hold "
                                         r"dates, periods or integers; got .*Its first level "
                                         r"holds datetime64.*the levels look swapped, \(time, "
                                         r"series\); give y\.swaplevel\(\)\.sort_index\(\)\."):
        _bad(swapped)
    pd.testing.assert_series_equal(
        NaiveForecaster().fit(None, swapped.swaplevel().sort_index()).forecast(2),
        NaiveForecaster().fit(None, y).forecast(2))


def test_wrong_layouts_are_clear():
    y = _long(OWN_ENDS)
    with pytest.raises(ValueError, match=r"one-column DataFrame.*got a DataFrame with 2 columns"):
        _bad(pd.concat([y, y.rename("other")], axis=1))
    model = NaiveForecaster().fit(None, y)
    with pytest.raises(ValueError, match=r"fitted on a long panel, so X must be a DataFrame"):
        model.predict(pd.DataFrame(index=pd.date_range("2021-01", periods=2, freq="MS")))
    with pytest.raises(ValueError, match=r"X holds series 'z', which the forecaster"):
        model.predict(pd.DataFrame(index=pd.MultiIndex.from_tuples(
            [("z", pd.Timestamp("2021-01-01"))])))
    with pytest.raises(ValueError, match=r"series 'a' at 2019-07-01.*inside its history"):
        model.predict(pd.DataFrame(index=pd.MultiIndex.from_tuples(
            [("a", pd.Timestamp("2019-07-01"))])))
    with pytest.raises(ValueError, match="X is indexed by \\(series, time\\) but y is not"):
        _bad(_wide(_long(COMMON_END)), pd.DataFrame(index=y.index))


def test_covariates_must_match_the_pairs_and_the_model():
    y, X = _long(OWN_ENDS, promo=True)
    with pytest.raises(ValueError, match=r"exactly y's \(series, time\) pairs; \('b', "):
        _bad(y, X.iloc[1:], model=LSTMForecaster(**TINY))
    with pytest.raises(ValueError, match="ARIMAForecaster takes covariates shared by all series"):
        _bad(y, X, model=ARIMAForecaster(order=(1, 0, 0)))


# ------------------------------------------------------------ static features
EQUAL = [("b", "2016-01", 48), ("a", "2016-01", 48), ("c", "2016-01", 48)]
STATIC = pd.DataFrame({"size": [3.0, 1.0, 2.0], "kind": [0.0, 1.0, 1.0]}, index=["a", "b", "c"])


def test_static_features_are_what_the_network_reads_beside_the_covariates():
    """Static features = the same values given as constant per-series covariates."""
    y_long = _long(EQUAL)
    as_columns = STATIC.reindex(y_long.index.get_level_values(0))
    as_columns.index = y_long.index
    model = LSTMForecaster(horizon=4, lookback=12, **TINY)
    with_static = clone(model).fit(None, y_long, static_features=STATIC)
    with_columns = clone(model).fit(as_columns, y_long)
    future = with_columns._future_frame(4, None)
    X_future = STATIC.reindex(future.index.get_level_values(0)).set_axis(future.index)
    pd.testing.assert_series_equal(with_static.forecast(4), with_columns.predict(X_future))
    plain = clone(model).fit(None, y_long).forecast(4)
    assert not np.allclose(plain.to_numpy(), with_static.forecast(4).to_numpy())


def test_static_features_on_a_wide_panel_and_in_an_ensemble(tmp_path):
    wide = _wide(_long(EQUAL))
    model = LSTMForecaster(horizon=4, lookback=12, **TINY)
    alone = clone(model).fit(None, wide, static_features=STATIC)
    by_position = clone(model).fit(None, wide, static_features=STATIC.loc[wide.columns].values)
    pd.testing.assert_frame_equal(alone.forecast(4), by_position.forecast(4))
    ensemble = EnsembleForecaster([("lstm", clone(model))]).fit(None, wide, static_features=STATIC)
    pd.testing.assert_frame_equal(ensemble.forecast(4), alone.forecast(4))
    alone.save(tmp_path / "m")
    pd.testing.assert_frame_equal(LSTMForecaster.load(tmp_path / "m").forecast(4),
                                  alone.forecast(4))


def test_static_features_checked_or_ignored_with_a_warning():
    y_long = _long(EQUAL)
    with pytest.raises(ValueError, match=r"static_features has no row for series 'c'"):
        LSTMForecaster(**TINY).fit(None, y_long, static_features=STATIC.drop("c"))
    with pytest.raises(ValueError, match=r"static_features has 2 rows but y has 3 series"):
        LSTMForecaster(**TINY).fit(None, y_long, static_features=np.ones((2, 1)))
    with pytest.warns(UserWarning, match="ThetaForecaster fits each series on its own"):
        model = ThetaForecaster().fit(None, y_long, static_features=STATIC)
    assert model.static_features_ is None


# ------------------------------------------------------------ plots
def test_plots_draw_the_chosen_series_of_a_long_panel():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from seqforecast.plotting import plot_backtest, plot_forecast

    y_long = _long(OWN_ENDS)
    model = ThetaForecaster().fit(None, y_long)
    forecast = model.forecast(6)
    intervals = model.predict_interval(model._future_frame(6, None), coverage=0.8)
    ax = plot_forecast(y_long, forecast, intervals=intervals, series="a")
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["history"].get_ydata(), y_long.loc["a"].to_numpy())
    np.testing.assert_array_equal(lines["forecast"].get_ydata(), forecast.loc["a"].to_numpy())
    with pytest.raises(ValueError, match=r"y_history holds 3 series .*choose one with series="):
        plot_forecast(y_long, forecast)
    with pytest.raises(ValueError, match=r"series='z' is not in y_history"):
        plot_forecast(y_long, forecast, series="z")
    result = backtest(NaiveForecaster(strategy="seasonal"), None, y_long,
                      cv=ForecastSplitter(horizon=3, n_splits=2))
    ax = plot_backtest(result, series="c")
    actual = next(line for line in ax.get_lines() if line.get_label() == "actual")
    np.testing.assert_array_equal(actual.get_ydata(), y_long.loc["c"].to_numpy())


# ------------------------------------------------------------ metrics
def test_metrics_score_long_panels_series_by_series():
    from seqforecast.metrics import mase, smape

    y_long = _long(OWN_ENDS)
    from_end = y_long.groupby(level=0).cumcount(ascending=False)
    train, actual = y_long[from_end >= 6], y_long[from_end < 6]
    forecast = ThetaForecaster().fit(None, train).forecast(6)
    got = mase(actual, forecast, y_train=train, seasonal_period=12, multioutput="raw_values")
    got_smape = smape(actual, forecast.sample(frac=1.0, random_state=0),
                      multioutput="raw_values")
    for k, sid in enumerate(sorted(["b", "a", "c"])):  # series in sorted order
        expected = mase(actual.loc[sid].to_numpy(), forecast.loc[sid].to_numpy(),
                        y_train=train.loc[sid].to_numpy(), seasonal_period=12)
        assert got[k] == pytest.approx(expected)
        assert got_smape[k] == pytest.approx(
            smape(actual.loc[sid].to_numpy(), forecast.loc[sid].to_numpy()))
    with pytest.raises(ValueError, match="must hold the same \\(series, time\\) pairs"):
        smape(actual, forecast.iloc[1:])
    with pytest.raises(ValueError, match="y_true is indexed by \\(series, time\\) but y_pred"):
        smape(actual, forecast.to_numpy())


def test_long_fitted_forecasters_round_trip_through_skops_and_pickle():
    import pickle

    sio = pytest.importorskip("skops.io")
    y_long = _long(OWN_ENDS)
    for model in (ThetaForecaster(), NaiveForecaster(strategy="seasonal")):
        model.fit(None, y_long)
        blob = sio.dumps(model)
        untrusted = sio.get_untrusted_types(data=blob)
        assert not [t for t in untrusted if t.startswith("pandas")]
        for again in (sio.loads(blob, trusted=untrusted), pickle.loads(pickle.dumps(model))):
            pd.testing.assert_series_equal(again.forecast(3), model.forecast(3))


def test_the_time_grid_of_a_long_panel_is_checked_for_every_series():
    from seqforecast._panel import split_long

    def panel(*series):
        return pd.concat({f"s{k}": pd.Series(1.0, index=pd.DatetimeIndex(times))
                          for k, times in enumerate(series)}, names=["series", "time"])

    months = pd.date_range("2020-01", periods=4, freq="MS")
    # All series on one monthly grid (checked in one pass over the rows).
    assert split_long(panel(months, months[1:], months[:2])).freq == months.freq
    # A start off the grid (mid-month) is not rolled onto it.
    with pytest.raises(ValueError, match="series 's1'"):
        split_long(panel(months, pd.DatetimeIndex(["2020-01-15", "2020-02-01", "2020-03-01"])))
    with pytest.raises(ValueError, match="not one step of the panel's frequency"):
        split_long(panel(months, pd.DatetimeIndex(["2020-01-15", "2020-02-01"])))
    # Off the grid, the slow path names the series.
    gap = months.delete(2)
    with pytest.raises(ValueError, match="series 's1'"):
        split_long(panel(months, gap))
    weeks = pd.date_range("2020-01-05", periods=4, freq="W")
    with pytest.raises(ValueError, match="Series 's1' of y has frequency W-SUN but series "
                                         "'s0' has MS"):
        split_long(panel(months, weeks))
    two_days = pd.DatetimeIndex(["2020-01-01", "2020-01-03"])
    with pytest.raises(ValueError, match="not one step of the panel's frequency"):
        split_long(panel(months, two_days))
    # New observations given the fitted step: each series must lie on it.
    with pytest.raises(ValueError, match="Series 's1' of y is not on the panel's time grid"):
        split_long(panel(months, gap), freq=months.freq)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1 << 14])
def test_the_grid_check_read_in_chunks_finds_the_one_series_off_its_step(monkeypatch, chunk):
    """Neighbouring pairs are checked a chunk at a time (pairs across a chunk's edge too)."""
    from seqforecast import _panel

    monkeypatch.setattr(_panel, "_CHUNK", chunk)
    starts = {"a": "2020-01", "b": "2019-06", "c": "2020-03"}
    lengths = {"a": 4, "b": 3, "c": 5}
    times = {k: pd.date_range(starts[k], periods=n, freq="MS") for k, n in lengths.items()}

    def groups_of(times):
        index = pd.MultiIndex.from_arrays(
            [np.repeat(list(times), [len(t) for t in times.values()]),
             pd.DatetimeIndex(np.concatenate([t.values for t in times.values()]))])
        _, groups = _panel._groups(index, "y")
        return groups, index.get_level_values(1)

    assert _panel._on_step(*groups_of(times), pd.offsets.MonthBegin())
    for k, position in [("a", 3), ("b", 1), ("c", 4), ("a", 0)]:  # one timestamp a day late
        late = times[k].to_numpy().copy()
        late[position] += np.timedelta64(1, "D")
        shifted = {**times, k: pd.DatetimeIndex(late)}
        assert not _panel._on_step(*groups_of(shifted), pd.offsets.MonthBegin()), (k, chunk)


def test_series_codes_are_pandas_factorize_of_the_series_level():
    """Read from the MultiIndex's level codes: the same codes and ids as pd.factorize."""
    from seqforecast._panel import _series_codes

    rng = np.random.default_rng(5)
    ids = np.repeat([f"s{k}" for k in rng.permutation(40)], 6)
    index = pd.MultiIndex.from_arrays([ids, np.tile(np.arange(6), 40)])
    cases = [
        index,
        index[rng.permutation(len(index))],  # rows in any order
        index[50:130],  # levels that no row uses any more
        pd.MultiIndex.from_arrays([rng.integers(0, 9, 30), np.arange(30)]),
        pd.MultiIndex.from_arrays([pd.to_datetime(["2021", "2020", "2021"]), np.arange(3)]),
        pd.MultiIndex.from_arrays([pd.Categorical(["x", "y", "x"]), np.arange(3)]),
        pd.MultiIndex.from_arrays([np.array(["a", None, "b"], dtype=object), np.arange(3)]),
        index[:0],
    ]
    for case in cases:
        codes, ids = _series_codes(case)
        expected_codes, expected_ids = pd.factorize(case.get_level_values(0), sort=True)
        np.testing.assert_array_equal(codes, expected_codes)
        assert ids.equals(expected_ids)
    # Ids that do not compare: by type name, then as text, in any row order.
    labels = np.array(["b", 1, "b", "a"], dtype=object)
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]):
        mixed = pd.MultiIndex.from_arrays([labels[order], np.arange(4)])
        codes, ids = _series_codes(mixed)
        assert list(ids) == [1, "a", "b"]
        np.testing.assert_array_equal(codes, np.array([2, 0, 2, 1])[order])


def test_a_seeded_network_does_not_depend_on_the_order_of_the_rows():
    # Series were ordered by first appearance, so the same rows in another
    # order (a query without ORDER BY) trained another network.
    y, X = _long(OWN_ENDS, promo=True)
    order = np.random.default_rng(7).permutation(len(y))
    model = LSTMForecaster(horizon=3, lookback=6, **TINY)
    fitted = clone(model).fit(X, y)
    shuffled = clone(model).fit(X.iloc[order], y.iloc[order])
    assert list(fitted.series_names_) == list(shuffled.series_names_) == ["a", "b", "c"]
    X_future = fitted._future_frame(3, None).assign(promo=1.0)
    pd.testing.assert_series_equal(fitted.predict(X_future), shuffled.predict(X_future))


def test_future_covariates_left_out_are_carried_with_a_warning_and_nan_named():
    y, X = _long(OWN_ENDS, promo=True)
    model = LSTMForecaster(horizon=3, lookback=6, **TINY).fit(X, y)
    X_future = model._future_frame(3, None).assign(promo=1.0)
    later = X_future.drop(X_future.index[[0, 1]])  # series 'a' from its third step
    with pytest.warns(UserWarning, match=r"^X leaves out 2 of the first 3 steps after the end "
                                         r"of series 'a': the model forecasts those 2 step"):
        forecast = model.predict(later)
    # The same forecast as with the last observed covariates given for them.
    carried = X_future.copy()
    carried.iloc[[0, 1], 0] = X.loc["a"]["promo"].iloc[-1]
    pd.testing.assert_series_equal(forecast, model.predict(carried).loc[later.index])
    # A series left out entirely is not forecast, and not warned about.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(X_future.drop("b", level=0))
    # Integer ids are named as written (3, not np.int64(3)).
    as_numbers = {"a": 7, "b": 3, "c": 5}
    renamed = X_future.rename(index=as_numbers, level=0)
    numbered = LSTMForecaster(horizon=3, lookback=6, **TINY).fit(
        X.rename(index=as_numbers, level=0), y.rename(index=as_numbers, level=0))
    with pytest.warns(UserWarning, match=r"after the end of series 7: "):
        numbered.predict(renamed.drop(renamed.loc[[7]].index[:2]))
    gap_free = renamed.sort_index()
    gap_free.iloc[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^X has NaN for series 3 at "):
        numbered.predict(gap_free)
    bad = X_future.copy()
    bad.iloc[4, 0] = np.nan
    with pytest.raises(ValueError, match=r"^X has NaN for series 'b' at 2021-02-01 00:00:00, "
                                         r"column 'promo'"):
        model.predict(bad)


def test_a_sorted_long_panel_and_a_shuffled_one_split_alike(monkeypatch):
    # Rows already grouped by series and sorted by time skip the sort.
    from seqforecast import _panel
    from seqforecast._panel import split_long

    rng = np.random.default_rng(6)
    ids = np.repeat(["b", "a", "c"], [5, 7, 4])
    times = np.concatenate([np.arange(3, 8), np.arange(0, 7), np.arange(10, 14)])
    y = pd.Series(rng.normal(size=16), index=pd.MultiIndex.from_arrays([ids, times]))
    shuffled = y.iloc[rng.permutation(16)]
    for a, b in [(y, shuffled), (y, y.iloc[::-1])]:
        left, right = split_long(a), split_long(b)
        # Sorted ids, whatever the order of the rows.
        assert list(left.ids) == list(right.ids) == ["a", "b", "c"]
        for k, sid in enumerate(left.ids):
            j = list(right.ids).index(sid)
            np.testing.assert_array_equal(left.ragged.series(k), right.ragged.series(j))
    in_order = y.sort_index()
    with monkeypatch.context() as patched:  # the sorted panel needs no sort
        patched.setattr(_panel.np, "lexsort", None)
        np.testing.assert_array_equal(split_long(in_order).ragged.values, left.ragged.values)
    repeated = pd.concat([y.iloc[:3], y.iloc[2:3], y.iloc[3:]])  # sorted, one pair twice
    with pytest.raises(ValueError, match="series 'b' has more than one row at 5"):
        split_long(repeated)


@pytest.mark.parametrize(
    "case, message",
    [
        # Was an IndexError (no monthly grid point between the two days).
        ("two days in a monthly panel", "Series 'd' of y has timestamps 2000-01-05 00:00:00 and "
                                        "2000-01-06 00:00:00, which are not one step"),
        # Was a panel with fewer ids than series, or a zip error.
        ("missing id", r"y has a missing series id \(NaN\) in row 2"),
        ("empty", "y is an empty long panel"),
    ],
)
def test_long_panels_that_cannot_be_read_say_why(case, message):
    from seqforecast._panel import split_long

    if case == "two days in a monthly panel":
        index = pd.MultiIndex.from_tuples(
            [("m", t) for t in pd.date_range("2000-01-01", periods=4, freq="MS")]
            + [("d", t) for t in pd.date_range("2000-01-05", periods=2, freq="D")])
        y = pd.Series(np.arange(6.0), index=index)
    elif case == "missing id":
        y = pd.Series(np.arange(5.0), index=pd.MultiIndex.from_arrays(
            [["a", "a", np.nan, "b", "b"], [1, 2, 3, 1, 2]]))
    else:
        y = pd.Series([], dtype=float, index=pd.MultiIndex.from_arrays([[], []]))
    with pytest.raises(ValueError, match=message):
        split_long(y)
