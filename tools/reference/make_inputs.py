"""Inputs for the models/ reference values: small synthetic data sets drawn with a fixed numpy seed, plus the
published data sets (Hanley & McNeil 1982 ratings, Shrout & Fleiss 1979 Table 2). Written to
tests/unit/models/fixtures/inputs.json; python_reference.py and r_reference.R read it back."""

import json
import sys

import numpy as np

rng = np.random.default_rng(20240607)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def r(a, d=6):
    return [round(float(v), d) for v in np.asarray(a).ravel()]


def stratified_fold_ids(y, k, rng):
    fold = np.zeros(len(y), dtype=int)
    for cls in (1, 0):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % k
    return fold


# Scored patients: two correlated scores with ties (rounded to 0.1) and predicted probabilities.
n = 80
latent = rng.normal(size=n)
labels = (rng.random(n) < sigmoid(1.2 * latent - 0.3)).astype(int)
score_a = np.round(latent + 0.5 * rng.normal(size=n), 1)
score_b = np.round(latent + 1.0 * rng.normal(size=n), 1)
prob = np.round(sigmoid(1.5 * latent + 0.2 + 0.3 * rng.normal(size=n)), 4)
scored = {
    "labels": labels.tolist(),
    "scoreA": r(score_a, 1),
    "scoreB": r(score_b, 1),
    "probability": r(prob, 4),
    "trainRows": 50,  # Youden cut-off chosen on rows [0, 50), applied to rows [50, 80)
    "thresholds": r(np.arange(1, 20) / 20, 2),
}

# Hanley & McNeil 1982, Radiology 143:29, Table 1: 5-point ratings of 58 normal and 51 abnormal CT images.
hm_normal = [33, 6, 6, 11, 2]
hm_abnormal = [3, 2, 2, 11, 33]
hanley = {"ratings": [], "labels": []}
for rating, (cn, ca) in enumerate(zip(hm_normal, hm_abnormal, strict=True), start=1):
    hanley["ratings"] += [rating] * (cn + ca)
    hanley["labels"] += [0] * cn + [1] * ca

# Elastic net: 100 patients, 6 features on different scales, two of them correlated.
n, p = 100, 6
z = rng.normal(size=(n, p))
z[:, 1] = 0.7 * z[:, 0] + 0.5 * z[:, 1]
scales = np.array([1.0, 5.0, 0.2, 10.0, 1.0, 3.0])
offsets = np.array([0.0, 20.0, -1.0, 100.0, 2.0, 0.0])
x = z * scales + offsets
y = (rng.random(n) < sigmoid(-0.2 + 1.0 * z[:, 0] - 0.8 * z[:, 2] + 0.5 * z[:, 3])).astype(int)
glmnet = {
    "names": [f"f{j}" for j in range(p)],
    "x": [r(row) for row in x],
    "labels": y.tolist(),
    "foldId": stratified_fold_ids(y, 5, rng).tolist(),
    "nLambda": 30,
    "lambdaMinRatio": 0.01,
}

# Spearman with ties and the redundancy filter: a, its near-copy, its mirror, an independent feature.
n = 40
a = np.round(rng.normal(size=n), 1)
spearman = {
    "x": r(np.round(rng.normal(size=n) + a, 0)),
    "y": r(np.round(a * 2 + rng.normal(size=n), 1)),
}
yr = (rng.random(n) < sigmoid(2 * a)).astype(int)
redundancy = {
    "names": ["a", "aCopy", "aMirror", "b"],
    "x": [r(row) for row in np.column_stack([a, np.round(a + 0.05 * rng.normal(size=n), 3), -(a**3), rng.normal(size=n)])],
    "labels": yr.tolist(),
}

# mRMR: 8 features, some correlated, some informative.
n = 60
m = rng.normal(size=(n, 8))
m[:, 1] = m[:, 0] + 0.3 * m[:, 1]
m[:, 4] = 0.6 * m[:, 2] + 0.8 * m[:, 4]
ym = (rng.random(n) < sigmoid(1.5 * m[:, 0] + 1.0 * m[:, 2] - 0.7 * m[:, 5])).astype(int)
mrmr = {"names": [f"m{j}" for j in range(8)], "x": [r(row) for row in m], "labels": ym.tolist()}

# Bootstrap optimism: 60 patients, 3 features, 25 explicit resamples.
n = 60
bx = rng.normal(size=(n, 3))
by = (rng.random(n) < sigmoid(0.9 * bx[:, 0] + 0.4 * bx[:, 1])).astype(int)
resamples = []
while len(resamples) < 25:
    s = rng.integers(0, n, size=n)
    if 0 < by[s].sum() < n:
        resamples.append(s.tolist())
bootstrap = {"x": [r(row) for row in bx], "labels": by.tolist(), "resamples": resamples}

# ICC: Shrout & Fleiss 1979, Psychol Bull 86:420, Table 2 (6 targets, 4 judges), and a robustness set.
shrout_fleiss = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
truth = rng.normal(size=30)
robust = {
    "stable": [r(t + 0.1 * rng.normal(size=3)) for t in truth],
    "noisy": [r(rng.normal(size=3)) for _ in truth],
}

# Nomogram: rms::lrm on three predictors, one protective.
n = 150
age = np.round(rng.normal(50, 10, size=n), 0)
marker = rng.integers(0, 2, size=n)
volume = np.round(rng.gamma(4, 1.5, size=n), 1)
yn = (rng.random(n) < sigmoid(-2 + 0.05 * (age - 50) + 1.0 * marker - 0.25 * (volume - 6) + 0.5)).astype(int)
nomogram = {
    "names": ["age", "marker", "volume"],
    "x": [[float(a), float(b), float(c)] for a, b, c in zip(age, marker, volume, strict=True)],
    "labels": yn.tolist(),
    "axisValues": {"age": [30, 40, 50, 60, 70], "marker": [0, 1], "volume": [0, 5, 10, 15, 20]},
    "probabilities": [0.1, 0.25, 0.5, 0.75, 0.9],
}

# Special functions.
special = {
    "gamma": [[0.5, 0.1], [0.5, 2.0], [1.0, 3.0], [4.0, 2.5], [4.0, 12.0], [7.5, 3.0], [30.0, 25.0], [0.3, 0.01]],
    "normal": [-6.0, -3.5, -1.959963984540054, -0.5, 0.0, 0.3, 1.0, 2.5, 8.0],
    "quantiles": [1e-10, 0.001, 0.025, 0.3, 0.5, 0.9, 0.975, 0.999999],
    "chiSquare": [[3.84, 1], [15.5, 8], [2.0, 8], [40.0, 10], [0.5, 3]],
}

inputs = {
    "generator": {"numpy": np.__version__, "seed": 20240607, "script": "tools/reference/make_inputs.py"},
    "scored": scored,
    "hanleyMcNeil": hanley,
    "glmnet": glmnet,
    "spearman": spearman,
    "redundancy": redundancy,
    "mrmr": mrmr,
    "bootstrap": bootstrap,
    "shroutFleiss": shrout_fleiss,
    "robustness": robust,
    "nomogram": nomogram,
    "special": special,
}
with open(sys.argv[1], "w") as f:
    json.dump(inputs, f, indent=1)
