"""Weight averaging (``weight_averaging``): the EMA of the weights, checked by hand."""

import numpy as np
import pandas as pd
import pytest
import torch
from skorch.callbacks import Callback

from seqforecast import LSTMForecaster


def _panel():
    rng = np.random.default_rng(0)
    t = np.arange(80)[:, None]
    y = 5 + np.sin(t / 2 + rng.normal(size=4)) + rng.normal(0, 0.1, (80, 4))
    return pd.DataFrame(y)


class _Record(Callback):
    """Live weights after every training step, and the average at each epoch end."""

    def initialize(self):
        self.steps_, self.averages_ = [], []
        return self

    def on_batch_end(self, net, training=None, **kwargs):
        if training:
            self.steps_.append({k: v.clone() for k, v in net.module_.state_dict().items()})

    def on_epoch_end(self, net, **kwargs):
        averaging = dict(net.callbacks_).get("averaging")
        if averaging is not None:
            state = averaging.average_.state_dict()
            self.averages_.append({k: v.clone() for k, v in state.items()})


def _fit(**params):
    record = _Record()
    params = {
        "horizon": 4, "seasonal_period": 4, "hidden_size": 4, "max_epochs": 4,
        "windows_per_epoch": 64, "batch_size": 16, "random_state": 0,
        "net_params": {"callbacks": [("record", record)]}, **params,
    }
    model = LSTMForecaster(**params).fit(None, _panel())
    return model, record


def _weights(model):
    return model.net_.module_.state_dict()


def _by_hand(steps, decay):
    """The first step's weights, then avg = d * avg + (1 - d) * w at step t = 2, 3, ..."""
    expected = dict(steps[0])
    for t, step in enumerate(steps[1:], start=2):
        d = min(decay, (1 + t) / (10 + t))
        expected = {k: d * expected[k] + (1 - d) * step[k] for k in expected}
    return expected


@pytest.mark.parametrize("decay", [0.5, 0.9])
def test_fitted_weights_are_the_exponential_average_of_the_steps(decay):
    model, record = _fit(weight_averaging=decay)
    assert len(record.steps_) == 16
    expected = _by_hand(record.steps_, decay)
    for name, value in _weights(model).items():
        torch.testing.assert_close(value, expected[name], rtol=1e-5, atol=1e-6)
        assert not torch.allclose(value, record.steps_[-1][name])


def test_averaging_leaves_the_training_path_unchanged():
    # Validation runs on the average; training must go on from the live weights.
    _, plain = _fit(early_stopping=10, weight_averaging=None)
    _, averaged = _fit(early_stopping=10, weight_averaging=0.8)
    assert len(plain.steps_) == len(averaged.steps_)
    for a, b in zip(plain.steps_, averaged.steps_, strict=True):
        for name in a:
            torch.testing.assert_close(a[name], b[name], rtol=0, atol=0)


def test_early_stopping_keeps_the_average_of_its_best_epoch():
    model, record = _fit(early_stopping=10, weight_averaging=0.8)
    best = record.averages_[model.best_epoch_ - 1]
    for name, value in _weights(model).items():
        torch.testing.assert_close(value, best[name], rtol=0, atol=0)
    # The validation losses are those of the averages, not of the live weights.
    plain, _ = _fit(early_stopping=10, weight_averaging=None)
    averaged_losses = model.net_.history[:, "valid_loss"]
    plain_losses = plain.net_.history[:, "valid_loss"]
    assert all(a != b for a, b in zip(averaged_losses, plain_losses, strict=True))


def test_averaging_changes_forecasts_and_is_repeatable():
    index = pd.DataFrame(index=range(80, 84))
    plain, _ = _fit(weight_averaging=None)
    a, _ = _fit(weight_averaging=0.9)
    b, _ = _fit(weight_averaging=0.9)
    np.testing.assert_array_equal(a.predict(index), b.predict(index))
    assert not np.allclose(a.predict(index), plain.predict(index))


@pytest.mark.parametrize("value", [0.0, 1.0, 1.5, "ema"])
def test_bad_decay_is_rejected(value):
    with pytest.raises(ValueError, match="weight_averaging"):
        LSTMForecaster(weight_averaging=value).fit(None, _panel())


def test_default_is_an_average_of_0_99():
    model, record = _fit(max_epochs=60, windows_per_epoch=256)
    # 960 steps: the warm-up (1 + t) / (10 + t) reaches 0.99 at t = 891.
    assert len(record.steps_) == 960
    expected = _by_hand(record.steps_, 0.99)
    other = _by_hand(record.steps_, 0.995)
    assert any(not torch.equal(expected[k], other[k]) for k in expected)
    for name, value in _weights(model).items():
        torch.testing.assert_close(value, expected[name], rtol=1e-5, atol=1e-6)
