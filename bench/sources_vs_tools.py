"""chanload's channel sources against the tools that read the same bytes, interleaved in one run:

  File mode   chanload cat (io_uring, pread)  vs  cat           on the same cached file
  Pipe mode   chanload cat                     vs  dd bs=1M      reading a FIFO fed by `dd bs=1M`
  gzip        chanload cat                     vs  igzip -dc (ISA-L's tool), gzip -dc
  zstd        chanload cat                     vs  zstd -dc

Every command writes to /dev/null. Prints a Markdown table of median times and ratios
(>1.0 means chanload is faster).

    .venv/bin/python bench/sources_vs_tools.py [--size-mib 1024] [--runs 5] [--chanload PATH]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def csv_block(mib):
    """Float CSV (33 columns, 7 significant digits), like a training channel. A unique 64 MiB block,
    repeated to size: the repeats are farther apart than gzip's or zstd -3's window, so the
    compressors see no more redundancy than in real data."""
    import random
    rng = random.Random(7)
    unique = bytearray()
    target = min(mib, 64) << 20
    while len(unique) < target:
        rows = [",".join(["%.7g" % rng.uniform(-1000, 1000) for _ in range(33)]) for _ in range(1000)]
        unique += ("\n".join(rows) + "\n").encode()
    out = bytearray()
    while len(out) < mib << 20:
        out += unique
    return bytes(out[: mib << 20])


def timed(command, **kwargs):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def timed_fifo_read(reader, fifo, source):
    """The writer (dd bs=1M) is the same for every reader; time until both are done."""
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    start = time.perf_counter()
    writer = subprocess.Popen(["dd", f"if={source}", f"of={fifo}", "bs=1M", "status=none"])
    subprocess.run(reader, check=True, stdout=subprocess.DEVNULL)
    writer.wait()
    elapsed = time.perf_counter() - start
    os.unlink(fifo)
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chanload", default=str(REPO / "build" / "release" / "chanload"))
    args = parser.parse_args()
    tools = {name: shutil.which(name) for name in ("cat", "dd", "igzip", "gzip", "zstd")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        raise SystemExit(f"missing tools: {missing} (scripts/install-deps installs them)")

    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR", "/tmp")) as tmp:
        root = Path(tmp)
        config = root / "input" / "config"
        config.mkdir(parents=True)
        (config / "inputdataconfig.json").write_text(
            '{"file": {"TrainingInputMode": "File"}, "gz": {"TrainingInputMode": "File"},'
            ' "zst": {"TrainingInputMode": "File"}, "pipe": {"TrainingInputMode": "Pipe"}}')
        for channel in ("file", "gz", "zst"):
            (root / "input" / "data" / channel).mkdir(parents=True)
        plain = root / "input" / "data" / "file" / "part-0.csv"
        plain.write_bytes(csv_block(args.size_mib))
        gz = root / "input" / "data" / "gz" / "part-0.csv.gz"
        zst = root / "input" / "data" / "zst" / "part-0.csv.zst"
        subprocess.run(f"igzip -1 -c {plain} > {gz}", shell=True, check=True)
        subprocess.run(["zstd", "-q", "-3", "-f", str(plain), "-o", str(zst)], check=True)
        fifo = str(root / "input" / "data" / "pipe_0")
        c = args.chanload
        cat_channel = lambda ch, *extra: [c, "cat", "--root", str(root), "--channel", ch, *extra]
        timed(["cat", str(plain)])  # warm the page cache

        cases = {
            "File mode, cached": {
                "chanload cat (io_uring)": lambda: timed(cat_channel("file", "--io", "io_uring")),
                "chanload cat (pread)": lambda: timed(cat_channel("file", "--io", "pread")),
                "cat": lambda: timed(["cat", str(plain)]),
            },
            "Pipe mode (writer: dd bs=1M)": {
                "chanload cat": lambda: timed_fifo_read(cat_channel("pipe", "--pipe-timeout", "60"), fifo, plain),
                "dd bs=1M": lambda: timed_fifo_read(["dd", f"if={fifo}", "bs=1M", "status=none"], fifo, plain),
            },
            "gzip (igzip -1)": {
                "chanload cat": lambda: timed(cat_channel("gz")),
                "igzip -dc": lambda: timed(["igzip", "-dc", str(gz)]),
                "gzip -dc": lambda: timed(["gzip", "-dc", str(gz)]),
            },
            "zstd (-3)": {
                "chanload cat": lambda: timed(cat_channel("zst")),
                "zstd -dc": lambda: timed(["zstd", "-dc", str(zst)]),
            },
        }
        print(f"{args.size_mib} MiB of float CSV; gzip {gz.stat().st_size >> 20} MiB, zstd {zst.stat().st_size >> 20} MiB; "
              f"median of {args.runs} interleaved runs\n")
        print("| case | command | median s | GB/s (output) | ratio vs reference |")
        print("| --- | --- | ---: | ---: | ---: |")
        size = args.size_mib << 20
        for case, commands in cases.items():
            samples = {name: [] for name in commands}
            for _ in range(args.runs):
                for name, run in commands.items():
                    samples[name].append(run())
            names = list(commands)
            reference = statistics.median(samples[names[-1] if case != "gzip (igzip -1)" else "igzip -dc"])
            for name in names:
                median = statistics.median(samples[name])
                ratio = reference / median
                print(f"| {case} | {name} | {median:.3f} | {size / median / 1e9:.2f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
