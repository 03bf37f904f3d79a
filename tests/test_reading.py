"""Focused tests for kapdir.reading: the traps the rules are built around."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kapdir.reading import (
    PROGRAMMES,
    classify,
    classify_rules,
    load_programmes,
    make_classifier,
    parse_credentials,
    split_name_credentials,
)
from kapdir.reading.rules import TEXT_MAX
from kapdir.reading.text import SENTENCE_MAX, matches_in_sentences, normalise_ws, sentence_spans


def pairs(v: dict) -> list[tuple[str, str]]:
    return [(r["route"], r["setting"]) for r in v["routes"]]


def progs(v: dict) -> list[str]:
    return [c["program"] for c in v["certifications"]]


# ------------------------------------------------------------------ verdict shape


def test_verdict_shape_and_evidence():
    text = ("Dr. Ana Ruiz, MD, offers IV ketamine in our infusion suite. "
            "She completed Polaris KAP training.")
    v = classify(text)
    assert set(v) == {"ketamine", "routes", "offers_at_home", "certifications", "credentials"}
    assert v["ketamine"] is True
    assert pairs(v) == [("iv", "in_clinic")]
    assert progs(v) == ["polaris"]
    assert v["credentials"] == ["MD"]
    for item in v["routes"] + v["certifications"]:
        assert item["evidence"] and normalise_ws(item["evidence"]) in normalise_ws(text)


def test_routes_sorted_in_vocabulary_order():
    v = classify("We offer sublingual ketamine at home, Spravato in our clinic, "
                 "and IM ketamine in our office.")
    assert pairs(v) == [("im", "in_clinic"), ("intranasal", "in_clinic"), ("oral", "at_home")]
    assert v["offers_at_home"] is True


def test_empty_and_unrelated_text():
    assert classify("")["ketamine"] is False
    v = classify("We offer couples counselling and EMDR in our Denver office.")
    assert v == {"ketamine": False, "routes": [], "offers_at_home": False, "certifications": [],
                 "credentials": []}


# ------------------------------------------------------------------ offering vs explaining


def test_explaining_routes_is_not_offering_them():
    v = classify("Ketamine can be given IV, IM, orally or intranasally. "
                 "In my practice I use sublingual lozenges during sessions in my office.")
    assert pairs(v) == [("oral", "in_clinic")]


def test_pure_article_is_not_a_provider():
    v = classify("Researchers reported that IV ketamine reduced depression scores. "
                 "Some telehealth companies now mail lozenges to patients' homes.")
    assert v["ketamine"] is False and v["routes"] == []


def test_kap_without_route_is_ketamine():
    v = classify("Ketamine-assisted psychotherapy (KAP) is available in my practice.")
    assert v["ketamine"] is True and v["routes"] == []


def test_training_alone_is_not_offering():
    v = classify("I am trained in KAP through the Polaris Insight Center.")
    assert v["ketamine"] is False
    assert progs(v) == ["polaris"]


# ------------------------------------------------------------------ negation


@pytest.mark.parametrize("text", [
    "We do not offer at-home ketamine. All KAP sessions use IM ketamine in our clinic.",
    "Our ketamine lozenges are never dispensed for home use; patients take them during supervised sessions.",
    "No take-home doses: every ketamine troche is taken in the office.",
])
def test_negated_at_home(text):
    v = classify(text)
    assert v["offers_at_home"] is False
    assert all(st == "in_clinic" for _, st in pairs(v)) and v["routes"]


def test_negated_route():
    v = classify("IV ketamine is not available here. "
                 "We offer Spravato in our REMS-certified treatment center.")
    assert pairs(v) == [("intranasal", "in_clinic")]
    assert progs(v) == ["spravato-rems"]


def test_negation_covers_a_list():
    v = classify("Our clinic doesn't offer take-home options or oral ketamine; all ketamine is given as IM "
                 "injections in our treatment room.")
    assert pairs(v) == [("im", "in_clinic")]


def test_referral_and_plans_are_not_offers():
    assert classify("For IV ketamine we refer patients to a nearby infusion center.")["routes"] == []
    assert classify("We plan to offer IV ketamine in the future.")["ketamine"] is False


# ------------------------------------------------------------------ look-alikes


@pytest.mark.parametrize("text", [
    "Relax in our IV lounge with a hydration drip, vitamin infusion or NAD+ therapy. Try a Myers cocktail!",
    "Botox, B12 shots and vitamin injections available. We do not provide ketamine.",
    "Our veterinary hospital uses IV ketamine during surgery on dogs and cats.",
    "Our anesthesia group provides sedation for surgical procedures with propofol and ketamine.",
])
def test_look_alikes_are_not_ketamine_care(text):
    v = classify(text)
    assert v["ketamine"] is False and v["routes"] == []


def test_instant_messaging_is_not_intramuscular():
    v = classify("IM us with questions! Our ketamine infusions take place in a calm infusion suite.")
    assert pairs(v) == [("iv", "in_clinic")]


def test_vitamin_infusions_next_to_ketamine():
    v = classify("We offer B12 injections and IV vitamin infusions alongside our ketamine program, "
                 "which uses sublingual lozenges in our office.")
    assert pairs(v) == [("oral", "in_clinic")]


def test_stage_iv_is_not_a_route():
    assert classify("Stage IV cancer patients may receive ketamine for pain.")["routes"] == []


# ------------------------------------------------------------------ setting


def test_mailed_but_taken_in_office():
    v = classify("Ketamine lozenges are mailed to the patient before the session, but they are taken in the "
                 "therapist's office during the KAP session.")
    assert pairs(v) == [("oral", "in_clinic")]


def test_telehealth_tablets_shipped_home():
    v = classify("Our telehealth ketamine program ships ketamine tablets to your home, and you take them "
                 "during a guided virtual session.")
    assert pairs(v) == [("oral", "at_home")]
    assert v["offers_at_home"] is True


@pytest.mark.parametrize("text", [
    "Each ketamine lozenge dosing session lasts 1-3 hours and may be held in-person or remotely via telehealth.",
    "We hold our sublingual ketamine dosing sessions in person and virtually.",
])
def test_in_person_or_remote_sessions_give_both_settings(text):
    """The labelling rule "in person or virtual gives both settings": the remote alternative of a dosing
    session is a dose taken where the patient lives."""
    v = classify_rules(text)
    assert pairs(v) == [("oral", "in_clinic"), ("oral", "at_home")]
    assert v["offers_at_home"] is True


def test_remote_consultations_do_not_make_dosing_at_home():
    v = classify_rules("Consultations are held in person or virtually; ketamine lozenge dosing sessions take "
                       "place in our office.")
    assert pairs(v) == [("oral", "in_clinic")]
    assert v["offers_at_home"] is False


@pytest.mark.parametrize("tail", [
    "To get started, call the office or request a visit online today.",
    "Book online or phone us.",
    "New patients can complete the intake form online.",
])
def test_booking_online_is_not_dosing_online(tail):
    """Real clinic pages close with a call to book online; that says where the booking is made, not the
    dose.  A racemic nasal dose with no other cue stays unspecified."""
    v = classify_rules("Our psychiatrists offer intranasal ketamine treatment for depression. " + tail)
    assert pairs(v) == [("intranasal", "unspecified")]
    assert v["offers_at_home"] is False
    home = classify_rules("Our psychiatrists offer intranasal ketamine treatment, with online dosing sessions.")
    assert home["offers_at_home"] is True  # an online dosing session is still at home


def test_fda_approved_intranasal_ketamine_is_esketamine_in_clinic():
    """Only esketamine (Spravato) is FDA-approved as a nasal spray, and it is given in a certified clinic."""
    v = classify_rules("Here at our practice, our psychiatrists provide FDA-approved intranasal ketamine treatment. "
                       "Request a visit online.")
    assert pairs(v) == [("intranasal", "in_clinic")]
    assert v["offers_at_home"] is False


def test_integration_after_someone_elses_ketamine_therapy_is_no_offer():
    v = classify_rules("Massage, breathwork and craniosacral sessions to support integration after psychedelic "
                       "or ketamine therapy. Bodywork only.")
    assert v["ketamine"] is False
    assert classify_rules("We offer ketamine therapy and integration sessions.")["ketamine"] is True


def test_sessions_already_had_in_the_office_do_not_place_the_next_dose():
    v = classify_rules("For clients who have completed at least three in-office sessions, we also offer at-home "
                       "KAP sessions by video, with ketamine lozenges taken at home.")
    assert pairs(v) == [("oral", "at_home")]
    v = classify_rules("We offer in-office sessions with ketamine lozenges.")
    assert pairs(v) == [("oral", "in_clinic")]
    v = classify_rules("Dr. Feld provides IM ketamine sessions in our office. For clients who have finished an "
                       "in-office series, he also prescribes sublingual lozenges taken at home.")
    assert pairs(v) == [("im", "in_clinic"), ("oral", "at_home")]


def test_not_available_at_this_location_denies_the_route():
    v = classify_rules("We also offer intramuscular ketamine injections, given in the clinic. IV infusions are not "
                       "available at this location yet.")
    assert pairs(v) == [("im", "in_clinic")]
    # "not offered at home" still says where, not whether
    v = classify_rules("We offer IM ketamine. Lozenges are not offered at home, only in our office.")
    assert ("oral", "in_clinic") in pairs(v)


def test_a_negation_ends_where_someone_starts_doing_something():
    """ConText's termination: the scope of "not" stops at a new subject offering something, or a contrast."""
    v = classify_rules("For patients who prefer not to have an IV she also offers intramuscular (IM) ketamine "
                       "treatments here in the clinic.")
    assert pairs(v) == [("im", "in_clinic")]
    assert pairs(classify_rules("We do not offer IV, but we offer IM ketamine in our office.")) == [("im", "in_clinic")]
    assert pairs(classify_rules("We do not offer IV or IM ketamine.")) == []


