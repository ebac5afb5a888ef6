"""statsmodels' ETS model whose results compute the parameters' covariance when read.

``ETSResults.__init__`` computes the covariance of the parameters at once,
by a complex-step Hessian of the log-likelihood (about ``k**2`` passes over
the series for ``k`` parameters; a seasonal model with 12 initial seasonal
states has about 17). No forecast or interval reads it: they use the
parameters. Yet every results object pays for it, and seqforecast builds
one per chosen model in ``fit``, and again per series in every ``update``
and when a pickled ETS forecaster is loaded (most of their time). Here it
is computed on first use (``bse``, ``summary()``, ``cov_params()``), with
statsmodels' own code and the same values.

Imported only where an ETS model is built, so that importing seqforecast
does not load statsmodels.
"""

from __future__ import annotations

import numpy as np
from statsmodels.tsa.exponential_smoothing.ets import ETSModel, ETSResults, ETSResultsWrapper

__all__ = ["LazyCovETSModel", "LazyCovETSResults"]


class LazyCovETSResults(ETSResults):
    """``ETSResults`` with ``cov_params_default`` computed on first read."""

    def __init__(self, model, params, results, **kwargs):
        self._deferring = True  # statsmodels' __init__ asks for the covariance
        try:
            super().__init__(model, params, results, **kwargs)
        finally:
            self._deferring = False

    @property
    def cov_params_approx(self):
        if self._deferring:
            return None
        cache = self.__dict__.setdefault("_lazy_cov", {})
        if "approx" not in cache:
            cache["approx"] = ETSResults.cov_params_approx.func(self)
        return cache["approx"]

    @property
    def cov_params_default(self):
        cache = self.__dict__.setdefault("_lazy_cov", {})
        if "default" not in cache:
            k = len(self.params)
            if k == 0:
                cache["default"] = np.zeros((0, 0))
            else:
                try:
                    cache["default"] = self.cov_params_approx
                except np.linalg.LinAlgError:  # as statsmodels: a singular matrix
                    cache["default"] = np.full((k, k), np.nan)
        return cache["default"]

    @cov_params_default.setter
    def cov_params_default(self, value):
        if not self._deferring:
            self.__dict__.setdefault("_lazy_cov", {})["default"] = value


class LazyCovETSModel(ETSModel):
    """``ETSModel`` whose ``fit`` and ``smooth`` give :class:`LazyCovETSResults`."""

    @property
    def _res_classes(self):
        return {"fit": (LazyCovETSResults, ETSResultsWrapper)}
