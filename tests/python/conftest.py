import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _find_cli():
    explicit = os.environ.get("CHANLOAD_BIN")
    if explicit:
        return explicit
    beside_python = Path(sys.executable).parent / "chanload"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("chanload")
    if found:
        return found
    pytest.exit("no chanload command: set CHANLOAD_BIN or `pip install .` into this Python", 2)


@pytest.fixture(scope="session")
def chanload_bin():
    return _find_cli()


def clean_environment(extra, home):
    """A process environment without the caller's SageMaker or AWS variables."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
           "PYTHONIOENCODING": "utf-8"}
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


TOOLKIT_SCRIPT = """
import json, logging, sys
logging.disable(logging.CRITICAL)
from sagemaker_training import environment
env = environment.Environment()
json.dump({"vars": env.to_env_vars(), "args": env.to_cmd_args(), "props": dict(env),
           "base": environment.base_dir}, sys.stdout)
"""


def run_toolkit(extra_env, home):
    """The real toolkit's view, computed in a fresh interpreter (it reads its paths at import)."""
    pytest.importorskip("sagemaker_training")
    result = subprocess.run([sys.executable, "-c", TOOLKIT_SCRIPT], env=clean_environment(extra_env, home),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def run_chanload(chanload_bin, args, extra_env, home):
    result = subprocess.run([chanload_bin, *args], env=clean_environment(extra_env, home),
                            capture_output=True, text=True, timeout=60)
    return result