def test_a_profiles_field_labels_are_not_an_interview():
    """"Clinical Interests:" and "Office Location:" look like speakers ("Dr Brenner: we use…"); a profile
    written with them is still the practitioner's own page."""
    profile = ("Theodore Brandt, MD\nProfessor\nClinical Interests: late-life depression; esketamine\n"
               "Research Interests: safety of rapid-acting antidepressants\n"
               "In the Geriatric Psychiatry Clinic he provides esketamine (Spravato) treatment for older adults.")
    assert pairs(classify_rules(profile)) == [("intranasal", "in_clinic")]
    interview = ("Dr Brenner: We use ketamine tablets with some patients.\nJane Doe: And IV ketamine?\n"
                 "Dr Brenner: We refer those out.")
    assert classify_rules(interview)["ketamine"] is False


def test_the_medicine_mailed_to_your_address_is_taken_at_home():
    v = classify_rules("We decide with you whether ketamine is appropriate. If prescribed, the compounded "
                       "sublingual lozenge is mailed to your address by a compounding pharmacy.")
    assert pairs(v) == [("oral", "at_home")] and v["offers_at_home"] is True


def test_a_spray_placed_at_home_is_racemic_even_beside_spravato():
    """Spravato is given only in a certified office: a nasal spray the page's own words place at home is
    compounded racemic ketamine, and so is the "Nasal" line of its price list."""
    page = ("We offer a home ketamine program with clinical guidance. Our at-home modalities include oral RDTs, "
            "nasal spray and subcutaneous options, often cheaper than Spravato copays.\n## Pricing\n"
            "- Nasal: from $325, several doses with support")
    assert ("intranasal", "at_home") in pairs(classify_rules(page))
    assert ("intranasal", "in_clinic") not in pairs(classify_rules(page))
    clinic = "We offer Spravato in our REMS-certified office.\n## Pricing\n- Nasal spray: $50 copay per visit"
    assert pairs(classify_rules(clinic)) == [("intranasal", "in_clinic")]


