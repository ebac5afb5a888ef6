"""Input a user gets wrong: a clear error at the door, never a silently wrong number.

Each case was found by trying the public API the way users do: panels whose
columns come back in another order, covariates a step off, a forecast asked
for with covariates of other dates, time zones that differ, timestamps as
values, a two-point history, a horizon past pandas' dates, rounding error as
a MASE scale, ``net_params`` that would override the forecaster's own
parameters, and member names used as paths.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from numpy.testing import assert_allclose

from seqforecast import (
    EnsembleForecaster,
    GRUForecaster,
    NaiveForecaster,
    SlidingWindow,
    ThetaForecaster,
    make_ensemble,
)
from seqforecast.metrics import pinball_loss

TINY = dict(hidden_size=4, horizon=3, lookback=6, max_epochs=1, windows_per_epoch=32,
            random_state=0)
INDEX = pd.date_range("2020-01", periods=24, freq="MS")


def _panel():
    return pd.DataFrame({"a": np.arange(24.0) + 1, "b": 100 + np.arange(24.0)}, index=INDEX)


def _error(call):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    return str(info.value)


# ------------------------------------------------------------------ update
@pytest.mark.parametrize("columns", [["b", "a"], ["x", "y"]])
def test_update_of_a_wide_panel_needs_the_fitted_columns_in_order(columns):
    y = _panel()
    forecaster = NaiveForecaster().fit(None, y[:20])
    new = y[20:][["b", "a"]].set_axis(columns, axis=1)
    assert "are not the fitted series ['a', 'b'] in the same order" in _error(
        lambda: forecaster.update(None, new)
    )
    # Unchanged by the refused update; the right columns go to the right series.
    assert forecaster.index_[-1] == INDEX[19]
    forecast = forecaster.update(None, y[20:]).forecast(1)
    assert forecast.loc[:, "a"].item() == 24.0 and forecast.loc[:, "b"].item() == 123.0


def test_update_of_a_named_series_needs_that_series():
    y = _panel()["a"]
    forecaster = NaiveForecaster().fit(None, y[:20])
    # Another name, as a Series or a one-column frame, is another series.
    for new in (y[20:].rename("b"), y[20:].to_frame("b")):
        message = _error(lambda new=new: forecaster.update(None, new))
        assert "y's series ['b'] are not the fitted series ['a']" in message
        assert "y.rename(name)" in message
        assert forecaster.index_[-1] == INDEX[19]  # unchanged
    # An unnamed Series (or an array) is taken as the fitted one, as is the
    # same name in a frame.
    forecaster.update(None, y[20:22].rename(None)).update(None, y[22:].to_frame())
    assert forecaster.forecast(1).item() == 24.0
    # Fitted on a one-column frame, a Series of another name is refused too.
    framed = NaiveForecaster().fit(None, y[:20].to_frame())
    assert "are not the fitted series ['a']" in _error(
        lambda: framed.update(None, y[20:].rename("b"))
    )


def test_update_of_a_reloaded_forecaster_accepts_its_own_column_names(tmp_path):
    # JSON keeps names other than str and int as strings.
    y = _panel().set_axis([1.5, 2.5], axis=1)
    GRUForecaster(**TINY).fit(None, y[:20]).save(tmp_path / "m")
    loaded = GRUForecaster.load(tmp_path / "m")
    loaded.update(None, y[20:])
    assert loaded.index_[-1] == INDEX[-1]


def test_update_checks_that_x_and_y_describe_the_same_steps():
    y = _panel()["a"]
    X = pd.DataFrame({"c": np.arange(24.0)}, index=INDEX)
    forecaster = NaiveForecaster().fit(X[:20], y[:20])
    assert "X and y have different indexes" in _error(
        lambda: forecaster.update(X[21:24], y[20:23])
    )
    forecaster.update(X[20:23], y[20:23])
    assert forecaster.index_[-1] == INDEX[22]


def test_update_of_a_long_panel_names_series_it_was_not_fitted_on():
    y = _panel()
    long = pd.concat({"a": y["a"][:20], "b": y["b"][:20]}, names=["id", "t"])
    forecaster = NaiveForecaster().fit(None, long)
    new = pd.concat({"a": y["a"][20:], "b": y["b"][20:], "c": y["a"][20:]}, names=["id", "t"])
    message = _error(lambda: forecaster.update(None, new))
    assert "not in the fitted panel: ['c']" in message and "missing" not in message


# ---------------------------------------------------------------- forecast
def test_forecast_with_x_needs_the_next_steps_exactly():
    y = _panel()["a"]
    X = pd.DataFrame({"c": np.arange(24.0)}, index=INDEX)
    forecaster = NaiveForecaster().fit(X, y)
    future = pd.date_range("2022-01", periods=3, freq="MS")
    assert forecaster.forecast(3, pd.DataFrame({"c": [1.0, 2, 3]}, index=future)).index.equals(
        future
    )
    later = pd.DataFrame({"c": [1.0, 2, 3]}, index=future + pd.DateOffset(months=5))
    assert "rows outside them such as Timestamp('2022-06-01" in _error(
        lambda: forecaster.forecast(3, later)
    )
    assert "no row for Timestamp('2022-03-01" in _error(
        lambda: forecaster.forecast(3, pd.DataFrame({"c": [1.0, 2]}, index=future[:2]))
    )
    assert "X has 2 rows but steps=3" in _error(lambda: forecaster.forecast(3, np.zeros((2, 1))))
    assert "steps must be a positive integer, got True" in _error(
        lambda: forecaster.forecast(True, X[:1])
    )


def test_forecast_of_a_long_panel_needs_a_row_per_series_and_step():
    y = _panel()
    forecaster = NaiveForecaster().fit(None, pd.concat({"a": y["a"], "b": y["b"]}))
    one_step = forecaster.forecast(1).to_frame().iloc[:, :0]
    assert "needs one row per series and step of them (4 rows); got 2 rows" in _error(
        lambda: forecaster.forecast(2, one_step)
    )
    reordered = forecaster.forecast(2).to_frame().iloc[::-1, :0]
    assert_allclose(forecaster.forecast(2, reordered), forecaster.forecast(2).iloc[::-1])


def test_a_two_point_history_keeps_the_frequency_of_its_index():
    y = pd.Series([1.0, 2.0], index=pd.date_range("2020-01-01", periods=2, freq="MS"))
    forecaster = NaiveForecaster().fit(None, y)
    expected = pd.date_range("2020-03-01", periods=3, freq="MS")
    assert forecaster.forecast(3).index.equals(expected)
    forecaster.update(None, pd.Series([3.0], index=expected[:1]))
    business = pd.Series([1.0, 2.0], index=pd.bdate_range("2024-01-05", periods=2))
    assert NaiveForecaster().fit(None, business).forecast(2).index.equals(
        pd.bdate_range("2024-01-09", periods=2)
    )


def test_a_horizon_past_the_last_date_pandas_knows_is_a_clear_error():
    forecaster = NaiveForecaster().fit(None, _panel()["a"])
    assert "run past the latest date pandas can represent (2262-04-11)" in _error(
        lambda: forecaster.forecast(10**7)
    )


@pytest.mark.parametrize("where", ["predict", "update"])
def test_time_zones_that_differ_are_named(where):
    forecaster = NaiveForecaster().fit(None, _panel()["a"].tz_localize("UTC"))
    future = pd.date_range("2022-01", periods=2, freq="MS", tz="UTC")
    call = {
        "predict": lambda: forecaster.predict(pd.DataFrame(index=future.tz_convert("Asia/Tokyo"))),
        "update": lambda: forecaster.update(None, pd.Series([1.0, 2.0],
                                                            index=future.tz_localize(None))),
    }[where]
    name = "X" if where == "predict" else "y"
    zone = "in time zone Asia/Tokyo" if where == "predict" else "without a time zone"
    assert f"The index of {name} is {zone} but the history's is in time zone UTC" in _error(call)
    assert forecaster.predict(pd.DataFrame(index=future)).index.equals(future)


def test_the_same_time_zone_under_another_name_is_accepted():
    import pickle

    import dateutil.tz

    forecaster = NaiveForecaster().fit(None, _panel()["a"].tz_localize("UTC"))
    future = pd.date_range("2022-01", periods=2, freq="MS", tz="Etc/UTC")
    assert_allclose(forecaster.predict(pd.DataFrame(index=future)), [24.0, 24.0])
    forecaster.update(None, pd.Series([5.0, 6.0], index=future))
    assert str(forecaster.index_.tz) == "UTC" and forecaster.forecast(1).item() == 6.0
    # dateutil's Europe/Berlin, and zoneinfo's after a pickle round trip,
    # across a daylight-saving change.
    days = pd.date_range("2024-03-20", periods=20, freq="D", tz=dateutil.tz.gettz("Europe/Berlin"))
    model = pickle.loads(pickle.dumps(NaiveForecaster().fit(None, pd.Series(np.arange(20.0),
                                                                              index=days))))
    ahead = pd.date_range("2024-04-09", periods=3, freq="D", tz="Europe/Berlin")
    assert_allclose(model.predict(pd.DataFrame(index=ahead)), [19.0, 19.0, 19.0])


# ------------------------------------------------------------------ values
@pytest.mark.parametrize(
    ("values", "message"),
    [
        (INDEX, "y holds datetime64"),
        (pd.to_timedelta(np.arange(24), "D"), "y holds timedelta64"),
        (["a"] * 24, "y must hold numbers, got 'a'"),
    ],
)
def test_a_target_that_is_not_numbers_is_refused(values, message):
    assert message in _error(lambda: NaiveForecaster().fit(None, pd.Series(values, index=INDEX)))


def test_covariates_that_are_not_numbers_or_repeat_a_name_are_named():
    y = _panel()["a"]
    X = pd.DataFrame({"c": np.arange(24.0), "d": pd.Categorical(["u"] * 24)}, index=INDEX)
    assert "column 'd' of X must hold numbers, got 'u'" in _error(
        lambda: NaiveForecaster().fit(X, y)
    )
    twice = pd.DataFrame(np.ones((24, 2)), index=INDEX, columns=["c", "c"])
    assert "X has repeated column names ['c']" in _error(lambda: NaiveForecaster().fit(twice, y))
    # Numbers of any numeric dtype, nullable ones included, are fine.
    NaiveForecaster().fit(X[["c"]].astype("Int64"), y)


def test_empty_input_and_swapped_arguments_are_explained():
    assert "y has no series (a DataFrame with 0 columns)" in _error(
        lambda: NaiveForecaster().fit(None, pd.DataFrame(index=INDEX))
    )
    assert "fit(X, y), with X=None" in _error(lambda: NaiveForecaster().fit(_panel(), None))
    assert "y is empty (shape (0, 2))" in _error(lambda: SlidingWindow(2, 1).fit(np.empty((0, 2))))


def test_covariates_near_the_float_limit_count_like_any_others():
    y = pd.Series(10 + np.sin(np.arange(24) * np.pi / 6), index=INDEX)
    future = pd.date_range("2022-01", periods=3, freq="MS")
    forecasts = []
    for size in (1.0, 1e300):  # standardised, the covariate is the same
        X = pd.DataFrame({"c": size * np.arange(24.0)}, index=INDEX)
        model = GRUForecaster(**TINY).fit(X, y)
        forecasts.append(model.predict(pd.DataFrame({"c": size * np.arange(24.0, 27)},
                                                    index=future)))
    assert_allclose(forecasts[0], forecasts[1], rtol=1e-6)
    assert np.all(model.scaler_.X_std < np.inf)


# ---------------------------------------------------------------- classical
def test_multiplicative_theta_on_values_at_or_below_zero_says_what_to_use():
    t = np.arange(48)
    y = pd.Series(-10 - np.sin(2 * np.pi * t / 12), index=pd.date_range("2020-01", periods=48,
                                                                      freq="MS"))
    assert 'needs strictly positive data. Use method="auto"' in _error(
        lambda: ThetaForecaster(method="mul").fit(None, y)
    )
    ThetaForecaster(method="auto").fit(None, y)


def test_theta_intervals_of_a_short_series_raise_no_statsmodels_warnings():
    y = pd.Series([1.0, 2.0, 4.0], index=INDEX[:3])
    forecaster = ThetaForecaster().fit(None, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        interval = forecaster.predict_interval(pd.DataFrame(index=INDEX[3:5]))
    assert np.all(interval["lower"] < interval["upper"])


# ------------------------------------------------------------------ neural
@pytest.mark.parametrize(
    ("key", "owner"),
    [("max_epochs", "max_epochs"), ("lr", "lr"), ("criterion", "loss"),
     ("module__horizon", "horizon"), ("optimizer__weight_decay", "weight_decay"),
     ("optimizer__lr", "lr"), ("callbacks__clip__max_norm", "clip_grad_norm")],
)
def test_net_params_cannot_override_the_forecasters_own_parameters(key, owner):
    model = GRUForecaster(**TINY, net_params={key: 0})
    assert f"net_params sets {key!r}, which the forecaster sets itself; set the forecaster's " \
           f"parameter {owner}= instead" in _error(lambda: model.fit(None, _panel()["a"]))


@pytest.mark.parametrize(
    ("net_params", "message"),
    [({"criterion__quantiles": (0.5,)},
      "net_params sets 'criterion__quantiles', but the criterion (L1Loss) has no argument "
      "'quantiles'"),
     ({"module__hiden": 3}, "the module (ForecastNetwork) has no argument 'hiden'"),
     ({"optimizer__momentum": 0.9}, "the optimizer (Adam) has no argument 'momentum'"),
     ({"optimizer": torch.optim.AdamW, "optimizer__nesterov": True},
      "the optimizer (AdamW) has no argument 'nesterov'"),
     ({"callbacks": {"stop": 1}}, "net_params['callbacks'] must be a list of skorch callbacks")],
)
def test_net_params_that_no_part_of_the_net_takes_are_named(net_params, message):
    # A typo failed inside skorch with a bare TypeError or AttributeError.
    model = GRUForecaster(**TINY, net_params=net_params)
    assert message in _error(lambda: model.fit(None, _panel()["a"]))
    # What a part does take passes: a criterion argument, a network one.
    GRUForecaster(**TINY, net_params={"criterion__reduction": "mean",
                                      "module__fused": True,
                                      "optimizer__amsgrad": True}).fit(None, _panel()["a"])
    # skorch's own per-group setting is not an optimizer argument, and passes.
    groups = [("head.*", {"lr": 0.01})]
    model = GRUForecaster(**TINY, net_params={"optimizer__param_groups": groups})
    model.fit(None, _panel()["a"])
    assert [g["lr"] for g in model.net_.optimizer_.param_groups] == [0.01, 0.001]


@pytest.mark.parametrize(
    ("key", "why"),
    [("iterator_train__batch_size", "the training batches are the forecaster's own"),
     ("iterator_train__shuffle", "the training batches are the forecaster's own"),
     ("iterator_valid", "the validation batches are the forecaster's own"),
     ("dataset", "the windows are made by the forecaster"),
     ("warm_start", "every fit trains a new network"),
     ("predict_nonlinearity", "forecasts are the network's outputs")],
)
def test_net_params_the_net_never_reads_are_refused(key, why):
    # They were accepted and the forecasts were bit-identical to the default.
    model = GRUForecaster(**TINY, net_params={key: 4})
    assert f"net_params sets {key!r}, which the forecaster's net does not use: {why}" \
        in _error(lambda: model.fit(None, _panel()["a"]))
    assert not hasattr(model, "net_")


def test_a_callback_on_validation_scores_needs_early_stopping():
    from skorch.callbacks import EarlyStopping

    y = _panel()["a"]
    # Without held-out windows skorch failed after the first epoch with a
    # KeyError from its history ("valid_loss was not found").
    for callbacks in ([EarlyStopping(patience=1)], [("stop", EarlyStopping(patience=1))]):
        model = GRUForecaster(**TINY, net_params={"callbacks": callbacks})
        message = _error(lambda m=model: m.fit(None, y))
        assert "which monitors 'valid_loss', but no windows are held out" in message
        assert "set early_stopping=<patience>" in message
    # With the forecaster's validation windows it runs, and so does one on
    # a training score.
    model = GRUForecaster(**{**TINY, "max_epochs": 3}, early_stopping=3,
                          net_params={"callbacks": [EarlyStopping(patience=1)]}).fit(None, y)
    assert "valid_loss" in model.net_.history[-1]
    model = GRUForecaster(**{**TINY, "max_epochs": 3}, net_params={"callbacks": [
        EarlyStopping(monitor="train_loss", patience=1)]}).fit(None, y)
    assert "valid_loss" not in model.net_.history[-1]


def test_net_params_with_a_tuple_come_back_from_save_as_given(tmp_path):
    params = {"optimizer": torch.optim.AdamW, "optimizer__betas": (0.8, 0.9)}
    model = GRUForecaster(**TINY, net_params=params).fit(None, _panel()["a"])
    assert model.net_.optimizer_.param_groups[0]["betas"] == (0.8, 0.9)
    # A class is not JSON: the error names the parameter.
    assert "net_params={'optimizer': <class 'torch.optim.adamw.AdamW'>" in _error(
        lambda: model.save(tmp_path / "adamw")
    )
    model.set_params(net_params={"optimizer__betas": (0.8, 0.9)}).fit(None, _panel()["a"])
    model.save(tmp_path / "m")
    loaded = GRUForecaster.load(tmp_path / "m")
    assert loaded.get_params() == model.get_params()
    assert loaded.net_params["optimizer__betas"] == (0.8, 0.9)


def test_save_with_a_random_state_object_names_random_state(tmp_path):
    model = GRUForecaster(**{**TINY, "random_state": np.random.RandomState(0)})
    model.fit(None, _panel()["a"])
    assert "random_state=RandomState(MT19937)" in _error(lambda: model.save(tmp_path / "m"))


# ----------------------------------------------------------------- ensemble
@pytest.mark.parametrize("aggregate", ["mean", "weighted"])
def test_a_members_error_names_the_member(aggregate):
    ensemble = EnsembleForecaster(
        [("g", GRUForecaster(**TINY, cell="foo")), ("n", NaiveForecaster())], aggregate=aggregate
    )
    message = _error(lambda: ensemble.fit(None, _panel()["a"]))
    assert message.startswith("Member 'g' of the ensemble: The 'cell' parameter")
    assert "validation_horizon" not in message  # not the weighted fit's advice


def test_make_ensemble_checks_its_random_state():
    assert "The 'random_state' parameter of make_ensemble" in _error(
        lambda: make_ensemble(random_state=-1)
    )
    seeded = make_ensemble(random_state=np.random.RandomState(3)).forecasters[0][1]
    assert seeded.random_state == make_ensemble(random_state=3).forecasters[0][1].random_state


# ------------------------------------------------------------------ metrics
def test_pinball_loss_reads_a_panels_predict_quantiles_frame():
    rng = np.random.default_rng(0)
    y = pd.DataFrame({"a": rng.normal(size=30).cumsum(), "b": rng.normal(size=30).cumsum()},
                     index=pd.date_range("2020-01", periods=30, freq="MS"))
    forecaster = NaiveForecaster().fit(None, y[:24])
    levels = [0.1, 0.5, 0.9]
    q = forecaster.predict_quantiles(pd.DataFrame(index=y.index[24:]), quantiles=levels)
    by_series = [pinball_loss(y[c][24:], q[c].to_numpy(), quantile=levels) for c in "ab"]
    assert_allclose(pinball_loss(y[24:], q, quantile=levels, multioutput="raw_values"), by_series)
    assert_allclose(pinball_loss(y[24:][["b", "a"]], q, quantile=levels,
                                 multioutput="raw_values"), by_series[::-1])
    assert "holds the quantiles [0.1, 0.5, 0.9] but quantile=[0.1, 0.9]" in _error(
        lambda: pinball_loss(y[24:], q, quantile=[0.1, 0.9])
    )


def test_pinball_loss_picks_quantile_columns_by_label_and_aligns_long_rows():
    rng = np.random.default_rng(0)
    index = pd.date_range("2020-01", periods=40, freq="MS")
    y = pd.Series(rng.normal(size=40).cumsum() + 10, index=index)
    q = NaiveForecaster().fit(None, y[:-4]).predict_quantiles(
        pd.DataFrame(index=index[-4:]), quantiles=[0.9, 0.1])
    in_order = q[[0.1, 0.9]].to_numpy()  # read by position: the levels' order
    by_hand = np.mean([np.maximum(lv * (y[-4:].to_numpy() - in_order[:, k]),
                                  (lv - 1) * (y[-4:].to_numpy() - in_order[:, k]))
                       for k, lv in enumerate([0.1, 0.9])])
    # The columns of a single series' frame were read by position (1.39 here).
    assert_allclose(pinball_loss(y[-4:], q, quantile=[0.1, 0.9]), by_hand)
    assert_allclose(pinball_loss(y[-4:], in_order, quantile=[0.1, 0.9]), by_hand)
    # A long panel's frame, in another row order, is aligned by (series, time)
    # as a single level is; other pairs are an error, not a score.
    long = pd.concat({s: pd.Series(rng.normal(size=30).cumsum() + 10, index=index[:30])
                      for s in "ab"}, names=["id", "t"])
    train, test = long.groupby(level=0).head(26), long.groupby(level=0).tail(4)
    ql = NaiveForecaster().fit(None, train).predict_quantiles(
        pd.DataFrame(index=test.index[::-1]), quantiles=[0.1, 0.9])
    assert_allclose(pinball_loss(test, ql, quantile=[0.1, 0.9]),
                    pinball_loss(test, ql.loc[test.index].to_numpy(), quantile=[0.1, 0.9]))
    assert "must hold the same (series, time) pairs" in _error(
        lambda: pinball_loss(train.groupby(level=0).tail(4), ql, quantile=[0.1, 0.9]))


def test_dates_stored_as_text_are_pointed_to_pd_to_datetime():
    # Chronological dates read from a CSV as text were "not monotonic
    # increasing; sort the data by time", which would scramble them.
    text = pd.Index(["01/12/2019", "01/01/2020", "01/02/2020", "01/03/2020"])
    message = _error(lambda: NaiveForecaster().fit(None, pd.Series([1.0, 2, 3, 4], index=text)))
    assert "must be a DatetimeIndex, PeriodIndex or integer index, got Index of dtype" in message
    assert "y.index = pd.to_datetime(y.index)" in message and "sort" not in message


def test_whole_number_floats_as_index_are_pointed_to_integers():
    # statsmodels' datasets hold years as floats (nile: 1871.0, ...); set as
    # the index they were refused without a way out.
    y = pd.Series([1120.0, 1160, 963, 1210, 1160], index=np.arange(1871.0, 1876.0))
    message = _error(lambda: NaiveForecaster().fit(None, y))
    assert "got Index of dtype float64. Its values are whole numbers stored as floats " \
           "(1871.0, ...;" in message
    assert message.endswith("make them integers, y.index = y.index.astype(int).")
    y.index = y.index.astype(int)
    assert NaiveForecaster().fit(None, y).forecast(1).index.tolist() == [1876]
    # Fractional steps get no such advice.
    fractional = pd.Series([1.0, 2, 3], index=[0.5, 1.0, 1.5])
    assert "whole numbers" not in _error(lambda: NaiveForecaster().fit(None, fractional))


def test_pinball_loss_reads_the_bounds_of_a_predict_interval_frame():
    rng = np.random.default_rng(0)
    y = pd.DataFrame({"a": rng.normal(size=30).cumsum(), "b": rng.normal(size=30).cumsum()},
                     index=pd.date_range("2020-01", periods=30, freq="MS"))
    future = pd.DataFrame(index=y.index[24:])
    panel = NaiveForecaster().fit(None, y[:24])
    expected = pinball_loss(y[24:], panel.predict_quantiles(future, quantiles=[0.05, 0.95]),
                            quantile=[0.05, 0.95])
    bounds = panel.predict_interval(future, coverage=0.9)
    # A panel's (series, bound) frame crashed ("could not convert string to
    # float: 'lower'"); the bounds are the lower and upper level, in any order.
    assert_allclose(pinball_loss(y[24:], bounds, quantile=[0.05, 0.95]), expected)
    assert_allclose(pinball_loss(y[24:], bounds, quantile=[0.95, 0.05]), expected)
    single = NaiveForecaster().fit(None, y["a"][:24])
    lower, upper = single.predict_interval(future, coverage=0.9).to_numpy().T
    truth = y["a"][24:].to_numpy()
    by_hand = np.mean([np.maximum(0.05 * (truth - lower), -0.95 * (truth - lower)),
                       np.maximum(0.95 * (truth - upper), -0.05 * (truth - upper))])
    # Levels given high first were read by position: 0.95 scored the lower bound.
    assert_allclose(pinball_loss(y["a"][24:], single.predict_interval(future, coverage=0.9),
                                 quantile=[0.95, 0.05]), by_hand)
    assert "holds interval bounds ('lower', 'upper') but quantile=[0.05, 0.5, 0.95]" in _error(
        lambda: pinball_loss(y[24:], bounds, quantile=[0.05, 0.5, 0.95]))


@pytest.mark.parametrize("quantiles, expected", [
    ("0.5", "quantiles must be probabilities strictly between 0 and 1, got '0.5'"),
    (["0.1", "0.9"], "strictly between 0 and 1, got ['0.1', '0.9']"),
    ([0.5, True], "strictly between 0 and 1, got [0.5, True]"),
    ([0.1, 0.5, 0.1], "quantiles must not repeat a level, got [0.1, 0.5, 0.1]"),
])
def test_quantile_levels_are_numbers_without_repeats(quantiles, expected):
    # Text was cast to numbers (the columns were then labelled 0.5, not
    # "0.5"); a repeated level gave two columns with one label.
    forecaster = NaiveForecaster().fit(None, _panel()["a"])
    future = pd.DataFrame(index=forecaster.forecast(2).index)
    assert expected in _error(lambda: forecaster.predict_quantiles(future, quantiles))
    # The network's levels go through the same check (text alone is not
    # array-like for its parameter validation).
    neural = expected if quantiles != "0.5" else "must be an array-like. Got '0.5'"
    assert neural in _error(
        lambda: GRUForecaster(loss="quantile", quantiles=quantiles, **TINY).fit(
            None, _panel()["a"]))


def test_quantile_columns_are_named_for_every_layout():
    y = _panel()
    future = pd.DataFrame(index=pd.date_range("2022-01", periods=2, freq="MS"))
    single = NaiveForecaster().fit(None, y["a"]).predict_quantiles(future, [0.1, 0.9])
    wide = NaiveForecaster().fit(None, y).predict_quantiles(future, [0.1, 0.9])
    long_y = y.stack().swaplevel().sort_index().rename_axis(["series", "time"])
    long_model = NaiveForecaster().fit(None, long_y)
    long = long_model.predict_quantiles(
        pd.DataFrame(index=long_model.forecast(2).index), [0.1, 0.9])
    assert single.columns.name == "quantile" and long.columns.name == "quantile"
    assert wide.columns.names == ["series", "quantile"]
    assert_allclose(long.loc["a"].to_numpy(), single.to_numpy())


def test_rows_picked_by_a_shuffling_splitter_point_to_the_time_ordered_ones():
    from sklearn.model_selection import KFold, cross_val_score

    y = _panel()["a"]
    # KFold keeps the training rows sorted but leaves gaps: the advice is the
    # splitter, not resampling.
    message = _error(lambda: cross_val_score(
        NaiveForecaster(), pd.DataFrame(index=INDEX), y,
        cv=KFold(3, shuffle=True, random_state=0), error_score="raise",
    ))
    assert "not regularly spaced" in message
    assert "use ForecastSplitter or TimeSeriesSplit" in message


def test_ensemble_weights_with_another_aggregate_are_ignored_with_a_warning():
    members = [("n", NaiveForecaster(strategy="seasonal")), ("t", ThetaForecaster())]
    y = _panel()["a"]
    with pytest.warns(UserWarning, match="weights are used by aggregate='mean' only"):
        weighted = EnsembleForecaster(members, aggregate="median", weights=[1, 0]).fit(None, y)
    plain = EnsembleForecaster(members, aggregate="median").fit(None, y)
    assert_allclose(weighted.forecast(3), plain.forecast(3))


def test_conformal_intervals_beyond_the_calibration_say_what_they_need():
    from seqforecast import ConformalForecaster

    y = np.cumsum(np.random.default_rng(0).normal(size=80)) + 50
    model = ConformalForecaster(NaiveForecaster(), horizon=1, n_windows=10).fit(None, y)
    assert "coverage 0.99 needs at least 99 calibration errors per step, but " \
           "ConformalForecaster has 10 (n_windows=10, over 1 series)" in _error(
               lambda: model.predict_interval(np.empty((1, 0)), coverage=0.99))
    bounds = model.predict_interval(np.empty((1, 0)), coverage=0.9)
    assert np.isfinite(bounds.to_numpy()).all()


def test_a_series_short_of_its_own_calibration_errors_borrows_the_scaled_pool():
    from seqforecast import ConformalForecaster
    from seqforecast.conformal import _conformal_bound

    rng = np.random.default_rng(0)
    y = pd.DataFrame(rng.normal(size=(60, 2)).cumsum(axis=0) + 50, columns=["a", "b"],
                     index=pd.date_range("2020-01", periods=60, freq="MS"))
    y.iloc[:52, 1] = np.nan  # "b" starts late: 7 calibration errors of its own
    model = ConformalForecaster(NaiveForecaster(), n_windows=20).fit(None, y)
    X = pd.DataFrame(index=pd.date_range("2025-01", periods=1, freq="MS"))
    interval = model.predict_interval(X, coverage=0.9).to_numpy()[0]
    # "a" keeps its own 20 errors: the same as calibrated alone.
    alone = ConformalForecaster(NaiveForecaster(), n_windows=20).fit(None, y["a"])
    assert_allclose(interval[:2], alone.predict_interval(X, coverage=0.9).to_numpy()[0])
    # "b" (9 needed for 90 %) gets the pooled errors scaled by the seasonal-naive
    # scale of each series (period 12 from the index, one-step for "b", too short).
    scale = np.array([np.nanmean(np.abs(np.diff(y["a"].to_numpy(), 12))),
                      np.nanmean(np.abs(np.diff(y["b"].dropna().to_numpy())))])
    radius = _conformal_bound(np.abs(model.errors_[:, 0, :] / scale).ravel(), 0.9, True)
    point = y["b"].iloc[-1]
    assert_allclose(interval[2:], [point - radius * scale[1], point + radius * scale[1]])


def test_forecast_splitter_refuses_the_rows_of_a_long_panel():
    from sklearn.model_selection import cross_validate

    from seqforecast import ForecastSplitter, smape_scorer

    y = _panel()
    long = pd.concat({"a": y["a"], "b": y["b"][3:]}, names=["id", "t"])
    assert "Use backtest(forecaster, X, y, cv=...)" in _error(lambda: cross_validate(
        ThetaForecaster(), pd.DataFrame(index=long.index), long,
        cv=ForecastSplitter(horizon=3, n_splits=2), scoring=smape_scorer, error_score="raise",
    ))


def test_a_diverging_fit_warns():
    from sklearn.exceptions import ConvergenceWarning

    y = pd.Series(10 + np.sin(np.arange(60) * np.pi / 6), index=pd.date_range(
        "2000-01", periods=60, freq="MS"))
    params = {**TINY, "max_epochs": 3}
    with pytest.warns(ConvergenceWarning, match=r"training diverged .* lower lr \(now 1e\+30\)"):
        GRUForecaster(**params, lr=1e30).fit(None, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        GRUForecaster(**params).fit(None, y)



@pytest.mark.parametrize("params", [{"max_epochs": 3, "lr": 100.0, "windows_per_epoch": None},
                                    {"max_epochs": 1, "lr": 1e30, "windows_per_epoch": None}])
def test_a_fit_broken_within_its_first_epoch_warns(params):
    # Judged only against the first epoch's loss, a run already broken by
    # the end of epoch 1 (forecasts near -50 for a series in [9, 11]) and
    # any run of one epoch passed without a word.
    from sklearn.exceptions import ConvergenceWarning

    y = pd.Series(10 + np.sin(np.arange(60) * np.pi / 6), index=pd.date_range(
        "2000-01", periods=60, freq="MS"))
    with pytest.warns(ConvergenceWarning,
                      match=r"and the untrained network's .* training diverged"):
        model = GRUForecaster(**{**TINY, "lookback": 4, "horizon": 2, **params}).fit(None, y)
    clipped = model.forecast(2)
    model.target_range_ = None  # the network's own outputs
    assert np.abs(model.forecast(2) - 10).max() > 5  # the forecasts it warns about
    # clip_outputs keeps them within the changes the series showed (9 to 11).
    assert np.abs(clipped - 10).max() < 2


@pytest.mark.parametrize("loss", ["mae", "mse", "quantile", "gaussian"])
def test_healthy_fits_of_flat_noisy_and_intermittent_series_do_not_warn(loss):
    from sklearn.exceptions import ConvergenceWarning

    rng = np.random.default_rng(0)
    for y in (pd.Series(5.0, index=range(60)), pd.Series(rng.normal(size=60)),
              pd.Series(rng.poisson(0.3, size=120).astype(float))):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            GRUForecaster(**{**TINY, "max_epochs": 3}, loss=loss).fit(None, y)


def test_a_single_series_plot_refuses_another_series_name():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from seqforecast import load_airpassengers
    from seqforecast.plotting import plot_forecast

    y = load_airpassengers()
    model = ThetaForecaster().fit(None, y[:-12])
    forecast = model.forecast(12)
    interval = model.predict_interval(pd.DataFrame(index=y.index[-12:]))
    plot_forecast(y[:-12], forecast, intervals=interval, series="passengers")
    assert "series='bogus' is not in y_history; its series is 'passengers'" in _error(
        lambda: plot_forecast(y[:-12], forecast, intervals=interval, series="bogus")
    )


def test_backtest_scoring_errors_name_the_series():
    from seqforecast import ForecastSplitter, backtest

    weeks = pd.date_range("2020-01-05", periods=120, freq="W")
    rng = np.random.default_rng(0)
    y = pd.concat({"north": pd.Series(rng.normal(size=120).cumsum(), index=weeks),
                   "south": pd.Series(rng.normal(size=60).cumsum(), index=weeks[60:])},
                  names=["id", "t"])
    message = _error(lambda: backtest(NaiveForecaster(), None, y,
                                      cv=ForecastSplitter(8, n_splits=2)))
    assert "Series 'south' of y_train has 44 observations" in message
    assert "scoring=('smape',)" in message


def test_automatic_ets_passes_over_multiplicative_fits_that_cross_zero():
    from seqforecast import ETSForecaster
    from seqforecast._ets import admissible, candidates, estimate, ets_model, results

    rng = np.random.default_rng(3)
    t = np.arange(120)
    values = 300 * (1 + 0.1 * np.sin(2 * np.pi * t / 12)) * (1 + 0.02 * rng.normal(size=120))
    values[-12:] *= 3  # a level shift, and two 50-fold outliers
    values[60] *= 50
    values[-3] *= 50
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = []
        for spec in candidates(values, 12):
            model = ets_model(values, spec, 12)
            params, _, aicc, converged = estimate(model)
            fits.append((aicc, spec, results(model, params, converged)))
        fits.sort(key=lambda fit: fit[0])
        # The lowest AICc is a multiplicative fit whose states cross zero ...
        assert not admissible(fits[0][1], fits[0][2])
        chosen = ETSForecaster(seasonal_period=12).fit(None, values)
    # ... so the next admissible one is chosen.
    expected = next(spec for _, spec, res in fits if admissible(spec, res))
    assert chosen.specs_[0] == expected != fits[0][1]
    assert np.all(chosen.forecast(12) > 0)
    # An additive model is always admissible; a damped multiplicative one that
    # goes negative is not.
    spec = {"error": "mul", "trend": "add", "damped_trend": True, "seasonal": "mul"}
    broken = next(res for _, s, res in fits if s == spec)
    assert np.any(broken.forecast(3) < 0) and not admissible(spec, broken)


def test_backtest_of_a_wide_panel_names_series_that_start_after_a_fold():
    # Series starting after the earliest cutoff failed deep in the fold's fit
    # ("Series 'c' of y has no observation (all NaN)"), with no way out.
    from seqforecast import ForecastSplitter, backtest

    index = pd.date_range("2020-01", periods=48, freq="MS")
    y = pd.DataFrame({"a": np.arange(48.0), "b": np.arange(48.0) + 5, "c": np.nan},
                     index=index)
    y.loc[index[40]:, "c"] = np.arange(8.0)
    cv = ForecastSplitter(horizon=3, n_splits=3)  # earliest cutoff: row 38
    message = _error(lambda: backtest(NaiveForecaster(), None, y, cv=cv))
    assert message.startswith(
        "1 series start after the earliest fold's cutoff (2023-03-01 00:00:00), so that fold "
        "has nothing of them to fit: series 'c' starts at 2023-05-01 00:00:00.")
    assert "y.loc[:, y.iloc[:39].notna().any()]" in message
    kept = backtest(NaiveForecaster(), None, y.loc[:, y.iloc[:39].notna().any()], cv=cv)
    assert np.isfinite(kept.scores.to_numpy()).all()


def test_backtest_of_a_long_panel_names_series_too_short_for_its_folds():
    from seqforecast import ForecastSplitter, backtest

    rng = np.random.default_rng(0)
    end = pd.Timestamp("2024-06-30")
    y = pd.concat({
        f"s{i}": pd.Series(rng.normal(size=n).cumsum() + 100,
                           index=pd.date_range(end=end - pd.Timedelta(days=i), periods=n, freq="D"))
        for i, n in enumerate([5, 20, 100, 300])
    }, names=["id", "t"])
    cv = ForecastSplitter(horizon=7, n_splits=3)  # earliest cutoff: 21 days before each end
    message = _error(lambda: backtest(NaiveForecaster(), None, y, cv=cv))
    assert "Series too short for these folds (2): ['s0', 's1']" in message
    assert "needs at least 22 observations" in message
    kept = y.groupby(level=0).filter(lambda s: len(s) >= 22)
    result = backtest(NaiveForecaster(), None, kept, cv=cv)
    assert np.isfinite(result.scores.to_numpy()).all()
    # A series of exactly 22 observations has one to train on in the first fold.
    exact = pd.concat([kept, y.loc[["s2"]].iloc[-22:].rename({"s2": "s22"}, level=0)])
    scores = backtest(NaiveForecaster(), None, exact, cv=cv, scoring=("smape",)).scores
    assert np.isfinite(scores.to_numpy()).all()


def test_series_far_below_the_panels_largest_warn_of_the_shared_floor():
    rng = np.random.default_rng(0)
    base = 10 + np.sin(np.arange(60) * np.pi / 6) + rng.normal(0, 0.1, 60).cumsum()
    index = pd.date_range("2015-01", periods=60, freq="MS")

    def fit(scales):
        panel = pd.DataFrame({f"x{c:g}": c * base for c in scales}, index=index)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = GRUForecaster(**TINY).fit(None, panel)
        messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        return model.forecast(3).to_numpy() / np.array(scales), messages

    # Six orders of magnitude: every series at its own scale, no warning.
    forecasts, messages = fit([1e-3, 1.0, 1e3])
    assert not messages
    assert_allclose(forecasts[:, 0], forecasts[:, 1], rtol=1e-6)
    # Nine: the smallest reaches the floor, and says so.
    forecasts, messages = fit([1e-3, 1.0, 1e3, 1e6])
    assert any("1 series (e.g. ['x0.001']) have a mean absolute value below the window "
               "scale's floor" in m and "in series 'x1e+06'" in m for m in messages)
    assert_allclose(forecasts[:, 1], forecasts[:, 3], rtol=1e-6)


def test_a_missing_step_is_located_and_the_fill_names_the_frequency():
    weekly = pd.Series(np.arange(155.0), index=pd.date_range("2019-01-06", periods=155, freq="W"))
    message = _error(lambda: NaiveForecaster().fit(None, weekly.drop(weekly.index[50])))
    assert "1 step(s) of its frequency 'W-SUN' are missing, the first at 2019-12-22" in message
    assert "y.asfreq('W-SUN').interpolate()" in message
    # Business days: the weekends are not gaps, the dropped day is.
    days = pd.Series(np.arange(60.0), index=pd.bdate_range("2024-01-01", periods=60))
    message = _error(lambda: NaiveForecaster().fit(None, days.drop(days.index[30])))
    assert "of its frequency 'B' are missing, the first at 2024-02-12" in message
    filled = weekly.drop(weekly.index[50]).asfreq("W-SUN").interpolate()
    assert NaiveForecaster().fit(None, filled).forecast(1).item() == 154.0


def test_a_missing_step_of_a_long_panel_gets_a_fill_that_runs_on_a_long_panel():
    # y.asfreq(...) was advised, which fails on a (series, time) index; and
    # a short series with its gap in every run of five rows got 'MS'.
    weeks = pd.date_range("2020-01-05", periods=6, freq="W-SUN")
    index = pd.MultiIndex.from_tuples(
        [("a", t) for t in weeks.delete(2)] + [("b", t) for t in weeks], names=["store", "week"])
    y = pd.Series(np.arange(11.0), index=index, name="sales")
    message = _error(lambda: NaiveForecaster().fit(None, y))
    assert "series 'a' of y" in message
    assert "1 step(s) of its frequency 'W-SUN' are missing, the first at 2020-01-19" in message
    fill = ("y.groupby(level=0, group_keys=True).apply(lambda s: s.droplevel(0)"
            ".asfreq('W-SUN').interpolate())")
    assert fill in message
    filled = eval(fill, {"y": y})  # the advice runs as written
    assert filled.loc[("a", weeks[2])] == 1.5
    forecast = NaiveForecaster().fit(None, filled).forecast(1)
    assert forecast.tolist() == [4.0, 10.0]
    # Business days with every fourth missing: no run of five rows infers a
    # frequency, and a day apart is read as business days, not days.
    days = pd.bdate_range("2024-01-01", periods=40)
    message = _error(lambda: NaiveForecaster().fit(None, pd.Series(
        np.arange(30.0), index=days.delete(np.arange(3, 40, 4)))))
    assert "9 step(s) of its frequency 'B' are missing, the first at 2024-01-04" in message
    # One series with the same gap: the plain fill, with the weekly name.
    message = _error(lambda: NaiveForecaster().fit(None, y.loc["a"]))
    assert "of its frequency 'W-SUN' are missing" in message
    assert "y.asfreq('W-SUN').interpolate()" in message


def test_a_series_that_stops_early_in_a_wide_panel_points_to_the_long_layout():
    y = _panel()
    y.iloc[-5:, 1] = np.nan
    assert "y.unstack().dropna()" in _error(lambda: NaiveForecaster().fit(None, y))
    forecast = NaiveForecaster().fit(None, y.unstack().dropna()).forecast(1)
    assert forecast.index.tolist() == [("a", INDEX[-1] + pd.DateOffset(months=1)),
                                       ("b", INDEX[-6] + pd.DateOffset(months=1))]
    inner = _panel()
    inner.iloc[10, 0] = np.nan
    assert "Fill the missing values first (e.g. y.interpolate())" in _error(
        lambda: NaiveForecaster().fit(None, inner)
    )


def test_nan_messages_fit_the_shape_of_the_missing_values():
    y = _panel()["a"].copy()
    y.iloc[-3:] = np.nan
    assert "drop them (e.g. y.loc[:y.last_valid_index()])" in _error(
        lambda: NaiveForecaster().fit(None, y)
    )
    empty_rows = _panel()
    empty_rows.iloc[-3:, :] = np.nan
    assert "The last rows are empty: drop them (e.g. y.dropna(how='all'))" in _error(
        lambda: NaiveForecaster().fit(None, empty_rows)
    )
    forecaster = NaiveForecaster().fit(None, _panel()[:18])
    new = _panel()[18:]
    new.iloc[-2:, 1] = np.nan
    message = _error(lambda: forecaster.update(None, new))
    assert "update needs a value of every series at every new step" in message
    assert forecaster.index_[-1] == INDEX[17]


def test_missing_covariates_and_text_static_features_are_named():
    y = _panel()
    X = pd.DataFrame({"x": np.arange(24.0), "z": np.ones(24)}, index=INDEX)
    X.iloc[5, 1] = np.nan
    X.iloc[7, 0] = np.inf
    message = _error(lambda: NaiveForecaster().fit(X, y))
    assert "X has NaN at row Timestamp('2020-06-01 00:00:00'), column 'z'" in message
    assert "(2 missing or infinite values in all)" in message
    assert "X has NaN at row 5, column 1" in _error(
        lambda: NaiveForecaster().fit(X.to_numpy(), y.to_numpy())
    )
    static = pd.DataFrame({"kind": ["shop", "web"]}, index=["a", "b"])
    assert "column 'kind' of static_features must hold numbers, got 'shop'" in _error(
        lambda: GRUForecaster(**TINY).fit(None, y, static_features=static)
    )


def test_interval_bounds_of_a_panel_are_labelled_by_position():
    from fractions import Fraction

    forecaster = NaiveForecaster().fit(None, _panel())
    steps = pd.DataFrame(index=pd.date_range("2022-01", periods=2, freq="MS"))
    # A Fraction passed the check but was the wrong key (KeyError: 0.05); a
    # coverage near 0 labelled both bounds "upper".
    as_fraction = forecaster.predict_interval(steps, coverage=Fraction(9, 10))
    pd.testing.assert_frame_equal(as_fraction, forecaster.predict_interval(steps, coverage=0.9))
    tiny = forecaster.predict_interval(steps, coverage=1e-17)
    assert list(tiny.columns) == [("a", "lower"), ("a", "upper"), ("b", "lower"), ("b", "upper")]
