"""Time to produce the job's SM_* variables: `chanload env` against the SageMaker training toolkit's
Environment().to_env_vars(), each a fresh process (as a container entry point runs them), on the same job
tree, interleaved in one run. Prints a Markdown table.

    .venv/bin/python bench/env_vs_toolkit.py [--runs N]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOOLKIT = ("import json, logging; logging.disable(logging.CRITICAL); "
           "from sagemaker_training import environment; json.dumps(environment.Environment().to_env_vars())")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--chanload", default=str(Path(sys.executable).parent / "chanload"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "job"
        subprocess.run([str(REPO / "scripts" / "make-demo-job"), str(root)], check=True, capture_output=True)
        env = {**os.environ, "SAGEMAKER_BASE_DIR": str(root)}
        commands = {"chanload env": [args.chanload, "env"], "toolkit to_env_vars()": [sys.executable, "-c", TOOLKIT]}
        times = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, env=env, check=True, capture_output=True)
                times[name].append(time.perf_counter() - start)
    base = statistics.median(times["toolkit to_env_vars()"])
    print("| command | median ms | min ms | speed-up vs toolkit |")
    print("| --- | ---: | ---: | ---: |")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"| {name} | {median * 1e3:.1f} | {min(samples) * 1e3:.1f} | {base / median:.1f}x |")


if __name__ == "__main__":
    main()
