"""The loader through `chanload read`: memory held to the budget (measured as the process's peak
RSS), and shards that together deliver every record exactly once."""
import json
import subprocess
import sys

import numpy as np

from job_trees import write_tree


def csv_job(tmp_path, rows_per_block, blocks):
    root = write_tree(tmp_path / "job", {"inputdataconfig.json": {
        "train": {"ContentType": "text/csv;label_size=1", "TrainingInputMode": "File"}}})
    folder = root / "input" / "data" / "train"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(11)
    values = rng.uniform(-100, 100, size=(rows_per_block, 20))
    block = "".join(",".join(f"{v:.5f}" for v in row) + "\n" for row in values)
    with open(folder / "big.csv", "w") as out:
        for _ in range(blocks):
            out.write(block)
    return root


def peak_rss_kib(command):
    """Runs command in a fresh Python whose only child it is, and returns (stdout, the child's peak RSS)."""
    probe = ("import resource, subprocess, sys\n"
             "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
             "sys.stderr.write(r.stderr)\n"
             "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
             "print(r.stdout, end='')\n")
    result = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True, timeout=300)
    first, _, rest = result.stdout.partition("\n")
    status, rss = (int(x) for x in first.split())
    assert status == 0, result.stderr
    return rest, rss


def test_memory_stays_within_the_budget(tmp_path, chanload_bin):
    root = csv_job(tmp_path, 20000, 12)  # 240000 rows, about 45 MB of text
    budget = 4 << 20
    out, rss = peak_rss_kib([chanload_bin, "read", "--root", str(root), "--channel", "train", "--stats",
                             "--memory-budget", str(budget), "--batch-size", "512", "--threads", "2"])
    stats = json.loads(out)
    assert stats["rows"] == 240000
    assert stats["peak_memory_bytes"] <= budget
    # The whole process (code, libraries, io_uring buffers and the loader) stays far below the data.
    assert rss < 40 * 1024, f"peak RSS {rss} KiB reading 45 MB with a 4 MiB budget"


def test_shards_partition_the_records(tmp_path, chanload_bin):
    root = csv_job(tmp_path, 1001, 1)
    labels = []
    for index in range(3):
        out = tmp_path / f"shard{index}"
        result = subprocess.run([chanload_bin, "read", "--root", str(root), "--channel", "train", "--num-shards", "3",
                                 "--shard-index", str(index), "--shuffle-window", "100", "--seed", "4",
                                 "--batch-size", "64", "--output", str(out)],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        labels.append(np.load(out / "labels.npy")[:, 0])
    assert sorted(len(x) for x in labels) == [333, 334, 334]
    everything = np.sort(np.concatenate(labels))
    expected = np.loadtxt(root / "input" / "data" / "train" / "big.csv", delimiter=",", dtype=np.float32)[:, 0]
    np.testing.assert_array_equal(everything, np.sort(expected))
