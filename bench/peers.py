"""chanload beside its peers on the same files, in one run, interleaved (median of --runs):

  CSV (33 float32 columns, label first):  chanload.Loader (1..cores threads), numpy.loadtxt,
      pandas.read_csv (C engine; pyarrow engine), pyarrow.csv.read_csv (1..cores threads),
      torch.utils.data.DataLoader over a pandas-parsed TensorDataset
  RecordIO-protobuf (written by the SageMaker SDK's write_numpy_to_dense_tensor):  chanload.Loader
      (1..cores threads), the SDK's own reader (sagemaker.amazon.common.read_recordio + record_pb2)

Peers that are not installed are left out and said so. Prints a Markdown table with the machine, the
versions and the command; --write-docs puts it into docs/benchmarks.md (between the peers markers)
and --plot writes a PNG of throughput against threads (matplotlib).

    make test-python && .venv/bin/pip install pyarrow matplotlib
    .venv/bin/python bench/peers.py --size-mib 64 --runs 3 --write-docs --plot docs/peers.png
"""
import argparse
import importlib
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")  # before the SDK is imported

import numpy as np  # noqa: E402

import chanload  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- peers:begin -->", "<!-- peers:end -->"


def make_job(root, size_mib):
    """A job tree with a CSV channel and a RecordIO-protobuf channel holding the same rows."""
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "config" / "inputdataconfig.json").write_text(
        '{"csv": {"ContentType": "text/csv;label_size=1", "TrainingInputMode": "File"},'
        ' "pbr": {"ContentType": "application/x-recordio-protobuf", "TrainingInputMode": "File"}}')
    rows = (size_mib << 20) // 300  # about 300 bytes a row: 33 columns of 7 significant digits
    values = np.random.default_rng(1).uniform(-1000, 1000, size=(rows, 33)).astype(np.float32)
    values[:, 0] = np.arange(rows) % 2
    csv = root / "input" / "data" / "csv" / "part-0.csv"
    csv.parent.mkdir(parents=True)
    np.savetxt(csv, values, delimiter=",", fmt="%.7g")
    pbr = root / "input" / "data" / "pbr" / "part-0.pbr"
    pbr.parent.mkdir(parents=True)
    try:
        from sagemaker.amazon.common import write_numpy_to_dense_tensor
        buffer = io.BytesIO()
        write_numpy_to_dense_tensor(buffer, values[:, 1:], values[:, 0])
        pbr.write_bytes(buffer.getvalue())
    except ImportError:
        pbr.unlink(missing_ok=True)
    return rows, csv, pbr if pbr.exists() else None


def chanload_run(root, channel, threads):
    def run():
        rows = 0
        for batch in chanload.Loader(channel, str(root), threads=threads, batch_size=1024):
            rows += batch.features.shape[0]
        return rows
    return run


def csv_peers(csv, cores):
    peers = {("numpy.loadtxt", 1): lambda: len(np.loadtxt(csv, delimiter=",", dtype=np.float32))}
    try:
        import pandas as pd
        peers[("pandas.read_csv, C engine", 1)] = lambda: len(
            pd.read_csv(csv, header=None, dtype=np.float32, engine="c").to_numpy())
        try:
            import pyarrow
            import pyarrow.csv as pacsv
            peers[("pandas.read_csv, pyarrow engine", cores)] = lambda: len(
                pd.read_csv(csv, header=None, engine="pyarrow").to_numpy(dtype=np.float32))

            def arrow(threads):
                def run():
                    pyarrow.set_cpu_count(threads)
                    options = pacsv.ReadOptions(autogenerate_column_names=True, use_threads=threads > 1)
                    return pacsv.read_csv(csv, read_options=options).num_rows
                return run
            for t in range(1, cores + 1):
                peers[("pyarrow.csv.read_csv", t)] = arrow(t)
        except ImportError:
            print("pyarrow is not installed: its peers are left out", file=sys.stderr)
        try:
            import torch

            def torch_loader():
                values = pd.read_csv(csv, header=None, dtype=np.float32).to_numpy()
                tensor = torch.from_dlpack(np.ascontiguousarray(values))
                dataset = torch.utils.data.TensorDataset(tensor[:, 1:], tensor[:, :1])
                return sum(f.shape[0] for f, _ in torch.utils.data.DataLoader(dataset, batch_size=1024))
            peers[("torch DataLoader (pandas-parsed TensorDataset)", 1)] = torch_loader
        except ImportError:
            print("torch is not importable: its DataLoader is left out", file=sys.stderr)
    except ImportError:
        print("pandas is not installed: its peers are left out", file=sys.stderr)
    return peers


