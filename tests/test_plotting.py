"""Plots drawn with the Agg backend: lines, bands and labels checked against the inputs."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from seqforecast.baselines import NaiveForecaster  # noqa: E402
from seqforecast.model_selection import ForecastSplitter, backtest  # noqa: E402
from seqforecast.plotting import plot_backtest, plot_forecast  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def split(monthly_series):
    """History, forecast (seasonal naive), actuals and a 90 % interval frame."""
    history, future = monthly_series.iloc[:-12], monthly_series.iloc[-12:]
    forecast = NaiveForecaster(strategy="seasonal").fit(None, history).forecast(12)
    intervals = pd.DataFrame(
        {"lower": forecast - 5.0, "upper": forecast + 5.0}, index=forecast.index
    ).rename_axis(columns="bound")
    return history, forecast, future, intervals


def _line(ax, label):
    [line] = [line for line in ax.get_lines() if line.get_label() == label]
    return line


def _assert_line_is(line, series):
    np.testing.assert_array_equal(line.get_xdata(), series.index.to_numpy())
    np.testing.assert_allclose(line.get_ydata(), series.to_numpy())


def _bands(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def test_plot_forecast_lines_equal_the_inputs(split):
    history, forecast, future, _ = split
    ax = plot_forecast(history, forecast, y_true=future, title="Sales")
    assert [line.get_label() for line in ax.get_lines()] == ["history", "actual", "forecast"]
    _assert_line_is(_line(ax, "history"), history)
    _assert_line_is(_line(ax, "actual"), future)
    _assert_line_is(_line(ax, "forecast"), forecast)
    assert ax.get_title() == "Sales"
    assert ax.get_ylabel() == "sales"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "history", "actual", "forecast"
    ]
    assert _bands(ax) == []
    # Dates on the x axis.
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)


def test_plot_forecast_shades_the_interval(split):
    history, forecast, _, intervals = split
    ax = plot_forecast(history, forecast, intervals=intervals)
    [band] = _bands(ax)
    assert band.get_label() == "interval"
    # The band's outline runs along the lower and the upper bounds.
    vertices = band.get_paths()[0].vertices
    x = mdates.date2num(forecast.index.to_numpy())
    for bound in (intervals["lower"], intervals["upper"]):
        for xi, yi in zip(x, bound, strict=True):
            assert np.any(np.isclose(vertices[:, 0], xi) & np.isclose(vertices[:, 1], yi))
    assert "interval" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_forecast_several_intervals_widest_first(split):
    history, forecast, _, narrow = split
    wide = narrow.assign(lower=narrow["lower"] - 5, upper=narrow["upper"] + 5)
    ax = plot_forecast(history, forecast, intervals={0.8: narrow, 0.95: wide})
    bands = _bands(ax)
    assert [b.get_label() for b in bands] == ["95% interval", "80% interval"]
    # The wide band reaches 10 below the forecast, the narrow one 5.
    assert bands[0].get_paths()[0].vertices[:, 1].min() == pytest.approx(forecast.min() - 10)
    assert bands[1].get_paths()[0].vertices[:, 1].min() == pytest.approx(forecast.min() - 5)
    assert bands[0].get_alpha() < bands[1].get_alpha()


def test_plot_forecast_history_tail_and_given_axes(split):
    history, forecast, _, _ = split
    _, ax = plt.subplots()
    assert plot_forecast(history, forecast, ax=ax, history_tail=12) is ax
    _assert_line_is(_line(ax, "history"), history.iloc[-12:])
    with pytest.raises(ValueError, match=r"'history_tail' parameter of plot_forecast must be an"):
        plot_forecast(history, forecast, history_tail=0)


def test_plot_forecast_from_a_one_series_panel(split):
    history, forecast, _, intervals = split
    frame = history.to_frame()
    f = NaiveForecaster(strategy="seasonal").fit(None, frame)
    panel_intervals = pd.concat({"sales": intervals}, axis=1)  # columns (series, bound)
    ax = plot_forecast(frame, f.forecast(12), intervals=panel_intervals)
    _assert_line_is(_line(ax, "forecast"), forecast)
    assert len(_bands(ax)) == 1


def test_plot_forecast_arrays_follow_the_history(split):
    history, forecast, _, _ = split
    ax = plot_forecast(history, forecast.to_numpy())
    _assert_line_is(_line(ax, "forecast"), forecast)  # timestamps after the history
    ax = plot_forecast(history.to_numpy(), forecast.to_numpy(),
                       intervals=pd.DataFrame({"lower": np.zeros(12), "upper": np.ones(12)}))
    np.testing.assert_array_equal(_line(ax, "forecast").get_xdata(), np.arange(48, 60))
    assert _bands(ax)[0].get_paths()[0].vertices[:, 0].min() == 48
    # Intervals without an index beside a dated history: after the history
    # too (their positions used to be read as days after 1970).
    ax = plot_forecast(history, forecast.to_numpy(), intervals=pd.DataFrame(
        {"lower": forecast.to_numpy() - 5, "upper": forecast.to_numpy() + 5}))
    x = _bands(ax)[0].get_paths()[0].vertices[:, 0]
    dates = mdates.date2num(forecast.index.to_numpy())
    assert x.min() == pytest.approx(dates.min()) and x.max() == pytest.approx(dates.max())


def test_plot_forecast_period_index(split):
    history, forecast, _, _ = split
    ax = plot_forecast(history.to_period("M"), forecast.to_period("M"))
    _assert_line_is(_line(ax, "forecast"), forecast)  # periods drawn at their start


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"y_forecast": pd.DataFrame({"a": [1.0], "b": [2.0]})}, "has 2 columns but the plot"),
        ({"intervals": pd.DataFrame({"lo": [1.0], "hi": [2.0]})}, "needs 'lower' and 'upper'"),
        ({"intervals": np.zeros((2, 2))}, "must be a DataFrame with columns 'lower'"),
        ({"y_true": np.zeros((3, 2))}, r"must hold one series .* shape \(3, 2\)"),
    ],
)
def test_plot_forecast_bad_input(split, kwargs, match):
    history, forecast, _, _ = split
    args = {"y_history": history, "y_forecast": forecast, **kwargs}
    with pytest.raises(ValueError, match=match):
        plot_forecast(**args)


def test_plot_forecast_interval_keys_must_be_coverages(split):
    # "90%" failed inside the legend's format, 90 was labelled "9000% interval".
    history, forecast, _, intervals = split
    for key in ("90%", 90, 0, 1.0, True, None):
        with pytest.raises(ValueError, match=rf"intervals has the key {key!r}, but its keys are "
                                             r"coverage levels: numbers strictly between 0 and "
                                             r"1, e.g. \{0.9: frame\} for a 90% interval"):
            plot_forecast(history, forecast, intervals={key: intervals})
    f = NaiveForecaster().fit(None, history)
    iv = f.predict_interval(pd.DataFrame(index=f.forecast(3).index), coverage=0.9)
    ax = plot_forecast(history, f.forecast(3), intervals={np.float64(0.9): iv})
    assert [b.get_label() for b in _bands(ax)] == ["90% interval"]


def test_missing_matplotlib_names_the_extra(monkeypatch, split):
    history, forecast, _, _ = split
    # A None entry makes the import fail as if matplotlib were not installed.
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "seqforecast\[plot\]"'):
        plot_forecast(history, forecast)
    with pytest.raises(ImportError, match="plot_backtest needs matplotlib"):
        plot_backtest(None)


# ------------------------------------------------------------------ backtest
def test_plot_backtest_draws_actuals_and_each_fold(monthly_series):
    result = backtest(NaiveForecaster(strategy="seasonal"), None, monthly_series,
                      cv=ForecastSplitter(horizon=6, n_splits=3))
    ax = plot_backtest(result)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["actual", "fold 0", "fold 1", "fold 2"]
    _assert_line_is(_line(ax, "actual"), monthly_series)
    for k in range(3):
        fold = result.forecasts[result.forecasts["fold"] == k]
        _assert_line_is(_line(ax, f"fold {k}"), fold.set_index("time")["forecast"])
    means = result.scores.mean()
    assert ax.get_title() == (
        f"Backtest of sales: 3 folds (mean smape {means['smape']:.3g}, "
        f"mase {means['mase']:.3g})"
    )
    assert ax.get_ylabel() == "sales"
    assert _bands(ax) == []


def test_plot_backtest_panel_and_intervals(ragged_panel):
    class WithIntervals(NaiveForecaster):
        def _predict_quantiles(self, n_steps, X, quantiles):
            return self._predict(n_steps, X)[:, :, None] + 10.0 * (quantiles - 0.5)

    result = backtest(WithIntervals(), None, ragged_panel,
                      cv=ForecastSplitter(horizon=4, n_splits=2), coverage=0.8)
    with pytest.raises(ValueError, match=r"has 3 series \(\['a', 'b', 'c'\]\); choose one"):
        plot_backtest(result)
    with pytest.raises(ValueError, match="series='z' is not in the backtest"):
        plot_backtest(result, series="z")
    ax = plot_backtest(result, series="c")
    _assert_line_is(_line(ax, "actual"), ragged_panel["c"].dropna())  # leading NaN dropped
    bands = _bands(ax)
    assert len(bands) == 2
    fold = result.forecasts[(result.forecasts["fold"] == 1) & (result.forecasts["series"] == "c")]
    assert bands[1].get_paths()[0].vertices[:, 1].max() == pytest.approx(fold["upper"].max())
    # The tidy table alone: actuals known only at the forecast steps.
    ax = plot_backtest(result.forecasts, series="a")
    assert len(_line(ax, "actual").get_xdata()) == 8
    with pytest.raises(ValueError, match="result must be a BacktestResult"):
        plot_backtest(pd.DataFrame({"x": [1]}))


# -------------------------------------------------------------- example script
def test_example_script_writes_both_pngs(tmp_path):
    path = Path(__file__).parents[1] / "examples" / "make_plots.py"
    spec = importlib.util.spec_from_file_location("make_plots", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    forecast_png, backtest_png, result = module.main(tmp_path)
    for png in (forecast_png, backtest_png):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.scores.shape == (4, 2)
