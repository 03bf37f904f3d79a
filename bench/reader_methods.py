"""Compare ways of reading real pages on the development split (never the blind one).

    .venv/bin/pip install -e '.[bench]'     # scikit-learn
    .venv/bin/python -m bench.reader_methods

Methods, each scored with 5-fold cross-validation grouped by page (a page never sits in both the
training and the scoring fold):

* ``rules``    - kapdir.reading as shipped (needs no training; scored on the same folds);
* ``tfidf-lr`` - a trained classifier per label (scikit-learn: TF-IDF word 1-2 grams, logistic
  regression, balanced classes) predicting the ketamine flag, offers_at_home and each route x setting
  pair from the page text;
* ``rules+lr`` - the rules' positives kept only where the classifier does not reject them
  (probability >= 0.3): a precision filter;
* ``rules|lr.8`` - the rules, plus what the classifier is sure of (probability >= 0.8): a recall booster.

Prints per-label precision/recall and the route x setting micro figures for each, so the choice of
method rests on a measurement.  The classifier gives no evidence sentence, so it could only ever
filter the rules, never replace them (every positive must quote its sentence).

The method that ships (the rules plus a learned layer over their judgements, ``kapdir/reading/stack.py``)
is trained and compared by ``python -m kapdir.reading.train cv`` and ``... heldout A B``.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict

from kapdir.reading import classify
from kapdir.reading.corpus import REAL_DIR, load, url_key


def _counts():
    return defaultdict(lambda: [0, 0, 0])


def _add(c, label, gold: bool, pred: bool) -> None:
    c[label][0] += gold and pred
    c[label][1] += pred and not gold
    c[label][2] += gold and not pred


def _pr(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> int:
    try:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupKFold
    except ImportError:
        print("needs scikit-learn: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 2

    rows = load(REAL_DIR / "dev.jsonl")
    texts = [r["text"] for r in rows]
    groups = [url_key(r["url"]) for r in rows]
    pairs = sorted({f"{a}/{b}" for r in rows for a, b in r["routes"]})
    labels = ["ketamine", "offers_at_home", *pairs]

    def gold(r, lab):
        if lab in ("ketamine", "offers_at_home"):
            return bool(r[lab])
        return lab in {f"{a}/{b}" for a, b in r["routes"]}

    verdicts = [classify(t) for t in texts]

    def rule(i, lab):
        v = verdicts[i]
        if lab in ("ketamine", "offers_at_home"):
            return bool(v[lab])
        return lab in {f"{x['route']}/{x['setting']}" for x in v["routes"]}

    prob = {lab: np.zeros(len(rows)) for lab in labels}
    for tr, te in GroupKFold(5).split(texts, groups=groups):
        vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        X = vec.fit_transform([texts[i] for i in tr])
        Xt = vec.transform([texts[i] for i in te])
        for lab in labels:
            y = np.array([gold(rows[i], lab) for i in tr])
            if y.all() or not y.any():
                prob[lab][te] = float(y.mean())
                continue
            m = LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000).fit(X, y)
            prob[lab][te] = m.predict_proba(Xt)[:, 1]

    methods = {
        "rules": lambda i, lab: rule(i, lab),
        "tfidf-lr": lambda i, lab: prob[lab][i] >= 0.5,
        "rules+lr": lambda i, lab: rule(i, lab) and prob[lab][i] >= 0.3,
        "rules|lr.8": lambda i, lab: rule(i, lab) or prob[lab][i] >= 0.8,
    }
    results = {}
    for name, pred in methods.items():
        c = _counts()
        micro = [0, 0, 0]
        for i, r in enumerate(rows):
            for lab in labels:
                g, p = gold(r, lab), bool(pred(i, lab))
                _add(c, lab, g, p)
                if "/" in lab:
                    micro[0] += g and p
                    micro[1] += p and not g
                    micro[2] += g and not p
        results[name] = {"labels": {k: _pr(*v) for k, v in c.items()}, "route_micro": _pr(*micro)}

    print(f"development split: {len(rows)} excerpts, {len(set(groups))} pages; 5-fold CV grouped by page\n")
    print(f"{'label':24}" + "".join(f"{m:>23}" for m in methods))
    for lab in ["route x setting (micro)", "ketamine", "offers_at_home"]:
        cells = []
        for m in methods:
            p, r, f = results[m]["route_micro"] if lab.startswith("route") else results[m]["labels"][lab]
            cells.append(f"P {p:.2f} R {r:.2f} F {f:.2f}")
        print(f"{lab:24}" + "".join(f"{c:>23}" for c in cells))
    print()
    print(json.dumps({m: {"route_setting_f1": round(results[m]["route_micro"][2], 3),
                          "ketamine_p": round(results[m]["labels"]["ketamine"][0], 3),
                          "at_home_p": round(results[m]["labels"]["offers_at_home"][0], 3)} for m in methods}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
