#!/usr/bin/env python3
"""PyTorch (CPU) reference for scripts/bench.sh.

Trains the same network as `nnclass train` with the textbook recipe —
784-16-10, sigmoid hidden layer, softmax + cross-entropy, plain SGD, lr 0.5,
batch 32, 10 epochs, shuffled every epoch — on the bundled MNIST .gz files,
written the way a PyTorch user would write it. The files are read with gzip
and numpy (no torchvision, no downloads) and kept as float tensors / 255.

With --arch lstm it trains nnclass's row-by-row LSTM recipe, 28x28,lstm128,10:
each image read as 28 steps of 28 pixels by nn.LSTM(28, 128), its last
hidden state into nn.Linear(128, 10), with Adam, gradient clipping by global
norm 1 and a cosine schedule, batch 64.

With --arch cnn it trains nnclass's default CNN instead,
28x28,conv5x5x16,pool2,conv5x5x32,pool2,128,10 (relu; PyTorch's default
channels-first layout, oneDNN convolutions), with SGD + Nesterov momentum
0.9, weight decay 5e-4 and a cosine schedule, batch 64 (no augmentation).

Times, separately: loading (inflate + parse + float conversion), the training
loop only, and batched inference over the 10k test images (best of a few
passes). Prints progress to stderr and one machine-readable line to stdout:

  torch_train_seconds=9.8 load_seconds=0.4 accuracy=0.9510 infer_images_per_s=...
"""
import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801


def read_idx(path, magic):
    """Returns the payload of an IDX file (gzip or raw) as a uint8 numpy array
    of the declared shape; raises ValueError on a malformed header."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for an IDX header")
    (found,) = struct.unpack(">I", data[:4])
    if found != magic:
        raise ValueError(f"{path}: magic {found:#010x}, expected {magic:#010x}")
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    offset = 4 + 4 * ndim
    count = int(np.prod(dims))
    if len(data) - offset != count:
        raise ValueError(f"{path}: payload {len(data) - offset} bytes, header says {count}")
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims)


def load_split(data_dir, prefix):
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"), IMAGES_MAGIC)
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"), LABELS_MAGIC)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{prefix}: {images.shape[0]} images but {labels.shape[0]} labels")
    x = torch.from_numpy(images.reshape(images.shape[0], -1).astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=os.path.join(here, "..", "data", "mnist"))
    ap.add_argument("--arch", choices=["mlp", "cnn", "lstm"], default="mlp")
    ap.add_argument("--hidden", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--infer-batch", type=int, default=1000)
    ap.add_argument("--infer-reps", type=int, default=20)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    t0 = time.perf_counter()
    x_train, y_train = load_split(args.data_dir, "train")
    x_test, y_test = load_split(args.data_dir, "t10k")
    load_seconds = time.perf_counter() - t0

    sched = None
    clip = None
    if args.arch == "lstm":
        x_train = x_train.reshape(-1, 28, 28)
        x_test = x_test.reshape(-1, 28, 28)

        class RowLSTM(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(28, 128, batch_first=True)
                self.out = nn.Linear(128, 10)

            def forward(self, x):
                _, (h, _) = self.lstm(x)
                return self.out(h[-1])

        model = RowLSTM()
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        steps = args.epochs * ((x_train.shape[0] + args.batch - 1) // args.batch)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        clip = 1.0
    elif args.arch == "cnn":
        x_train = x_train.reshape(-1, 1, 28, 28)
        x_test = x_test.reshape(-1, 1, 28, 28)
        model = nn.Sequential(
            nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(512, 128), nn.ReLU(), nn.Linear(128, 10),
        )
        opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                              weight_decay=5e-4)
        steps = args.epochs * ((x_train.shape[0] + args.batch - 1) // args.batch)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    else:
        model = nn.Sequential(
            nn.Linear(x_train.shape[1], args.hidden),
            nn.Sigmoid(),
            nn.Linear(args.hidden, 10),
        )
        opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()  # log-softmax + negative log-likelihood
    gen = torch.Generator().manual_seed(args.seed)
    n = x_train.shape[0]

    model.train()
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        te = time.perf_counter()
        order = torch.randperm(n, generator=gen)
        total = torch.zeros(())
        for i in range(0, n, args.batch):
            idx = order[i : i + args.batch]
            xb, yb = x_train[idx], y_train[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            if clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            if sched is not None:
                sched.step()
            total += loss.detach() * idx.shape[0]
        print(f"torch epoch {epoch + 1}/{args.epochs} loss {total.item() / n:.4f} "
              f"{time.perf_counter() - te:.2f} s", file=sys.stderr)
    train_seconds = time.perf_counter() - t0

    model.eval()
    with torch.no_grad():
        correct = int((model(x_test).argmax(1) == y_test).sum())
        accuracy = correct / x_test.shape[0]
        best = float("inf")
        for _ in range(args.infer_reps):
            t0 = time.perf_counter()
            for i in range(0, x_test.shape[0], args.infer_batch):
                model(x_test[i : i + args.infer_batch]).softmax(1).max(1)
            best = min(best, time.perf_counter() - t0)
    infer_rate = x_test.shape[0] / best

    print(f"torch_train_seconds={train_seconds:.3f} load_seconds={load_seconds:.3f} "
          f"accuracy={accuracy:.4f} infer_images_per_s={infer_rate:.0f} "
          f"epoch_seconds={train_seconds / args.epochs:.3f} "
          f"threads={torch.get_num_threads()} torch_version={torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
