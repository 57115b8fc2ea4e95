"""The DARTS supernet step of `examples/bench_supernet.rs`, written in PyTorch.

The network is built op for op like modnas's `DARTSNet` with `DARTSMixedOp` over the eight
DARTS operations (NIL skipped in the weighted sum, affine batch norm, bias-free convolutions,
average pooling without padding in the mean), and the steps are the same: SGD (momentum 0.9,
weight decay 3e-4, global-norm clipping 5) on the weights, Adam (lr 3e-4, betas (0.5, 0.999),
weight decay 1e-3) on α, first- or second-order DARTS.

    python3 benches/darts_torch.py [--device cpu|cuda] [--steps 3] [--batch 64] [--size 32]
        [--channels 16] [--layers 8] [--nodes 4] [--threads N] [--json out.json]

Exits with a message (status 0) when torch is not importable.
"""
import argparse
import json
import resource
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("torch is not importable: skipping the PyTorch reference")
    sys.exit(0)

OPS = ["NIL", "MAX", "AVG", "IDT", "SC3", "SC5", "DC3", "DC5"]


class DwPwBn(nn.Sequential):
    def __init__(self, c_in, c_out, k, stride, dil):
        pad = dil * (k - 1) // 2
        super().__init__(
            nn.ReLU(),
            nn.Conv2d(c_in, c_in, k, stride, pad, dilation=dil, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )


class FactorizedReduce(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.a = nn.Conv2d(c_in, c_out // 2, 1, 2, bias=False)
        self.b = nn.Conv2d(c_in, c_out // 2, 1, 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        x = F.relu(x)
        shifted = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.a(x), self.b(shifted)], 1))


def rcb1(c_in, c_out):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out))


def make_op(name, c, stride):
    if name == "MAX":
        return nn.MaxPool2d(3, stride, 1)
    if name == "AVG":
        return nn.AvgPool2d(3, stride, 1, count_include_pad=False)
    if name == "IDT":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c)
    if name in ("SC3", "SC5"):
        k = 3 if name == "SC3" else 5
        return nn.Sequential(DwPwBn(c, c, k, stride, 1), DwPwBn(c, c, k, 1, 1))
    if name in ("DC3", "DC5"):
        k = 3 if name == "DC3" else 5
        return DwPwBn(c, c, k, stride, 2)
    raise ValueError(name)


class MixedOp(nn.Module):
    def __init__(self, c, stride):
        super().__init__()
        self.ops = nn.ModuleList([make_op(n, c, stride) for n in OPS if n != "NIL"])
        self.index = [i for i, n in enumerate(OPS) if n != "NIL"]

    def forward(self, x, w):
        return sum(w[i] * op(x) for i, op in zip(self.index, self.ops))


class Cell(nn.Module):
    def __init__(self, c_pp, c_p, c, reduction, reduction_prev, nodes):
        super().__init__()
        self.pre0 = FactorizedReduce(c_pp, c) if reduction_prev else rcb1(c_pp, c)
        self.pre1 = rcb1(c_p, c)
        self.reduction = reduction
        self.nodes = nodes
        self.edges = nn.ModuleList()
        for j in range(nodes):
            for i in range(2 + j):
                self.edges.append(MixedOp(c, 2 if reduction and i < 2 else 1))

    def forward(self, s0, s1, weights):
        states = [self.pre0(s0), self.pre1(s1)]
        e = 0
        for _ in range(self.nodes):
            s = 0
            for h in list(states):
                s = s + self.edges[e](h, weights[e])
                e += 1
            states.append(s)
        return torch.cat(states[2:], 1)


class Network(nn.Module):
    def __init__(self, c, layers, nodes, classes=10):
        super().__init__()
        stem = 3 * c
        self.stem = nn.Sequential(nn.Conv2d(3, stem, 3, 1, 1, bias=False), nn.BatchNorm2d(stem))
        c_pp, c_p, cc = stem, stem, c
        self.cells = nn.ModuleList()
        red_prev = False
        for i in range(layers):
            red = layers >= 3 and i in (layers // 3, 2 * layers // 3)
            if red:
                cc *= 2
            self.cells.append(Cell(c_pp, c_p, cc, red, red_prev, nodes))
            c_pp, c_p = c_p, nodes * cc
            red_prev = red
        self.head = nn.Linear(c_p, classes)
        n_edges = sum(2 + j for j in range(nodes))
        self.alpha_normal = nn.Parameter(1e-3 * torch.randn(n_edges, len(OPS)))
        self.alpha_reduce = nn.Parameter(1e-3 * torch.randn(n_edges, len(OPS)))

    def weights(self):
        return [p for n, p in self.named_parameters() if not n.startswith("alpha")]

    def alphas(self):
        return [self.alpha_normal, self.alpha_reduce]

    def forward(self, x):
        s0 = s1 = self.stem(x)
        wn = F.softmax(self.alpha_normal, -1)
        wr = F.softmax(self.alpha_reduce, -1)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1, wr if cell.reduction else wn)
        return self.head(s1.mean((2, 3)))


