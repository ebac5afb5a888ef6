"""The AirPassengers series, bundled as package data."""

from __future__ import annotations

from importlib import resources

import pandas as pd


def load_airpassengers():
    """Load the monthly totals of international airline passengers, 1949-1960.

    The classic Box & Jenkins "Series G" (thousands of passengers, 144 months
    from January 1949 to December 1960), bundled with seqforecast; it needs no
    download and no optional package. Trend and multiplicative seasonality
    make it a standard first test of a forecaster (a log transform helps).

    Returns
    -------
    y : pandas.Series of shape (144,)
        Integer counts named ``"passengers"``, indexed by a monthly
        ``DatetimeIndex`` named ``"month"`` with frequency ``"MS"`` (month
        start).

    References
    ----------
    Box, G. E. P., Jenkins, G. M., Reinsel, G. C. and Ljung, G. M. (2015).
    *Time Series Analysis: Forecasting and Control*, 5th edition, Wiley.
    Series G.

    Examples
    --------
    >>> from seqforecast.datasets import load_airpassengers
    >>> y = load_airpassengers()
    >>> y.index.freqstr, len(y), int(y.iloc[0]), int(y.iloc[-1])
    ('MS', 144, 112, 432)
    """
    source = resources.files("seqforecast.datasets").joinpath("data").joinpath(
        "airpassengers.csv"
    )
    with source.open("r", encoding="utf-8") as f:
        frame = pd.read_csv(f, dtype={"month": str, "passengers": "int64"})
    # freq="MS" also checks that the months are consecutive.
    index = pd.DatetimeIndex(
        pd.to_datetime(frame["month"], format="%Y-%m"), freq="MS", name="month"
    )
    return pd.Series(frame["passengers"].to_numpy(), index=index, name="passengers")
