"""seqforecast: recurrent-network forecasting as scikit-learn estimators."""

from seqforecast.base import BaseForecaster

__version__ = "0.1.0"

__all__ = ["BaseForecaster", "__version__"]
