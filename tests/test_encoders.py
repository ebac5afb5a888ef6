"""Encoders and attention: checked against hand computations, and in the forecaster."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from seqforecast.neural import RNNForecaster
from seqforecast.neural.encoders import (
    ENCODERS,
    Encoded,
    RecurrentEncoder,
    TransformerEncoder,
    encoder_class,
)
from seqforecast.neural.encoders.transformer import sinusoidal_positions
from seqforecast.neural.networks import ForecastNetwork, LuongAttention

TINY = {"hidden_size": 8, "max_epochs": 2, "batch_size": 16, "random_state": 0}


def _seeded(seed=0):
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


# --------------------------------------------------------------- positions
def test_sinusoidal_positions_by_hand():
    enc = sinusoidal_positions(5, 6, dtype=torch.float64)
    for t in range(5):
        p = 5 - 1 - t  # counted back from the last step
        for i in range(3):
            rate = 10000.0 ** (-2 * i / 6)
            assert enc[t, 2 * i].item() == pytest.approx(math.sin(p * rate), abs=1e-12)
            assert enc[t, 2 * i + 1].item() == pytest.approx(math.cos(p * rate), abs=1e-12)
    odd = sinusoidal_positions(3, 5)
    assert odd.shape == (3, 5)
    torch.testing.assert_close(odd[-1], torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0]))


# ------------------------------------------------------------- transformer
def _reference_transformer(encoder, x):
    """The encoder's function written out: projection, positions, pre-norm layers."""
    batch, lookback, _ = x.shape
    d, n_heads = encoder.hidden_size, encoder.n_heads
    head = d // n_heads
    h = encoder.input_projection(x) + sinusoidal_positions(lookback, d)
    causal = torch.tril(torch.ones(lookback, lookback, dtype=torch.bool))
    for layer in encoder.layers:
        attn = layer.self_attn
        z = layer.norm1(h)
        q, k, v = (z @ w.T + b for w, b in zip(
            attn.in_proj_weight.split(d), attn.in_proj_bias.split(d), strict=True
        ))
        split = [t.view(batch, lookback, n_heads, head).transpose(1, 2) for t in (q, k, v)]
        q, k, v = split
        scores = q @ k.transpose(-1, -2) / math.sqrt(head)  # (B, N, L, L)
        scores = scores.masked_fill(~causal, float("-inf"))
        mixed = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(batch, lookback, d)
        h = h + attn.out_proj(mixed)
        z = layer.norm2(h)
        h = h + layer.linear2(nn.functional.gelu(layer.linear1(z)))
    return encoder.norm(h)


