#!/usr/bin/python3
"""Training-step throughput of TheoryKit.Deep (TorchSharp 0.107, libtorch 2.10) beside Debian's python3-torch.

The same networks (THEORY.md §9 deep students, src/TheoryKit.Deep/DeepNetwork.cs): an MLP (784 -> WIDTH x DEPTH ReLU layers -> 1) and a
small CNN (DEPTH blocks of 3x3 convolution, ReLU, 2x2 max pooling with WIDTH, 2 WIDTH, ... channels on 1 x 28 x 28 images, then a
linear layer to 1 logit); the same step, the loop of DeepStepper.Epoch: a minibatch taken by index_select (with a view of the visiting
order) from 800 unit-norm rows, forward (rows times sqrt(784)), binary cross-entropy with logits, zero_grad, backward, an Adam update
(TheoryKit: DeepOptimiser, in place; torch: torch.optim.Adam), the batch loss summed in a float64 tensor that is read back once per
epoch. float32, the same number of torch threads on both sides (--threads, default 1). Each measurement is a separate process (a
warm-up epoch, then the best of --trials runs of --epochs epochs); the two sides alternate over --rounds rounds (the first side
switching every round) and the best of each is compared, as wall-clock time and as process CPU time (all threads), which a loaded
machine disturbs less. The load average is printed with every figure: the machine may be shared.

    /usr/bin/python3 bench/deep_throughput.py [--rounds 5] [--epochs 4] [--trials 3] [--threads 1] [--only mlp|cnn] [--no-build]
"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DLL = os.path.join(ROOT, "bench", "TheoryKit.DeepBench", "bin", "Release", "net10.0", "TheoryKit.DeepBench.dll")
CASES = [("mlp", 256, 2, 64), ("mlp", 256, 2, 256), ("cnn", 16, 2, 64), ("cnn", 64, 2, 64)]


def torch_side(family, width, depth, batch, epochs, trials, threads):
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
    total = torch.zeros(1, dtype=torch.float64)
    batches = (n + batch - 1) // batch

    def epoch():
        # the loop of DeepStepper.Epoch: a view of the order per batch, loss summed in a tensor, read back once per epoch
        total.zero_()
        for start in range(0, n, batch):
            size = min(batch, n - start)
            idx = order.narrow(0, start, size)
            inp = x.index_select(0, idx) * scale
            if family == "cnn":
                inp = inp.view(size, 1, 28, 28)
            f = net(inp).view(-1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(f, t.index_select(0, idx))
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                total.add_(loss.detach(), alpha=size)
        return total.item()

    def run(k):
        cpu, start = time.process_time(), time.perf_counter()
        for _ in range(k):
            epoch()
        return (time.perf_counter() - start) / (k * batches), (time.process_time() - cpu) / (k * batches)

    run(1)
    trials = [run(epochs) for _ in range(trials)]
    return min(w for w, _ in trials), min(c for _, c in trials)


def load():
    return os.getloadavg()[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=4, help="epochs over the 800 rows per trial")
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", choices=["mlp", "cnn"], help="run the cases of one family")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        fam, w, dep, b = a.child
        wall, cpu = torch_side(fam, int(w), int(dep), int(b), a.epochs, a.trials, a.threads)
        print(f"seconds_per_step {wall!r} {cpu!r}")
        return
    if not a.no_build:
        subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "bench", "TheoryKit.DeepBench")], check=True,
                       stdout=subprocess.DEVNULL)
    import torch
    print(f"python3-torch {torch.__version__}; TheoryKit.Deep on TorchSharp 0.107.0 / libtorch 2.10.0; threads {a.threads}; "
          f"{a.rounds} alternating rounds x best of {a.trials} x {a.epochs} epochs of 800 rows; float32, Adam; batch as listed")
    commands = {
        "theorykit": lambda fam, w, dep, b: ["dotnet", DLL, fam, str(w), str(dep), str(b), str(a.epochs), str(a.trials), str(a.threads)],
        "torch": lambda fam, w, dep, b: [sys.executable, os.path.abspath(__file__), "--child", fam, str(w), str(dep), str(b),
                                         "--epochs", str(a.epochs), "--trials", str(a.trials), "--threads", str(a.threads)],
    }
    # the same threads on both sides: torch.set_num_threads covers OpenMP and MKL, not the OpenBLAS of Debian's python3-torch
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(a.threads), OMP_NUM_THREADS=str(a.threads))
    for fam, w, dep, b in CASES:
        if a.only and fam != a.only:
            continue
        best = {side: [float("inf"), float("inf")] for side in commands}
        loads = []
        for r in range(a.rounds):
            # alternate which side goes first, so that a change of load hits both
            for side in (["theorykit", "torch"] if r % 2 == 0 else ["torch", "theorykit"]):
                loads.append(load())
                out = subprocess.run(commands[side](fam, w, dep, b), check=True, capture_output=True, text=True, env=env).stdout.split()
                best[side] = [min(best[side][0], float(out[-2])), min(best[side][1], float(out[-1]))]
        tk, pt = best["theorykit"], best["torch"]
        print(f"{fam} width {w} depth {dep} batch {b}: TheoryKit.Deep {1e3 * tk[0]:.2f} ms/step wall, {1e3 * tk[1]:.2f} ms CPU; "
              f"python3-torch {1e3 * pt[0]:.2f} ms wall, {1e3 * pt[1]:.2f} ms CPU; throughput ratio {pt[0] / tk[0]:.2f}x wall, "
              f"{pt[1] / tk[1]:.2f}x CPU (load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores)", flush=True)


if __name__ == "__main__":
    main()
