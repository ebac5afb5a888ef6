"""Time one training step of the recurrent cells, or of the encoders, on CPU.

One step = forward + MSE loss + backward + Adam update of a
``ForecastNetwork`` on one thread. ``--study cells`` (default): strategy
"mimo", a 2-layer encoder, hidden 64, lookback 36, batch 256, one input
feature, horizon 6; variants: torch's fused ``nn.LSTM`` and the hand-written
lstm, peephole, coupled and gru cells. ``--study defaults``: the
forecasters' fused lstm, gru and rnn at their defaults on monthly data (1
layer, hidden 64, lookback 36, horizon 24, batch 32), and the lstm and gru
with torch's oneDNN kernels switched off (``torch.backends.mkldnn.flags``),
which shows where the LSTM's speed on CPU comes from. ``--study encoders``: the
forecaster's defaults on monthly data (1 layer, hidden 64, lookback 36,
horizon 24, batch 32); variants: the LSTM with the multi-output head, as an
encoder-decoder, with Luong attention, and the Transformer encoder with the
multi-output head and with the attention decoder. Repeats are interleaved (every round times each
variant once, in turn) so that drifts in machine load hit all variants
alike; the table reports the median per variant and its ratio to the first
(the fused LSTM), and is written to
``benchmarks/speed/results/<study>_step.csv`` (with the machine, date and
load average).

Run from the repository root::

    python -m benchmarks.speed.cells_step
    python -m benchmarks.speed.cells_step --study encoders
    python -m benchmarks.speed.cells_step --study defaults
"""

import argparse
import statistics
import time
from pathlib import Path

import torch
from torch import nn

from benchmarks.speed._common import RESULTS, load_average, machine_info, write_csv
from seqforecast.neural.networks import ForecastNetwork

# study -> (label, ForecastNetwork arguments) of each variant, and its defaults.
STUDIES = {
    "cells": (
        [
            ("lstm (fused nn.LSTM)", {"cell": "lstm"}),
            ("lstm (hand-written)", {"cell": "lstm", "fused": False}),
            ("peephole", {"cell": "peephole"}),
            ("coupled", {"cell": "coupled"}),
            ("gru (hand-written)", {"cell": "gru", "fused": False}),
        ],
        {"batch_size": 256, "num_layers": 2, "horizon": 6},
    ),
    # The forecasters' fused cells at their defaults on monthly data; the
    # LSTM once more with torch's oneDNN kernels switched off (its CPU
    # LSTM runs on oneDNN's fused LSTM; torch has no such path for the GRU).
    "defaults": (
        [
            ("lstm (fused nn.LSTM)", {"cell": "lstm"}),
            ("gru (fused nn.GRU)", {"cell": "gru"}),
            ("rnn (fused nn.RNN)", {"cell": "rnn"}),
            ("lstm, oneDNN off", {"cell": "lstm", "onednn": False}),
            ("gru, oneDNN off", {"cell": "gru", "onednn": False}),
        ],
        {"batch_size": 32, "num_layers": 1, "horizon": 24},
    ),
    "encoders": (
        [
            ("lstm mimo", {"cell": "lstm"}),
            ("lstm seq2seq", {"cell": "lstm", "strategy": "seq2seq"}),
            ("lstm seq2seq + attention",
             {"cell": "lstm", "strategy": "seq2seq", "attention": True}),
            ("transformer mimo", {"cell": "lstm", "encoder": "transformer"}),
            ("transformer seq2seq + attention",
             {"cell": "lstm", "encoder": "transformer", "strategy": "seq2seq",
              "attention": True}),
        ],
        {"batch_size": 32, "num_layers": 1, "horizon": 24},
    ),
}


def _make_step(network, args):
    torch.manual_seed(0)
    network = dict(network)
    onednn = network.pop("onednn", True)
    net = ForecastNetwork(
        network.pop("cell"), 1, 0, args.horizon, hidden_size=args.hidden_size,
        num_layers=args.num_layers, **network,
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    past = torch.randn(args.batch_size, args.lookback, 1)
    target = torch.randn(args.batch_size, args.horizon, 1)
    n_params = sum(p.numel() for p in net.parameters())

    def step():
        with torch.backends.mkldnn.flags(enabled=onednn):
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(net(past), target)
            loss.backward()
            optimizer.step()

    return step, n_params


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", choices=sorted(STUDIES), default="cells")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lookback", type=int, default=36)
    parser.add_argument("--hidden-size", type=int, default=64)
    parser.add_argument("--num-layers", type=int, default=None)
    parser.add_argument("--horizon", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", type=Path, default=None,
                        help="CSV to write the table to (default results/<study>_step.csv)")
    args = parser.parse_args()
    variants, defaults = STUDIES[args.study]
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    output = args.output or RESULTS / f"{args.study}_step.csv"
    torch.set_num_threads(args.threads)
    info = machine_info()
    load_start = load_average()

    steps = {}
    for label, network in variants:
        step, n_params = _make_step(network, args)
        for _ in range(args.warmup):
            step()
        steps[label] = (step, n_params)

    times = {label: [] for label in steps}
    for _ in range(args.repeats):
        for label, (step, _) in steps.items():
            start = time.perf_counter()
            step()
            times[label].append(time.perf_counter() - start)

    print(
        f"train step, batch {args.batch_size}, lookback {args.lookback}, hidden "
        f"{args.hidden_size}, {args.num_layers} layers, horizon {args.horizon}; "
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
        f"{info['cpu']}, {info['cores']} cores; median of {args.repeats} "
        f"interleaved repeats; load average {load_start} -> {load_average()}"
    )
    reference = statistics.median(times[variants[0][0]])
    print(f"| {'variant':<31} | {'params':>7} | {'ms / step':>9} | {'vs first':>9} |")
    print(f"|{'-' * 33}|{'-' * 9}|{'-' * 11}|{'-' * 11}|")
    rows = []
    for label, (_, n_params) in steps.items():
        median = statistics.median(times[label])
        print(
            f"| {label:<31} | {n_params:>7} | {1000 * median:>9.1f} | "
            f"{median / reference:>8.2f}x |"
        )
        rows.append({
            "variant": label, "params": n_params, "ms_per_step": round(1000 * median, 1),
            "ratio_vs_first": round(median / reference, 2),
            "batch_size": args.batch_size, "lookback": args.lookback,
            "hidden_size": args.hidden_size, "num_layers": args.num_layers,
            "horizon": args.horizon, "repeats": args.repeats,
            "load1_start": load_start, "load1_end": load_average(), **info,
        })
    print("wrote", write_csv(output, rows))


if __name__ == "__main__":
    main()