def second_order_alpha_grads(net, xt, yt, xv, yv, lr, wd):
    """DARTS's unrolled gradient, as modnas computes it (virtual SGD step, finite differences)."""
    w = net.weights()
    saved = [p.detach().clone() for p in w]
    g = torch.autograd.grad(F.cross_entropy(net(xt), yt), w, allow_unused=True)
    with torch.no_grad():
        for p, gi in zip(w, g):
            if gi is not None:
                p.sub_(lr * (gi + wd * p))
    loss = F.cross_entropy(net(xv), yv)
    grads = torch.autograd.grad(loss, net.alphas() + w, allow_unused=True)
    da, dw = grads[:2], grads[2:]
    with torch.no_grad():
        for p, s in zip(w, saved):
            p.copy_(s)
    norm = torch.sqrt(sum((d * d).sum() for d in dw if d is not None)).item()
    eps = 0.01 / norm

    def at(sign):
        with torch.no_grad():
            for p, d in zip(w, dw):
                if d is not None:
                    p.add_(sign * eps * d)
        ga = torch.autograd.grad(F.cross_entropy(net(xt), yt), net.alphas())
        with torch.no_grad():
            for p, s in zip(w, saved):
                p.copy_(s)
        return ga

    pos, neg = at(1.0), at(-1.0)
    return [a - lr * (p - n) / (2 * eps) for a, p, n in zip(da, pos, neg)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--channels", type=int, default=16)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--nodes", type=int, default=4)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--modes", default="weights,first,second",
                    help="rows to run: weights, first, second")
    ap.add_argument("--json")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    torch.manual_seed(0)
    net = Network(a.channels, a.layers, a.nodes).to(dev)
    w_opt = torch.optim.SGD(net.weights(), 0.025, momentum=0.9, weight_decay=3e-4)
    a_opt = torch.optim.Adam(net.alphas(), 3e-4, betas=(0.5, 0.999), weight_decay=1e-3)
    xt = torch.rand(a.batch, 3, a.size, a.size, device=dev)
    xv = torch.rand(a.batch, 3, a.size, a.size, device=dev)
    yt = torch.randint(0, 10, (a.batch,), device=dev)
    yv = torch.randint(0, 10, (a.batch,), device=dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    print(f"PyTorch {torch.__version__} DARTS supernet on {a.device}: C={a.channels} "
          f"cells={a.layers} nodes={a.nodes} batch={a.batch} {a.size}x{a.size}, threads={torch.get_num_threads()}")
    print(f"{'step':<28} {'ms/step':>12} {'peak MiB':>14}")
    rows = []
    names = {"weights": "weights only", "first": "bi-level, first order",
             "second": "bi-level, second order"}
    wanted = [m.strip() for m in a.modes.split(",") if m.strip()]
    unknown = [m for m in wanted if m not in names]
    if unknown:
        ap.error(f"unknown mode(s) {unknown}; allowed: {list(names)}")
    for mode in [names[m] for m in names if m in wanted]:
        times = []
        if dev.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        for i in range(a.steps + 1):
            sync()
            t0 = time.perf_counter()
            if mode != "weights only":
                a_opt.zero_grad()
                if mode.endswith("second order"):
                    grads = second_order_alpha_grads(net, xt, yt, xv, yv, 0.025, 3e-4)
                    for p, g in zip(net.alphas(), grads):
                        p.grad = g
                else:
                    F.cross_entropy(net(xv), yv).backward()
                    for p in net.weights():
                        p.grad = None
                a_opt.step()
            w_opt.zero_grad()
            loss = F.cross_entropy(net(xt), yt)
            loss.backward()
            for p in net.alphas():
                p.grad = None
            nn.utils.clip_grad_norm_(net.weights(), 5.0)
            w_opt.step()
            loss.item()
            sync()
            if i > 0:
                times.append((time.perf_counter() - t0) * 1e3)
        ms = sum(times) / max(len(times), 1)
        if dev.type == "cuda":
            peak = torch.cuda.max_memory_allocated() / 2**20
        else:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{mode:<28} {ms:>12.1f} {peak:>14.0f}")
        rows.append({"step": mode, "ms": ms, "peak_mib": peak})
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"bench": "supernet-torch", "device": a.device, "torch": torch.__version__,
                       "channels": a.channels, "layers": a.layers, "nodes": a.nodes,
                       "batch": a.batch, "size": a.size, "steps": a.steps, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
