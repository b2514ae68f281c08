"""Reference values from scikit-learn, SciPy, statsmodels, pingouin, dcurves and mrmr-selection for the inputs in
tests/unit/models/fixtures/inputs.json. Usage: python_reference.py INPUTS.json OUTPUT.json (run.sh does both)."""

import json
import sys
import warnings
from importlib.metadata import version

import numpy as np
import pandas as pd
import pingouin
import statsmodels.api as sm
from dcurves import dca
from mrmr import mrmr_classif
from scipy import special, stats
from sklearn.feature_selection import f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, confusion_matrix, roc_auc_score, roc_curve

warnings.filterwarnings("ignore")
inputs = json.load(open(sys.argv[1]))
out = {
    "versions": {
        k: version(k) for k in ["numpy", "scipy", "pandas", "scikit-learn", "statsmodels", "pingouin", "dcurves", "mrmr-selection"]
    }
}

# --- ROC, Youden, Brier (scikit-learn) ------------------------------------------------------------------------------
s = inputs["scored"]
y = np.array(s["labels"])
a, b, prob = np.array(s["scoreA"]), np.array(s["scoreB"]), np.array(s["probability"])
t = s["trainRows"]
fpr, tpr, thr = roc_curve(y[:t], a[:t], drop_intermediate=False)
k = int(np.argmax(tpr - fpr))
cut = float(thr[k])
tn, fp, fn, tp = confusion_matrix(y[t:], (a[t:] >= cut).astype(int)).ravel()
out["scored"] = {
    "aucA": roc_auc_score(y, a),
    "aucB": roc_auc_score(y, b),
    "aucProbability": roc_auc_score(y, prob),
    "brier": brier_score_loss(y, prob),
    "rocTrainA": {"thresholds": [float(v) for v in thr[1:]], "tpr": tpr[1:].tolist(), "fpr": fpr[1:].tolist()},
    "youden": {
        "cutoff": cut,
        "trainSensitivity": float(tpr[k]),
        "trainSpecificity": float(1 - fpr[k]),
        "test": {
            "tp": int(tp),
            "fp": int(fp),
            "tn": int(tn),
            "fn": int(fn),
            "sensitivity": tp / (tp + fn),
            "specificity": tn / (tn + fp),
            "accuracy": (tp + tn) / (tp + tn + fp + fn),
        },
    },
}

# --- Calibration (statsmodels): in-the-large with offset logit(p); slope from y ~ 1 + logit(p) -------------------------
lp = np.log(prob / (1 - prob))
citl = sm.GLM(y, np.ones((len(y), 1)), family=sm.families.Binomial(), offset=lp).fit(tol=1e-14)
slope = sm.Logit(y, sm.add_constant(lp)).fit(disp=0, tol=1e-14, method="newton")
out["calibration"] = {"intercept": float(citl.params[0]), "slope": float(slope.params[1]), "slopeModelIntercept": float(slope.params[0])}

# --- Decision curve (dcurves, Vickers & Elkin 2006) -----------------------------------------------------------------
df = pd.DataFrame({"outcome": y, "model": prob})
thresholds = s["thresholds"]
d = dca(data=df, outcome="outcome", modelnames=["model"], thresholds=thresholds)
nb = {}
for name in ["model", "all", "none"]:
    rows = d[d["model"] == name].sort_values("threshold")
    nb[name] = {"thresholds": rows["threshold"].round(6).tolist(), "netBenefit": rows["net_benefit"].tolist()}
out["netBenefit"] = nb

# --- Elastic net at one λ (scikit-learn saga) ----------------------------------------------------------------------
# scikit-learn 1.8 deprecates penalty="elasticnet": l1_ratio alone selects it.
# Objective C·Σloss + (1−ρ)/2‖w‖² + ρ‖w‖₁ ⇔ λ = 1/(nC).
g = inputs["glmnet"]
X = np.array(g["x"])
Xs = (X - X.mean(0)) / X.std(0)  # population SD, as glmnet's standardisation
yg = np.array(g["labels"])
sk = []
for alpha, lam in [(0.5, 0.02), (1.0, 0.03)]:
    m = LogisticRegression(solver="saga", l1_ratio=alpha, C=1 / (len(yg) * lam), tol=1e-13, max_iter=2_000_000, random_state=0).fit(Xs, yg)
    sk.append(
        {
            "alpha": alpha,
            "lambda": lam,
            "intercept": float(m.intercept_[0]),
            "coefficients": m.coef_[0].tolist(),
            "iterations": int(m.n_iter_[0]),
        }
    )
