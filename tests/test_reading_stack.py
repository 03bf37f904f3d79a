"""The learned layer over the rules (kapdir/reading/stack.py, trained by kapdir/reading/train.py).

Why these tests: the shipped weights must be exactly what training on the development split gives
(so a corpus edit without retraining, or a changed constant, fails here); the pure-Python page model
must score as scikit-learn does; every threshold and the listing cut-off must do what they say; and
the method must keep its cross-validated figures.
"""

from __future__ import annotations

import json
import math

import pytest

from kapdir.reading import _MATCHER, _read, classify, classify_rules
from kapdir.reading import train as training
from kapdir.reading.corpus import REAL_DIR, load
from kapdir.reading.evaluate import evaluate, headline
from kapdir.reading.stack import MIN_CHARS, MODEL_PATH, PageModel, Stack

pytest.importorskip("sklearn")

LONG_OFFER = (
    "## IM Ketamine at Harbor Clinic\n"
    "We offer intramuscular ketamine injections in our office, given by our physician, with a nurse "
    "present for the whole session. Patients rest in a private treatment room and a companion drives "
    "them home. Our clinic also provides integration therapy with a licensed psychotherapist after each "
    "dosing session, and we coordinate care with your own psychiatrist. Call us to book a free consultation "
    "with our team; we are accepting new patients this month and most visits take about two hours.\n"
    "## What to expect\nYour first visit starts with a medical review, vital signs and a short talk about "
    "your intentions; the injection itself takes a minute and the effects last about forty-five minutes.\n"
    "## Fees\nA dosing session with integration costs $650; the first consultation is free, and we give you "
    "a receipt you can send to your insurer. We see adults only, and ask that you avoid food for four hours.\n"
    "## Location\nOur office is on the second floor of the Alder Building, with parking behind it."
)


@pytest.fixture(scope="module")
def dev():
    return load(REAL_DIR / "dev.jsonl")


@pytest.fixture(scope="module")
def traced(real_dev_traced):
    """The rules' judgements of every development page (conftest: read once per test process)."""
    return real_dev_traced


@pytest.fixture(scope="module")
def shipped():
    return json.loads(MODEL_PATH.read_text(encoding="utf-8"))


def _close(a: dict, b: dict, tol: float) -> list[str]:
    return [k for k in a.keys() | b.keys() if abs(a.get(k, 0.0) - b.get(k, 0.0)) > tol]


def test_shipped_weights_are_what_training_on_the_development_split_gives(dev, traced, shipped):
    stack = training.fit(dev, {r["id"]: traced[r["text"]] for r in dev})
    assert shipped["excerpts"] == len(dev)
    assert shipped["thresholds"] == stack.thresholds == training.THRESHOLDS
    assert not _close(shipped["weights"], stack.weights, 1e-4)[:5]
    assert not _close(shipped["page"]["coef"], stack.page.coef, 1e-4)[:5]
    assert not _close(shipped["page"]["idf"], stack.page.idf, 1e-4)[:5]
    assert abs(shipped["page"]["intercept"] - stack.page.intercept) < 1e-4
    assert set(shipped["kinds"]) == set(stack.kinds) == set(training.KINDS_LEARNED)
    for name, ours, theirs in [*((k, shipped["kinds"][k], stack.kinds[k]) for k in stack.kinds),
                               ("home", shipped["home"], stack.home), ("training", shipped["training"], stack.training)]:
        assert not _close(ours["coef"], theirs["coef"], 1e-4)[:5], name
        assert abs(ours["intercept"] - theirs["intercept"]) < 1e-4, name


def test_the_constants_are_the_measured_ones():
    # Chosen by cross-validation on the development split and a held-out split (README "Reading
    # listings"); a page with no offer the rules found needs 0.6, the highest bar at which cross-validated
    # provider recall stays 0.90. At home 0.35 (was 0.5): leaving each spent blind split out in turn
    # (`train splits`) at-home P/R 0.625/0.351 -> 0.657/0.404; grouped by page 0.750/0.543 -> 0.709/0.596.
    # The page models' vetoes (1,917 lines): an at-home claim with no route below 0.3, training claims below 0.1.
    assert training.THRESHOLDS == {"in_clinic": 0.4, "at_home": 0.35, "unspecified": 0.4, "page": 0.6,
                                   "page_with_offer": 0.3, "home_page": 0.3, "training_page": 0.1}
    assert (training.C_PAIR, training.C_PAGE, training.MIN_PAGES, training.FOLDS) == (0.3, 4.0, 2, 5)  # C_PAGE: all page models
    assert training.KINDS_LEARNED == ("article", "blog-faq", "telehealth", "clinic", "kap-therapist")
    assert MIN_CHARS == 1000


