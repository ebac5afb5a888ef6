"""Tests for seqforecast.neural.networks: the encoder and the forecasting heads."""

import itertools
import math
import warnings

import pytest
import torch
from torch import nn

from seqforecast.neural.networks import STRATEGIES, ForecastNetwork, RecurrentEncoder

torch.set_num_threads(1)

# Every (cell, fused) combination that is a distinct code path.
CELL_PATHS = [
    ("rnn", True), ("rnn", False),
    ("lstm", True), ("lstm", False),
    ("gru", True), ("gru", False),
    ("peephole", False), ("coupled", False),
]
LOOKBACK = 7
LENGTHS = torch.tensor([7, 4, 1, 6])


def _padded_batch(n_features, dtype=torch.float32, pad_value=1e3, seed=0):
    """Right-aligned windows of LENGTHS with a loud value in the padding."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(len(LENGTHS), LOOKBACK, n_features, generator=gen, dtype=dtype)
    for b, length in enumerate(LENGTHS.tolist()):
        x[b, : LOOKBACK - length] = pad_value
    return x


def _copy_fused_into_cells(fused, cells):
    """Copy nn.RNN/nn.LSTM weights into the hand-written stack (layer * D + direction)."""
    directions = cells.num_directions
    with torch.no_grad():
        for layer, direction in itertools.product(range(fused.num_layers), range(directions)):
            cell = cells.cells[layer * directions + direction]
            suffix = f"l{layer}" + ("_reverse" if direction else "")
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, name).copy_(getattr(fused.rnn, f"{name}_{suffix}"))


# --- RecurrentEncoder -----------------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize(("cell", "fused"), CELL_PATHS)
def test_padding_is_never_seen(cell, fused, bidirectional):
    # A padded row ends in the same state as the same row alone, unpadded.
    # float64 so that the only difference left would be the padding itself.
    torch.manual_seed(0)
    encoder = RecurrentEncoder(
        cell, 3, 5, num_layers=2, bidirectional=bidirectional, init="torch", fused=fused
    ).double()
    x = _padded_batch(3, dtype=torch.float64)
    h_n, c_n = encoder(x, LENGTHS)
    n_states = 2 * (2 if bidirectional else 1)
    assert h_n.shape == (n_states, 4, 5)
    for b, length in enumerate(LENGTHS.tolist()):
        h_alone, c_alone = encoder(x[b : b + 1, LOOKBACK - length :])
        torch.testing.assert_close(h_n[:, b], h_alone[:, 0], atol=1e-12, rtol=0)
        if encoder.has_cell_state:
            torch.testing.assert_close(c_n[:, b], c_alone[:, 0], atol=1e-12, rtol=0)
        else:
            assert c_n is None and c_alone is None


@pytest.mark.parametrize(("cell", "fused"), CELL_PATHS)
def test_full_lengths_take_the_fast_path_with_same_result(cell, fused):
    encoder = RecurrentEncoder(cell, 3, 4, bidirectional=True, fused=fused)
    x = torch.randn(2, 5, 3)
    h_none, _ = encoder(x)
    h_full, _ = encoder(x, torch.tensor([5, 5]))
    assert torch.equal(h_none, h_full)


@pytest.mark.parametrize("with_lengths", [False, True])
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_fused_and_hand_written_agree(cell, with_lengths):
    torch.manual_seed(0)
    fused = RecurrentEncoder(cell, 3, 5, num_layers=3, bidirectional=True, init="torch")
    cells = RecurrentEncoder(cell, 3, 5, num_layers=3, bidirectional=True, fused=False)
    assert fused.is_fused and not cells.is_fused
    _copy_fused_into_cells(fused, cells)
    x = _padded_batch(3, pad_value=0.0)
    lengths = LENGTHS if with_lengths else None
    out_f, h_f, c_f = fused.run(x, lengths)
    out_c, h_c, c_c = cells.run(x, lengths)
    assert out_f.shape == (4, LOOKBACK, 10) and h_f.shape == (6, 4, 5)
    torch.testing.assert_close(out_c, out_f, atol=1e-5, rtol=0)
    torch.testing.assert_close(h_c, h_f, atol=1e-5, rtol=0)
    if cell == "lstm":
        torch.testing.assert_close(c_c, c_f, atol=1e-5, rtol=0)
    if with_lengths:  # outputs are zero on the leading padding, as torch's packed output
        assert torch.equal(out_c[2, :6], torch.zeros(6, 10))
        assert torch.equal(out_f[2, :6], torch.zeros(6, 10))


def test_fused_and_hand_written_agree_from_an_initial_state():
    torch.manual_seed(0)
    fused = RecurrentEncoder("lstm", 3, 5, num_layers=2, init="torch")
    cells = RecurrentEncoder("lstm", 3, 5, num_layers=2, fused=False)
    _copy_fused_into_cells(fused, cells)
    x = _padded_batch(3, pad_value=0.0)
    state = (torch.randn(2, 4, 5), torch.randn(2, 4, 5))
    out_f, h_f, c_f = fused.run(x, LENGTHS, state=state)
    out_c, h_c, c_c = cells.run(x, LENGTHS, state=state)
    torch.testing.assert_close(out_c, out_f, atol=1e-5, rtol=0)
    torch.testing.assert_close(h_c, h_f, atol=1e-5, rtol=0)
    torch.testing.assert_close(c_c, c_f, atol=1e-5, rtol=0)


def test_run_matches_a_loop_over_the_cell():
    # One layer, one direction: the encoder is exactly the cell applied step by step.
    encoder = RecurrentEncoder("coupled", 2, 3, fused=False)
    x = torch.randn(2, 6, 2)
    state = None
    outputs = []
    for t in range(6):
        state = encoder.cells[0](x[:, t], state)
        outputs.append(state[0])
    out, h_n, c_n = encoder.run(x)
    torch.testing.assert_close(out, torch.stack(outputs, 1), atol=1e-6, rtol=0)
    torch.testing.assert_close(h_n[0], state[0], atol=1e-6, rtol=0)
    torch.testing.assert_close(c_n[0], state[1], atol=1e-6, rtol=0)


def test_backward_direction_reads_the_sequence_reversed():
    encoder = RecurrentEncoder("gru", 2, 3, bidirectional=True, fused=False)
    x = torch.randn(1, 5, 2)
    h_n, _ = encoder(x)
    h = None
    for t in reversed(range(5)):
        h = encoder.cells[1](x[:, t], h)
    torch.testing.assert_close(h_n[1], h, atol=1e-6, rtol=0)


@pytest.mark.parametrize("fused", [True, False])
def test_dropout_only_between_layers(fused):
    torch.manual_seed(0)
    x = torch.randn(8, 5, 2)
    deep = RecurrentEncoder("lstm", 2, 16, num_layers=2, dropout=0.5, fused=fused)
    deep.train()
    assert not torch.equal(deep(x)[0], deep(x)[0])  # random masks in training
    deep.eval()
    assert torch.equal(deep(x)[0], deep(x)[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch's one-layer dropout warning is avoided
        shallow = RecurrentEncoder("lstm", 2, 16, num_layers=1, dropout=0.5, fused=fused)
    shallow.train()
    assert torch.equal(shallow(x)[0], shallow(x)[0])  # no recurrent dropout


def test_encoder_errors():
    encoder = RecurrentEncoder("lstm", 3, 4)
    x = torch.zeros(2, 5, 3)
    with pytest.raises(ValueError, match=r"x must be a tensor of shape \(batch, lookback, input"):
        encoder(torch.zeros(2, 5, 4))
    with pytest.raises(ValueError, match=r"lengths must lie in \[1, lookback=5\], got values in"):
        encoder(x, torch.tensor([0, 5]))
    with pytest.raises(ValueError, match=r"lengths must lie in \[1, lookback=5\]"):
        encoder(x, torch.tensor([6, 5]))
    with pytest.raises(ValueError, match=r"lengths must have shape \(batch,\) = \(2,\)"):
        encoder(x, torch.tensor([5, 5, 5]))
    with pytest.raises(ValueError, match=r"lengths must be an integer torch\.Tensor"):
        encoder(x, torch.tensor([5.0, 5.0]))
    with pytest.raises(
        ValueError, match=r"'cell' parameter of RecurrentEncoder must be a str among"
    ):
        RecurrentEncoder("transformer", 3, 4)
    with pytest.raises(
        ValueError, match=r"'dropout' parameter of RecurrentEncoder must be a float in .*Got 1.0"
    ):
        RecurrentEncoder("gru", 3, 4, dropout=1.0)
    with pytest.raises(
        ValueError, match=r"'num_layers' parameter of RecurrentEncoder must be an int in .*Got 0 "
    ):
        RecurrentEncoder("gru", 3, 4, num_layers=0)


# --- ForecastNetwork ------------------------------------------------------------

K, E, HORIZON = 2, 1, 3
F = 1 + K + E


def _network(cell="lstm", strategy="mimo", fused=True, **kwargs):
    kwargs = {"hidden_size": 6, "num_layers": 2, "n_outputs": 3, **kwargs}
    return ForecastNetwork(cell, F, K, HORIZON, strategy=strategy, fused=fused, **kwargs)


def _future(seed=1):
    return torch.randn(len(LENGTHS), HORIZON, K, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(("cell", "fused"), CELL_PATHS)
def test_output_shape_every_combination(cell, fused, strategy, bidirectional):
    net = _network(cell, strategy, fused, bidirectional=bidirectional)
    out = net(_padded_batch(F, pad_value=0.0), _future(), LENGTHS)
    assert out.shape == (4, HORIZON, 3)
    assert torch.isfinite(out).all()
    if strategy == "seq2seq":
        assert not net.decoder.bidirectional
        assert (net.bridge_h is not None) == bidirectional
        assert (net.bridge_c is not None) == (bidirectional and net.encoder.has_cell_state)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize(("cell", "fused"), [("lstm", True), ("peephole", False)])
def test_recursive_is_the_one_step_network_applied_three_times(cell, fused, bidirectional):
    torch.manual_seed(0)
    net = _network(cell, "recursive", fused, bidirectional=bidirectional)
    one_step = ForecastNetwork(
        cell, F, K, 1, hidden_size=6, num_layers=2, n_outputs=3,
        strategy="recursive", fused=fused, bidirectional=bidirectional,
    )
    one_step.load_state_dict(net.state_dict())  # the parameters do not depend on T
    past, future = _padded_batch(F, pad_value=0.0), _future()

    window, lengths, by_hand = past, LENGTHS, []
    for t in range(HORIZON):
        y_t = one_step(window, future[:, t : t + 1], lengths)[:, 0]  # (B, 3)
        by_hand.append(y_t)
        # Feed back the middle output (index 1 of 3), the step's covariates, and
        # the extra input of the last observed step.
        row = torch.cat([y_t[:, 1:2], future[:, t], past[:, -1, 1 + K :]], dim=1)
        window = torch.cat([window[:, 1:], row[:, None]], dim=1)
        lengths = torch.clamp(lengths + 1, max=LOOKBACK)

    torch.testing.assert_close(net(past, future, LENGTHS), torch.stack(by_hand, 1))


def test_recursive_feedback_output_is_selectable():
    torch.manual_seed(0)
    past, future = _padded_batch(F, pad_value=0.0), _future()
    net = _network(strategy="recursive", feedback_output=0)
    median = _network(strategy="recursive")
    median.load_state_dict(net.state_dict())
    out0, out1 = net(past, future, LENGTHS), median(past, future, LENGTHS)
    torch.testing.assert_close(out0[:, 0], out1[:, 0])  # same first step
    assert not torch.allclose(out0[:, 1:], out1[:, 1:])  # different values fed back


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_outputs_use_the_future_covariates(strategy):
    torch.manual_seed(0)
    net = _network(strategy=strategy)
    past, future = _padded_batch(F, pad_value=0.0), _future()
    out = net(past, future, LENGTHS)
    changed = future.clone()
    changed[:, -1] += 1.0  # covariates of the last horizon step only
    out_changed = net(past, changed, LENGTHS)
    assert (out_changed[:, -1] - out[:, -1]).abs().min() > 1e-6
    if strategy == "mimo":
        # One linear head sees the whole horizon's covariates at once.
        assert (out_changed[:, 0] - out[:, 0]).abs().max() > 1e-6
    else:
        # Step t only sees covariates up to t (unidirectional decoder / sliding window).
        assert torch.equal(out_changed[:, :-1], out[:, :-1])


def test_mimo_head_by_hand_with_and_without_covariates():
    torch.manual_seed(0)
    past = torch.randn(4, 6, 2, dtype=torch.float64)
    lengths = torch.tensor([6, 2, 5, 1])
    plain = ForecastNetwork("lstm", 1, 0, 3, hidden_size=5, n_outputs=2).double()
    summary = plain.encoder.summary(past[..., :1], lengths)  # -> (B, H)
    by_hand = (summary @ plain.head.weight.T + plain.head.bias).view(4, 3, 2)
    torch.testing.assert_close(plain(past[..., :1], lengths=lengths), by_hand)
    # With covariates the head reads the summary and then the horizon's covariates.
    net = ForecastNetwork("lstm", 2, 1, 3, hidden_size=5).double()
    future = torch.randn(4, 3, 1, dtype=torch.float64)
    inputs = torch.cat([net.encoder.summary(past, lengths), future[..., 0]], dim=1)
    by_hand = (inputs @ net.head.weight.T + net.head.bias).view(4, 3, 1)
    torch.testing.assert_close(net(past, future, lengths), by_hand)


@pytest.mark.parametrize(("cell", "fused"), CELL_PATHS)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_padding_values_do_not_change_outputs(strategy, cell, fused):
    torch.manual_seed(0)
    net = _network(cell, strategy, fused, bidirectional=True)
    future = _future()
    zeros = net(_padded_batch(F, pad_value=0.0), future, LENGTHS)
    loud = net(_padded_batch(F, pad_value=-1e4), future, LENGTHS)
    assert torch.equal(zeros, loud)
    # ... while without lengths the padding is read as data.
    assert not torch.equal(
        net(_padded_batch(F, pad_value=0.0), future), net(_padded_batch(F, pad_value=-1e4), future)
    )


@pytest.mark.parametrize(("cell", "fused"), CELL_PATHS)
def test_nan_padding_reaches_neither_outputs_nor_gradients(cell, fused):
    torch.manual_seed(0)
    net = _network(cell, "mimo", fused, bidirectional=True)
    past = _padded_batch(F, pad_value=float("nan")).requires_grad_()
    out = net(past, _future(), LENGTHS)
    torch.testing.assert_close(out, net(_padded_batch(F, pad_value=0.0), _future(), LENGTHS))
    out.sum().backward()
    for name, p in net.named_parameters():
        assert torch.isfinite(p.grad).all(), name
    assert torch.isfinite(past.grad).all()


def test_future_takes_covariates_only_never_targets():
    net = _network(strategy="seq2seq")
    past = torch.zeros(4, LOOKBACK, F)
    with pytest.raises(ValueError, match=r"\(covariates only, no target\), got \(4, 3, 3\)"):
        net(past, torch.zeros(4, HORIZON, K + 1))
    with pytest.raises(ValueError, match=r"future is required: this network has n_future_f"):
        net(past)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_seq2seq_decoder_starts_from_the_bridged_encoder_states(bidirectional):
    torch.manual_seed(0)
    net = _network("lstm", "seq2seq", bidirectional=bidirectional)
    past, future = _padded_batch(F, pad_value=0.0), _future()
    h_n, c_n = net.encoder(past, LENGTHS)  # (2 layers * D, B, H)
    if bidirectional:
        # Layer l's decoder state: bridge_l([forward state of l, backward state of l]).
        def bridged(bridges, states):
            return torch.stack(
                [bridges[i](torch.cat([states[2 * i], states[2 * i + 1]], 1)) for i in (0, 1)]
            )

        h0, c0 = bridged(net.bridge_h, h_n), bridged(net.bridge_c, c_n)
    else:
        h0, c0 = h_n, c_n
    position = torch.tensor([1 / 3, 2 / 3, 1.0]).expand(4, 3)[..., None]
    decoded, _, _ = net.decoder.run(torch.cat([future, position], 2), state=(h0, c0))
    torch.testing.assert_close(net(past, future, LENGTHS), net.head(decoded))


def test_seq2seq_without_covariates_reads_the_step_position():
    torch.manual_seed(0)
    net = ForecastNetwork("gru", 1, 0, 5, hidden_size=8, strategy="seq2seq")
    past = torch.randn(2, 10, 1)
    out = net(past)  # no future covariates: K = 0
    assert out.shape == (2, 5, 1)
    # The decoder input (t + 1) / T differs per step, so do the outputs.
    assert out[0, :, 0].unique().numel() == 5
    torch.testing.assert_close(out, net(past, torch.zeros(2, 5, 0)))


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_parameter_gets_a_gradient(strategy):
    torch.manual_seed(0)
    net = _network("peephole", strategy, fused=False, bidirectional=True)
    out = net(_padded_batch(F, pad_value=0.0), _future(), LENGTHS)
    out.square().mean().backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and p.grad.abs().max() > 0, name


def _sine_windows(lookback=24, horizon=6, n_windows=64):
    t = torch.arange(n_windows + lookback + horizon, dtype=torch.float32)
    y = torch.sin(2 * math.pi * t / 12) + 0.1 * torch.sin(2 * math.pi * t / 5)
    starts = torch.arange(n_windows)
    idx = starts[:, None] + torch.arange(lookback + horizon)
    windows = y[idx]  # (n_windows, lookback + horizon)
    return windows[:, :lookback, None], windows[:, lookback:, None]


@pytest.mark.parametrize(
    ("cell", "fused", "strategy"),
    [
        ("lstm", True, "mimo"),
        ("gru", True, "seq2seq"),
        ("lstm", True, "recursive"),
        ("coupled", False, "mimo"),
    ],
)
def test_training_halves_the_loss(cell, fused, strategy):
    torch.manual_seed(0)
    past, target = _sine_windows()
    net = ForecastNetwork(cell, 1, 0, 6, hidden_size=16, strategy=strategy, fused=fused)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.02)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(net(past), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 2, losses


def test_network_errors():
    with pytest.raises(
        ValueError, match=r"'strategy' parameter of ForecastNetwork must be a str among"
    ):
        ForecastNetwork("lstm", 3, 2, 4, strategy="direct")
    with pytest.raises(ValueError, match=r"n_past_features must be at least 1 \+ n_future_feat"):
        ForecastNetwork("lstm", 2, 2, 4)
    with pytest.raises(
        ValueError, match=r"'horizon' parameter of ForecastNetwork must be an int in .*Got 0 "
    ):
        ForecastNetwork("lstm", 3, 2, 0)
    with pytest.raises(ValueError, match=r"feedback_output must be None or an int in \[0, n_ou"):
        ForecastNetwork("lstm", 3, 2, 4, strategy="recursive", n_outputs=3, feedback_output=3)
    net = ForecastNetwork("lstm", 3, 2, 4)
    with pytest.raises(ValueError, match=r"past must be a tensor of shape \(batch, lookback, n_p"):
        net(torch.zeros(2, 5, 4), torch.zeros(2, 4, 2))


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn", "peephole"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_summary_equals_last_layer_final_state_and_its_gradients(cell, bidirectional):
    # The unpacked fast path of summary() must give the packed path's values
    # and gradients exactly (up to float rounding).
    torch.manual_seed(0)
    encoder = RecurrentEncoder(cell, 3, 5, num_layers=2, bidirectional=bidirectional)
    x = torch.randn(6, 7, 3, dtype=torch.float64)
    lengths = torch.tensor([7, 1, 3, 5, 2, 7])
    x[1, :6] = float("nan")  # padding may hold anything, NaN included
    encoder = encoder.double()
    fast = encoder.summary(x, lengths)
    h_n, _ = encoder(x, lengths)
    directions = 2 if bidirectional else 1
    slow = h_n[-directions:].transpose(0, 1).reshape(6, -1)
    torch.testing.assert_close(fast, slow, rtol=1e-10, atol=1e-12)
    grad_fast = torch.autograd.grad(fast.sum(), list(encoder.parameters()))
    grad_slow = torch.autograd.grad(slow.sum(), list(encoder.parameters()))
    for a, b in zip(grad_fast, grad_slow, strict=True):
        assert torch.isfinite(a).all()
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-11)


def test_monotone_outputs_are_anchored_at_the_point_output_by_hand():
    net = ForecastNetwork("gru", 1, 0, 3, hidden_size=4, n_outputs=5, feedback_output=2,
                          output_transform="monotone")
    # Raw zeros: gaps of softplus(offset) = 0.05 on each side of the centre.
    out = net._transform(torch.zeros(1, 3, 5, dtype=torch.float64))
    expected = torch.tensor([-0.1, -0.05, 0.0, 0.05, 0.1], dtype=torch.float64)
    torch.testing.assert_close(out[0, 0], expected, rtol=0, atol=1e-12)
    raw = torch.randn(2, 3, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    out = net._transform(raw)
    gap = torch.nn.functional.softplus(raw + math.log(math.expm1(0.05)))
    torch.testing.assert_close(out[..., 2], raw[..., 2])  # the point output is unchanged
    torch.testing.assert_close(out[..., 3], raw[..., 2] + gap[..., 3])
    torch.testing.assert_close(out[..., 4], raw[..., 2] + gap[..., 3] + gap[..., 4])
    torch.testing.assert_close(out[..., 1], raw[..., 2] - gap[..., 1])
    torch.testing.assert_close(out[..., 0], raw[..., 2] - gap[..., 1] - gap[..., 0])
