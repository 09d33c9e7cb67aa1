"""CSV to float32 arrays: chanload read (one thread, writing .npy) beside numpy.loadtxt and
pandas.read_csv (C engine, and pyarrow engine where pyarrow is installed), on the same file, in one
run, interleaved. Prints a Markdown table.

    .venv/bin/python bench/csv_peers.py [--size-mib 64] [--runs 3]
"""
import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chanload", default=str(REPO / "build" / "release" / "chanload"))
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "job"
        (root / "input" / "config").mkdir(parents=True)
        (root / "input" / "config" / "inputdataconfig.json").write_text(
            json.dumps({"train": {"ContentType": "text/csv;label_size=1", "TrainingInputMode": "File"}}))
        folder = root / "input" / "data" / "train"
        folder.mkdir(parents=True)
        path = folder / "part-0.csv"
        rows = (args.size_mib << 20) // 300  # about 300 bytes a row: 33 columns of 7 significant digits
        np.savetxt(path, rng.uniform(-1000, 1000, size=(rows, 33)).astype(np.float32), delimiter=",", fmt="%.7g")
        size = path.stat().st_size

        def run_chanload():
            subprocess.run([args.chanload, "read", "--root", str(root), "--channel", "train", "--output",
                            str(Path(tmp) / "out")], check=True)
            return np.load(Path(tmp) / "out" / "features.npy")

        candidates = {"chanload read (1 thread, to .npy)": run_chanload,
                      "numpy.loadtxt": lambda: np.loadtxt(path, delimiter=",", dtype=np.float32)}
        try:
            import pandas as pd
            candidates["pandas.read_csv (C engine)"] = lambda: pd.read_csv(
                path, header=None, dtype=np.float32, engine="c").to_numpy()
            try:
                import pyarrow  # noqa: F401
                candidates["pandas.read_csv (pyarrow engine)"] = lambda: pd.read_csv(
                    path, header=None, engine="pyarrow").to_numpy(dtype=np.float32)
            except ImportError:
                pass
        except ImportError:
            pass
        times = {name: [] for name in candidates}
        for _ in range(args.runs):
            for name, run in candidates.items():
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
        reference = statistics.median(times["numpy.loadtxt"])
        print(f"{size / 2**20:.0f} MiB, {rows} rows x 33 float32 columns; median of {args.runs} interleaved runs\n")
        print("| reader | median s | MB/s | speed vs numpy.loadtxt |")
        print("| --- | ---: | ---: | ---: |")
        for name, samples in times.items():
            median = statistics.median(samples)
            print(f"| {name} | {median:.2f} | {size / median / 1e6:.0f} | {reference / median:.1f}x |")


if __name__ == "__main__":
    main()
