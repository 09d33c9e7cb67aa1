"""Iterating chanload.Loader in Python beside `chanload read` (the C++ loader with no Python) on the
same CSV channel with the same options, and beside torch.utils.data.DataLoader over the same file (a
pandas-parsed TensorDataset, and a per-row Dataset) when torch imports; runs interleaved; prints a
Markdown table. Issue 6's target: Python keeps >= 0.9x the throughput of `chanload read`.

    make build test-python && .venv/bin/python bench/python_loader_vs_read.py --size-mib 64 --runs 5
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import chanload

REPO = pathlib.Path(__file__).resolve().parent.parent


def make_job(root, size_mib):
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "config" / "inputdataconfig.json").write_text(json.dumps(
        {"train": {"ContentType": "text/csv;label_size=1", "TrainingInputMode": "File"}}))
    folder = root / "input" / "data" / "train"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(5)
    block = "".join(",".join(f"{v:.7g}" for v in row) + "\n" for row in rng.uniform(-1000, 1000, size=(4000, 33)))
    with open(folder / "data.csv", "w") as out:
        written = 0
        while written < size_mib << 20:
            out.write(block)
            written += len(block)
    return written


def run_cli(cli, root, threads, batch_size):
    started = time.perf_counter()
    result = subprocess.run([cli, "read", "--root", str(root), "--channel", "train", "--threads", str(threads),
                             "--batch-size", str(batch_size), "--stats"], capture_output=True, text=True, check=True)
    return time.perf_counter() - started, json.loads(result.stdout)["rows"]


def run_python(root, threads, batch_size):
    started = time.perf_counter()
    rows = 0
    for batch in chanload.Loader("train", str(root), threads=threads, batch_size=batch_size):
        rows += batch.features.shape[0]
    return time.perf_counter() - started, rows


def run_torch_tensor_dataset(root, batch_size):
    import pandas
    import torch
    started = time.perf_counter()
    frame = pandas.read_csv(root / "input" / "data" / "train" / "data.csv", header=None, dtype="float32")
    # torch.tensor from a list-free buffer: torch.from_numpy needs the NumPy ABI torch was built with.
    values = torch.from_dlpack(np.ascontiguousarray(frame.to_numpy()))
    dataset = torch.utils.data.TensorDataset(values[:, 1:], values[:, :1])
    rows = 0
    for features, _ in torch.utils.data.DataLoader(dataset, batch_size=batch_size):
        rows += features.shape[0]
    return time.perf_counter() - started, rows


def run_torch_row_dataset(root, batch_size):
    import torch

    class Rows(torch.utils.data.Dataset):
        def __init__(self, path):
            with open(path) as f:
                self.lines = f.readlines()

        def __len__(self):
            return len(self.lines)

        def __getitem__(self, i):
            row = torch.tensor([float(x) for x in self.lines[i].split(",")])
            return row[1:], row[:1]

    started = time.perf_counter()
    rows = 0
    for features, _ in torch.utils.data.DataLoader(Rows(root / "input" / "data" / "train" / "data.csv"),
                                                   batch_size=batch_size):
        rows += features.shape[0]
    return time.perf_counter() - started, rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=64)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--cli", default=str(REPO / "build" / "release" / "chanload"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp) / "job"
        size = make_job(root, args.size_mib)
        runs = {"cli": lambda: run_cli(args.cli, root, args.threads, args.batch_size),
                "python": lambda: run_python(root, args.threads, args.batch_size)}
        try:
            import torch  # noqa: F401
            runs["tensor"] = lambda: run_torch_tensor_dataset(root, args.batch_size)
            runs["per_row"] = lambda: run_torch_row_dataset(root, args.batch_size)
        except ImportError:
            pass
        times = {name: [] for name in runs}
        rows = set()
        for attempt in range(args.runs):
            for name, run in runs.items():
                if name == "per_row" and attempt > 0:
                    continue  # minutes a run: once is enough to place it
                seconds, count = run()
                times[name].append(seconds)
                rows.add(count)
        assert len(rows) == 1, rows
        cli, py = statistics.median(times["cli"]), statistics.median(times["python"])
        print(f"{size / 2**20:.0f} MiB, {rows.pop()} rows x 33 columns, threads {args.threads}, batch {args.batch_size}; "
              f"median of {args.runs} interleaved runs\n")
        print("| reader | median s | MB/s | vs chanload read |\n| --- | ---: | ---: | ---: |")
        print(f"| chanload read (C++, process start included) | {cli:.3f} | {size / cli / 1e6:.0f} | 1.00x |")
        print(f"| chanload.Loader iterated in Python | {py:.3f} | {size / py / 1e6:.0f} | {cli / py:.2f}x |")
        names = {"tensor": "torch DataLoader over a pandas-parsed TensorDataset",
                 "per_row": "torch DataLoader over a per-row Dataset (one run)"}
        for name, label in names.items():
            if name in times:
                t = statistics.median(times[name])
                print(f"| {label} | {t:.3f} | {size / t / 1e6:.0f} | {cli / t:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
