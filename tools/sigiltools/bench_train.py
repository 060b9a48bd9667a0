"""Fine-tuning references for `make bench`: the rows both sides train on, a numpy port of Sigil's
FineTuner (mini-batch AdamW, the same split, batch, rate, decay and epochs, starting from the same
base weights), and scikit-learn's MLPClassifier with Adam on the same rows.

Throughput is training rows × epochs per second of the whole fit, median of `runs`; each side also
reports its best validation log loss so the table compares speed at equal loss."""
import statistics
import time
import warnings

import numpy as np

FEATURES = 7
EPOCHS = 20  # as Benchmarks/…/SigilBenchmarks.swift sets for its fine-tune benchmarks
BATCH = 64
RATE = 0.002
DECAY = 1e-4
VALIDATION_SHARE = 0.25


def base_model(path):
    """The base's layers (weights [out, in], bias), activations and normalisation, from its card."""
    from safetensors import safe_open
    with safe_open(path, "numpy") as f:
        meta = f.metadata()
        layers = []
        while f"layer{len(layers)}.weight" in f.keys():
            l = len(layers)
            layers.append((f.get_tensor(f"layer{l}.weight").astype(np.float32), f.get_tensor(f"layer{l}.bias").astype(np.float32)))
    mean = np.array([float(v) for v in meta["normalization.mean"].split(",")], dtype=np.float32)
    std = np.array([float(v) for v in meta["normalization.std"].split(",")], dtype=np.float32)
    return {"layers": layers, "activations": meta["activations"].split(","), "mean": mean, "std": std}


def write_rows(path, base, rows=40_000, seed=11):
    """Rows in the base's raw feature space (mean + std × z) whose label depends on z, partly
    non-linearly; little-endian float32, 7 features then the label."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((rows, FEATURES)).astype(np.float32)
    logit = 1.2 * z[:, 0] - 0.8 * z[:, 1] + 0.6 * np.tanh(z[:, 2] * z[:, 3]) + 0.5 * z[:, 4] - 0.3
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.float32)
    x = base["mean"] + base["std"] * z
    with open(path, "wb") as f:
        f.write(np.concatenate([x, y[:, None]], axis=1).astype("<f4").tobytes())


def read_rows(path):
    data = np.fromfile(path, dtype="<f4").reshape(-1, FEATURES + 1)
    return data[:, :FEATURES].copy(), data[:, FEATURES].copy()


def _act(name, v):
    if name == "sigmoid":
        return 1 / (1 + np.exp(-v))
    if name == "tanh":
        return np.tanh(v)
    if name == "relu":
        return np.maximum(v, 0)
    return v


def _deriv(name, y):
    if name == "sigmoid":
        return y * (1 - y)
    if name == "tanh":
        return 1 - y * y
    if name == "relu":
        return (y > 0).astype(np.float32)
    return np.ones_like(y)


def _log_loss(p, y):
    q = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def numpy_port(base, x_raw, y, seed=1):
    """Sigil's FineTuner in numpy (float32): returns (seconds, best validation loss)."""
    x = ((x_raw - base["mean"]) / base["std"]).astype(np.float32)
    split = int(len(y) * (1 - VALIDATION_SHARE))
    acts = base["activations"]
    w = [l[0].copy() for l in base["layers"]]
    b = [l[1].copy() for l in base["layers"]]
    mw, vw = [np.zeros_like(a) for a in w], [np.zeros_like(a) for a in w]
    mb, vb = [np.zeros_like(a) for a in b], [np.zeros_like(a) for a in b]
    b1, b2, eps = np.float32(0.9), np.float32(0.999), np.float32(1e-8)
    rng = np.random.default_rng(seed)

    def forward(xs):
        out = [xs]
        for l in range(len(w)):
            out.append(_act(acts[l], out[-1] @ w[l].T + b[l]))
        return out

    best = _log_loss(forward(x[split:])[-1][:, 0], y[split:])
    t0 = time.perf_counter()
    step = 0
    for _ in range(EPOCHS):
        order = rng.permutation(split)
        for s in range(0, split, BATCH):
            idx = order[s:s + BATCH]
            a = forward(x[idx])
            dz = (a[-1] - y[idx][:, None]) / np.float32(len(idx))
            step += 1
            c1, c2 = 1 - b1 ** step, 1 - b2 ** step
            for l in range(len(w) - 1, -1, -1):
                gw = dz.T @ a[l]
                gb = dz.sum(axis=0)
                if l > 0:
                    dz = (dz @ w[l]) * _deriv(acts[l - 1], a[l])
                mw[l] = b1 * mw[l] + (1 - b1) * gw
                vw[l] = b2 * vw[l] + (1 - b2) * gw * gw
                w[l] -= RATE * ((mw[l] / c1) / (np.sqrt(vw[l] / c2) + eps) + DECAY * w[l])
                mb[l] = b1 * mb[l] + (1 - b1) * gb
                vb[l] = b2 * vb[l] + (1 - b2) * gb * gb
                b[l] -= RATE * (mb[l] / c1) / (np.sqrt(vb[l] / c2) + eps)
        best = min(best, _log_loss(forward(x[split:])[-1][:, 0], y[split:]))
    return time.perf_counter() - t0, best


def sklearn_fit(base, x_raw, y, seed=1):
    """scikit-learn's MLPClassifier (Adam, the same hidden layer and activation, batch, rate and
    L2 decay) on the same normalised rows: returns (seconds, epochs run, validation loss)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    x = ((x_raw - base["mean"]) / base["std"]).astype(np.float32)
    split = int(len(y) * (1 - VALIDATION_SHARE))
    hidden = tuple(l[0].shape[0] for l in base["layers"][:-1])
    activation = {"tanh": "tanh", "relu": "relu", "sigmoid": "logistic", "identity": "identity"}[base["activations"][0]] if hidden else "identity"
    model = MLPClassifier(hidden_layer_sizes=hidden, activation=activation, solver="adam", alpha=DECAY, batch_size=BATCH,
                          learning_rate_init=RATE, max_iter=EPOCHS, shuffle=True, random_state=seed, tol=0.0,
                          n_iter_no_change=EPOCHS + 1, early_stopping=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        model.fit(x[:split], y[:split].astype(np.int64))
        seconds = time.perf_counter() - t0
    return seconds, model.n_iter_, _log_loss(model.predict_proba(x[split:])[:, 1], y[split:])


def references(base_path, rows_path, runs=3):
    """Both references on the rows: training rows × epochs per second (median) and loss."""
    base = base_model(base_path)
    x, y = read_rows(rows_path)
    split = int(len(y) * (1 - VALIDATION_SHARE))
    port = [numpy_port(base, x, y) for _ in range(runs)]
    sk = [sklearn_fit(base, x, y) for _ in range(runs)]
    return {
        "numpy": {"samples_per_s": split * EPOCHS / statistics.median(p[0] for p in port), "loss": port[0][1]},
        "sklearn": {"samples_per_s": split * sk[0][1] / statistics.median(s[0] for s in sk), "loss": sk[0][2]},
    }


if __name__ == "__main__":
    import os
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/sigil-train.f32"
    for arch in ("logistic", "mlp"):
        base = base_model(f"{root}/models/model-signal-{arch}.safetensors")
        write_rows(path, base)
        print(arch, references(f"{root}/models/model-signal-{arch}.safetensors", path, runs=1))
