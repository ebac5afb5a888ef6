"""Declarative parameter checks: one constraints table per estimator.

Every estimator lists its parameters' valid values in a class attribute
``_parameter_constraints`` (scikit-learn's convention, with scikit-learn's
constraint objects and messages), and :meth:`BaseForecaster.fit` checks them
once, before it looks at the data. Functions and torch modules check their
arguments with :func:`check_params` against a table of the same form.

A failed check raises :class:`InvalidParameterError` (a ``ValueError`` and a
``TypeError``) that names the parameter and its owner, lists what is valid
and shows the value received::

    The 'cell' parameter of RNNForecaster must be a str among {'gru', 'lstm',
    'rnn'}. Got 'gur' instead.

The constraint objects come from scikit-learn's parameter validation
(``sklearn.utils._param_validation``, the machinery behind every
scikit-learn estimator since 1.2); this module is the one place that
imports it, so a change there is a change here only.
"""

from __future__ import annotations

import os
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    InvalidParameterError,
    Options,
    RealNotInt,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils._param_validation import Interval as _SklearnInterval


class Interval(_SklearnInterval):
    """scikit-learn's ``Interval``, except that booleans are not numbers.

    ``True`` is an ``int`` to Python, so ``Interval(Integral, 1, None)`` would
    take ``hidden_size=True`` as 1; a flag passed where a number is expected
    is a mistake to report.
    """

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


__all__ = [
    "NON_NEGATIVE_INT",
    "N_JOBS",
    "POSITIVE_INT",
    "POSITIVE_INT_OR_NONE",
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "Options",
    "RealNotInt",
    "StrOptions",
    "check_params",
    "validate_estimator_params",
]

# The constraints used most often.
POSITIVE_INT = [Interval(Integral, 1, None, closed="left")]
POSITIVE_INT_OR_NONE = [Interval(Integral, 1, None, closed="left"), None]
NON_NEGATIVE_INT = [Interval(Integral, 0, None, closed="left")]
# joblib's convention: a positive count, or -1 for all CPUs, -2 for all but one...
N_JOBS = [
    Interval(Integral, None, -1, closed="right"), Interval(Integral, 1, None, closed="left"), None,
]


def check_params(owner, params, constraints):
    """Check ``params`` (a dict) against ``constraints``; raise on the first bad one.

    Parameters
    ----------
    owner : str
        Who takes the parameters (a class or function name), for the message.
    params : dict
        Parameter names and values.
    constraints : dict
        For each name, a list of valid kinds: ``Interval``, ``StrOptions``,
        ``Options``, a type, ``None``, ``"boolean"``, ``"array-like"``,
        ``callable`` and the other forms scikit-learn accepts, or
        ``"no_validation"``.
    """
    validate_parameter_constraints(constraints, params, caller_name=owner)


def validate_estimator_params(estimator):
    """Check an estimator's parameters against its ``_parameter_constraints``."""
    check_params(
        type(estimator).__name__,
        estimator.get_params(deep=False),
        estimator._parameter_constraints,
    )


class NoTrainingWindowError(ValueError):
    """No training window fits in the history: ``problem``, then ``advice``.

    Its own type, so that a caller with other options (the command line)
    can give the same problem with its own advice.
    """

    def __init__(self, problem, advice):
        super().__init__(f"{problem}; {advice}")
        self.problem = problem


def real_numbers(values):
    """Whether every entry of ``values`` (a scalar or any nesting of sequences) is a real number.

    Bools are not: a cast to float reads ``True`` as 1 and ``"0.5"`` as 0.5,
    so a flag or text given for a level or a weight would pass as a number.
    """
    return all(
        isinstance(v, Real) and not isinstance(v, (bool, np.bool_))
        for v in np.asarray(values, dtype=object).ravel()
    )


def save_directory(path):
    """The directory ``save`` writes to, created if needed; a clear error for a file."""
    directory = Path(os.fspath(path))
    if directory.exists() and not directory.is_dir():
        raise ValueError(
            f"save() writes a directory, but {directory} is a file; give the path of a "
            "directory (it is created if needed)."
        )
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def plain_frame_values(data):
    """A wide DataFrame of plain numeric columns as its float64 array, else ``data``.

    scikit-learn's ``check_array`` inspects a DataFrame column by column
    (5-8 us each: most of a one-row update of 100,000 series); the array of
    such a frame is what it would return. Other inputs are left for it.
    """
    if isinstance(data, pd.DataFrame) and data.shape[1] > 1 and all(
        isinstance(dtype, np.dtype) and dtype.kind in "biuf" for dtype in set(data.dtypes)
    ):
        return data.to_numpy(dtype=np.float64)
    return data


def check_numeric(data, name):
    """Reject values that are not numbers before they are cast to float.

    Timestamps and durations would silently become nanoseconds, and text
    would fail inside numpy without naming the column; both get an error
    that names ``name`` (``"y"`` or ``"X"``) and the column.
    """
    if isinstance(data, pd.Series):
        columns = [(data.name, data)]
    elif isinstance(data, pd.DataFrame):
        # A wide panel has many columns of few dtypes: look at a column only
        # when its dtype is not plainly numeric.
        plain = {d for d in set(data.dtypes) if d.kind in "biuf"}
        columns = [(label, data.iloc[:, j]) for j, (label, d) in
                   enumerate(zip(data.columns, data.dtypes, strict=True)) if d not in plain]
    else:
        dtype = getattr(data, "dtype", None)
        if dtype is not None and dtype.kind in "mM":
            raise TypeError(
                f"{name} must hold numbers, got {dtype} values (timestamps or "
                "durations); the time belongs in the index."
            )
        return
    for label, column in columns:
        where = f"column {label!r} of {name}" if label is not None else name
        dtype = column.dtype
        if dtype.kind in "mM" or isinstance(dtype, (pd.DatetimeTZDtype, pd.PeriodDtype)):
            raise TypeError(
                f"{where} holds {dtype} values (timestamps or durations); {name} must "
                "hold numbers, and the time belongs in the index."
            )
        if pd.api.types.is_numeric_dtype(dtype):
            continue
        values = column.astype(object) if isinstance(dtype, pd.CategoricalDtype) else column
        bad = column[pd.to_numeric(values, errors="coerce").isna() & column.notna()]
        if len(bad):
            raise ValueError(
                f"{where} must hold numbers, got {bad.iloc[0]!r} (dtype {dtype}) at "
                f"{bad.index[0]!r}; convert or drop the column first."
            )
