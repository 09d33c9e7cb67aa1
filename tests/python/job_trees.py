"""Job trees for the parity test: each is the config files a SageMaker job (or local mode) writes,
plus the process environment the training container would have."""
import json


def sdk_encode(hyperparameters):
    """What the SageMaker Python SDK writes: every value JSON-encoded into a string."""
    return {k: json.dumps(v) for k, v in hyperparameters.items()}


FLOATS = {
    "f_small": 0.001, "f_exp": 1e-05, "f_tiny": 5e-324, "f_big": 1e16, "f_huge": 1.7976931348623157e308,
    "f_round": 100000.0, "f_sum": 0.1 + 0.2, "f_neg_zero": -0.0, "f_neg": -2.5e-12,
    "f_int_like": 123456789012345678.0, "f_just_below": 9999999999999998.0, "f_one": 1.0,
}

TREES = {
    "local_mode_minimal": {
        "resourceconfig.json": {"current_host": "algo-1-x7k2p", "hosts": ["algo-1-x7k2p"]},
        "inputdataconfig.json": {"training": {"TrainingInputMode": "File"}},
        "hyperparameters.json": {},
    },
    "sdk_hyperparameters_of_every_kind": {
        "resourceconfig.json": {"current_host": "algo-1", "hosts": ["algo-1"],
                                "network_interface_name": "ethwe"},
        "inputdataconfig.json": {
            "train": {"ContentType": "text/csv;label_size=1", "TrainingInputMode": "File",
                      "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}},
        "hyperparameters.json": {
            **sdk_encode({
                "epochs": 10, "negative": -3, "zero": 0, "big_int": 123456789012345678901234567890,
                "use_bn": True, "off": False, "nothing": None,
                "layers": [64, 32], "mixed": [1, 2.5, "a'b", None, True, [], {}],
                "nested": {"z": {"y": [1, {"x": "deep"}]}, "a": 1.5, "m": None},
                "name": "resnet", "quotes": "it's \"quoted\"", "unicode": "r\u00e9sum\u00e9 \u65e5\u672c \U0001F600",
                "control": "tab\there\nnewline\x01\x7f", "empty": "", "backslash": "C:\\path\\n",
                "nbsp": "a\u00a0b\u200bc", "sagemaker_program": "train.py",
                "sagemaker_submit_directory": "s3://bucket/code/sourcedir.tar.gz",
                "sagemaker_container_log_level": 20, "sagemaker_region": "us-west-2",
                "sagemaker_job_name": "job-2026-11-22", "sagemaker_mpi_enabled": False,
                "sagemaker_custom_thing": {"k": [1, 2]}, "_tuning_objective_metric": "loss",
                "a": 1, "learning-rate": 0.01, "val.x-1": "v",
            }),
            **sdk_encode(FLOATS),
            "raw_word": "resnet", "raw_true": "True", "raw_single": "'single'", "raw_empty": "",
            "raw_trailing": "1.", "raw_leading_zero": "007", "raw_nan": "NaN", "raw_inf": "Infinity",
            "raw_neg_inf": "-Infinity", "raw_exp": "1E400", "raw_upper_e": "1.5E+3", "raw_spaces": "  42  ",
            "raw_lone_surrogate": "\"\\ud800 and \\udfff\"", "raw_json_dict": "{\"b\": 1, \"a\": 2}",
            "raw_bad_json": "{\"a\": }", "raw_long_int": "9" * 30, "not_a_string": 7,
            "not_a_string_list": [1, "two"],
        },
    },
    "unicode_names_and_collisions": {
        "resourceconfig.json": {"current_host": "algo-1", "hosts": ["algo-1"]},
        "inputdataconfig.json": {},
        "hyperparameters.json": sdk_encode({
            "\u00df": 1, "\u00e9t\u00e9": 2, "\U0001F600": 3, "x": "lower", "X": "upper",
            "\ufb01le": 4, "d": {"\u00e9": "\u00e8", "a": [1, "b"]}, "e": "single-char",
        }),
    },
    "heterogeneous_cluster_mpi": {
        "resourceconfig.json": {
            "current_host": "algo-5", "hosts": ["algo-1", "algo-2", "algo-3", "algo-4", "algo-5"],
            "current_instance_type": "ml.p4d.24xlarge", "current_group_name": "gpu_group",
            "network_interface_name": "eth0",
            "instance_groups": [
                {"instance_group_name": "cpu_group", "instance_type": "ml.c5.18xlarge",
                 "hosts": ["algo-2", "algo-1"]},
                {"instance_group_name": "gpu_group", "instance_type": "ml.p4d.24xlarge",
                 "hosts": ["algo-5", "algo-3", "algo-4"]},
            ]},
        "inputdataconfig.json": {
            "train": {"TrainingInputMode": "Pipe", "S3DistributionType": "ShardedByS3Key",
                      "RecordWrapperType": "RecordIO", "ContentType": "application/x-recordio-protobuf"}},
        "hyperparameters.json": sdk_encode({
            "sagemaker_mpi_enabled": True, "sagemaker_mpi_num_of_processes_per_host": 8,
            "sagemaker_mpi_custom_mpi_options": "-x NCCL_DEBUG=INFO", "batch_size": 256,
            "sagemaker_program": "train_mpi.py"}),
    },
    "explicit_distribution_groups": {
        "resourceconfig.json": {
            "current_host": "algo-2", "hosts": ["algo-1", "algo-2", "algo-3"],
            "current_instance_type": "ml.g5.xlarge", "current_group_name": "train2",
            "instance_groups": [
                {"instance_group_name": "train1", "instance_type": "ml.c5.xlarge", "hosts": ["algo-3"]},
                {"instance_group_name": "train2", "instance_type": "ml.g5.xlarge", "hosts": ["algo-2", "algo-1"]},
            ]},
        "inputdataconfig.json": {"train": {"TrainingInputMode": "File"}},
        "hyperparameters.json": sdk_encode({
            "sagemaker_distribution_instance_groups": ["train2", "train1"],
            "sagemaker_pytorch_ddp_enabled": True}),
    },
    "distribution_groups_as_a_string": {
        "resourceconfig.json": {
            "current_host": "algo-1", "hosts": ["algo-1", "algo-2"], "current_group_name": "train",
            "instance_groups": [
                {"instance_group_name": "train", "instance_type": "ml.m5.xlarge", "hosts": ["algo-1"]},
                {"instance_group_name": "eval", "instance_type": "ml.m5.xlarge", "hosts": ["algo-2"]},
            ]},
        "inputdataconfig.json": {},
        "hyperparameters.json": sdk_encode({"sagemaker_distribution_instance_groups": "train1"}),
    },
    "twenty_channels_and_topology": {
        "resourceconfig.json": {
            "current_host": "algo-10", "hosts": ["algo-1", "algo-10", "algo-2"],
            "current_instance_type": "ml.trn2.48xlarge",
            "topology": [{"hostName": "algo-1", "capacityUnitId": "cu-1"},
                         {"hostName": "algo-10", "capacityUnitId": "cu-2"}]},
        "inputdataconfig.json": {
            name: {"TrainingInputMode": mode, "S3DistributionType": "FullyReplicated",
                   "RecordWrapperType": "None", "ContentType": "text/csv"}
            for name, mode in zip(
                ["train", "val.x-1", "a-b.c", "z_9", "..x".replace("..", "dots.") + "y", "A.B",
                 "ch-06", "ch.07", "ch_08", "CH-09", "10", "x" * 64, "m.n-o_p", "q", "r.s", "t-u",
                 "v_w", "X.Y-Z", "data.2026-11", "last"],
                ["File", "Pipe", "FastFile", "File"] * 5)},
        "hyperparameters.json": sdk_encode({"epochs": 1}),
    },
}

# Process environments to combine with the trees (None: the variable is unset).
PROCESS_ENVIRONMENTS = {
    "plain": {},
    "entry_point_variables": {
        "SAGEMAKER_PROGRAM": "entry.py", "SAGEMAKER_TRAINING_MODULE": "sagemaker_pytorch_container.training:main",
        "TRAINING_JOB_NAME": "chanload-parity-job", "SM_HP_MP_PARAMETERS": "{\"partitions\": 2}"},
    "empty_variables": {"SAGEMAKER_PROGRAM": "", "SM_HP_MP_PARAMETERS": "", "TRAINING_JOB_NAME": ""},
    "model_parallel_off": {"SM_HP_MP_PARAMETERS": "{}", "SAGEMAKER_PROGRAM": "module_without_py"},
}


def write_tree(root, files):
    config = root / "input" / "config"
    config.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (config / name).write_text(json.dumps(content, indent=2, ensure_ascii=False), encoding="utf-8")
    return root
