"""chanload: training data for SageMaker-style training containers, at the speed of the hardware.

    >>> import chanload
    >>> env = chanload.Environment()            # $SAGEMAKER_BASE_DIR or /opt/ml
    >>> env.hyperparameters["epochs"], env.channel_input_dirs["train"]
    >>> for batch in chanload.Loader("train", batch_size=256):   # NumPy views of pinned buffers
    ...     step(batch.features, batch.labels)
"""
from chanload._core import (
    Batch,
    ChannelConfig,
    Compression,
    ConfigError,
    ContentType,
    DataError,
    Environment,
    Error,
    InputMode,
    IoError,
    RecordWrapper,
    S3Distribution,
    StoppedError,
    TimeoutError,
    __version__,
)
from chanload.loader import Loader, csr_matrix

__all__ = [
    "Batch",
    "ChannelConfig",
    "Compression",
    "ConfigError",
    "ContentType",
    "DataError",
    "Environment",
    "Error",
    "InputMode",
    "IoError",
    "Loader",
    "RecordWrapper",
    "S3Distribution",
    "StoppedError",
    "TimeoutError",
    "__version__",
    "csr_matrix",
]
