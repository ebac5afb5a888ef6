"""seqforecast: recurrent-network forecasting as scikit-learn estimators.

Every public name is imported on first use (PEP 562), so ``import seqforecast``
and ``seqforecast --help`` load only the standard library: scikit-learn and
pandas come with the first estimator or function used, statsmodels with the
first ARIMA, ETS or Theta fit, and torch and skorch with a neural forecaster.
"""

import importlib

__version__ = "0.1.0"

# Public name -> the module that defines it.
_EXPORTS = {
    "detect_seasonal_period": "seqforecast._time",
    "BaseForecaster": "seqforecast.base",
    "seasonal_period_from_freq": "seqforecast.base",
    "NaiveForecaster": "seqforecast.baselines",
    "ARIMAForecaster": "seqforecast.baselines",
    "ETSForecaster": "seqforecast.baselines",
    "ThetaForecaster": "seqforecast.baselines",
    "ConformalForecaster": "seqforecast.conformal",
    "load_airpassengers": "seqforecast.datasets",
    "load_m3": "seqforecast.datasets",
    "EnsembleForecaster": "seqforecast.ensemble",
    "make_ensemble": "seqforecast.ensemble",
    "coverage": "seqforecast.metrics",
    "interval_width": "seqforecast.metrics",
    "mae": "seqforecast.metrics",
    "mase": "seqforecast.metrics",
    "mase_scorer": "seqforecast.metrics",
    "msis": "seqforecast.metrics",
    "pinball_loss": "seqforecast.metrics",
    "rmse": "seqforecast.metrics",
    "smape": "seqforecast.metrics",
    "smape_scorer": "seqforecast.metrics",
    "BacktestResult": "seqforecast.model_selection",
    "ForecastSplitter": "seqforecast.model_selection",
    "backtest": "seqforecast.model_selection",
    "RNNForecaster": "seqforecast.neural",
    "LSTMForecaster": "seqforecast.neural",
    "GRUForecaster": "seqforecast.neural",
    "CalendarFeatures": "seqforecast.transformers",
    "LagFeatures": "seqforecast.transformers",
    "SlidingWindow": "seqforecast.windowing",
}

__all__ = sorted([*_EXPORTS, "__version__"])

# Public submodules, reachable as attributes after a bare ``import seqforecast``
# (``seqforecast.metrics.mae``) as when this file imported them eagerly.
_SUBMODULES = frozenset(
    {
        "base",
        "baselines",
        "conformal",
        "datasets",
        "ensemble",
        "metrics",
        "model_selection",
        "neural",
        "plotting",
        "transformers",
        "windowing",
    }
)


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later lookups skip __getattr__
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"seqforecast.{name}")
    raise AttributeError(f"module 'seqforecast' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_EXPORTS})