out["sklearnElasticNet"] = sk

# --- Spearman (SciPy), F-statistics (scikit-learn) ------------------------------------------------------------------
sp = inputs["spearman"]
out["spearman"] = {"rho": float(stats.spearmanr(sp["x"], sp["y"]).statistic)}
rd = inputs["redundancy"]
RX = np.array(rd["x"])
out["redundancy"] = {
    "rho": stats.spearmanr(RX).statistic.tolist(),
    "f": f_classif(RX, np.array(rd["labels"]))[0].tolist(),
}

# --- mRMR (mrmr-selection, F-statistic relevance / mean |Pearson r| redundancy) --------------------------------------
mm = inputs["mrmr"]
MX = pd.DataFrame(mm["x"], columns=mm["names"])
my = pd.Series(mm["labels"])
selected, relevance, _ = mrmr_classif(MX, my, K=len(mm["names"]), return_scores=True, show_progress=False, n_jobs=1)
out["mrmr"] = {
    "order": selected,
    "relevance": {k: float(v) for k, v in relevance.items()},
    "fClassif": dict(zip(mm["names"], f_classif(MX.values, my.values)[0].tolist(), strict=True)),
}


# --- ICC (pingouin) -------------------------------------------------------------------------------------------------
def icc3(matrix):
    m = np.array(matrix)
    long = pd.DataFrame([(i, j, m[i, j]) for i in range(m.shape[0]) for j in range(m.shape[1])], columns=["target", "rater", "value"])
    res = pingouin.intraclass_corr(data=long, targets="target", raters="rater", ratings="value")
    return float(res.set_index("Type").loc["ICC(C,1)", "ICC"])  # pingouin 0.7 names ICC(3,1) "ICC(C,1)" (McGraw & Wong)


out["icc"] = {
    "shroutFleiss": icc3(inputs["shroutFleiss"]),
    "stable": icc3(inputs["robustness"]["stable"]),
    "noisy": icc3(inputs["robustness"]["noisy"]),
}

# --- Bootstrap optimism with the given resamples: statsmodels Logit (Newton) refits, roc_auc_score -----------------
bs = inputs["bootstrap"]
BX, byy = sm.add_constant(np.array(bs["x"])), np.array(bs["labels"])


def fit(rows):
    return sm.Logit(byy[rows], BX[rows]).fit(disp=0, method="newton", tol=1e-14, maxiter=200).params


apparent = roc_auc_score(byy, BX @ fit(np.arange(len(byy))))
optimisms = []
for rows in bs["resamples"]:
    rows = np.array(rows)
    beta = fit(rows)
    optimisms.append(roc_auc_score(byy[rows], BX[rows] @ beta) - roc_auc_score(byy, BX @ beta))
out["bootstrap"] = {
    "apparent": apparent,
    "optimism": float(np.mean(optimisms)),
    "corrected": apparent - float(np.mean(optimisms)),
    "fullDataCoefficients": fit(np.arange(len(byy))).tolist(),
}

# --- Special functions (SciPy) --------------------------------------------------------------------------------------
sf = inputs["special"]
out["special"] = {
    "gammaP": [float(special.gammainc(a_, x_)) for a_, x_ in sf["gamma"]],
    "gammaQ": [float(special.gammaincc(a_, x_)) for a_, x_ in sf["gamma"]],
    "lnGamma": [float(special.gammaln(a_)) for a_, _ in sf["gamma"]],
    "normalCdf": [float(stats.norm.cdf(z)) for z in sf["normal"]],
    "normalSf": [float(stats.norm.sf(z)) for z in sf["normal"]],
    "normalQuantile": [float(stats.norm.ppf(q)) for q in sf["quantiles"]],
    "chiSquareSf": [float(stats.chi2.sf(x_, df_)) for x_, df_ in sf["chiSquare"]],
}

# --- Unpenalised logistic fit for the nomogram data (statsmodels), to cross-check the coefficients -----------------
nm = inputs["nomogram"]
fitn = sm.Logit(np.array(nm["labels"]), sm.add_constant(np.array(nm["x"]))).fit(disp=0, method="newton", tol=1e-14)
out["nomogramLogit"] = {"intercept": float(fitn.params[0]), "coefficients": fitn.params[1:].tolist()}

json.dump(out, open(sys.argv[2], "w"), indent=1)
