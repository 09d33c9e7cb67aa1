"""chanload against the SageMaker training toolkit itself (sagemaker-training from the package index):
every SM_* variable must be equal, byte for byte, on every job tree and process environment."""
import json
import subprocess
import sys

import pytest

import chanload
from conftest import run_chanload, run_toolkit
from job_trees import PROCESS_ENVIRONMENTS, TREES, write_tree

CASES = [(tree, environ) for tree in TREES for environ in PROCESS_ENVIRONMENTS]


def assert_same_vars(expected, actual):
    assert sorted(actual) == sorted(expected)
    for name in expected:
        assert actual[name] == expected[name], name


@pytest.mark.parametrize("tree,environ", CASES, ids=[f"{t}-{e}" for t, e in CASES])
def test_cli_json_equals_toolkit(tmp_path, chanload_bin, tree, environ):
    root = write_tree(tmp_path / "opt" / "ml", TREES[tree])
    extra = {"SAGEMAKER_BASE_DIR": str(root), **PROCESS_ENVIRONMENTS[environ]}
    toolkit = run_toolkit(extra, tmp_path)
    result = run_chanload(chanload_bin, ["env", "--format", "json"], extra, tmp_path)
    assert result.returncode == 0, result.stderr
    assert_same_vars(toolkit["vars"], json.loads(result.stdout))


@pytest.mark.parametrize("tree", list(TREES))
def test_python_module_equals_toolkit(tmp_path, tree, monkeypatch):
    root = write_tree(tmp_path / "opt" / "ml", TREES[tree])
    toolkit = run_toolkit({"SAGEMAKER_BASE_DIR": str(root)}, tmp_path)
    for name in ("SAGEMAKER_PROGRAM", "SAGEMAKER_TRAINING_MODULE", "TRAINING_JOB_NAME", "SM_HP_MP_PARAMETERS"):
        monkeypatch.delenv(name, raising=False)
    env = chanload.Environment(str(root))
    assert_same_vars(toolkit["vars"], env.to_env_vars())
    assert env.to_cmd_args() == toolkit["args"]
    # Every property, value and type, as json.dumps sees it (NaN compares equal this way).
    props = env.properties()
    assert sorted(props) == sorted(toolkit["props"])
    for name, value in toolkit["props"].items():
        assert json.dumps(getattr(env, name), sort_keys=True) == json.dumps(value, sort_keys=True), name


def test_root_option_equals_toolkit(tmp_path, chanload_bin):
    root = write_tree(tmp_path / "job", TREES["heterogeneous_cluster_mpi"])
    toolkit = run_toolkit({"SAGEMAKER_BASE_DIR": str(root)}, tmp_path)
    result = run_chanload(chanload_bin, ["env", "--root", str(root)], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert_same_vars(toolkit["vars"], json.loads(result.stdout))


def test_missing_files_take_the_toolkits_defaults(tmp_path, chanload_bin):
    """With no job tree the toolkit writes a default one under ~/sagemaker_local; chanload computes the
    same defaults for the root it is given and creates nothing."""
    import os
    if os.path.exists("/opt/ml"):
        pytest.skip("/opt/ml exists here, so the toolkit would not use its defaults")
    toolkit = run_toolkit({}, tmp_path)
    empty_root = tmp_path / "nothing-here"
    result = run_chanload(chanload_bin, ["env", "--root", str(empty_root)], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert not empty_root.exists()
    expected = {k: v.replace(toolkit["base"], str(empty_root)) for k, v in toolkit["vars"].items()}
    assert_same_vars(expected, json.loads(result.stdout))


def test_env_format_round_trips_through_a_shell(tmp_path, chanload_bin):
    root = write_tree(tmp_path / "job", TREES["sdk_hyperparameters_of_every_kind"])
    toolkit = run_toolkit({"SAGEMAKER_BASE_DIR": str(root)}, tmp_path)
    # Only names that are shell identifiers can be assigned by a shell (not SM_HP_LEARNING-RATE).
    names = [k for k in toolkit["vars"] if k.isascii() and k.replace("_", "").isalnum()]
    assert len(names) > 50
    script = 'eval "$("$0" env --format env --root "$1")" 2>/dev/null; shift; ' \
             'for n in "$@"; do printf "%s\\0" "${!n}"; done'
    out = subprocess.run(["bash", "-c", script, chanload_bin, str(root), *names], capture_output=True,
                         timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    values = out.stdout.decode("utf-8", "surrogatepass").split("\0")[:-1]
    assert dict(zip(names, values)) == {n: toolkit["vars"][n] for n in names}