def test_the_page_model_scores_as_scikit_learn_does(dev):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = dev[:400]
    vec = TfidfVectorizer(min_df=training.MIN_PAGES, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
    X = vec.fit_transform([r["text"] for r in rows])
    m = LogisticRegression(C=training.C_PAGE, max_iter=5000, class_weight="balanced").fit(
        X, [r["ketamine"] for r in rows])
    ours = PageModel(training.fit_page(rows))
    probe = [r["text"] for r in dev[400:440]] + ["", "ketamine ketamine ketamine", LONG_OFFER]
    theirs = m.predict_proba(vec.transform(probe))[:, 1]
    assert max(abs(ours.probability(t) - p) for t, p in zip(probe, theirs, strict=True)) < 1e-4


def _stack(page_intercept: float, bias: float, thresholds: dict | None = None) -> Stack:
    return Stack({"page": {"idf": {}, "coef": {}, "intercept": page_intercept},
                  "weights": {"bias": bias},
                  "thresholds": thresholds or dict(training.THRESHOLDS)})


def test_cards_and_roster_rows_keep_the_rules_verdict():
    card = "Dr. Ana Ruiz, MD. IM ketamine in office; lozenges for home use. Polaris trained."
    refuse_all = _stack(-30.0, -30.0)
    assert _read(card, _MATCHER, None, refuse_all) == classify_rules(card) == classify(card)
    assert classify_rules(card)["routes"]  # so the equality above is about something
    # Below the cut-off the rules' verdict stands; from it on the learned layer decides (here a model
    # that refuses everything, so nothing is offered).
    under, at = LONG_OFFER[:MIN_CHARS - 1], LONG_OFFER[:MIN_CHARS]
    assert len(under) == MIN_CHARS - 1
    assert _read(under, _MATCHER, None, refuse_all)["routes"] == classify_rules(under)["routes"] != []
    assert _read(at, _MATCHER, None, refuse_all)["routes"] == []


def test_a_page_not_taken_for_a_providers_offers_nothing():
    sure_pair = 30.0
    no_page = _read(LONG_OFFER, _MATCHER, None, _stack(-30.0, sure_pair))
    assert no_page["ketamine"] is False and no_page["routes"] == [] and no_page["offers_at_home"] is False
    page = _read(LONG_OFFER, _MATCHER, None, _stack(30.0, sure_pair))
    assert page["ketamine"] is True and ("im", "in_clinic") in {(r["route"], r["setting"]) for r in page["routes"]}
    for r in page["routes"]:
        assert r["evidence"] and r["evidence"] in " ".join(LONG_OFFER.split())


def test_a_route_named_only_in_a_list_that_explains_is_never_kept():
    """Contract: explanations of routes are not offers. A model keeping every candidate still keeps nothing a
    route list that explains names ("can be given in several ways: IV, IM, nasal spray and lozenges"), while the
    same routes said in the practice's own voice are kept (zoo-blind3's wix-solo: the refit of the eleventh round
    scored that Spravato above the bar)."""
    explaining = ("Ketamine can be given in several ways: IV infusion, intramuscular injection, nasal spray "
                  "(including Spravato) and lozenges. ")
    keep_all = _stack(30.0, 30.0)
    page = LONG_OFFER + " " + explaining * 2  # the practice's own offer is IM
    pairs = {(r["route"], r["setting"]) for r in _read(page, _MATCHER, None, keep_all)["routes"]}
    assert ("im", "in_clinic") in pairs and not pairs & {("iv", "in_clinic"), ("intranasal", "in_clinic")}, pairs
    own = page.replace("Ketamine can be given in several ways:", "We give ketamine by")
    pairs = {(r["route"], r["setting"]) for r in _read(own, _MATCHER, None, keep_all)["routes"]}
    assert {("iv", "in_clinic"), ("intranasal", "in_clinic")} <= pairs, pairs


@pytest.mark.parametrize("setting_threshold, kept", [(0.45, True), (0.55, False)])
def test_each_setting_has_its_own_threshold(setting_threshold, kept):
    score = 0.5  # bias 0 -> every candidate scores exactly 0.5
    thresholds = {**training.THRESHOLDS, "in_clinic": setting_threshold}
    verdict = _read(LONG_OFFER, _MATCHER, None, _stack(30.0, math.log(score / (1 - score)), thresholds))
    assert (("im", "in_clinic") in {(r["route"], r["setting"]) for r in verdict["routes"]}) is kept


EXPLAINER = (
    "## How is ketamine given?\n"
    "Ketamine can be given in several ways. An intravenous infusion delivers it straight into a vein over "
    "about forty minutes. An intramuscular injection into the shoulder acts within minutes. Nasal sprays, "
    "including esketamine, are absorbed through the lining of the nose. Lozenges and troches dissolve under "
    "the tongue, and some of the dose is swallowed. Each route differs in how much of the dose reaches the "
    "brain and how quickly. Researchers have compared the routes in several small studies, and reviews "
    "suggest that the route matters less than the setting and the support around the session. Side effects "
    "such as nausea, raised blood pressure and dissociation are common to all of them and usually pass "
    "within hours. Anyone considering ketamine should discuss their history with a qualified clinician, "
    "ask how sessions are monitored, and find out what follow-up care is offered after the last dose.\n"
    "## A short history\nKetamine was first made in 1962 and approved as an anaesthetic in 1970; its effect "
    "on mood was noticed decades later."
)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_the_page_thresholds_are_applied():
    assert len(EXPLAINER) >= MIN_CHARS and classify_rules(EXPLAINER)["ketamine"] is False
    assert classify_rules(LONG_OFFER)["ketamine"] is True
    page, with_offer = training.THRESHOLDS["page"], training.THRESHOLDS["page_with_offer"]
    # A page the rules read as a provider's, or with a kept pair, needs only the lower bar.
    assert _read(LONG_OFFER, _MATCHER, None, _stack(_logit(with_offer - 0.01), -30.0))["ketamine"] is False
    assert _read(LONG_OFFER, _MATCHER, None, _stack(_logit(with_offer + 0.01), -30.0))["ketamine"] is True
    between = _logit((page + with_offer) / 2)
    assert _read(EXPLAINER, _MATCHER, None, _stack(between, 30.0))["ketamine"] is True  # pairs kept
    # Otherwise the page model alone decides, at the higher bar.
    assert _read(EXPLAINER, _MATCHER, None, _stack(between, -30.0))["ketamine"] is False
    assert _read(EXPLAINER, _MATCHER, None, _stack(_logit(page + 0.01), -30.0))["ketamine"] is True


def test_cross_validated_figures_hold(dev, traced):
    """5-fold cross-validation grouped by page, as `python -m kapdir.reading.train cv` prints it:
    route x setting F1 0.804, ketamine P/R 0.852/0.944, at-home P 0.864 when the method was chosen (1,063
    excerpts); 0.782, 0.851/0.933, 0.809 on 1,431 with the harder fifth blind split joined; 0.781, 0.860/0.901,
    0.782 on 1,603 with the sixth and the page bar at 0.6; 0.790, 0.857/0.892, 0.709 on 1,759 with the seventh
    and the at-home bar at 0.35 (at-home recall 0.543 -> 0.596 for that precision); on 1,917 with the eighth,
    0.794 without the page-kind models and 0.803 with them (ketamine 0.855/0.902), at-home P/R 0.719/0.582 ->
    0.765/0.564 with the at-home veto, training P/R 0.802/0.849 -> 0.839/0.832 with the training veto; ketamine
    0.855/0.902 -> 0.863/0.899 when a page that never names ketamine is no provider's; on 2,069 with the harder
    ninth blind split joined, 0.794 (P 0.815), ketamine 0.854/0.893, at-home 0.766/0.576, training 0.856/0.821;
    on 2,230 with the tenth, 0.812 (P 0.838), ketamine 0.865/0.902, at-home 0.786/0.588, training 0.858/0.826; on
    2,419 with the harder eleventh, 0.807 (P 0.825), ketamine 0.861/0.894, at-home 0.814/0.581, training 0.874/0.799
    (training P 0.804 before a programme's own site stopped claiming its own programme)."""
    from sklearn.model_selection import GroupKFold

    by_text = traced
    cache = {r["id"]: by_text[r["text"]] for r in dev}
    preds: dict[str, dict] = {}
    for tr, te in GroupKFold(n_splits=training.FOLDS).split(dev, groups=training._groups(dev)):
        read = training.reader(training.fit([dev[i] for i in tr], cache), by_text)
        for i in te:
            preds[dev[i]["text"]] = read(dev[i]["text"])
    rep = evaluate(dev, "cv", reader=lambda t: preds[t])
    figures = headline(rep)
    floors = {"route_setting_f1": 0.80, "route_setting_p": 0.82, "ketamine_p": 0.86, "ketamine_r": 0.89,
              "at_home_p": 0.81, "at_home_r": 0.58, "training_p": 0.87, "training_r": 0.79}
    assert not {k: round(figures[k], 3) for k, f in floors.items() if figures[k] < f}
    assert not rep.bad_evidence


def test_a_listing_keeps_the_offers_the_rules_found_when_the_page_model_says_no():
    """On a practitioner's own listing (what the crawler reads) the page model's "no provider's page" does not
    drop routes the rules found offered; on any other page it does; with no route found it still decides."""
    no_page = _stack(-30.0, 30.0)  # the page model is sure this is no provider's page
    assert classify_rules(LONG_OFFER)["routes"]
    assert _read(LONG_OFFER, _MATCHER, None, no_page)["ketamine"] is False
    kept = _read(LONG_OFFER, _MATCHER, None, no_page, listing=True)
    assert kept["ketamine"] is True and kept["routes"] == classify_rules(LONG_OFFER)["routes"]
    assert not classify_rules(EXPLAINER)["routes"]
    assert _read(EXPLAINER, _MATCHER, None, no_page, listing=True)["ketamine"] is False


TRAINED_AT_HOME = (
    "## Our at-home ketamine program\n"
    "Bluebird Health is an at-home ketamine program for adults with depression and anxiety. After a video visit "
    "with one of our clinicians, your medicine is mailed to your door with a welcome kit, and a guide joins you "
    "by video for each session in your own living room. Our clinicians completed the Polaris Insight Center "
    "KAP training and we work with a peer sitter you choose. Most members begin with six sessions over three "
    "weeks, then meet our integration coach by video; you can pause or cancel at any time. Membership is $129 a "
    "month and the first visit is $249; we do not bill insurance but give you a receipt you can submit. "
    "We serve members in Colorado, Texas and Florida and answer messages every day of the week.\n"
    "## Who we serve\nAdults over 21 who are not pregnant and have no history of psychosis; a medical review "
    "decides whether the program is right for you.\n"
    "## Safety\nEvery session needs a sober adult sitter in the home, and we check your blood pressure cuff readings "
    "before each dose; if anything worries you during a session, your guide stays on the call until it passes."
)


def _with_veto(kind: str, p: float) -> Stack:
    """A stack that keeps every candidate and takes every page for a provider's, whose ``kind`` page model
    ("home" or "training") gives every page the probability ``p``."""
    stack = _stack(30.0, 30.0)
    stack.__dict__[kind] = {"coef": {}, "intercept": _logit(p)}
    return stack


@pytest.mark.parametrize("kind, key, threshold", [("home", "offers_at_home", "home_page"),
                                                  ("training", "certifications", "training_page")])
def test_the_page_vetoes_withdraw_claims_below_their_bar(kind, key, threshold):
    rules = classify_rules(TRAINED_AT_HOME)
    assert len(TRAINED_AT_HOME) >= MIN_CHARS and rules["offers_at_home"] and rules["certifications"]
    assert not any(r["setting"] == "at_home" for r in rules["routes"])  # the rules' at-home claim names no route
    bar = training.THRESHOLDS[threshold]
    assert _read(TRAINED_AT_HOME, _MATCHER, None, _with_veto(kind, bar + 0.01))[key] == rules[key]
    assert not _read(TRAINED_AT_HOME, _MATCHER, None, _with_veto(kind, bar - 0.01))[key]


def test_a_rosters_own_programme_outlives_the_training_veto():
    text = TRAINED_AT_HOME.replace("Our clinicians completed the Polaris Insight Center KAP training and w", "W")
    vetoed = _with_veto("training", 0.001)
    assert not _read(text, _MATCHER, None, vetoed)["certifications"]
    on_roster = _read(text, _MATCHER, "fluence", vetoed)["certifications"]
    assert [c["program"] for c in on_roster] == ["fluence"]


def test_a_page_that_never_names_ketamine_is_no_providers():
    """A counsellor's profile among KAP therapists' on a directory: however sure the page model is, a page
    that never names ketamine, esketamine, Spravato or KAP offers none (zoo/bigdir's Gregory Haldane)."""
    sure = _stack(30.0, 30.0)
    counsellor = LONG_OFFER.replace("IM Ketamine", "Couples counselling").replace("intramuscular ketamine injections",
                                                                             "EMDR and CBT sessions")
    assert "ketamine" not in counsellor.lower() and len(counsellor) >= MIN_CHARS
    assert _read(counsellor, _MATCHER, None, sure)["ketamine"] is False
    assert _read(LONG_OFFER, _MATCHER, None, sure)["ketamine"] is True
