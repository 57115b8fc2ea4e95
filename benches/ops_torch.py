"""Forward + backward time of each DARTS op in PyTorch, as `examples/bench_ops.rs` measures it.

    python3 benches/ops_torch.py [--device cpu|cuda] [--batch 64] [--channels 16] [--size 32] [--reps 5]
"""
import argparse
import statistics
import sys
import time

try:
    import torch
except ImportError:
    print("torch is not importable: skipping the PyTorch reference")
    sys.exit(0)

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from darts_torch import OPS, make_op  # noqa: E402


def median_ms(op, x, reps, sync):
    """Median forward + backward time of `op` on `x` over `reps` runs after one warm-up."""
    times = []
    for i in range(reps + 1):
        sync()
        t0 = time.perf_counter()
        op(x).sum().backward()
        x.grad.sum().item()
        sync()
        if i > 0:
            times.append((time.perf_counter() - t0) * 1e3)
        x.grad = None
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--channels", type=int, default=16)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    print(f"forward + backward, batch {a.batch}, {a.channels} channels, {a.size}x{a.size} ({a.device})")
    print(f"{'op':<6} {'stride 1 ms':>12} {'stride 2 ms':>12}")
    total = [0.0, 0.0]
    for name in [o for o in OPS if o != "NIL"]:
        row = []
        for k, stride in enumerate((1, 2)):
            op = make_op(name, a.channels, stride).to(dev)
            x = torch.rand(a.batch, a.channels, a.size, a.size, device=dev, requires_grad=True)
            row.append(median_ms(op, x, a.reps, sync))
            total[k] += row[-1]
        print(f"{name:<6} {row[0]:>12.2f} {row[1]:>12.2f}")
    print(f"{'sum':<6} {total[0]:>12.2f} {total[1]:>12.2f}")
    print(f"{'layer':<6} {'stride 1 ms':>12} {'stride 2 ms':>12}")
    c = a.channels
    layers = {
        "dw3": lambda s: torch.nn.Conv2d(c, c, 3, s, 1, groups=c, bias=False),
        "dw5": lambda s: torch.nn.Conv2d(c, c, 5, s, 2, groups=c, bias=False),
        "pw1": lambda s: torch.nn.Conv2d(c, c, 1, s, bias=False),
        "conv3": lambda s: torch.nn.Conv2d(c, c, 3, s, 1, bias=False),
        "bn": lambda s: torch.nn.BatchNorm2d(c),
        "relu": lambda s: torch.nn.ReLU(),
    }
    for name, make in layers.items():
        row = []
        for stride in (1, 2):
            op = make(stride).to(dev)
            x = torch.rand(a.batch, c, a.size, a.size, device=dev, requires_grad=True)
            row.append(median_ms(op, x, a.reps, sync))
        print(f"{name:<6} {row[0]:>12.2f} {row[1]:>12.2f}")


if __name__ == "__main__":
    main()
