"""A training script's first lines with chanload: the job's hyperparameters, place and channels.

    python examples/python/job_summary.py [ROOT]     (default: $SAGEMAKER_BASE_DIR or /opt/ml)
"""
import sys

import chanload


def main(root=None):
    env = chanload.Environment(root)
    print(f"host {env.current_host} is rank {env.current_host_rank} of {len(env.hosts)}"
          + (" (master)" if env.is_master else ""))
    print("hyperparameters:", env.hyperparameters)
    for channel in env.channels:
        kind = channel.content_type.media_type if channel.content_type else "no content type"
        print(f"channel {channel.name}: {channel.mode.name} mode at {channel.path}, {kind}")
    print("model goes to", env.model_dir)


if __name__ == "__main__":
    try:
        main(sys.argv[1] if len(sys.argv) > 1 else None)
    except chanload.ConfigError as error:
        sys.exit(f"job_summary: {error}")
