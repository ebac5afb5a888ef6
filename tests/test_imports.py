"""Import costs: ``import seqforecast`` and the command line load no heavy library.

Each check runs in a fresh interpreter, since this test process has long
imported everything. The libraries are loaded where they are used: pandas and
scikit-learn with the first estimator or function, statsmodels with the first
ARIMA, ETS or Theta fit, torch and skorch with a neural forecaster.
"""

import json
import subprocess
import sys

import pytest

import seqforecast

HEAVY = ("matplotlib", "skorch", "statsmodels", "torch")
# What --help and usage errors must also do without, to answer at once.
CLI_FREE = (*HEAVY, "pandas", "sklearn")

_REPORT = "import json, sys; print(json.dumps(sorted(m for m in {names!r} if m in sys.modules)))"


def loaded_after(code, names=HEAVY):
    """Run ``code`` in a new interpreter; the ``names`` it left in sys.modules.

    ``code`` may print; the last line of the output is the report.
    """
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\n{_REPORT.format(names=names)}"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    return lines[:-1], json.loads(lines[-1])


# ---------------------------------------------------------------- package
def test_import_loads_no_heavy_library():
    _, loaded = loaded_after("import seqforecast", names=CLI_FREE)
    assert loaded == []


def test_naive_forecaster_works_without_statsmodels_or_torch():
    out, loaded = loaded_after(
        "import numpy as np\n"
        "from seqforecast import NaiveForecaster\n"
        "model = NaiveForecaster(strategy='last').fit(None, np.arange(10.0))\n"
        "print(model.predict(np.empty((3, 0))).tolist())"
    )
    assert out == ["[9.0, 9.0, 9.0]"]
    assert loaded == []


def test_statsmodels_loads_with_the_first_classical_fit():
    out, loaded = loaded_after(
        "import sys\n"
        "import numpy as np\n"
        "import seqforecast\n"
        "classes = [seqforecast.ARIMAForecaster, seqforecast.ETSForecaster,\n"
        "           seqforecast.ThetaForecaster]\n"
        "print('statsmodels' in sys.modules)\n"
        "y = 10 + np.sin(np.arange(40.0))\n"
        "forecast = seqforecast.ARIMAForecaster().fit(None, y).predict(np.empty((2, 0)))\n"
        "print(forecast.shape)"
    )
    assert out == ["False", "(2,)"]
    assert loaded == ["statsmodels"]


@pytest.mark.parametrize("model", ["ETSForecaster()", "ThetaForecaster()",
                                   "ARIMAForecaster(order=(0, 1, 1), with_constant=True)"])
def test_the_first_classical_fit_of_a_process_lets_no_statsmodels_warning_through(model):
    # statsmodels' first import puts "always" filters in front of the active
    # ones; inside the fit's own warning suppression it let "Maximum
    # Likelihood optimization failed to converge" through.
    out, _ = loaded_after(
        "import warnings\n"
        "import numpy as np\n"
        "import seqforecast\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        f"    seqforecast.{model}.fit(None, np.full(24, 3.0))\n"
        "print([str(w.message)[:40] for w in caught if 'statsmodels' in w.filename])"
    )
    assert out == ["[]"]


def test_every_public_name_and_submodule_resolves():
    for name in seqforecast.__all__:
        assert getattr(seqforecast, name) is not None, name
    assert set(seqforecast.__all__) <= set(dir(seqforecast))
    assert seqforecast.metrics.mae([1.0, 2.0], [1.0, 4.0]) == pytest.approx(1.0)
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchForecaster'"):
        seqforecast.NoSuchForecaster


# ------------------------------------------------------------ command line
@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["--help"], 0),
        (["--version"], 0),
        (["compare", "--help"], 0),
        (["forecast", "--help"], 0),
        ([], 2),  # no command
        (["compare", "--no-such-option"], 2),  # unknown option
        (["compare", "--holdout", "0"], 2),  # bad value
        (["compare", "--seed", "x"], 2),  # bad value
        (["compare", "--models", "nope"], 2),  # unknown model
        (["forecast", "data.csv"], 2),  # missing required options
    ],
)
def test_help_and_usage_errors_load_no_library(argv, status):
    # ``python -m seqforecast`` runs this main() (test_cli.py checks its exit
    # statuses). main() turns argparse's SystemExit into its return value; the
    # wrapper catches one anyway, so that a regression shows as a wrong status.
    out, loaded = loaded_after(
        "from seqforecast.cli import main\n"
        "try:\n"
        f"    status = main({argv!r})\n"
        "except SystemExit as exc:\n"
        "    status = f'SystemExit({exc.code})'\n"
        "print(status)",
        names=CLI_FREE,
    )
    assert out[-1] == str(status)
    assert loaded == []
