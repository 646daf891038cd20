#!/usr/bin/python3
"""Training-step throughput of TheoryKit.Deep (TorchSharp 0.107, libtorch 2.10) beside Debian's python3-torch.

The same networks (THEORY.md §9 deep students, src/TheoryKit.Deep/DeepNetwork.cs): an MLP (784 -> WIDTH x DEPTH ReLU layers -> 1) and a
small CNN (DEPTH blocks of 3x3 convolution, ReLU, 2x2 max pooling with WIDTH, 2 WIDTH, ... channels on 1 x 28 x 28 images, then a
linear layer to 1 logit); the same step: a minibatch taken by index_select from 800 unit-norm rows, forward (rows times sqrt(784)),
binary cross-entropy with logits, backward, Adam, the loss read back. float32. Each measurement is a separate process (warm-up,
then the best of --trials runs of --steps steps); the two sides alternate over --rounds rounds and the best round of each is compared.
The load average (uptime) is printed with every figure: the machine may be shared.

    /usr/bin/python3 bench/deep_throughput.py [--rounds 3] [--threads 1] [--no-build]
"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DLL = os.path.join(ROOT, "bench", "TheoryKit.DeepBench", "bin", "Release", "net10.0", "TheoryKit.DeepBench.dll")
CASES = [("mlp", 256, 2, 64), ("mlp", 256, 2, 256), ("cnn", 16, 2, 64), ("cnn", 64, 2, 64)]


def torch_side(family, width, depth, batch, steps, trials, threads):
    import math
    import torch
    torch.set_num_threads(threads)
    n, d = 800, 784
    g = torch.Generator().manual_seed(1)
    x = torch.rand(n, d, generator=g)
    x = x / x.norm(dim=1, keepdim=True)
    t = torch.tensor([float(i % 2) for i in range(n)])
    layers = []
    if family == "mlp":
        inputs = d
        for _ in range(depth):
            layers += [torch.nn.Linear(inputs, width), torch.nn.ReLU()]
            inputs = width
        layers.append(torch.nn.Linear(inputs, 1))
    else:
        c, h = 1, 28
        for k in range(depth):
            layers += [torch.nn.Conv2d(c, width << k, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
            c, h = width << k, h // 2
        layers += [torch.nn.Flatten(), torch.nn.Linear(c * h * h, 1)]
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    order = torch.tensor([(i * 7919) % n for i in range(n)])
    scale = math.sqrt(d)
    pos = [0]

    def run(k):
        start = time.perf_counter()
        for _ in range(k):
            if pos[0] + batch > n:
                pos[0] = 0
            idx = order[pos[0]:pos[0] + batch].clone()
            pos[0] += batch
            inp = x.index_select(0, idx) * scale
            if family == "cnn":
                inp = inp.view(batch, 1, 28, 28)
            f = net(inp).view(-1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(f, t.index_select(0, idx))
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()
        return (time.perf_counter() - start) / k

    run(max(5, steps // 5))
    return min(run(steps) for _ in range(trials))


def load():
    return os.getloadavg()[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        fam, w, dep, b = a.child
        print(torch_side(fam, int(w), int(dep), int(b), a.steps, a.trials, a.threads))
        return
    if not a.no_build:
        subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "bench", "TheoryKit.DeepBench")], check=True,
                       stdout=subprocess.DEVNULL)
    import torch
    print(f"python3-torch {torch.__version__}; TheoryKit.Deep on TorchSharp 0.107.0 / libtorch 2.10.0; threads {a.threads}; "
          f"{a.rounds} rounds x best of {a.trials} x {a.steps} steps; float32, batch as listed")
    for fam, w, dep, b in CASES:
        best = {"theorykit": float("inf"), "torch": float("inf")}
        loads = []
        for _ in range(a.rounds):
            loads.append(load())
            out = subprocess.run(["dotnet", DLL, fam, str(w), str(dep), str(b), str(a.steps), str(a.trials), str(a.threads)],
                                 check=True, capture_output=True, text=True).stdout
            best["theorykit"] = min(best["theorykit"], float(out.split()[-1]))
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", fam, str(w), str(dep), str(b),
                                  "--steps", str(a.steps), "--trials", str(a.trials), "--threads", str(a.threads)],
                                 check=True, capture_output=True, text=True).stdout
            best["torch"] = min(best["torch"], float(out.split()[-1]))
        ratio = best["torch"] / best["theorykit"]
        print(f"{fam} width {w} depth {dep} batch {b}: TheoryKit.Deep {1e3 * best['theorykit']:.2f} ms/step, "
              f"python3-torch {1e3 * best['torch']:.2f} ms/step, throughput ratio {ratio:.2f}x "
              f"(load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
