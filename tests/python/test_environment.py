"""The Python module's own behaviour: attributes, channels, errors."""
import json

import pytest

import chanload
from job_trees import write_tree


def tree(tmp_path, **files):
    return write_tree(tmp_path / "job", files)


def test_every_toolkit_property_is_an_attribute(tmp_path):
    root = tree(tmp_path, **{"resourceconfig.json": {"current_host": "algo-2", "hosts": ["algo-1", "algo-2"]},
                             "hyperparameters.json": {"epochs": "10", "lr": "1e-5", "big": "1" * 25}})
    env = chanload.Environment(str(root))
    props = env.properties()
    assert len(props) == 37
    for name, value in props.items():
        assert json.dumps(getattr(env, name)) == json.dumps(value)
    assert env.hyperparameters == {"epochs": 10, "lr": 1e-05, "big": int("1" * 25)}
    assert isinstance(env.hyperparameters["big"], int)
    assert env.current_host_rank == 1
    assert env.master_hostname == "algo-1" and env.is_master is False
    assert env.job_name is None


def test_channels_expose_their_input_config(tmp_path):
    root = tree(tmp_path, **{"inputdataconfig.json": {
        "train": {"ContentType": "text/csv; label_size=1", "TrainingInputMode": "Pipe",
                  "S3DistributionType": "ShardedByS3Key", "CompressionType": "Gzip"}}})
    env = chanload.Environment(str(root))
    (train,) = env.channels
    assert train.name == "train"
    assert train.mode == chanload.InputMode.Pipe
    assert train.distribution == chanload.S3Distribution.ShardedByS3Key
    assert train.compression == chanload.Compression.Gzip
    assert train.content_type.media_type == "text/csv"
    assert train.content_type.parameter("label_size") == "1"
    assert train.path == str(root / "input" / "data" / "train")
    assert env.channel("train").name == "train"
    with pytest.raises(chanload.ConfigError, match='no channel "test"'):
        env.channel("test")


def test_malformed_json_raises_config_error_naming_file_line_and_column(tmp_path):
    root = tmp_path / "job"
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "config" / "resourceconfig.json").write_text('{"current_host": "a",\n  "hosts": ["a" "b"]}')
    with pytest.raises(chanload.ConfigError) as raised:
        chanload.Environment(str(root))
    message = str(raised.value)
    assert "resourceconfig.json" in message
    assert "Expecting ',' delimiter: line 2 column 17" in message
    assert isinstance(raised.value, chanload.Error)


def test_bad_channel_name_is_refused(tmp_path):
    root = tree(tmp_path, **{"inputdataconfig.json": {"..escape": {}}})
    with pytest.raises(chanload.ConfigError, match="cannot be"):
        chanload.Environment(str(root))


def test_base_dir_comes_from_the_environment_variable(tmp_path, monkeypatch):
    root = tree(tmp_path, **{"resourceconfig.json": {"current_host": "h", "hosts": ["h"]}})
    monkeypatch.setenv("SAGEMAKER_BASE_DIR", str(root))
    env = chanload.Environment()
    assert env.current_host == "h"
    assert env.model_dir == str(root / "model")


def test_missing_tree_uses_defaults_without_creating_it(tmp_path):
    root = tmp_path / "absent"
    env = chanload.Environment(str(root), probe_devices=False)
    assert not root.exists()
    assert env.hosts == [env.current_host]
    assert env.channel_input_dirs == {}
    assert env.num_gpus == 0


def test_lone_surrogates_survive(tmp_path):
    root = tree(tmp_path, **{"hyperparameters.json": {"s": '"\\ud800"'}})
    env = chanload.Environment(str(root))
    assert env.hyperparameters["s"] == "\ud800"
    assert env.to_env_vars()["SM_HPS"] == '{"s":"\\ud800"}'
