"""Time one training step of the recurrent cells on CPU.

One step = forward + MSE loss + backward + Adam update of a
``ForecastNetwork(strategy="mimo")`` with a 2-layer encoder, hidden 64,
lookback 36, batch 256, one input feature, horizon 6, on one thread.
Variants: torch's fused ``nn.LSTM`` and the hand-written lstm, peephole,
coupled and gru cells. Repeats are interleaved (every round times each
variant once, in turn) so that drifts in machine load hit all variants
alike; the table reports the median per variant and its ratio to the fused
LSTM, and is written to ``benchmarks/speed/results/cells_step.csv`` (with the
machine, date and load average).

Run from the repository root::

    python -m benchmarks.speed.cells_step
"""

import argparse
import statistics
import time
from pathlib import Path

import torch
from torch import nn

from benchmarks.speed._common import RESULTS, load_average, machine_info, write_csv
from seqforecast.neural.networks import ForecastNetwork

VARIANTS = [
    ("lstm (fused nn.LSTM)", "lstm", True),
    ("lstm (hand-written)", "lstm", False),
    ("peephole", "peephole", False),
    ("coupled", "coupled", False),
    ("gru (hand-written)", "gru", False),
]


def _make_step(cell, fused, args):
    torch.manual_seed(0)
    net = ForecastNetwork(
        cell, 1, 0, args.horizon, hidden_size=args.hidden_size,
        num_layers=args.num_layers, fused=fused,
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    past = torch.randn(args.batch_size, args.lookback, 1)
    target = torch.randn(args.batch_size, args.horizon, 1)
    n_params = sum(p.numel() for p in net.parameters())

    def step():
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(net(past), target)
        loss.backward()
        optimizer.step()

    return step, n_params


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lookback", type=int, default=36)
    parser.add_argument("--hidden-size", type=int, default=64)
    parser.add_argument("--num-layers", type=int, default=2)
    parser.add_argument("--horizon", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", type=Path, default=RESULTS / "cells_step.csv",
                        help="CSV to write the table to")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    info = machine_info()
    load_start = load_average()

    steps = {}
    for label, cell, fused in VARIANTS:
        step, n_params = _make_step(cell, fused, args)
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
    reference = statistics.median(times[VARIANTS[0][0]])
    print(f"| {'variant':<22} | {'params':>7} | {'ms / step':>9} | {'vs fused LSTM':>13} |")
    print(f"|{'-' * 24}|{'-' * 9}|{'-' * 11}|{'-' * 15}|")
    rows = []
    for label, (_, n_params) in steps.items():
        median = statistics.median(times[label])
        print(
            f"| {label:<22} | {n_params:>7} | {1000 * median:>9.1f} | "
            f"{median / reference:>12.2f}x |"
        )
        rows.append({
            "variant": label, "params": n_params, "ms_per_step": round(1000 * median, 1),
            "ratio_vs_fused_lstm": round(median / reference, 2),
            "batch_size": args.batch_size, "lookback": args.lookback,
            "hidden_size": args.hidden_size, "num_layers": args.num_layers,
            "horizon": args.horizon, "repeats": args.repeats,
            "load1_start": load_start, "load1_end": load_average(), **info,
        })
    print("wrote", write_csv(args.output, rows))


if __name__ == "__main__":
    main()