def sdk_reader(pbr):
    from sagemaker.amazon.common import read_recordio
    from sagemaker.amazon.record_pb2 import Record

    def run():
        rows = []
        with open(pbr, "rb") as f:
            for payload in read_recordio(f):
                record = Record()
                record.ParseFromString(payload)
                rows.append(np.array(record.features["values"].float32_tensor.values, dtype=np.float32))
        return len(np.stack(rows))
    return run


def versions():
    out = [f"Python {platform.python_version()}", f"chanload {chanload.__version__}"]
    for name in ("numpy", "pandas", "pyarrow", "torch", "sagemaker"):
        try:
            out.append(f"{name} {importlib.import_module(name).__version__}")
        except ImportError:
            pass
    return ", ".join(out)


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true", help="put the table into docs/benchmarks.md")
    parser.add_argument("--plot", help="write a PNG of throughput against threads here")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "job"
        rows, csv, pbr = make_job(root, args.size_mib)
        sizes = {"CSV": csv.stat().st_size, "RecordIO-protobuf": pbr.stat().st_size if pbr else 0}
        candidates = {("CSV", "chanload.Loader", t): chanload_run(root, "csv", t) for t in range(1, cores + 1)}
        for (name, threads), run in csv_peers(csv, cores).items():
            candidates[("CSV", name, threads)] = run
        if pbr:
            for t in range(1, cores + 1):
                candidates[("RecordIO-protobuf", "chanload.Loader", t)] = chanload_run(root, "pbr", t)
            candidates[("RecordIO-protobuf", "SageMaker SDK read_recordio + record_pb2", 1)] = sdk_reader(pbr)
        else:
            print("the sagemaker SDK is not installed: no RecordIO-protobuf file", file=sys.stderr)
        times = {key: [] for key in candidates}
        for _ in range(args.runs):
            for key, run in candidates.items():
                start = time.perf_counter()
                count = run()
                times[key].append(time.perf_counter() - start)
                assert count == rows, (key, count, rows)

    medians = {key: statistics.median(samples) for key, samples in times.items()}
    lines = [f"{cpu_model()}, {cores} core(s); {rows} rows x 33 float32 columns "
             f"(CSV {sizes['CSV'] / 2**20:.0f} MiB, RecordIO-protobuf {sizes['RecordIO-protobuf'] / 2**20:.0f} MiB); "
             f"median of {args.runs} interleaved runs; {versions()}.",
             f"Command: `.venv/bin/python bench/peers.py --size-mib {args.size_mib} --runs {args.runs}`", "",
             "| data | reader | threads | median s | MB/s | chanload.Loader (same threads) is faster by |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for (data, name, threads), seconds in medians.items():
        ours = medians.get((data, "chanload.Loader", min(threads, cores)))
        lines.append(f"| {data} | {name} | {threads} | {seconds:.3f} | {sizes[data] / seconds / 1e6:.0f} | "
                     f"{seconds / ours:.1f}x |")
    table = "\n".join(lines)
    print(table)
    if args.write_docs:
        docs = REPO / "docs" / "benchmarks.md"
        text = docs.read_text()
        block = f"{BEGIN}\n{table}\n{END}"
        if BEGIN in text:
            text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
        else:
            text += f"\n## chanload beside its peers (bench/peers.py)\n\n{block}\n"
        docs.write_text(text)
    if args.plot:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("matplotlib is not installed: no plot", file=sys.stderr)
            return 0
        figure, axes = plt.subplots(figsize=(8, 5))
        for label in sorted({(d, n) for d, n, _ in medians}):
            points = sorted((t, sizes[label[0]] / s / 1e6) for (d, n, t), s in medians.items() if (d, n) == label)
            axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=f"{label[0]}: {label[1]}")
        axes.set_xlabel("threads")
        axes.set_ylabel("MB/s of input")
        axes.set_xticks(range(1, cores + 1))
        axes.set_title("chanload and peers, same files, same run")
        axes.legend(fontsize=7)
        figure.tight_layout()
        figure.savefig(args.plot, dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
