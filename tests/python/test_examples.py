"""The examples run as they are."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_python_training_example_fits_the_demo_data_in_file_mode(tmp_path):
    root = tmp_path / "job"
    subprocess.run([str(REPO / "scripts" / "make-demo-job"), str(root)], check=True, capture_output=True)
    subprocess.run([str(REPO / "scripts" / "make-example-data"), str(root)], check=True)
    out = subprocess.run([sys.executable, str(REPO / "examples" / "python" / "train_linear.py"),
                          "--root", str(root)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    # Two hosts: algo-2 reads every second record of 4000, for the job's 10 epochs.
    assert "host algo-2 (shard 1 of 2), File mode: 20000 rows over 10 epochs" in out.stdout
    a, b = (float(x) for x in out.stdout.split("weights ")[1].split(" bias")[0].split())
    assert abs(a - 3) < 0.05 and abs(b + 2) < 0.05, out.stdout
    assert '"epoch": 10, "position": 0' in out.stdout


def test_pipe_mode_example_runs_a_job_end_to_end(tmp_path, chanload_bin):
    """examples/pipe_mode_local.sh: pipe-feed fills the FIFOs, the Python example trains from them."""
    env = dict(os.environ, CHANLOAD=chanload_bin, PYTHON=sys.executable)
    out = subprocess.run([str(REPO / "examples" / "pipe_mode_local.sh"), str(tmp_path / "work")],
                         capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "host algo-1 (shard 0 of 1), Pipe mode: 30000 rows over 3 epochs" in out.stdout
    a, b = (float(x) for x in out.stdout.split("weights ")[1].split(" bias")[0].split())
    assert abs(a - 3) < 0.05 and abs(b + 2) < 0.05, out.stdout
    assert "the feeder finished cleanly" in out.stdout
    # Each epoch's FIFO was created and removed by the feeder.
    assert not list((tmp_path / "work" / "job" / "input" / "data").glob("train_*"))


def test_pipe_mode_example_fails_when_the_training_program_fails(tmp_path, chanload_bin):
    env = dict(os.environ, CHANLOAD=chanload_bin)
    out = subprocess.run([str(REPO / "examples" / "pipe_mode_local.sh"), str(tmp_path / "work"), "--",
                          sys.executable, "-c", "raise SystemExit(3)"],
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 3, out.stdout + out.stderr
    assert "feeder finished cleanly" not in out.stdout


def test_pipe_mode_example_removes_the_temporary_folder_it_made(tmp_path, chanload_bin):
    """Regression: without a WORK_DIR the script left its mktemp folder behind, failing or not."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, CHANLOAD=chanload_bin, TMPDIR=str(scratch), PYTHON=sys.executable)
    script = str(REPO / "examples" / "pipe_mode_local.sh")
    for command, code in (([script], 0), ([script, "--", sys.executable, "-c", "raise SystemExit(4)"], 4)):
        out = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
        assert out.returncode == code, out.stdout + out.stderr
        assert list(scratch.iterdir()) == []


def test_the_training_toolkit_runs_the_image_entry_point(tmp_path):
    """What docker/Dockerfile's image does when SageMaker starts it with `train`: the training toolkit
    runs SAGEMAKER_PROGRAM (examples/python/train_linear.py, baked in at <base>/code) with the
    hyperparameters as arguments, and the script reads its channel through chanload."""
    pytest = __import__("pytest")
    pytest.importorskip("sagemaker_training")
    train = Path(sys.executable).parent / "train"
    if not train.exists():
        pytest.skip("the training toolkit's train command is not beside this Python")
    root = tmp_path / "job"
    subprocess.run([str(REPO / "scripts" / "make-demo-job"), str(root)], check=True, capture_output=True)
    subprocess.run([str(REPO / "scripts" / "make-example-data"), str(root)], check=True)
    config = root / "input" / "config"
    # The toolkit waits until every host's name resolves; here the one host is this machine.
    (config / "resourceconfig.json").write_text('{"current_host": "localhost", "hosts": ["localhost"]}')
    (config / "hyperparameters.json").write_text('{"epochs": "3"}')
    (root / "code").mkdir()
    shutil.copy(REPO / "examples" / "python" / "train_linear.py", root / "code")
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path),
           "SAGEMAKER_BASE_DIR": str(root), "SAGEMAKER_PROGRAM": "train_linear.py"}
    out = subprocess.run([str(train)], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "train_linear.py --epochs 3" in out.stdout + out.stderr
    assert "host localhost (shard 0 of 1), File mode: 12000 rows over 3 epochs" in out.stdout
    assert "Reporting training SUCCESS" in out.stdout + out.stderr
