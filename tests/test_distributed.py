"""Data-parallel training (seqforecast.neural._distributed): DDP over gloo on CPU.

Two processes launched by torchrun train one network: the loss falls, both
end with the same weights and forecasts; with a one-process group the fit is
the ordinary one; without a group ``distributed=True`` is an error and
``"auto"`` the ordinary fit.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
import torch.distributed as dist
from sklearn.base import clone

from seqforecast.neural import GRUForecaster, LSTMForecaster, _distributed
from seqforecast.neural._distributed import shard
from seqforecast.neural.data import Batches

TINY = dict(hidden_size=8, lookback=12, horizon=6, batch_size=16, random_state=0, n_threads=1)


def _panel():
    """Four seasonal series, 96 monthly steps."""
    t = np.arange(96)[:, None]
    rng = np.random.default_rng(0)
    return 10 + 3 * np.sin(2 * np.pi * t / 12 + np.arange(4)) + rng.normal(0, 0.1, (96, 4))


@pytest.fixture
def one_process_group(tmp_path):
    """A gloo process group of this process alone (world_size 1)."""
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        yield
    finally:
        dist.destroy_process_group()


def test_shards_are_disjoint_and_cover_the_epoch():
    order = np.random.default_rng(0).permutation(10)
    parts = [shard(order, rank, 3) for rank in range(3)]
    assert [len(p) for p in parts] == [4, 4, 4]  # padded to a multiple of 3
    # The first 10 positions of the padded order are the epoch, each once.
    interleaved = np.stack(parts, axis=1).ravel()
    np.testing.assert_array_equal(interleaved[:10], order)
    np.testing.assert_array_equal(interleaved[10:], order[:2])


def test_sharded_batches_take_the_same_number_of_steps_on_every_process():
    class Dataset:
        def __len__(self):
            return 10

        def __getitem__(self, indices):
            return indices

        def order(self, generator=None):
            return np.arange(10)

        def positions(self, order):
            return order

    batches = [list(Batches(Dataset(), 3, shard=(rank, 2))) for rank in range(2)]
    assert [len(Batches(Dataset(), 3, shard=(rank, 2))) for rank in range(2)] == [2, 2]
    np.testing.assert_array_equal(np.concatenate(batches[0]), [0, 2, 4, 6, 8])
    np.testing.assert_array_equal(np.concatenate(batches[1]), [1, 3, 5, 7, 9])


def test_one_process_group_fits_exactly_as_the_ordinary_fit(one_process_group, monkeypatch):
    wrapped, wrap = [], _distributed.data_parallel

    def spy(module):
        wrapped.append(wrap(module))
        return wrapped[-1]

    monkeypatch.setattr("seqforecast.neural.net._distributed.data_parallel", spy)
    y = _panel()
    # A high learning rate, so that early stopping triggers and restores a best epoch.
    params = dict(TINY, lr=0.1, max_epochs=8, early_stopping=2)
    ordinary = LSTMForecaster(**params).fit(None, y)
    parallel = LSTMForecaster(distributed=True, **params).fit(None, y)
    for name, value in ordinary.net_.module_.state_dict().items():
        torch.testing.assert_close(parallel.net_.module_.state_dict()[name], value, rtol=0, atol=0)
    np.testing.assert_array_equal(parallel.forecast(12), ordinary.forecast(12))
    assert parallel.n_epochs_ == ordinary.n_epochs_ < 8
    assert parallel.best_epoch_ == ordinary.best_epoch_
    assert len(wrapped) == 1 and wrapped[0].module is parallel.net_.module_
    # The DDP wrapper lives only while training: the fitted net is plain.
    assert isinstance(parallel.net_.module_, torch.nn.Module)
    assert parallel.net_._data_parallel is None


def test_distributed_true_without_a_process_group_is_an_error():
    with pytest.raises(ValueError, match=r"distributed=True .* none is initialised"):
        LSTMForecaster(max_epochs=1, distributed=True, **TINY).fit(None, _panel())


def test_auto_without_a_process_group_is_the_ordinary_fit():
    y = _panel()
    auto = GRUForecaster(max_epochs=2, distributed="auto", **TINY).fit(None, y)
    ordinary = GRUForecaster(max_epochs=2, **TINY).fit(None, y)
    np.testing.assert_array_equal(auto.forecast(6), ordinary.forecast(6))
    assert auto.net_.shard is None


def test_the_parameter_survives_clone_and_save(tmp_path):
    f = LSTMForecaster(max_epochs=1, distributed="auto", **TINY)
    assert clone(f).get_params()["distributed"] == "auto"
    f.fit(None, _panel()).save(tmp_path / "m")
    loaded = LSTMForecaster.load(tmp_path / "m")
    assert loaded.distributed == "auto"
    np.testing.assert_array_equal(loaded.forecast(6), f.forecast(6))


# Run by torchrun in each of two processes: fit one network data-parallel and
# write this rank's weights, losses and forecasts.
SCRIPT = textwrap.dedent(
    """
    import sys

    import numpy as np
    import torch
    import torch.distributed as dist

    from seqforecast.neural import LSTMForecaster

    dist.init_process_group("gloo")
    rank = dist.get_rank()
    t = np.arange(96)[:, None]
    rng = np.random.default_rng(0)
    y = 10 + 3 * np.sin(2 * np.pi * t / 12 + np.arange(4)) + rng.normal(0, 0.1, (96, 4))
    f = LSTMForecaster(
        hidden_size=8, lookback=12, horizon=6, batch_size=16, lr=1e-2, max_epochs=12,
        windows_per_epoch=128, early_stopping=4, distributed=True, n_threads=1,
        random_state=None,  # rank 0's seed is shared: one window order for all
    ).fit(None, y)
    torch.save(
        {
            "weights": f.net_.module_.state_dict(),
            "train_loss": f.net_.history[:, "train_loss"],
            "n_epochs": f.n_epochs_,
            "best_epoch": f.best_epoch_,
            "forecast": np.asarray(f.forecast(12)),
        },
        f"{sys.argv[1]}/rank{rank}.pt",
    )
    dist.barrier()  # both ranks done before either tears gloo down
    dist.destroy_process_group()
    """
)


def test_two_processes_train_one_network(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        str(script), str(tmp_path),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in range(2)]
    for name, value in ranks[0]["weights"].items():
        torch.testing.assert_close(ranks[1]["weights"][name], value, rtol=0, atol=0)
    assert ranks[0]["n_epochs"] == ranks[1]["n_epochs"]
    assert ranks[0]["best_epoch"] == ranks[1]["best_epoch"]
    np.testing.assert_array_equal(ranks[0]["forecast"], ranks[1]["forecast"])
    assert np.isfinite(ranks[0]["forecast"]).all()
    # Each process's training loss is over its own shard of windows.
    assert ranks[0]["train_loss"] != ranks[1]["train_loss"]
    for rank in ranks:
        loss = rank["train_loss"]
        assert loss[-1] < 0.5 * loss[0], loss