def test_transformer_matches_the_equations():
    _seeded()
    encoder = TransformerEncoder(input_size=3, hidden_size=8, num_layers=2, n_heads=2).eval()
    x = torch.randn(4, 7, 3)
    with torch.no_grad():
        encoded = encoder.encode(x, need_output=True)
        expected = _reference_transformer(encoder, x)
    torch.testing.assert_close(encoded.outputs, expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(encoded.summary, expected[:, -1], rtol=1e-5, atol=1e-5)
    assert encoded.valid is None and encoded.c is None
    assert encoded.h.shape == (2, 4, 8)
    torch.testing.assert_close(encoded.h[-1], encoded.summary)


def test_transformer_is_causal():
    _seeded()
    encoder = TransformerEncoder(input_size=2, hidden_size=8, n_heads=4).eval()
    x = torch.randn(3, 9, 2)
    changed = x.clone()
    changed[:, 5:] += 10.0
    with torch.no_grad():
        a = encoder.encode(x, need_output=True).outputs
        b = encoder.encode(changed, need_output=True).outputs
    torch.testing.assert_close(a[:, :5], b[:, :5])
    assert not torch.allclose(a[:, 5:], b[:, 5:])


@pytest.mark.parametrize("encoder_name", sorted(ENCODERS))
def test_padding_never_reaches_the_result(encoder_name):
    """A short window padded with NaN equals the same window given unpadded."""
    _seeded()
    encoder = encoder_class(encoder_name)
    kwargs = {"n_heads": 2} if encoder_name == "transformer" else {"cell": "lstm"}
    encoder = encoder(input_size=2, hidden_size=6, num_layers=2, **kwargs).eval()
    x = torch.randn(3, 8, 2)
    x[1, :3] = float("nan")  # row 1 has 5 real steps
    lengths = torch.tensor([8, 5, 8])
    with torch.no_grad():
        padded = encoder.encode(x, lengths, need_output=True)
        alone = encoder.encode(x[1:2, 3:], need_output=True)
    torch.testing.assert_close(padded.summary[1], alone.summary[0], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(padded.outputs[1, 3:], alone.outputs[0], rtol=1e-5, atol=1e-5)
    assert torch.all(padded.outputs[1, :3] == 0)
    assert padded.valid[1].tolist() == [False] * 3 + [True] * 5
    # No NaN reaches a gradient.
    encoder.train()
    x = x.requires_grad_(True)
    encoder.encode(x, lengths, need_output=True).outputs.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in encoder.parameters() if p.grad is not None)


def test_transformer_checks_its_arguments():
    with pytest.raises(ValueError, match=r"'n_heads' parameter of TransformerEncoder"):
        TransformerEncoder(2, 8, n_heads=0)
    with pytest.raises(ValueError, match=r"hidden_size to be a multiple of n_heads.*6.*4"):
        TransformerEncoder(2, 6, n_heads=4)
    with pytest.raises(ValueError, match=r"x must be a tensor of shape \(batch, lookback, input"):
        TransformerEncoder(2, 8, n_heads=2).encode(torch.zeros(2, 5, 3))


# --------------------------------------------------------------- attention
def test_luong_attention_by_hand():
    _seeded()
    attention = LuongAttention(query_size=3, key_size=4)
    query, keys = torch.randn(2, 5, 3), torch.randn(2, 6, 4)
    valid = torch.ones(2, 6, dtype=torch.bool)
    valid[1, :2] = False
    with torch.no_grad():
        out, weights = attention(query, keys, valid)
    W_a = attention.score.weight.detach().numpy()  # (S, H)
    W_c = attention.combine.weight.detach().numpy()  # (H, S + H)
    q, k = query.numpy().astype(np.float64), keys.numpy().astype(np.float64)
    for b in range(2):
        real = np.flatnonzero(valid[b].numpy())
        for t in range(5):
            scores = np.array([q[b, t] @ W_a.T @ k[b, s] for s in real])
            a = np.exp(scores - scores.max())
            a /= a.sum()
            context = sum(w * k[b, s] for w, s in zip(a, real, strict=True))
            expected = np.tanh(W_c @ np.concatenate([context, q[b, t]]))
            np.testing.assert_allclose(out[b, t].numpy(), expected, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(weights[b, t, real].numpy(), a, rtol=1e-5, atol=1e-7)
    assert torch.all(weights[1, :, :2] == 0)


# ------------------------------------------------------------------ network
@pytest.mark.parametrize(
    ("encoder", "strategy", "attention"),
    [
        ("transformer", "mimo", False),
        ("transformer", "recursive", False),
        ("transformer", "seq2seq", False),
        ("transformer", "seq2seq", True),
        ("recurrent", "seq2seq", True),
    ],
)
def test_network_over_any_encoder_ignores_padding(encoder, strategy, attention):
    _seeded()
    net = ForecastNetwork(
        "lstm", n_past_features=3, n_future_features=2, horizon=4, hidden_size=8,
        strategy=strategy, encoder=encoder, attention=attention, n_heads=2, num_layers=2,
    ).eval()
    past, future = torch.randn(3, 10, 3), torch.randn(3, 4, 2)
    lengths = torch.tensor([10, 6, 1])
    noisy = past.clone()
    noisy[1, :4] = 1e6
    noisy[2, :9] = float("nan")
    with torch.no_grad():
        a = net(past, future, lengths)
        b = net(noisy, future, lengths)
    assert a.shape == (3, 4, 1)
    torch.testing.assert_close(a, b)
    if attention:
        assert isinstance(net.attention, LuongAttention)
        # The attention path is used: its weights change the forecast.
        with torch.no_grad():
            net.attention.combine.weight.mul_(2.0)
            assert not torch.allclose(net(past, future, lengths), a)


def test_seq2seq_over_a_transformer_starts_the_decoder_from_its_states():
    _seeded()
    net = ForecastNetwork("gru", 2, 1, 3, hidden_size=8, strategy="seq2seq",
                          encoder="transformer", n_heads=2)
    assert net.bridge_h is None  # the encoder's width is the decoder's
    lstm = ForecastNetwork("lstm", 2, 1, 3, hidden_size=8, strategy="seq2seq",
                           encoder="recurrent", bidirectional=True)
    assert len(lstm.bridge_h) == len(lstm.bridge_c) == 1
    assert lstm.bridge_h[0].in_features == 16


def test_attention_needs_seq2seq():
    with pytest.raises(ValueError, match=r"attention=True needs strategy='seq2seq'"):
        ForecastNetwork("lstm", 1, 0, 3, strategy="mimo", attention=True)


class MeanEncoder(nn.Module):
    """An encoder in a dozen lines: the mean of the real steps, projected."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.project = nn.Linear(input_size, hidden_size)
        self.output_size = hidden_size

    def encode(self, x, lengths=None, need_output=False):
        steps = torch.arange(x.shape[1])
        valid = None if lengths is None else steps >= (x.shape[1] - lengths)[:, None]
        mask = torch.ones(x.shape[:2], dtype=torch.bool) if valid is None else valid
        x = x.masked_fill(~mask[..., None], 0.0)
        outputs = torch.tanh(self.project(x)) * mask[..., None]
        summary = outputs.sum(1) / mask.sum(1, keepdim=True)
        return Encoded(summary, outputs if need_output else None, valid, summary[None], None)

    def summary(self, x, lengths=None):
        return self.encode(x, lengths).summary


def test_an_encoder_class_plugs_in_without_registration():
    _seeded()
    net = ForecastNetwork("gru", 2, 1, 3, hidden_size=4, strategy="seq2seq",
                          encoder=MeanEncoder, attention=True)
    out = net(torch.randn(5, 6, 2), torch.randn(5, 3, 1), torch.tensor([6, 6, 3, 2, 1]))
    assert out.shape == (5, 3, 1) and torch.isfinite(out).all()
    y = np.sin(np.arange(80) * 2 * np.pi / 12) + 3
    f = RNNForecaster(encoder=MeanEncoder, horizon=6, lookback=12, **TINY).fit(None, y)
    assert np.isfinite(f.predict(np.zeros((6, 0)))).all()
    with pytest.raises(ValueError, match="'encoder' parameter must be a str among"):
        encoder_class(nn.Linear)


def test_registry_names():
    assert ENCODERS == {"recurrent": RecurrentEncoder, "transformer": TransformerEncoder}


# --------------------------------------------------------------- forecaster
def _panel_with_covariates():
    rng = np.random.default_rng(0)
    index = pd.date_range("2015-01", periods=72, freq="MS")
    month = index.month.to_numpy()
    base = 10 + np.sin(2 * np.pi * month / 12)[:, None] * np.array([1.0, 2.0, 3.0])
    y = pd.DataFrame(base + rng.normal(0, 0.1, (72, 3)), index=index, columns=list("abc"))
    y.iloc[:50, 2] = np.nan  # a short series: its windows are packed
    X = pd.DataFrame({"promo": rng.integers(0, 2, 72).astype(float)}, index=index)
    return y, X


@pytest.mark.parametrize("loss", ["mae", "mse", "quantile", "gaussian"])
@pytest.mark.parametrize(
    "params",
    [
        {"encoder": "transformer", "n_heads": 2},
        {"encoder": "transformer", "n_heads": 2, "strategy": "seq2seq", "attention": True},
        {"strategy": "seq2seq", "attention": True, "cell": "gru"},
    ],
    ids=["transformer", "transformer-attention", "gru-attention"],
)
def test_forecaster_with_new_encoders(params, loss, tmp_path):
    y, X = _panel_with_covariates()
    f = RNNForecaster(horizon=6, lookback=12, loss=loss, **params, **TINY)
    f.fit(X.iloc[:60], y.iloc[:60])
    pred = f.predict(X.iloc[60:66])
    assert pred.shape == (6, 3) and np.isfinite(pred.to_numpy()).all()
    assert list(pred.index) == list(y.index[60:66])
    if loss in ("quantile", "gaussian"):
        interval = f.predict_interval(X.iloc[60:66], coverage=0.8)
        lower = interval.xs("lower", axis=1, level="bound").to_numpy()
        upper = interval.xs("upper", axis=1, level="bound").to_numpy()
        assert np.all(lower <= upper)
    f.save(tmp_path / "model")
    g = RNNForecaster.load(tmp_path / "model")
    pd.testing.assert_frame_equal(g.predict(X.iloc[60:66]), pred)
    # The same random_state trains the same network.
    again = RNNForecaster(horizon=6, lookback=12, loss=loss, **params, **TINY)
    again.fit(X.iloc[:60], y.iloc[:60])
    pd.testing.assert_frame_equal(again.predict(X.iloc[60:66]), pred)


def test_a_class_encoder_cannot_be_saved(tmp_path):
    y = np.sin(np.arange(60) * 2 * np.pi / 12) + 3
    f = RNNForecaster(encoder=MeanEncoder, horizon=6, lookback=12, **TINY).fit(None, y)
    with pytest.raises(ValueError, match="not JSON-serialisable"):
        f.save(tmp_path / "model")
