"""`chanload bench --instances --plot`: the chart of deliverable records/s per instance type, drawn by
the script built into the command with this interpreter's matplotlib."""
import json
import os
import subprocess
import sys

import pytest


def bench(chanload_bin, *args, python=sys.executable):
    env = dict(os.environ, CHANLOAD_PYTHON=python)
    return subprocess.run([chanload_bin, "bench", "--rows", "3000", "--columns", "9", "--threads", "1",
                           "--min-seconds", "0.01", "--no-progress", "--records-per-gpu-per-sec", "200000",
                           *args], capture_output=True, text=True, env=env, timeout=300)


def test_plot_draws_a_png_of_every_matching_instance(tmp_path, chanload_bin):
    pytest.importorskip("matplotlib")
    chart = tmp_path / "instances.png"
    result = bench(chanload_bin, "--instances", "ml.p*", "--plot", str(chart))
    assert result.returncode == 0, result.stderr
    assert f"chart: {chart}" in result.stdout
    with open(chart, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    assert width > 500 and height > 200  # a chart, not an empty canvas


def test_plot_without_matplotlib_says_what_to_install(tmp_path, chanload_bin):
    # An interpreter that cannot import matplotlib: Python with site-packages switched off.
    shim = tmp_path / "python-without-site"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -S -I \"$@\"\n")
    shim.chmod(0o755)
    result = bench(chanload_bin, "--instances", "p4d.", "--plot", str(tmp_path / "x.png"), python=str(shim))
    assert result.returncode == 1
    assert "--plot needs matplotlib" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_json_answer_lists_the_assumptions_and_each_types_ceilings(chanload_bin):
    result = bench(chanload_bin, "--instances", "ml.g6e.", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)["instances"]
    assert report["assumptions"]["hyperthread_weight"] == 0.5
    names = [fit["name"] for fit in report["instances"]]
    assert names and all(name.startswith("ml.g6e.") for name in names)
    for fit in report["instances"]:
        ceilings = fit["ceilings_records_per_second"]
        assert {"cores", "reader stage", "batcher", "PCIe"} <= set(ceilings)
        assert fit["deliverable_records_per_second"] == pytest.approx(min(v for v in ceilings.values() if v is not None))
