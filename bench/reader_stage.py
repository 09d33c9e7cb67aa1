"""The loader's reader stage against one decompressor over the same objects, interleaved in one run.

A File-mode channel of 8 compressed objects (the same float CSV text as bench/sources_vs_tools.py,
cut at line ends), read end to end by `chanload read`:

  gzip lines   chanload read --format lines   vs  igzip -dc over the 8 objects (one stream)
  zstd lines   chanload read --format lines   vs  zstd -dc over the 8 objects
  gzip CSV     chanload read (33 float columns, decoded)  at --objects-in-flight 1 and the default

  gzip pipe    the 8 gzip objects through one FIFO (Pipe mode; `chanload pipe-feed` plays the
               platform), as lines: inflating read ahead of the framing (the default) against
               --objects-in-flight 1 (one thread does both), and igzip -dc over the objects
  zstd pipe    the 8 zstd objects through one FIFO, as lines: their frames decoded at once (the
               default) against --objects-in-flight 1 (one thread), and zstd -dc over the objects
  plain CSV    one uncompressed object of --plain-mib, decoded, at --threads 2 (its pieces framed by
               two reader threads, and by one) against --threads 1 --objects-in-flight 1
  plain lines  the same object as lines (framing only): two reader threads against one

`--objects-in-flight 1` is the single reader this stage replaced (one thread reading, decompressing
and framing every object in turn); the default reads as many objects at once as there are cores.
A large uncompressed object is cut into pieces that several reader threads frame at once.
Every command writes to /dev/null. Prints a Markdown table of median times and ratios (>1.0 means
faster than the reference row of its case).

    .venv/bin/python bench/reader_stage.py [--size-mib 256] [--objects 8] [--plain-mib 512] [--runs 5]
        [--cases gzip,zstd,pipe,zstdpipe,csv,plain] [--chanload PATH] [--compare PATH]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from sources_vs_tools import csv_block  # noqa: E402  (the same data as the sources table)


def timed(command):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def split_at_lines(data, parts):
    cuts = [0]
    for k in range(1, parts):
        at = data.index(b"\n", len(data) * k // parts) + 1
        cuts.append(at)
    cuts.append(len(data))
    return [data[cuts[k]:cuts[k + 1]] for k in range(parts)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--objects", type=int, default=8)
    parser.add_argument("--plain-mib", type=int, default=512)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", default="gzip,zstd,pipe,zstdpipe,csv,plain")
    parser.add_argument("--chanload", default=str(REPO / "build" / "release" / "chanload"))
    parser.add_argument("--compare", help="another chanload build: its rows run interleaved with --chanload's")
    args = parser.parse_args()
    missing = [name for name in ("igzip", "zstd") if shutil.which(name) is None]
    if missing:
        raise SystemExit(f"missing tools: {missing} (scripts/install-deps installs them)")

    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR", "/tmp")) as tmp:
        root = Path(tmp)
        config = root / "input" / "config"
        config.mkdir(parents=True)
        (config / "inputdataconfig.json").write_text(
            '{"gz": {"TrainingInputMode": "File", "ContentType": "text/csv"},'
            ' "zst": {"TrainingInputMode": "File", "ContentType": "text/csv"},'
            ' "plain": {"TrainingInputMode": "File", "ContentType": "text/csv"},'
            ' "gzpipe": {"TrainingInputMode": "Pipe", "ContentType": "text/csv"},'
            ' "zstpipe": {"TrainingInputMode": "Pipe", "ContentType": "text/csv"}}')
        gz_files, zst_files = [], []
        for channel in ("gz", "zst", "plain"):
            (root / "input" / "data" / channel).mkdir(parents=True)
        plain = root / "plain"
        plain.mkdir()
        for k, part in enumerate(split_at_lines(csv_block(args.size_mib), args.objects)):
            source = plain / f"part-{k}.csv"
            source.write_bytes(part)
            gz = root / "input" / "data" / "gz" / f"part-{k}.csv.gz"
            zst = root / "input" / "data" / "zst" / f"part-{k}.csv.zst"
            subprocess.run(f"igzip -1 -c {source} > {gz}", shell=True, check=True)
            subprocess.run(["zstd", "-q", "-3", "-f", str(source), "-o", str(zst)], check=True)
            gz_files.append(str(gz))
            zst_files.append(str(zst))
        shutil.rmtree(plain)
        wanted = set(args.cases.split(","))
        if "plain" in wanted:
            big = csv_block(args.plain_mib)
            (root / "input" / "data" / "plain" / "big.csv").write_bytes(big[: big.rindex(b"\n") + 1])

        def build(c):
            read = lambda channel, *extra: [c, "read", "--root", str(root), "--channel", channel, *extra]

            def timed_pipe(*extra, channel="gzpipe", files=gz_files):
                # The feed starts first and waits for its reader, as the platform does; the time is the
                # reader's, from its start to its last record.
                feed = subprocess.Popen([c, "pipe-feed", "--root", str(root), "--channel", channel, *files])
                try:
                    return timed(read(channel, "--format", "lines", *extra))
                finally:
                    feed.wait()
            cases = {
                "gzip lines": {
                    "chanload read --format lines": lambda: timed(read("gz", "--format", "lines")),
                    "chanload read --format lines --objects-in-flight 1":
                        lambda: timed(read("gz", "--format", "lines", "--objects-in-flight", "1")),
                    "igzip -dc (one stream)": lambda: timed(["igzip", "-dc", *gz_files]),
                },
                "zstd lines": {
                    "chanload read --format lines": lambda: timed(read("zst", "--format", "lines")),
                    "chanload read --format lines --objects-in-flight 1":
                        lambda: timed(read("zst", "--format", "lines", "--objects-in-flight", "1")),
                    "zstd -dc (one stream)": lambda: timed(["zstd", "-dc", *zst_files]),
                },
                "gzip lines, Pipe mode": {
                    "chanload read --format lines (read ahead)": lambda: timed_pipe(),
                    "chanload read --format lines --objects-in-flight 1": lambda: timed_pipe("--objects-in-flight", "1"),
                    "igzip -dc (one stream)": lambda: timed(["igzip", "-dc", *gz_files]),
                },
                "zstd lines, Pipe mode": {
                    "chanload read --format lines (frames at once)":
                        lambda: timed_pipe(channel="zstpipe", files=zst_files),
                    "chanload read --format lines --objects-in-flight 1":
                        lambda: timed_pipe("--objects-in-flight", "1", channel="zstpipe", files=zst_files),
                    "zstd -dc (one stream)": lambda: timed(["zstd", "-dc", *zst_files]),
                },
                "gzip CSV, decoded": {
                    "chanload read": lambda: timed(read("gz")),
                    "chanload read --objects-in-flight 1": lambda: timed(read("gz", "--objects-in-flight", "1")),
                },
                "plain CSV, one object, decoded": {
                    "chanload read --threads 2": lambda: timed(read("plain", "--threads", "2")),
                    "chanload read --threads 2 --objects-in-flight 1":
                        lambda: timed(read("plain", "--threads", "2", "--objects-in-flight", "1")),
                    "chanload read --threads 1 --objects-in-flight 1":
                        lambda: timed(read("plain", "--threads", "1", "--objects-in-flight", "1")),
                },
                "plain lines, one object": {
                    "chanload read --format lines --objects-in-flight 2":
                        lambda: timed(read("plain", "--format", "lines", "--objects-in-flight", "2")),
                    "chanload read --format lines --objects-in-flight 1":
                        lambda: timed(read("plain", "--format", "lines", "--objects-in-flight", "1")),
                },
            }
            return cases

        cases = build(args.chanload)
        if args.compare:
            # Each chanload row again with the other build, interleaved in the same runs; the
            # reference rows (the tools) stay last.
            other = build(args.compare)
            for case, commands in cases.items():
                merged = {}
                for name, run in commands.items():
                    if name.startswith("chanload"):
                        merged[name] = run
                        merged[name + " [compare]"] = other[case][name]
                merged.update({name: run for name, run in commands.items() if not name.startswith("chanload")})
                cases[case] = merged
        keys = {"gzip lines": "gzip", "gzip lines, Pipe mode": "pipe", "zstd lines": "zstd",
                "zstd lines, Pipe mode": "zstdpipe", "gzip CSV, decoded": "csv",
                "plain CSV, one object, decoded": "plain", "plain lines, one object": "plain"}
        cases = {case: commands for case, commands in cases.items() if keys[case] in wanted}
        for files in (gz_files, zst_files):  # into the page cache
            for f in files:
                Path(f).read_bytes()
        for f in (root / "input" / "data" / "plain").iterdir():
            f.read_bytes()
        print(f"{args.size_mib} MiB of float CSV in {args.objects} compressed objects, and one plain object "
              f"of {args.plain_mib} MiB; {os.cpu_count()} CPUs; median of {args.runs} interleaved runs\n")
        print("| case | command | median s | GB/s (output) | ratio vs last row |")
        print("| --- | --- | ---: | ---: | ---: |")
        for case, commands in cases.items():
            size = (args.plain_mib if case.startswith("plain") else args.size_mib) << 20
            samples = {name: [] for name in commands}
            for _ in range(args.runs):
                for name, run in commands.items():
                    samples[name].append(run())
            names = list(commands)
            reference = statistics.median(samples[names[-1]])
            for name in names:
                median = statistics.median(samples[name])
                print(f"| {case} | {name} | {median:.3f} | {size / median / 1e9:.2f} | {reference / median:.2f}x |")


if __name__ == "__main__":
    main()
