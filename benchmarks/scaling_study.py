"""Window scalings tried for the networks, on the validation split only.

The window scalings centre each window on ``s`` and divide it by ``s``:
``scaling="mean"`` takes the mean absolute value of the whole past (signed
like its mean), ``scaling="recent"`` (the default since the sixth session)
that of its last third. Variants aimed at the networks' weak first steps
(they track each series' current level less tightly than per-series models)
are tried here by swapping the scaler's rule, for either window scaling, for
the length of one run::

    python -m benchmarks.scaling_study --category monthly --variant recent
    python -m benchmarks.scaling_study --category yearly --variant last --configs base,gru
    python -m benchmarks.scaling_study --category yearly --variant recent --k 4 --origin 2

``recent``: ``s`` from the last ``k`` observed steps only (``k`` = the
seasonal period, or ``--k`` without a season); ``last``: centred on the last
observed value, divided by the whole window's ``s``; ``ewm``: ``s`` an
exponentially weighted mean of ``|y|`` with a half-life of a third of the
window. Rows go to ``benchmarks/results/tuning.csv`` as
``scale_<variant>:<config>``. ``last`` and ``ewm`` did not improve the
validation error in every category; ``recent``, measured again with weight
averaging and the MASE-scaled loss, did, and became the package's
``scaling="recent"`` with ``k`` a third of the window (benchmarks/README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path
from unittest import mock

import numpy as np

from benchmarks import _cli

RESULTS = Path(__file__).resolve().parent / "results"


def _variant_scale(variant, k):
    """The scaler's rule for the window scalings ("mean", "recent"), replaced by ``variant``.

    Written for the host path (numpy), where the study runs; ``"standard"``
    and no scaling keep the package's rule.
    """
    from seqforecast.neural import data

    default = data._window_scale

    def window_scale(ops, scaling, floor, constants, past, series_idx):
        if scaling not in data.WINDOW_SCALINGS:
            return default(ops, scaling, floor, constants, past, series_idx)
        # The whole window's scale, which the variants fall back to.
        _, size = default(ops, "mean", floor, constants, past, series_idx)
        if ops is not data._NUMPY:
            raise RuntimeError("the scaling study runs on the host (numpy) path only")
        sign = np.where(np.nanmean(past, axis=1, keepdims=True) < 0, -1.0, 1.0)
        if variant == "last":
            observed = ~np.isnan(past)
            last_observed = np.where(observed, np.arange(past.shape[1]), -1).max(axis=1)
            return past[np.arange(len(past)), last_observed][:, None], size
        if variant == "ewm":
            # Exponentially weighted mean |value|, half-life a third of the window.
            n = past.shape[1]
            weights = 0.5 ** ((n - 1 - np.arange(n)) / max(n / 3, 1.0))
            observed = ~np.isnan(past)
            total = (np.where(observed, np.abs(past), 0.0) * weights).sum(axis=1, keepdims=True)
            norm = (observed * weights).sum(axis=1, keepdims=True)
            level = np.maximum(total / np.maximum(norm, 1e-300), floor)
            return sign * level, sign * level
        with np.errstate(invalid="ignore"):
            recent = np.nanmean(np.abs(past[:, -k:]), axis=1, keepdims=True)
        recent = np.where(np.isfinite(recent), np.maximum(recent, floor), np.abs(size))
        return sign * recent, sign * recent

    return window_scale


def main(argv=None):
    parser = _cli.category_parser("benchmarks.scaling_study", __doc__)
    parser.add_argument("--variant", required=True, choices=["recent", "last", "ewm"])
    parser.add_argument("--k", type=int, default=6,
                        help="steps of the recent scale without a season (default 6)")
    parser.add_argument("--configs", default="base,gru")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--origin", type=int, default=1,
                        help="validation fold, as in benchmarks.tune (default 1)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import pandas as pd

    from benchmarks import tune
    from seqforecast.datasets import load_m3
    from seqforecast.neural import data

    names = _cli.names(parser, args.configs, tune.CONFIGS, "configs")
    period = load_m3(args.category, n_series=1, random_state=0).seasonal_period
    k = period if period > 1 else args.k
    # One scratch folder per run, so that runs in parallel do not mix rows.
    scratch = args.out / "cache" / "scaling_study" / f"{args.category}_{args.variant}"
    # The package's rule comes back afterwards, for whatever runs next in this process.
    with mock.patch.object(data, "_window_scale", _variant_scale(args.variant, k)):
        tune.run(args.category, names, [int(s) for s in args.seeds.split(",")], scratch,
                 args.origin)
    rows = pd.read_csv(scratch / "tuning.csv").tail(len(names) * len(args.seeds.split(",")))
    rows["config"] = f"scale_{args.variant}:" + rows["config"]
    path = args.out / "tuning.csv"
    rows.to_csv(path, mode="a", header=not path.exists(), index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
