"""A training script on chanload with NumPy only: the job's hyperparameters, the "train" channel
through the loader (File or Pipe mode, whichever the job says; sharded by host; shuffled), a linear
model fitted by SGD, and the loader's state kept as a checkpoint would keep it.

    python examples/python/train_linear.py [--root ROOT]     (default: $SAGEMAKER_BASE_DIR or /opt/ml)

As the image's entry point (docker/Dockerfile) the training toolkit starts it with the hyperparameters
as arguments (--epochs 3 ...); they are read from the job instead, so unknown arguments are ignored.
"""
import argparse
import json
import sys

import numpy as np

import chanload


def main(root=None):
    env = chanload.Environment(root)
    epochs = int(env.hyperparameters.get("epochs", 1))
    rate = float(env.hyperparameters.get("learning_rate", 0.3))
    loader = chanload.Loader("train", root, batch_size=64, shuffle_window=4096, seed=0, epochs=epochs)
    weights, bias, loss, rows, checkpoint = None, 0.0, 0.0, 0, None
    for batch in loader:
        x, y = batch.features, batch.labels[:, 0]  # label_size 1: the CSV's first column
        if weights is None:
            weights = np.zeros(x.shape[1], dtype=np.float32)
        error = x @ weights + bias - y
        weights -= rate * 2 * (error @ x) / len(y)
        bias -= rate * 2 * float(error.mean())
        loss = float((error * error).mean())
        rows += len(y)
        checkpoint = loader.state()  # what a checkpoint saves to resume the data exactly
    if weights is None:
        raise SystemExit(f"train_linear: channel 'train' delivered no rows to host {env.current_host}")
    mode = env.channel("train").mode.name
    print(f"host {env.current_host} (shard {loader.shard_index} of {loader.num_shards}), {mode} mode: "
          f"{rows} rows over {epochs} epochs, final batch loss {loss:.4f}")
    print("weights", " ".join(f"{w:.3f}" for w in weights), f"bias {bias:.3f}")
    print("checkpoint", json.dumps(checkpoint))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", help="the job's base directory (default: $SAGEMAKER_BASE_DIR or /opt/ml)")
    try:
        main(parser.parse_known_args()[0].root)
    except chanload.Error as error:
        sys.exit(f"train_linear: {error}")
