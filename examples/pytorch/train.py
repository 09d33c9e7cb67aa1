"""A training loop over a SageMaker channel with chanload.torch: linear regression on the "train"
channel (CSV, label first), hyperparameters from the job, a checkpoint of the data position.

    python examples/pytorch/train.py [JOB_ROOT]      # default: $SAGEMAKER_BASE_DIR or /opt/ml
"""
import json
import sys

import torch

import chanload
import chanload.torch


def main(root=None):
    env = chanload.Environment(root, probe_devices=False)
    hp = env.hyperparameters
    epochs = int(hp.get("epochs", 1))
    dataset = chanload.torch.ChannelDataset("train", root, batch_size=int(hp.get("batch_size", 256)),
                                            shuffle_window=4096, seed=0, epochs=epochs)
    data = torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=0)
    model = None
    optimizer = None
    seen = 0
    for features, labels in data:
        if model is None:
            model = torch.nn.Linear(features.shape[1], labels.shape[1])
            optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
        loss = torch.nn.functional.mse_loss(model(features), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seen += features.shape[0]
    if model is None:
        print("no data for this host's shard")
        return 0
    print(f"host {env.current_host}: {seen} rows over {epochs} epochs, final loss {loss.item():.4f}")
    print("weights", json.dumps([round(w, 3) for w in model.weight.detach()[0].tolist()]),
          "bias", round(model.bias.item(), 3))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
