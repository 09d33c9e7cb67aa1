"""chanload: training data for SageMaker-style training containers, at the speed of the hardware.

    >>> import chanload
    >>> env = chanload.Environment()            # $SAGEMAKER_BASE_DIR or /opt/ml
    >>> env.hyperparameters["epochs"], env.channel_input_dirs["train"]
"""
from chanload._core import (
    ChannelConfig,
    Compression,
    ConfigError,
    ContentType,
    Environment,
    Error,
    InputMode,
    RecordWrapper,
    S3Distribution,
    __version__,
)

__all__ = [
    "ChannelConfig",
    "Compression",
    "ConfigError",
    "ContentType",
    "Environment",
    "Error",
    "InputMode",
    "RecordWrapper",
    "S3Distribution",
    "__version__",
]
