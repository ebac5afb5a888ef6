"""Tests for seqforecast.neural.cells: each cell against torch or its equations."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from seqforecast.neural.cells import (
    CELL_TYPES,
    CoupledLSTMCell,
    GRUCell,
    LSTMCell,
    PeepholeLSTMCell,
    RNNCell,
    init_fused_rnn_,
    init_gate_weights_,
    make_cell,
)

torch.set_num_threads(1)

N_STEPS = 5


@pytest.fixture(autouse=True)
def _seeded():
    """Torch's global RNG seeded per test: the cells' default initialisation and
    unseeded inputs do not depend on which tests ran before in the process
    (under pytest-xdist that order changes with the suite; one such state
    left a reference RNN's final state under the non-triviality bound)."""
    torch.manual_seed(0)


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _numpy_params(cell):
    """(W_ih, W_hh, b) of a cell as float64 numpy arrays, b = bias_ih + bias_hh."""
    w_ih = cell.weight_ih.detach().double().numpy()
    w_hh = cell.weight_hh.detach().double().numpy()
    b = (cell.bias_ih + cell.bias_hh).detach().double().numpy()
    return w_ih, w_hh, b


def _randomise(cell, seed):
    """Give every parameter (biases and peepholes included) a random value."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.rand(p.shape, generator=gen, dtype=p.dtype) * 1.6 - 0.8)
    return cell


def _inputs(batch=3, n_features=2, seed=1):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(N_STEPS, batch, n_features, generator=gen, dtype=torch.float64)


# --- torch's own cells ------------------------------------------------------


def test_rnn_cell_matches_torch_rnn_cell():
    reference = nn.RNNCell(4, 3)
    cell = RNNCell(4, 3)
    cell.load_state_dict(reference.state_dict())  # same parameter names and layout
    xs = torch.randn(N_STEPS, 2, 4)
    h_ref = h = torch.zeros(2, 3)
    for x in xs:
        h_ref, h = reference(x, h_ref), cell(x, h)
    torch.testing.assert_close(h, h_ref, atol=1e-5, rtol=0)
    assert h.abs().min() > 1e-3  # a non-trivial state


def test_lstm_cell_matches_torch_lstm_cell():
    reference = nn.LSTMCell(4, 3)
    cell = LSTMCell(4, 3)
    cell.load_state_dict(reference.state_dict())  # gate order i, f, g, o like torch
    xs = torch.randn(N_STEPS, 2, 4)
    state_ref = state = (torch.zeros(2, 3), torch.zeros(2, 3))
    for x in xs:
        state_ref, state = reference(x, state_ref), cell(x, state)
    torch.testing.assert_close(state[0], state_ref[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(state[1], state_ref[1], atol=1e-5, rtol=0)


# --- NumPy implementations of the equations ---------------------------------


def _gru_numpy(xs, w_ih, w_hh, b, hidden):
    h = np.zeros((xs.shape[1], hidden))
    wr, wz, wn = np.split(w_ih, 3)
    ur, uz, un = np.split(w_hh, 3)
    br, bz, bn = np.split(b, 3)
    for x in xs:
        r = _sigmoid(x @ wr.T + h @ ur.T + br)
        z = _sigmoid(x @ wz.T + h @ uz.T + bz)
        candidate = np.tanh(x @ wn.T + (r * h) @ un.T + bn)
        h = (1 - z) * h + z * candidate
    return h


def _peephole_numpy(xs, w_ih, w_hh, b, p_i, p_f, p_o, hidden):
    h = np.zeros((xs.shape[1], hidden))
    c = np.zeros_like(h)
    blocks = [np.split(m, 4) for m in (w_ih, w_hh)] + [np.split(b, 4)]
    (wi, wf, wg, wo), (ui, uf, ug, uo), (bi, bf, bg, bo) = blocks
    for x in xs:
        i = _sigmoid(x @ wi.T + h @ ui.T + p_i * c + bi)
        f = _sigmoid(x @ wf.T + h @ uf.T + p_f * c + bf)
        c = f * c + i * np.tanh(x @ wg.T + h @ ug.T + bg)
        o = _sigmoid(x @ wo.T + h @ uo.T + p_o * c + bo)
        h = o * np.tanh(c)
    return h, c


def _coupled_numpy(xs, w_ih, w_hh, b, hidden):
    h = np.zeros((xs.shape[1], hidden))
    c = np.zeros_like(h)
    (wf, wg, wo), (uf, ug, uo), (bf, bg, bo) = (np.split(m, 3) for m in (w_ih, w_hh, b))
    for x in xs:
        f = _sigmoid(x @ wf.T + h @ uf.T + bf)
        c = f * c + (1 - f) * np.tanh(x @ wg.T + h @ ug.T + bg)
        o = _sigmoid(x @ wo.T + h @ uo.T + bo)
        h = o * np.tanh(c)
    return h, c


def _run(cell, xs):
    state = None
    for x in xs:
        state = cell(x, state)
    return state


def test_gru_cell_matches_numpy_equations():
    cell = _randomise(GRUCell(2, 3).double(), seed=0)
    xs = _inputs()
    h = _run(cell, xs)
    expected = _gru_numpy(xs.numpy(), *_numpy_params(cell), hidden=3)
    np.testing.assert_allclose(h.detach().numpy(), expected, atol=1e-12)


def test_gru_cell_is_not_torch_gru_form():
    # Same weights, different function: torch resets after the recurrent product
    # and lets z weight the old state (documented in GRUCell).
    reference = nn.GRUCell(2, 3).double()
    cell = GRUCell(2, 3).double()
    cell.load_state_dict(reference.state_dict())
    xs = _inputs()
    h_ref = h = None
    for x in xs:
        h_ref, h = reference(x, h_ref), cell(x, h)
    assert (h - h_ref).abs().max() > 1e-3


def test_peephole_cell_matches_numpy_equations():
    cell = _randomise(PeepholeLSTMCell(2, 3).double(), seed=0)
    xs = _inputs()
    h, c = _run(cell, xs)
    peepholes = [p.detach().numpy() for p in (cell.weight_ci, cell.weight_cf, cell.weight_co)]
    h_ref, c_ref = _peephole_numpy(xs.numpy(), *_numpy_params(cell), *peepholes, hidden=3)
    np.testing.assert_allclose(h.detach().numpy(), h_ref, atol=1e-12)
    np.testing.assert_allclose(c.detach().numpy(), c_ref, atol=1e-12)


def test_peephole_weights_change_the_result():
    cell = _randomise(PeepholeLSTMCell(2, 3).double(), seed=0)
    xs = _inputs()
    h_with = _run(cell, xs)[0]
    with torch.no_grad():
        for p in (cell.weight_ci, cell.weight_cf, cell.weight_co):
            p.zero_()
    plain = LSTMCell(2, 3).double()
    plain.load_state_dict(cell.state_dict(), strict=False)
    h_without = _run(cell, xs)[0]
    # Zero peepholes give a plain LSTM; non-zero ones give something else.
    torch.testing.assert_close(h_without, _run(plain, xs)[0], atol=1e-12, rtol=0)
    assert (h_with - h_without).abs().max() > 1e-3


def test_coupled_cell_matches_numpy_equations():
    cell = _randomise(CoupledLSTMCell(2, 3).double(), seed=0)
    xs = _inputs()
    h, c = _run(cell, xs)
    h_ref, c_ref = _coupled_numpy(xs.numpy(), *_numpy_params(cell), hidden=3)
    np.testing.assert_allclose(h.detach().numpy(), h_ref, atol=1e-12)
    np.testing.assert_allclose(c.detach().numpy(), c_ref, atol=1e-12)


# --- one input, one hidden unit, computed by hand ----------------------------


def _set(cell, **values):
    with torch.no_grad():
        for p in cell.parameters():
            p.zero_()
        for name, value in values.items():
            getattr(cell, name).copy_(torch.tensor(value, dtype=torch.float64))


def test_coupled_cell_by_hand():
    # x = 1, h0 = c0 = 0; blocks f, g, o. Only W_g = ln 2 is non-zero:
    #   f = σ(0) = 0.5, g = tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 0.6
    #   c = 0.5 * 0 + (1 - 0.5) * 0.6 = 0.3
    #   o = σ(0) = 0.5, h = 0.5 * tanh(0.3) = 0.5 * 0.2913126124515909 = 0.14565630622579545
    cell = CoupledLSTMCell(1, 1).double()
    _set(cell, weight_ih=[[0.0], [math.log(2)], [0.0]])
    state = (torch.zeros(1, 1, dtype=torch.float64), torch.zeros(1, 1, dtype=torch.float64))
    h, c = cell(torch.ones(1, 1, dtype=torch.float64), state)
    assert c.item() == pytest.approx(0.3, abs=1e-12)
    assert h.item() == pytest.approx(0.14565630622579545, abs=1e-12)


def test_peephole_cell_by_hand():
    # x = 1, h0 = 0, c0 = 1; blocks i, f, g, o.
    # W_g = ln 2, p_f = ln 3, p_o = 1, everything else 0:
    #   i = σ(0 + p_i * c0) = σ(0) = 0.5
    #   f = σ(p_f * c0) = σ(ln 3) = 3 / (3 + 1) = 0.75
    #   g = tanh(ln 2) = 0.6
    #   c = 0.75 * 1 + 0.5 * 0.6 = 1.05
    #   o = σ(p_o * c) = 1 / (1 + e^-1.05) = 1 / 1.3499377491 = 0.7407748992
    #   h = o * tanh(1.05) = 0.7407748992 * 0.7818063576 = 0.5791425257
    cell = PeepholeLSTMCell(1, 1).double()
    _set(
        cell,
        weight_ih=[[0.0], [0.0], [math.log(2)], [0.0]],
        weight_cf=[math.log(3)],
        weight_co=[1.0],
    )
    one = torch.ones(1, 1, dtype=torch.float64)
    h, c = cell(one, (torch.zeros_like(one), one))
    assert c.item() == pytest.approx(1.05, abs=1e-12)
    assert h.item() == pytest.approx(0.5791425257, abs=1e-9)


def test_gru_cell_by_hand():
    # x = 1, h0 = 0.5; blocks r, z, n; W_z = ln 3, W_n = 1, U_n = 2, all else 0:
    #   r = σ(0) = 0.5, z = σ(ln 3) = 0.75
    #   candidate = tanh(1 * x + 2 * (r * h0)) = tanh(1 + 0.5) = tanh(1.5) = 0.9051482536
    #   h = (1 - 0.75) * 0.5 + 0.75 * 0.9051482536 = 0.125 + 0.6788611902 = 0.8038611902
    # (torch's form would give tanh(1 + 0.5 * 2 * 0.5) = tanh(1.5) as well but weight
    # the old state by z: 0.75 * 0.5 + 0.25 * 0.9051482536 = 0.6012870634.)
    cell = GRUCell(1, 1).double()
    _set(cell, weight_ih=[[0.0], [math.log(3)], [1.0]], weight_hh=[[0.0], [0.0], [2.0]])
    h = cell(torch.ones(1, 1, dtype=torch.float64), torch.full((1, 1), 0.5, dtype=torch.float64))
    assert h.item() == pytest.approx(0.8038611902, abs=1e-9)


# --- parameter counts ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rnn", lambda i, h: h * i + h * h + 2 * h),
        ("lstm", lambda i, h: 4 * (h * i + h * h + 2 * h)),
        ("gru", lambda i, h: 3 * (h * i + h * h + 2 * h)),
        ("coupled", lambda i, h: 3 * (h * i + h * h + 2 * h)),
        ("peephole", lambda i, h: 4 * (h * i + h * h + 2 * h) + 3 * h),
    ],
)
def test_parameter_count(name, expected):
    cell = make_cell(name, 5, 7)
    assert sum(p.numel() for p in cell.parameters()) == expected(5, 7)


def test_parameter_counts_compare():
    def count(name):
        return sum(p.numel() for p in make_cell(name, 5, 7).parameters())

    assert count("coupled") < count("lstm")
    assert count("peephole") == count("lstm") + 3 * 7
    # Same layout as torch's cells.
    assert count("lstm") == sum(p.numel() for p in nn.LSTMCell(5, 7).parameters())
    assert count("gru") == sum(p.numel() for p in nn.GRUCell(5, 7).parameters())


# --- initialisation ----------------------------------------------------------


@pytest.mark.parametrize("name", CELL_TYPES)
def test_default_init_is_xavier_orthogonal(name):
    cell = make_cell(name, 5, 6)
    hidden, n_gates = 6, cell.n_gates
    bound = math.sqrt(6.0 / (5 + hidden))  # Xavier uniform bound of one gate block
    assert cell.weight_ih.abs().max() <= bound
    for block in cell.weight_hh.detach().chunk(n_gates, 0):
        torch.testing.assert_close(block @ block.T, torch.eye(hidden), atol=1e-5, rtol=0)
    bias = (cell.bias_ih + cell.bias_hh).detach()
    expected = torch.zeros(n_gates * hidden)
    if cell.forget_gate is not None:
        expected[cell.forget_gate * hidden : (cell.forget_gate + 1) * hidden] = 1.0
    assert torch.equal(bias, expected)
    if name == "peephole":
        for p in (cell.weight_ci, cell.weight_cf, cell.weight_co):
            assert torch.equal(p.detach(), torch.zeros(hidden))


def test_forget_gate_bias_is_one_for_lstm_family():
    assert torch.equal(LSTMCell(2, 3).bias_ih.detach()[3:6], torch.ones(3))
    assert torch.equal(PeepholeLSTMCell(2, 3).bias_ih.detach()[3:6], torch.ones(3))
    assert torch.equal(CoupledLSTMCell(2, 3).bias_ih.detach()[0:3], torch.ones(3))


@pytest.mark.parametrize("name", CELL_TYPES)
def test_torch_init_is_uniform_like_torch(name):
    torch.manual_seed(0)
    cell = make_cell(name, 5, 16, init="torch")
    bound = 1.0 / math.sqrt(16)
    for p in cell.parameters():
        assert p.abs().max() <= bound
        assert p.abs().max() > bound / 2  # spread over the interval, not zeros
    # Recurrent blocks are then not orthogonal.
    block = cell.weight_hh.detach()[:16]
    assert not torch.allclose(block @ block.T, torch.eye(16), atol=1e-2)


@pytest.mark.parametrize("module_class", [nn.RNN, nn.LSTM, nn.GRU])
def test_init_fused_rnn(module_class):
    module = module_class(3, 4, num_layers=2, bidirectional=True)
    init_fused_rnn_(module)
    n_gates = {nn.RNN: 1, nn.LSTM: 4, nn.GRU: 3}[module_class]
    for name in ("l0", "l0_reverse", "l1", "l1_reverse"):
        for block in getattr(module, f"weight_hh_{name}").detach().chunk(n_gates, 0):
            torch.testing.assert_close(block @ block.T, torch.eye(4), atol=1e-5, rtol=0)
        bias = (getattr(module, f"bias_ih_{name}") + getattr(module, f"bias_hh_{name}")).detach()
        expected = torch.zeros(4 * n_gates)
        if module_class is nn.LSTM:
            expected[4:8] = 1.0  # forget gate, block 1 in torch's i, f, g, o
        assert torch.equal(bias, expected)


def test_init_gate_weights_recurrent_blocks_are_independent():
    w_ih, w_hh, b = torch.empty(6, 2), torch.empty(6, 2), torch.empty(6)
    init_gate_weights_(w_ih, w_hh, [b], n_gates=3)
    for block in w_hh.chunk(3, 0):
        torch.testing.assert_close(block @ block.T, torch.eye(2), atol=1e-6, rtol=0)
    # The whole (6, 2) matrix is not one orthogonal matrix but three blocks.
    assert not torch.allclose(w_hh[:2], w_hh[2:4])


# --- errors -------------------------------------------------------------------


def test_unknown_cell():
    with pytest.raises(
        ValueError, match=r"'cell' parameter of make_cell must be a str among .*Got 'tcn'"
    ):
        make_cell("tcn", 2, 3)


def test_unknown_init():
    with pytest.raises(
        ValueError, match=r"'init' parameter of \w+ must be a str among \{'\w+', '\w+'\}"
    ):
        LSTMCell(2, 3, init="he")
    with pytest.raises(ValueError, match=r"'init' parameter of \w+ must be a str among"):
        init_fused_rnn_(nn.LSTM(2, 3), init="glorot")


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_sizes(bad):
    with pytest.raises(
        ValueError, match=r"'hidden_size' parameter of \w+ must be an int in the range \[1, inf\)"
    ):
        RNNCell(2, bad)
    with pytest.raises(
        ValueError, match=r"'input_size' parameter of \w+ must be an int in the range \[1, inf\)"
    ):
        GRUCell(bad, 2)


def test_wrong_input_width():
    expected = r"x must have shape \(batch, input_size=2\), got \(4, 3\)"
    with pytest.raises(ValueError, match=expected):
        LSTMCell(2, 3)(torch.zeros(4, 3))


def test_init_fused_rnn_rejects_other_modules():
    with pytest.raises(ValueError, match=r"module must be a torch.nn.RNN, LSTM or GRU, got Linear"):
        init_fused_rnn_(nn.Linear(2, 3))
