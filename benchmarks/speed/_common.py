"""Machine description, CSV writing and memory measurement shared by the benchmarks."""

import csv
import datetime
import gc
import os
import platform
import time
import tracemalloc
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results"


def cpu_model():
    """CPU model name from /proc/cpuinfo (the platform's name elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average():
    """1-minute load average (NaN where the system has none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return float("nan")


def machine_info():
    """What a result row needs to say where and when it was measured."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
    }


def write_csv(path, rows):
    """Write a list of dicts (same keys) to ``path``, creating its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def proc_status_mb(field):
    """A memory field of /proc/self/status (VmRSS, VmHWM) in MB (10**6 bytes); Linux only.

    The file gives kB of 1,024 bytes; until 2026-12-01 (eighteenth session)
    this returned MiB, 4.9 % below MB, beside data sizes and tracemalloc
    peaks in MB.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024 / 1e6
    raise OSError(f"/proc/self/status has no {field}")


def reset_peak_rss():
    """Reset the peak RSS (VmHWM) to the current RSS (Linux >= 4.0); OSError where not allowed."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def measure_memory(func):
    """(result, peak RSS added MB, tracemalloc peak MB, seconds) of ``func()``.

    Garbage collected first; the peak RSS (VmHWM) is reset and read back
    after the call, less the RSS before it, and tracemalloc traces the numpy
    and Python allocations of the call (torch's own are not traced). Linux only.
    """
    gc.collect()
    before = proc_status_mb("VmRSS")
    reset_peak_rss()
    tracemalloc.start()
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, proc_status_mb("VmHWM") - before, peak / 1e6, seconds
