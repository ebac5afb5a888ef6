"""Parameter checks shared by the forecasters, metrics and plots.

Each raises a ValueError that names the parameter, says what is expected
and shows the value received.
"""

from __future__ import annotations

import numbers

import numpy as np


def check_choice(name, value, allowed):
    """``value`` must be one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}.")


def check_bool(name, value):
    """``value`` must be True or False (numpy booleans too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}.")


def check_positive_int(name, value, *, allow_none=False):
    """``value`` must be an integer >= 1 (or None); returns it as an int."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        none = " or None" if allow_none else ""
        raise ValueError(f"{name} must be a positive integer{none}, got {value!r}.")
    return int(value)