def test_ketamine_iv_therapy_is_an_infusion_not_a_vitamin_drip():
    assert pairs(classify_rules("We offer Ketamine IV Therapy for chronic pain.")) == [("iv", "in_clinic")]
    assert pairs(classify_rules("We offer IV therapy and ketamine-assisted psychotherapy.")) == []


def test_someone_elses_clinic_is_no_offer():
    page = ("Integration only: this option is for people currently having IV or IM ketamine treatment at a local "
            "ketamine clinic. I offer the integration sessions those clinics do not.")
    assert pairs(classify_rules(page)) == []
    assert pairs(classify_rules("We offer IV ketamine in our clinic.")) == [("iv", "in_clinic")]


def test_a_practices_press_release_speaks_for_it():
    """A press release names the practice in the third person: its offers are the practice's own there, and
    only there ("the clinic provides …" in journalism is someone else's)."""
    release = ("(Newsworthy.ai) Pompano Beach, FL, Apr 10, 2024 — Gulfstream Ketamine Clinics, which provides "
               "ketamine infusion therapies, now accepts Aetna. The clinics provide several ketamine infusion "
               "therapies meant to improve patients' lives, according to its founders' plans for growth.")
    assert pairs(classify_rules(release)) == [("iv", "in_clinic")]
    article = release.replace("(Newsworthy.ai) ", "")
    assert pairs(classify_rules(article)) == []
    services = ("Vadnais Heights, Minnesota (Newsworthy.ai) — The Mend's many services include Spravato, TMS "
                "therapy and ketamine infusion therapy.")
    assert pairs(classify_rules(services)) == [("iv", "in_clinic"), ("intranasal", "in_clinic")]


def test_a_menu_of_services_naming_ketamine_care():
    page = ("Dr. Harlan practises psychiatry in San Francisco.\n01 ADHD: medication strategy for adults.\n"
            "04 Ketamine-Assisted Therapy: a structured course of treatment, where indicated, within a wider plan.\n"
            "Book a consultation with me.")
    assert classify_rules(page)["ketamine"] is True
    heading = "## Ketamine Therapy: Fresh Hope for Veterans\nMany veterans live with PTSD. Book with us."
    assert classify_rules(heading)["ketamine"] is False  # a post's title, not a menu item


def test_troches_brought_to_each_session_are_taken_there():
    v = classify_rules("At Harbor Lane Counseling, clients use sublingual ketamine troches their prescriber "
                       "orders. You pick up the prescription at a pharmacy and bring the troches along to every "
                       "KAP session.")
    assert pairs(v) == [("oral", "in_clinic")] and v["offers_at_home"] is False


def test_something_we_do_not_provide_negates_and_flips_its_setting_cue():
    v = classify_rules("We give IV ketamine in our clinic. Patients are not sent home with IV ketamine by us, "
                       "and unsupervised take-home injectable ketamine is something we do not provide.")
    assert pairs(v) == [("iv", "in_clinic")] and v["offers_at_home"] is False


def test_an_in_person_visit_before_prescribing_is_not_where_doses_are_taken():
    page = ("## An in-person visit is required for controlled substances\nA clinician must see you in person "
            "before prescribing ketamine. We write a protocol of six supervised sublingual dosing sessions with "
            "video integration. Once prescribed, the compounded sublingual lozenge ships to your Georgia address.")
    assert pairs(classify_rules(page)) == [("oral", "at_home")]


def test_how_ketamine_therapy_works_here_is_the_practices_process():
    page = ("## How ketamine therapy works\n1. Formal consultation: our medical team evaluates your condition.\n"
            "2. Book your first infusion within two days of the consultation.\n"
            "3. Begin the infusion series: six infusions across 2-3 weeks.")
    assert pairs(classify_rules(page)) == [("iv", "in_clinic")]
    general = "## How ketamine works\nKetamine can be given by IV infusion, by injection or as a lozenge."
    assert pairs(classify_rules(general)) == []


def test_a_medical_partners_prescription_is_the_therapists_offer():
    """Journey Clinical's model: the therapist partners with a medical team that prescribes; the lozenges it
    prescribes are part of the care the therapist offers, even after "If you are approved,"."""
    page = ("## How It Works\n1. Medical Screening: We partner with Journey Clinical for the medical evaluation. If "
            "you are approved, they prescribe ketamine lozenges and take care of all medical follow-ups.\n"
            "2. Dosing Sessions: these happen virtually, your therapist joining you over secure video.")
    assert [r for r, _s in pairs(classify_rules(page))] == ["oral"]
    stranger = page.replace("We partner with Journey Clinical for the medical evaluation.", "Screening comes first.")
    assert pairs(classify_rules(stranger)) == []  # "they" with no partner named is anyone


