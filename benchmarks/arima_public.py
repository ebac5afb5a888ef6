"""Automatic ARIMA with the filter's and the Toeplitz likelihood, on public series outside M3.

One command::

    python -m benchmarks.arima_public

Runs ``seqforecast._autoarima.auto_arima`` twice on each of eight series
that statsmodels and this package bundle (log AirPassengers; statsmodels'
Nile, the last 150 years of sunspots, the last 180 months of El Nino,
macrodata's log real GDP, unemployment rate and CPI, the last 180 months of
Mauna Loa CO2 averaged by month), once with statsmodels' Kalman filter
alone and once with the Toeplitz likelihood the package uses on short
series, and reports whether the chosen model is the same, how far apart the
12-step forecasts are, and each arm's CPU seconds. Nothing is held out:
this checks what the likelihood changes, not accuracy.

Writes ``benchmarks/results/arima_public.csv`` (``--out``).
"""

from __future__ import annotations

from benchmarks import _cli

_cli.one_thread_per_library()  # before numpy is imported

import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def public_series():
    """``{name: (values, seasonal period)}`` of the eight series."""
    import statsmodels.api as sm

    from seqforecast.datasets import load_airpassengers

    macro = sm.datasets.macrodata.load_pandas().data
    elnino = sm.datasets.elnino.load_pandas().data.iloc[:, 1:].to_numpy(float).ravel()
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    return {
        "log AirPassengers": (np.log(load_airpassengers().to_numpy(float).ravel()), 12),
        "nile": (sm.datasets.nile.load_pandas().data["volume"].to_numpy(float), 1),
        "sunspots (last 150)": (
            sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(float)[-150:], 1),
        "elnino (last 180)": (elnino[-180:], 12),
        "log realgdp": (np.log(macro["realgdp"].to_numpy(float)), 4),
        "unemp": (macro["unemp"].to_numpy(float), 4),
        "cpi": (macro["cpi"].to_numpy(float), 4),
        "co2 monthly (last 180)": (co2.to_numpy(float)[-180:], 12),
    }


def run(out):
    import pandas as pd

    from benchmarks.arima_likelihood import likelihood
    from seqforecast import _autoarima

    rows = []
    for name, (y, m) in public_series().items():
        arms = {}
        for arm in (False, True):
            with likelihood(arm), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.process_time()
                fit = _autoarima.auto_arima(y, None, m)
                arms[arm] = (fit.spec, fit.results.forecast(12), time.process_time() - start)
        (spec_f, fc_f, cpu_f), (spec_t, fc_t, cpu_t) = arms[False], arms[True]
        rows.append({
            "series": name, "n": len(y), "period": m,
            "spec_filter": f"{spec_f.order}{spec_f.seasonal_order} c={spec_f.with_constant}",
            "spec_toeplitz": f"{spec_t.order}{spec_t.seasonal_order} c={spec_t.with_constant}",
            "same_spec": spec_f == spec_t,
            "max_rel_forecast_diff": float(np.max(np.abs(fc_t - fc_f) / np.abs(fc_f))),
            "cpu_s_filter": cpu_f, "cpu_s_toeplitz": cpu_t,
        })
    _cli.write_table(pd.DataFrame(rows), out, "%.4g", width=220)


def main(argv=None):
    return _cli.run_with_out(__doc__, run, RESULTS / "arima_public.csv", argv)


if __name__ == "__main__":
    sys.exit(main())
