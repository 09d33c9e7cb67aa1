"""The examples run as they are."""
import subprocess
import sys

from conftest import REPO


def test_python_example_summarises_the_demo_job(tmp_path):
    root = tmp_path / "job"
    subprocess.run([str(REPO / "scripts" / "make-demo-job"), str(root)], check=True, capture_output=True)
    out = subprocess.run([sys.executable, str(REPO / "examples" / "python" / "job_summary.py"), str(root)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "host algo-2 is rank 1 of 2" in out.stdout
    assert "'layers': [64, 32]" in out.stdout
    assert "channel validation: Pipe mode" in out.stdout


def test_python_example_reports_a_bad_tree(tmp_path):
    config = tmp_path / "job" / "input" / "config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text("{oops}")
    out = subprocess.run([sys.executable, str(REPO / "examples" / "python" / "job_summary.py"),
                          str(tmp_path / "job")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "hyperparameters.json: invalid JSON: Expecting property name" in out.stderr


def test_pytorch_example_fits_the_demo_data(tmp_path):
    pytest = __import__("pytest")
    pytest.importorskip("torch")
    root = tmp_path / "job"
    subprocess.run([str(REPO / "scripts" / "make-demo-job"), str(root)], check=True, capture_output=True)
    subprocess.run([str(REPO / "scripts" / "make-example-data"), str(root)], check=True)
    out = subprocess.run([sys.executable, str(REPO / "examples" / "pytorch" / "train.py"), str(root)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "host algo-2: 20000 rows over 10 epochs" in out.stdout
    weights = out.stdout.split("weights ")[1].split(" bias")[0]
    a, b = (float(x) for x in weights.strip("[]").split(","))
    assert abs(a - 3) < 0.1 and abs(b + 2) < 0.1, out.stdout