def test_hope_the_noun_plans_nothing():
    v = classify_rules("At Brazos Bend Wellness in Richmond, we bring fresh hope by offering ketamine infusion therapy.")
    assert pairs(v) == [("iv", "in_clinic")]
    assert pairs(classify_rules("We hope to offer IV ketamine infusions next year.")) == []


def test_a_service_page_titled_as_the_service_speaks_for_the_practice():
    """A clinic's service page may never say "we": its title naming the service and one "your doctor" are
    its voice; the same words under a post's title are an explainer."""
    body = ("\nRacemic ketamine is given straight into the bloodstream through a vein, which is why it acts fast. "
            "Studies found IV ketamine well tolerated. A course is six infusions spread over two to three weeks. "
            "After that your doctor may advise maintenance ketamine infusions every three to four weeks. " * 3)
    assert pairs(classify_rules("## IV Ketamine Infusion Therapy" + body)) == [("iv", "in_clinic")]
    assert pairs(classify_rules("## What Is IV Ketamine Infusion Therapy?" + body)) == []


def test_injection_in_a_practices_name_is_no_route():
    v = classify_rules("Mesa Injection and Infusion Clinic has been giving ketamine IV infusions since 2017.")
    assert pairs(v) == [("iv", "in_clinic")]
    assert pairs(classify_rules("We offer ketamine injections in our clinic.")) == [("im", "in_clinic")]


def test_a_programmes_own_page_claims_nothing_and_maps_needs_its_training():
    own = ("## About ASKP3\nASKP3, founded in 2016, is a body of professionals from many specialties. ASKP3 is "
           "committed to safe ketamine care, and its members share protocols.")
    assert classify_rules(own)["certifications"] == []
    jc = ("How KAP works with Journey Clinical. Journey Clinical prescribes ketamine only as part of KAP. Journey "
          "Clinical's medical team handles every medical matter, and a patient meets a Journey Clinical clinician.")
    assert classify_rules(jc)["certifications"] == []
    partner = "We partner with Journey Clinical: their medical team prescribes, and I provide the therapy."
    assert [c["program"] for c in classify_rules(partner)["certifications"]] == ["journey-clinical"]
    assert classify_rules("KAP is under study at places such as MAPS.")["certifications"] == []
    trained = classify_rules("I completed the MAPS MDMA-Assisted Therapy Training in 2021.")["certifications"]
    assert [c["program"] for c in trained] == ["maps"]


def _real(line_id: str) -> str:
    """A development excerpt of the real-page corpus (a real page, paraphrased; tests/fixtures/real)."""
    import json
    from pathlib import Path

    for f in sorted((Path(__file__).parent / "fixtures" / "real" / "parts").glob("dev-*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["id"] == line_id:
                return row["text"]
    raise KeyError(line_id)


def test_an_explanations_office_does_not_bring_mailed_medicine_to_the_clinic():
    """A telehealth programme's page: "Most US ketamine clinics treat in a clinic" compares, and the lozenges
    its pharmacy ships to your door are taken at home (they used to be moved to the explanation's office)."""
    assert pairs(classify_rules(_real("rb-t022"))) == [("oral", "at_home")]


def test_the_practices_services_listed_under_its_own_heading():
    """A Spravato page whose "Related Services" list names the practice's IV ketamine."""
    page = _real("rb-s012")
    assert pairs(classify_rules(page)) == [("iv", "in_clinic"), ("intranasal", "in_clinic")]
    assert pairs(classify_rules(page.replace("## Related Services", "## Further reading"))) == [
        ("intranasal", "in_clinic")]


def test_spravato_is_always_in_clinic():
    v = classify("Spravato treatments available. Patients can do intake paperwork from home.")
    assert pairs(v) == [("intranasal", "in_clinic")]


def test_in_person_screening_does_not_make_home_programme_in_clinic():
    v = classify("After an in-person screening visit at our office, your ketamine troches are shipped to you "
                 "for at-home sessions guided over video.")
    assert pairs(v) == [("oral", "at_home")]


def test_subcutaneous_shipped_home():
    v = classify("Subcutaneous ketamine injections are shipped to your home; you self-administer them "
                 "during telehealth check-ins.")
    assert pairs(v) == [("subcutaneous", "at_home")]


def test_iv_clinic():
    v = classify("Our ketamine infusion center offers IV ketamine for depression. Each infusion is monitored "
                 "by a nurse.")
    assert pairs(v) == [("iv", "in_clinic")]


def test_unspecified_is_never_guessed():
    assert pairs(classify("We offer ketamine lozenges as part of KAP.")) == [("oral", "unspecified")]


def test_hybrid_gives_two_settings():
    v = classify("Oral ketamine can be taken in our office or at home, depending on your treatment plan.")
    assert pairs(v) == [("oral", "in_clinic"), ("oral", "at_home")]


def test_setting_from_neighbouring_sentence():
    v = classify("KAP with IM ketamine. In-office only.")
    assert pairs(v) == [("im", "in_clinic")]


@pytest.mark.parametrize("text,expected", [
    # The crawled oakline page: "in the office. Our office" was one greedy match of the
    # "in the <up to two words> office" cue, ran across the full stop and was dropped.
    ("Esketamine (Spravato) treatment in Lakeview: the nasal spray is taken in our office under "
     "observation. Dr. Nwosu also offers ketamine-assisted psychotherapy with IM ketamine in the office. "
     "Our office is a REMS-certified Spravato treatment center.",
     [("im", "in_clinic"), ("intranasal", "in_clinic")]),
    ("We offer IM ketamine in the office.\nOur office is in Lakeview.", [("im", "in_clinic")]),
    ("Ketamine troches are taken in my clinic. My clinic is downtown.", [("oral", "in_clinic")]),
    # The strong cue must not be lost to a weak one in the same sentence.
    ("Ketamine lozenges are shipped to you and taken in the office. The office has recliners.",
     [("oral", "in_clinic")]),
])
def test_setting_cue_does_not_run_into_the_next_sentence(text, expected):
    assert pairs(classify(text)) == expected


def test_matches_are_confined_to_sentences():
    import re

    text = "IM in the office. Our office is here. In the clinic."
    spans = sentence_spans(text)
    rx = re.compile(r"\b(?:in|our)\s+(?:the\s+)?(?:[\w.]+\s+){0,2}(?:office|clinic)\b", re.I)
    assert [m.group() for m in rx.finditer(text)] == ["in the office. Our office", "In the clinic"]
    got = [(i, m.group()) for i, m in matches_in_sentences(lambda p, e: rx.finditer(text, p, e), spans)]
    assert got == [(0, "in the office"), (1, "Our office"), (2, "In the clinic")]


# ------------------------------------------------------------------ credentials


@pytest.mark.parametrize("text,expected", [
    ("Jane Roe, MD, PhD", ["MD", "PhD"]),
    ("Dr. Ana Ruiz, M.D., Ph.D., Psy.D.", ["MD", "PhD", "PsyD"]),
    ("Lisa Park, MA, LPC, provides KAP in Boston, MA.", ["MA", "LPC"]),
    ("Located at 12 Main St, Springfield, MA 01103.", []),
    ("Our office is in Worcester, MA.", []),
    ("Patients with MS, migraine or chronic pain.", []),
    ("Patients travel from PA and NJ.", []),
    ("WE DO NOT OFFER KETAMINE", []),
    ("Alicia Grant, MSN, APRN, FNP-C; Devon Lee, RN, BSN", ["MSN", "APRN", "FNP-C", "RN", "BSN"]),
    ("Elena Marsh, PMHNP-BC", ["PMHNP-BC"]),
    ("an MD-led practice with LCSWs", []),
    ("Credentials: MA, MS", ["MA", "MS"]),
    ("Dr. Greg Hall, MD (Baltimore, MD)", ["MD"]),
    ("Chloe Adams, MS, LMFT and Jo Park, EdD", ["MS", "LMFT", "EdD"]),
])
def test_parse_credentials(text, expected):
    assert parse_credentials(text) == expected


@pytest.mark.parametrize("name,expected", [
    ("Dr. Elena Marsh, PMHNP-BC", ("Elena Marsh", ["PMHNP-BC"])),
    ("Jane Roe, MA, LMFT", ("Jane Roe", ["MA", "LMFT"])),
    ("Elena Marsh MD PhD", ("Elena Marsh", ["MD", "PhD"])),
    ("John Smith, Jr., MD", ("John Smith, Jr.", ["MD"])),
    ("Ms. Jane Roe (LCSW)", ("Jane Roe", ["LCSW"])),
    ("  Sam   Lee ", ("Sam Lee", [])),
    ("Amanda Ortiz, M.A., LMFT", ("Amanda Ortiz", ["MA", "LMFT"])),
])
def test_split_name_credentials(name, expected):
    assert split_name_credentials(name) == expected


# ------------------------------------------------------------------ programmes


def test_planned_or_negated_certifications_do_not_count():
    v = classify("I hope to begin Polaris training next year and am currently enrolled in the CIIS "
                 "certificate program. I am not Fluence-certified.")
    assert progs(v) == []
    v = classify("Sam Lee, LMHC, completed Polaris KAP training and is applying to the MAPS training "
                 "program.")
    assert progs(v) == ["polaris"]


def test_ambiguous_aliases_need_context():
    v = classify("Find us on Google Maps. Sage green walls make our room calm. Our IPI score is high.")
    assert progs(v) == []
    v = classify("Graduate of the Sage Institute's KAP training and MAPS-trained.")
    assert progs(v) == ["sage", "maps"]


def test_describing_a_programme_is_not_holding_it():
    assert progs(classify("The Living Medicine Institute has trained hundreds of clinicians.")) == []


def test_roster_program():
    v = classify("Jane Roe, LMFT, Oakland.", roster_program="fluence")
    title = PROGRAMMES["fluence"]["title"]
    assert v["certifications"] == [{"program": "fluence", "evidence": f"Listed on the {title} roster"}]
    v = classify("Certified through Fluence (2022).", roster_program="fluence")
    assert progs(v) == ["fluence"] and v["certifications"][0]["evidence"].startswith("Certified")
    with pytest.raises(ValueError):
        classify("x", roster_program="no-such-programme")


def test_registry_loaded_from_toml():
    expected = {"polaris", "fluence", "ciis", "ipi", "prati", "ktc", "askp3", "maps", "spravato-rems",
                "journey-clinical", "onca", "sage", "living-medicine"}
    assert expected <= set(PROGRAMMES)
    for pid, info in PROGRAMMES.items():
        assert info["title"] and isinstance(info["aliases"], list) and isinstance(info["url"], str), pid


def test_new_programme_in_a_temporary_registry(tmp_path):
    path = tmp_path / "programmes.toml"
    path.write_text(
        '[psi-academy]\ntitle = "Psi Academy"\nurl = ""\n'
        'aliases = ["Psi Academy", "Psi Academy KAP course"]\n'
        'ambiguous_aliases = ["PSI"]\n'
        '[fluence]\ntitle = "Fluence"\nurl = ""\naliases = ["Fluence"]\n',
        encoding="utf-8",
    )
    reg = load_programmes(path)
    assert set(reg) == {"psi-academy", "fluence"}
    classify_tmp = make_classifier(path)
    v = classify_tmp("I completed the Psi Academy KAP course in 2023 and am Fluence-trained.")
    assert progs(v) == ["psi-academy", "fluence"]
    assert progs(classify_tmp("PSI training graduate.")) == ["psi-academy"]
    assert progs(classify_tmp("Our psi is high.")) == []
    assert progs(classify("I completed the Psi Academy KAP course.")) == []  # not in the packaged registry


# ------------------------------------------------------------------ sentences and speed


def test_sentence_splitting_keeps_abbreviations_and_splits_bullets():
    text = "Dr. Elena Marsh, M.D. offers KAP.\n• IV infusions • IM injections | Spravato\nCall us! We reply."
    got = [text[a:b] for a, b in sentence_spans(text)]
    assert got == ["Dr. Elena Marsh, M.D. offers KAP.", "IV infusions", "IM injections", "Spravato",
                   "Call us!", "We reply."]


def test_long_sentence_evidence_is_trimmed_but_still_quoted():
    filler = " ".join(["calm"] * 120)
    text = f"Our ketamine lozenges are taken {filler} in our office with {filler} music."
    ev = classify_rules(text)["routes"][0]["evidence"]
    assert len(ev) <= 300 and ev in normalise_ws(text)


def test_latency_on_a_2kb_page():
    para = ("Cedar Grove Psychiatry offers ketamine-assisted psychotherapy. Ketamine can be given in "
            "several ways. We use intramuscular ketamine during sessions in our Bend office, with a "
            "therapist present. "
            "We do not offer at-home ketamine. Dr. Kent, MD, completed Polaris KAP training. We accept most "
            "insurance plans and offer sliding-scale fees. Call (541) 555-0142 to schedule a consultation. ")
    text = (para * 6)[:2048]
    classify(text)
    n = 50
    t = time.perf_counter()
    for _ in range(n):
        classify(text)
    ms = (time.perf_counter() - t) / n * 1000
    print(f"\nclassify latency on 2 KB: {ms:.2f} ms")
    assert ms < 20  # generous bound for shared CI machines; typical is ~2 ms


# ------------------------------------------------------------------ robustness

_VOCAB = st.sampled_from([
    "ketamine", "KAP", "Spravato", "IV", "IM", "SC", "ODT", "lozenges", "nasal spray", "at home",
    "in our office", "in the office.", "not", "no", "we", "I", "Dr.", "M.D.", "MD,", "Polaris", "MAPS",
    "trained", "•", "|", "\n", ". ", "...", "?", ";", ":", " — ", "(", ")", "İ", "ß", "ﬁ", "\x00", "\u200b",
])
_PAGES = st.lists(st.one_of(_VOCAB, st.text(max_size=12)), max_size=60).map(" ".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PAGES)
def test_classify_never_raises_and_quotes_the_page(text):
    v = classify(text)
    assert set(v) == {"ketamine", "routes", "offers_at_home", "certifications", "credentials"}
    page = normalise_ws(text)
    for item in v["routes"]:
        assert item["evidence"] and item["evidence"] in page
        assert len(item["evidence"]) <= 300
    for item in v["certifications"]:
        assert item["evidence"] in page
    # An at_home route implies the flag; the flag may stand without a route (an at-home programme
    # that names none), but never without ketamine care.
    assert v["offers_at_home"] or not any(r["setting"] == "at_home" for r in v["routes"])
    assert not v["offers_at_home"] or v["ketamine"]
    assert not v["routes"] or v["ketamine"]


@pytest.mark.parametrize("text", [
    "", " ", "\x00" * 50, "\ufeff", "\ud7ff\ue000", "İ" * 40 + " IM ketamine", "." * 5000,
    "ketamine " + "\u00a0" * 3000, "".join(map(chr, range(0, 0x2000, 7))),
])
def test_odd_inputs(text):
    classify(text)


@pytest.mark.parametrize("unit", [
    "We offer IM ketamine in the office. Our office is in Lakeview. ",  # realistic, boundary-crossing cues
    "ketamine IM in the office and ",  # one endless sentence
    ".",  # a run of dots used to be rescanned from every position
    "KAP IV IM SC not at home ",
])
def test_a_megabyte_is_capped_and_fast(unit):
    text = unit * (1_000_000 // len(unit) + 1)
    classify("ketamine IM in the office.")
    t = time.perf_counter()
    v = classify(text)
    elapsed = time.perf_counter() - t
    assert elapsed < 2.5  # typical is 0.05-0.4 s: only the first TEXT_MAX characters are read
    for item in v["routes"]:
        assert item["evidence"] in normalise_ws(text[:TEXT_MAX])


def test_overlong_sentences_are_cut_at_spaces():
    text = "word " * 1000 + "We give IM ketamine in the office."
    spans = sentence_spans(text)
    assert all(b - a <= SENTENCE_MAX for a, b in spans)
    assert " ".join(text[a:b] for a, b in spans) == normalise_ws(text)
    assert pairs(classify_rules("ketamine " + text)) == [("im", "in_clinic")]


def test_ninth_round_phrasings():
    """Chosen on the development split with the eighth blind split joined (1,917 lines)."""
    # A practice's booking of its own infusions vouches for them, with no "we" in the sentence.
    # (rb-j023: "The first infusions are booked Monday, Wednesday and Friday"; rb-j037: "Those accepted receive a
    # structured series of ketamine infusions given and monitored by medical staff")
    for line_id in ("rb-j023", "rb-j037"):
        assert pairs(classify_rules(_real(line_id))) == [("iv", "in_clinic")], line_id
    # The patient's own space is where they live; "our space" is the practice's.
    assert pairs(classify_rules("We offer KAP with sublingual lozenges that clients take in their own space, "
                                "with a guide on video.")) == [("oral", "at_home")]
    assert pairs(classify_rules("We offer KAP with sublingual lozenges taken in our space, a calm office "
                                "in Denver.")) == [("oral", "in_clinic")]
    # A programme the page calls its own, with no route named, is an at-home offer; someone else's is not.
    own = ("Our clinicians see you by video. Through Stillwater Health's at-home program, ketamine therapy "
           "eases symptoms within days, built around a new mother's life.")
    assert classify_rules(own)["offers_at_home"] is True
    assert classify_rules("Some readers ask whether an at-home program is safe; research on ketamine "
                          "therapy is still young.")["offers_at_home"] is False


def test_doses_between_office_sessions_are_taken_elsewhere():
    """(zoo-blind10's Renata Voss) "between in-clinic sessions" places no lozenge in the clinic."""
    text = ("She leads our IM ketamine sessions in the clinic and prescribes sublingual ketamine lozenges taken at "
            "home between in-clinic sessions.")
    assert pairs(classify_rules(text)) == [("im", "in_clinic"), ("oral", "at_home")]
    assert ("oral", "in_clinic") in pairs(classify_rules(
        "She leads our IM ketamine sessions in the clinic, and lozenges are taken during in-clinic sessions."))


def test_eleventh_zoo_groups_phrasings():
    """(zoo-blind11) A colleague still in training whom the practice expects to join its KAP team later offers
    nothing yet; a KAP certificate is a course, not the care; a chain's clinic named by its town offers what it
    offers after a lead-in ("In addition to IV ketamine infusions, Meridian offers IM ketamine sessions")."""
    trainee = ("She is currently enrolled in Fluence's KAP certificate program and is not yet offering ketamine "
               "sessions; we expect her to join the KAP team once her training and supervised hours are complete.")
    assert classify_rules(trainee)["ketamine"] is False
    assert classify_rules("She has joined our KAP team and leads sessions in our Asheville office.")["ketamine"] is True
    clinic = ("Our Meridian clinic opened in 2023 just off I-84. In addition to IV ketamine infusions, Meridian offers "
              "intramuscular (IM) ketamine sessions paired with a therapist. " + "Every new patient starts with a "
              "medical consultation with one of our prescribers, who reviews your history, current medications and "
              "blood pressure. Please bring a list of your medications and arrange for a driver after any ketamine "
              "treatment. Free surface lot; we are the second door on the left. " * 2)
    assert pairs(classify_rules(clinic)) == [("iv", "in_clinic"), ("im", "in_clinic")]
    # the treatment itself, or a payer, is no practice offering it
    assert not pairs(classify_rules(clinic.replace("Meridian offers", "Medicare provides").replace(
        "Our Meridian clinic opened in 2023 just off I-84.", "Coverage varies.").replace(
        "our prescribers", "the prescribers").replace("we are", "it is")))


@pytest.mark.parametrize("sentence, claimed", [
    # REMS described: what esketamine calls for, what providers and pharmacies need, a guide's heading
    ("Esketamine calls for REMS certification and two hours of observation after each treatment, in a healthcare "
     "setting that is certified.", False),
    ("Before prescribing, providers and pharmacies need REMS certification.", False),
    ("SPRAVATO REMS Certification", False),
    # the provider's own: said outright, or as a service label
    ("We are a REMS-certified Spravato treatment center.", True),
    ("Esketamine (Spravato) treatments — REMS certified", True),
])
def test_rems_described_is_no_claim_and_the_providers_own_is(sentence, claimed):
    """(eleventh round, development split) Of the learned layer's 19 cross-validated training false positives on
    2,230 excerpts, five were REMS only described; "calls for" and "need" are the rule's words, and a short label
    claims only when it says the provider is certified, not when it names the certification as a topic."""
    v = classify_rules("We offer Spravato in our office for treatment-resistant depression. " + sentence)
    assert ("spravato-rems" in {c["program"] for c in v["certifications"]}) is claimed


_CHAIN_PAGE = """Central scheduling for all Colorado clinics: (719) 555-0100
# Kestrel Ketamine – {town}
{body}
### Available at this location
{items}
Complete new-patient forms
Physician-led ketamine care across Colorado since 2020.
#### Patients
Find a clinic | Patient forms | Treatments
#### Billing & scheduling
Kestrel Support Office, 1600 Stout St, Suite 1400, Denver, CO 80202
© 2025 Kestrel Ketamine Clinics, LLC. All rights reserved. Not for emergencies: call or text 988."""


@pytest.mark.parametrize("body, items, want", [
    # a chain's location page: its services listed under "Available at this location", the body in no one's voice
    ("IM treatment is a shorter visit, about ninety minutes door to door, and suits patients who find IV placement "
     "difficult. Each visit ends when you are ready to leave.",
     "- IV ketamine infusions\n- Intramuscular (IM) ketamine", {("iv", "in_clinic"), ("im", "in_clinic")}),
    # the at-home programme stretches the time between infusions: it does not move the infusions home
    ("Patients here begin with a series of IV ketamine infusions in our clinic. After the initial series, eligible "
     "patients can stretch the time between infusions with our at-home maintenance program: our physician "
     "prescribes sublingual ketamine tablets that you take at home on a set schedule.",
     "- IV ketamine infusions\n- At-home sublingual maintenance", {("iv", "in_clinic"), ("oral", "at_home")}),
    # sending infusion patients to the chain's other clinics offers no infusion here
    ("Our clinic here offers intramuscular (IM) ketamine treatment, given by our physician assistant in a private, "
     "monitored treatment room. IV infusions are not available here at this time; patients who prefer infusions "
     "are welcome at any of our Front Range clinics.",
     "- Intramuscular (IM) ketamine", {("im", "in_clinic")}),
])
def test_a_chain_location_pages_services_schedule_and_referrals(body, items, want):
    text = _CHAIN_PAGE.format(town="Pueblo", body=body, items=items)
    assert len(text) > 600  # long enough to need a voice: not read as a directory card
    got = classify_rules(text)
    assert {(r["route"], r["setting"]) for r in got["routes"]} == want
    assert all(r["evidence"] in text for r in got["routes"])


def test_a_programmes_own_site_claims_no_ones_training_in_it(tmp_path):
    """On a programme's own site (its registry address's host or one of its ``domains``) its name is everywhere
    (its faculty, its courses, a members' panel): no one's completed training. Another site saying the same
    sentence claims it; a roster's own programme stays; a graduates' directory on a subdomain of its own lists
    people, and being listed there is their claim."""
    from crawler.pipelines.classify import apply_verdict

    text = "Dr. Helena Marsh completed the Fluence certificate in psychedelic integration and now treats clients."
    for url in ("https://www.fluencetraining.com/certificate-programs/", "https://fluencetraining.com/about"):
        assert progs(classify_rules(text, url=url)) == [] and progs(classify(text, url=url)) == []
    assert progs(classify_rules(text, url="https://marshcounseling.example/about")) == ["fluence"]
    assert progs(classify_rules(text)) == ["fluence"]  # no address known: the text decides
    assert progs(classify(text, url="http://[not-a-host/x")) == ["fluence"]  # a malformed address is none
    graduate = "Listed in the IPI directory: Ana Ruiz completed the IPI Psychedelic Assisted Therapy training."
    assert progs(classify_rules(graduate, url="https://directory.psychiatryinstitute.com/ana-ruiz")) == ["ipi"]
    assert progs(classify_rules(graduate, url="https://psychiatryinstitute.com/blog/x")) == []
    # other hosts of a programme's own, from the registry's ``domains``
    rems = "We are a REMS-certified Spravato treatment center."
    assert progs(classify_rules(rems, url="https://www.spravatotreatmentcenter.com/")) == []
    assert progs(classify_rules(rems, url="https://lakeside-psychiatry.example/spravato")) == ["spravato-rems"]
    assert progs(classify_rules("", roster_program="fluence", url="https://fluencetraining.com/graduates/")) \
        == ["fluence"]
    # the crawler gives the reader the listing's address
    listing = {"kind": "clinic", "name": "Helena Marsh", "credentials": [], "text": text + " We offer KAP.",
               "url": "https://www.fluencetraining.com/faculty/helena-marsh"}
    apply_verdict(listing)
    assert listing["certifications"] == []
    # a registry's ``domains`` must be a list of host names: the broken key is named
    bad = tmp_path / "programmes.toml"
    bad.write_text('[x]\ntitle = "X"\nurl = ""\naliases = ["X Academy"]\ndomains = "x.example"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="'x'.*domains"):
        load_programmes(bad)


def test_a_field_tables_treatments_and_wanting_a_route_denied_here():
    page = _CHAIN_PAGE.replace("### Available at this location", "Treatments available")
    body = ("Our clinic here serves the Pine Belt with two treatment rooms. Patients can choose between an IV infusion "
            "and an intramuscular (IM) injection, a shorter visit for anyone who dreads needles in the arm.")
    text = page.format(town="Hattiesburg", body=body,
                       items="- IV ketamine infusions\n- Intramuscular (IM) ketamine injections")
    assert {(r["route"], r["setting"]) for r in classify_rules(text)["routes"]} == {("iv", "in_clinic"),
                                                                                  ("im", "in_clinic")}
    denied = ("The Meridian clinic is a certified Spravato treatment center. IV infusions are not available in "
              "Meridian; patients who want IV treatment are seen at our Jackson or Hattiesburg clinic.")
    text = page.format(town="Meridian", body=denied, items="- Spravato® (esketamine) nasal spray")
    assert {(r["route"], r["setting"]) for r in classify_rules(text)["routes"]} == {("intranasal", "in_clinic")}
    # a route only placed elsewhere ("not available at home") is not denied: wanting it here is its offer
    both = ("IV infusions are not available at home, but patients who want IV treatment receive it in our "
            "infusion suite with a nurse present.")
    text = page.format(town="Meridian", body=both, items="- Spravato® (esketamine) nasal spray")
    assert ("iv", "in_clinic") in {(r["route"], r["setting"]) for r in classify_rules(text)["routes"]}
