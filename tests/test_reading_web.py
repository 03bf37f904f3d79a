"""The seven ways real pages broke the reader (issue 13), one pinned rule each.

Sentences here are written for the tests in the shape real pages use (the real, paraphrased
pages are in tests/fixtures/real and scored by test_reading_real.py).  Each test names the rule
it pins, so loosening that rule fails it.

They pin the rules layer (``classify_rules``): it finds and judges every route word and quotes its
sentence. Pages over 600 characters then go through the learned layer, which weighs those
judgements (``stack.py``; pinned in test_reading_stack.py).
"""

from __future__ import annotations

import pytest

from kapdir.reading import classify_rules as classify
from kapdir.reading.structure import classify_heading, list_item, others_lists, scopes
from kapdir.reading.text import sentence_spans


def pairs(text: str) -> set[tuple[str, str]]:
    return {(r["route"], r["setting"]) for r in classify(text)["routes"]}


def progs(text: str) -> set[str]:
    return {c["program"] for c in classify(text)["certifications"]}


# 3. Setting from the route (contract): IV and IM offered by a practice are in_clinic unless the
#    text places them elsewhere; Spravato always; oral, racemic nasal and SC need a cue.
@pytest.mark.parametrize("text, want", [
    ("We offer IV ketamine infusions for depression.", {("iv", "in_clinic")}),
    ("Dr. Lane provides intramuscular ketamine for treatment-resistant depression.", {("im", "in_clinic")}),
    ("We offer IV ketamine, with telehealth follow-ups after each series.", {("iv", "in_clinic")}),
    ("Our mobile IV team brings ketamine infusions to your home.", {("iv", "at_home")}),
    ("We offer Spravato for treatment-resistant depression.", {("intranasal", "in_clinic")}),
    ("We prescribe sublingual ketamine lozenges.", {("oral", "unspecified")}),
    ("We prescribe compounded ketamine nasal spray.", {("intranasal", "unspecified")}),
])
def test_setting_follows_the_route_when_the_text_is_silent(text, want):
    assert pairs(text) == want


def test_a_neighbouring_sentence_does_not_move_an_infusion_home():
    text = ("We offer IV ketamine infusions. You can use our mood app from home to follow your progress "
            "between treatments.")
    assert pairs(text) == {("iv", "in_clinic")}


# 1. Education, not offers.
@pytest.mark.parametrize("text", [
    "## How is ketamine administered?\nKetamine can be given IV, IM, intranasally or by mouth.",
    "## Types of ketamine treatment\n- IV infusions\n- Intramuscular injections\n- Sublingual lozenges",
    "Ketamine infusion therapy is a newer treatment that has drawn attention for depression.",
    "It outperforms intramuscular shots and intranasal sprays alike.",
    "This could be done through IV or injection (IM).",
])
def test_explanations_are_not_offers(text):
    assert pairs(text) == set()


def test_own_voice_under_an_explaining_heading_still_offers():
    text = ("## How is ketamine given?\nKetamine can be given many ways. At our clinic we use IM injections "
            "in a quiet treatment room.")
    assert pairs(text) == {("im", "in_clinic")}


def test_a_journalists_i_is_not_a_providers_voice():
    text = ("## Companies are mailing ketamine\nMany, including the online service I approached, offer "
            "mail-order tablets and nasal sprays at high prices.")
    v = classify(text)
    assert v["routes"] == [] and v["offers_at_home"] is False


def test_blog_titles_do_not_offer_but_service_names_do():
    assert pairs("## How to Pick the Ketamine Infusion Center That Suits You\nAsk about safety.") == set()
    assert pairs("## Mail-Order Medicine: The Ketamine Lozenge Boom\nSales grew.") == set()
    assert pairs("## IV Ketamine Infusions\nWe treat depression and PTSD. Call us to book.") == {("iv", "in_clinic")}


# 2. At-home as a topic.
def test_at_home_as_a_topic_is_not_an_offer():
    text = ("## Is at-home ketamine safe?\nSome companies ship lozenges to patients' homes. "
            "## Our approach\nWe give IM ketamine in our office with a nurse present.")
    v = classify(text)
    assert {(r["route"], r["setting"]) for r in v["routes"]} == {("im", "in_clinic")}
    assert v["offers_at_home"] is False


def test_the_pages_own_home_setting_places_its_lozenges():
    text = ("## How it works\n1. Book your evaluation\n2. Your At Home Ketamine Experience\n"
            "A guide joins you on a video call for the session.\n## Your first session\n"
            "The oral ketamine dissolves under your tongue.")
    v = classify(text)
    assert {(r["route"], r["setting"]) for r in v["routes"]} == {("oral", "at_home")}
    assert v["offers_at_home"] is True


def test_a_place_taken_by_another_route_does_not_place_lozenges():
    assert pairs("IV ketamine infusions at our Silver Lake clinic, plus ketamine lozenges for selected "
                 "patients.") == {("iv", "in_clinic"), ("oral", "unspecified")}


# 4. Scope and coordination.
def test_avoided_route_is_not_offered():
    text = ("Each treatment is an intramuscular injection. Many ketamine clinics start an IV; we chose to "
            "avoid placing an IV and give the medicine in a muscle.")
    assert pairs(text) == {("im", "in_clinic")}


# 5. Training claims.
def test_requirement_lists_are_not_claims():
    text = ("Requirements for Collaborating KAP Therapists\n"
            "Therapists must hold a certificate from one of these programs:\n"
            "- Polaris Insight Center KAP Training\n- Fluence\n- Integrative Psychiatry Institute\n")
    assert progs(text) == set()


def test_bio_lists_of_completed_training_still_count():
    assert progs("Training:\n- Completed Polaris Insight Center KAP training\n- Fluence graduate") == {
        "polaris", "fluence"}


@pytest.mark.parametrize("text, want", [
    ("We are a REMS-certified Spravato treatment center.", {"spravato-rems"}),
    ("Spravato is available in our REMS-certified clinic.", {"spravato-rems"}),
    ("Spravato can only be given at a REMS-certified treatment center under supervision.", set()),
    ("Under the FDA's REMS program, Spravato must be given at a certified treatment center.", set()),
    ("Spravato can be given only at certified treatment centers. Our clinic is one of these centers.",
     {"spravato-rems"}),
    ("We hope to become a REMS-certified treatment center next year.", set()),
])
def test_rems_counts_only_as_a_self_claim(text, want):
    assert progs(text) == want


def test_trainers_are_not_graduates():
    assert progs("Polaris lead trainers teach the course with guest trainers from other practices.") == set()


def test_a_programmes_own_pages_claim_nothing():
    text = ("## Ketamine-Assisted Psychotherapy Training Program\nOur didactic modules and experiential "
            "retreats are for clinicians. Tuition covers all modules. Graduates may join the Polaris "
            "Insight Center consultation groups.")
    v = classify(text)
    assert progs(text) == set() and v["ketamine"] is False


# 7. Providers that never name a route.
@pytest.mark.parametrize("text, want", [
    ("Harbor Biotherapies offers Ketamine-Assisted-Psychotherapy to patients case by case.", True),
    ("Ketamine Assisted Psychotherapy (KAP) uses ketamine to help therapy along.", False),
    ("After your KAP sessions, I will help you integrate what came up.", False),
    ("Where is Ketamine Infusion Therapy Administered?", False),
    ("Mark Ruiz, LCSW, is a KAP therapist in Denver.", True),
])
def test_ketamine_care_without_a_route(text, want):
    assert classify(text)["ketamine"] is want


# Page structure as context.
def test_heading_classes():
    assert classify_heading("How is ketamine administered?") == (True, False)
    assert classify_heading("What happens during my IV treatment?") == (False, False)
    assert classify_heading("At-home vs in-clinic ketamine") == (True, False)
    assert classify_heading("Recommended trainings") == (False, True)
    assert classify_heading("IV Ketamine Therapy in Portland") == (False, False)


def test_scopes_follow_heading_levels():
    text = "## Types of ketamine\n### IV\nGiven over 40 minutes.\n## Our services\nWe offer IM."
    sc = scopes(text, sentence_spans(text))
    assert [s.explain for s in sc] == [True, True, True, False, False]


def test_list_items_and_their_lead_in():
    text = "Therapists must have one of these:\n- Polaris\n- Fluence\nWe completed:\n- CIIS"
    spans = sentence_spans(text)
    assert [list_item(text, a) for a, _ in spans] == [False, True, True, False, True]
    assert others_lists(text, spans) == [False, True, True, False, False]


# Pages that speak about providers without being one.
def test_a_pharmacy_is_not_a_provider():
    v = classify("Our pharmacy compounds ketamine nasal sprays for patients so they can take the medicine "
                 "in their homes. Prescriptions are filled within two days.")
    assert v["ketamine"] is False and v["routes"] == [] and v["offers_at_home"] is False


def test_an_interview_is_someone_else_speaking():
    text = ("Online clinics are growing fast.\nDr Brenner: We use tablets that dissolve quickly, shipped to "
            "patients.\nReporter Ames: Who checks on them?\nDr Brenner: A guide joins each session by video.")
    v = classify(text)
    assert v["routes"] == [] and v["offers_at_home"] is False


def test_headings_running_through_three_routes_compare_them():
    text = ("## Ketamine infusion therapy\nThe most studied option for depression.\n"
            "## Nasal ketamine spray (Spravato)\nApproved by the FDA in 2019.\n"
            "## Home oral therapy\nLozenges taken at home between sessions. Contact us with questions.")
    assert pairs(text) == set()


def test_a_single_service_heading_still_names_an_offer():
    assert pairs("## IV Ketamine Infusions\nOur nurses monitor every infusion. Call us to book.") == {
        ("iv", "in_clinic")}


@pytest.mark.parametrize("text, want", [
    ("Spravato is offered only in certified healthcare settings like our Houston office.", {"spravato-rems"}),
    ("Our certified Spravato® treatment center in Houston offers relief.", {"spravato-rems"}),
    ("I went to a mixer put on by Journey Clinical, a provider of KAP.", set()),
    ("I offer KAP in partnership with Journey Clinical.", {"journey-clinical"}),
    ("As the Multidisciplinary Association for Psychedelic Studies (2017) put it, the designation matters.", set()),
])
def test_programme_mentions_that_are_and_are_not_claims(text, want):
    assert progs(text) == want


def test_spravatos_fixed_setting_does_not_make_a_blog_an_offer():
    text = ("## Spravato and insurance\nThe upside of esketamine's FDA approval is that insurers may cover its "
            "price. " + "Research on ketamine keeps growing and many questions remain open. " * 12)
    assert pairs(text) == set()


def test_a_practice_offering_by_name_mid_clause():
    text = ("At its Louisville and Aurora offices, Axial Mind Health offers intravenous and intranasal ketamine "
            "therapy. " + "Ketamine has been studied for decades in many settings and populations. " * 10)
    assert pairs(text) == {("iv", "in_clinic"), ("intranasal", "unspecified")}


def test_the_treatment_as_subject_is_not_a_practice():
    text = ("Ketamine offers another way to treat anxiety and depression. " +
            "Studies suggest IV ketamine works quickly for many patients with depression. " * 10)
    assert classify(text)["ketamine"] is False


def test_questions_about_the_providers_own_process_are_not_explanations():
    assert classify_heading("What is the process for ketamine infusions?") == (False, False)
    assert classify_heading("How long does an infusion take?") == (False, False)


# Second round (the spent blind split read as development): each rule below moved the 622
# development excerpts, and each test fails if its rule is loosened or dropped.
_FILLER = "Ketamine has been studied for decades in many settings and populations. " * 8


@pytest.mark.parametrize("text, home", [
    # The provider's own voice in the clause that places the session at home.
    ("## Ketamine-assisted psychotherapy\nOur KAP-trained psychotherapists guide the ketamine session in "
     "office, or virtually while you stay in the comfort of your own home. " + _FILLER, True),
    # The same words warning, comparing or reviewing: no offer.
    ("## Ketamine-assisted psychotherapy\nWe believe ketamine taken at home without a clinician is risky. "
     + _FILLER, False),
    ("## Online ketamine\nOur guide to online ketamine providers looks at taking ketamine at home. " + _FILLER,
     False),
])
def test_at_home_needs_the_providers_own_voice_not_its_opinion(text, home):
    assert classify(text)["offers_at_home"] is home


def test_medicine_shipped_home_with_no_office_dosing_is_at_home():
    shipped = ("## How it works\nWe connect you with a prescriber for ketamine therapy. "
               "Once you confirm the address, ketamine will be shipped to your home. " + _FILLER)
    assert classify(shipped)["offers_at_home"] is True
    in_office = shipped.replace(_FILLER, "Each dose is taken in our office during a supervised session. " + _FILLER)
    assert classify(in_office)["offers_at_home"] is False


@pytest.mark.parametrize("text", [
    "In this post we cover what IV ketamine infusions cost and how to choose a clinic. " + _FILLER,
    "Below we look at how IV ketamine is given and what it costs. " + _FILLER,
    '"We give six IV ketamine infusions over two weeks," Dr. Castell said. ' + _FILLER,
])
def test_a_writers_we_and_reported_speech_are_not_the_providers_voice(text):
    v = classify(text)
    assert (v["ketamine"], pairs(text)) == (False, set())


def test_a_first_person_therapist_combining_ketamine_with_therapy_offers_it():
    text = ("## Ketamine-assisted psychotherapy\n## How does it work?\nIn ketamine-assisted psychotherapy I "
            "combine ketamine with therapy and with integrating the experience afterwards. " + _FILLER)
    assert classify(text)["ketamine"] is True
    assert classify(text.replace("I combine", "clinicians combine"))["ketamine"] is False


def test_a_priced_fee_list_line_offers_ketamine_care():
    text = ("## Practice policies\nWe are a private pay practice.\n## Fees\n"
            "- Ketamine assisted psychotherapy session: $700\n- Ketamine assisted psychotherapy integration: $200\n"
            + _FILLER)
    assert classify(text)["ketamine"] is True
    article = ("## Costs\nWe are a private pay practice. Local clinics charge for ketamine infusions from about "
               "$500 to $1,000 a session. " + _FILLER)
    assert classify(article)["ketamine"] is False


@pytest.mark.parametrize("text, want", [
    ("## Ketamine Infusion Therapy, Columbia, SC\nWe offer IV ketamine infusions. " + _FILLER, {("iv", "in_clinic")}),
    ("We offer IV ketamine: we place a small needle with a tube just under the skin of your arm. " + _FILLER,
     {("iv", "in_clinic")}),
    ("We offer a personal, IV-free ketamine treatment. " + _FILLER, set()),
])
def test_state_abbreviations_cannulas_and_route_free_are_not_routes(text, want):
    assert pairs(text) == want


@pytest.mark.parametrize("text, want", [
    ("Our clinic follows the model protocols of the Integrative Psychiatry Institute's Ketamine Medical "
     "Provider Program.", set()),
    ("When choosing a clinic, look for ASKP3 membership.", set()),
    ("One platform had Fluence-certified staff.", set()),
    ("Our therapists are Fluence-certified.", {"fluence"}),
])
def test_protocols_criteria_and_other_peoples_staff_are_not_training_claims(text, want):
    assert progs(text) == want


@pytest.mark.parametrize("text, ketamine", [
    # Ketamine's history line is on every ketamine page; it does not make a clinic a vet.
    ("Discovered in 1962, ketamine is an approved anesthetic used in emergency and veterinary medicine. "
     "To let you test it, we offer an introductory ketamine IV infusion at our clinic for $375.", True),
    ("Ketamine treatments for dogs and cats are part of our veterinary pain service. IM injection is the usual route.",
     False),
    # A session described to the patient is not a plan; "will soon begin offering" is.
    ("Lean back in a calm room. We will start low dose ketamine through an intravenous line (IV).", True),
    ("We will soon begin offering IM ketamine at our clinic.", False),
    # Ketamine care announced as available, enrolled in, accessed through a partnership, wait-listed.
    ("## Ketamine Therapy\nKetamine Therapy is now available for PTSD, OCD and depression. " + _FILLER, True),
    ("## KAP\nWhen you enrol in Ketamine Assisted Psychotherapy you get six sessions over two months. " + _FILLER,
     True),
    ("(KAP: currently wait-listing)\n## What is ketamine?\n" + _FILLER, True),
    # A testimonial's "my clients" is someone else's practice.
    ('## Certificate in KAP\n## Ketamine-assisted therapy training\n"KAP helped my clients see their problems '
     'in a new light." — a licensed social worker\n' + _FILLER, False),
])
def test_offer_and_non_offer_signals_found_on_real_pages(text, ketamine):
    assert classify(text)["ketamine"] is ketamine


def test_headings_about_the_providers_own_sessions_are_not_explanations():
    assert classify_heading("What are KAP sessions like?") == (False, False)
    assert classify_heading("What does a session look like?") == (False, False)
    assert classify_heading("What is Ketamine-Assisted Psychotherapy?") == (True, False)
    assert classify_heading("How at-home ketamine treatment works") == (True, False)
    assert classify_heading("How it works") == (False, False)


def test_a_practice_named_with_an_ampersand_speaks_for_itself():
    text = ("At Tranquil Oaks Psychiatric & Counseling, infusions take place in a calm setting. " + _FILLER)
    assert pairs(text) == {("iv", "in_clinic")}


def test_medicine_mailed_home_but_dosed_in_person_is_in_clinic():
    text = ("## How ketamine-assisted psychotherapy works here\n"
            "- Our partner physician sees you first and writes the prescription.\n"
            "- A small supply of oral ketamine lozenges will be sent to your home before your first session.\n"
            "- Dosing sessions last about three hours and take place in person.\n" + _FILLER)
    v = classify(text)
    assert (pairs(text), v["offers_at_home"]) == ({("oral", "in_clinic")}, False)
    at_home = text.replace("take place in person", "take place over video")
    assert ("oral", "in_clinic") not in pairs(at_home)
    assert classify_heading("How Ketamine-Assisted Psychotherapy Works Here") == (False, False)


def test_a_virtual_consultation_from_home_does_not_place_the_dose():
    text = ("Meet our clinician by video from home for your virtual consultation. "
            "Our treatments are given in person at our center, including sublingual ketamine. " + _FILLER)
    assert pairs(text) == {("oral", "in_clinic")}


@pytest.mark.parametrize("voice", [
    "On treatment day, patients must bring a trusted friend who will drive them home. An IV will be started.",
    "What sets our clinic apart?",
])
def test_a_treatment_day_told_as_it_will_happen_or_a_question_about_itself_is_a_voice(voice):
    text = ("## Ketamine for CRPS\nMost people with CRPS need four to eight ketamine infusions at first. "
            "If you have side effects, your doctor will change the infusion rate. " + voice + " " + _FILLER)
    assert pairs(text) == {("iv", "in_clinic")}
    assert pairs(text.replace(voice, "")) == set()


def test_a_setting_named_as_a_yardstick_places_nothing():
    text = ("We prescribe sublingual ketamine tablets for depression, each holding a dose far below what anaesthesia uses in "
            "a medical setting. " + _FILLER)
    assert pairs(text) == {("oral", "unspecified")}
    assert pairs(text.replace("far below what anaesthesia uses in a medical setting",
                              "taken in our office")) == {("oral", "in_clinic")}
    assert pairs(text.replace("far below what anaesthesia uses in", "taken in")) == {("oral", "in_clinic")}


@pytest.mark.parametrize("text, want", [
    ("An intake assessment by a psychiatrist from Journey Clinical, and then a prescription.", {"journey-clinical"}),
    ("Our Journey Clinical work uses the sublingual lozenge form only.", {"journey-clinical"}),
    ("## How we work together with Journey Clinic\nTheir medical team handles the prescription.", {"journey-clinical"}),
    ("I went to a mixer put on by Journey Clinical.", set()),
])
def test_journey_clinical_partnerships_as_real_pages_word_them(text, want):
    assert progs(text) == want


def test_routes_given_to_you_are_offered_even_three_at_a_time():
    text = "We aim to understand your goals.\n- Ketamine is given to you by oral, intravenous, or intramuscular route.\n"
    assert pairs(text + _FILLER) == {("oral", "unspecified"), ("iv", "in_clinic"), ("im", "in_clinic")}
    assert pairs("Ketamine can be given by oral, intravenous, or intramuscular route. " + _FILLER) == set()


def test_routes_right_after_other_providers_are_theirs_even_with_a_verb():
    text = ("## KAP with me\nI offer ketamine-assisted psychotherapy. Other ketamine providers operate inside a "
            "medical model — IV given by a nurse, or sublingual lozenges the client self-administers — and my "
            "approach is different from theirs. " + _FILLER)
    v = classify(text)
    assert (pairs(text), v["offers_at_home"], v["ketamine"]) == (set(), False, True)


@pytest.mark.parametrize("text, want", [
    ("Only certified treatment centers may administer SPRAVATO. Summit Ridge Health Center is one such clinic.",
     {"spravato-rems"}),
    ("At our Decatur clinic, Elmwood Health is proud to offer certified SPRAVATO® treatment.", {"spravato-rems"}),
    ("We are an approved SPRAVATO® Treatment Center, so we have to follow these rules.", {"spravato-rems"}),
    ("Spravato must be administered within a certified Spravato center like Brightpath Health.", {"spravato-rems"}),
    ("## Finding Certified Spravato Treatment Centers in NJ\nSpravato is given under supervision.", set()),
    ("Spravato must be given at a certified treatment center.", set()),
    ("Membership of ASKP3 (the American Society of Ketamine Physicians, Psychotherapists & Practitioners) is a "
     "sign that a clinic keeps up.", set()),
    ("Dr. Lane is a member of ASKP3.", {"askp3"}),
])
def test_rems_self_claims_and_generic_memberships_as_real_pages_word_them(text, want):
    assert progs(text) == want


def test_items_of_a_list_the_provider_prices_are_its_offers():
    text = ("Questions? Just give us a call.\n## What does it cost?\nThe Lumara ketamine therapy program is priced at $4,500 and covers:\n"
            "1. Six ketamine infusions\n2. A first medical assessment\n" + _FILLER)
    assert pairs(text) == {("iv", "in_clinic")}
    unpriced = text.replace("is priced at $4,500 and covers", "usually involves")
    assert pairs(unpriced) == set()


@pytest.mark.parametrize("text, ketamine", [
    ("## Choosing a provider\nPicking the right therapist or clinic for ketamine-assisted psychotherapy (KAP) is a "
     "big decision. " + _FILLER, False),
    ("## Directory\nLumenList brings together ketamine therapy providers across California. " + _FILLER, False),
    ("How to judge a ketamine therapy provider: what to check in screening and follow-up. " + _FILLER, False),
    ("Dana Reyes, LMFT\nKAP therapist in Denver\nBook a consultation.", True),
    ("## Ketamine FAQ\nCan I get ketamine without a referral? Our practitioners are able to diagnose and treat you "
     "without any prior evaluation. " + "Ketamine therapy helps many people with depression. " * 2 + _FILLER, True),
])
def test_generic_providers_and_choosing_one_are_not_offers(text, ketamine):
    assert classify(text)["ketamine"] is ketamine


def test_surveys_sent_to_you_and_usual_oral_medicines_are_not_at_home_ketamine():
    text = ("## Preparing for your infusion\nWe give IV ketamine infusions. Before your first treatment, please "
            "complete the surveys sent to you through our patient app. " + _FILLER)
    assert (pairs(text), classify(text)["offers_at_home"]) == ({("iv", "in_clinic")}, False)
    spravato = ("We offer Spravato. Given under supervision, Spravato works differently from usual oral medicines. "
                + _FILLER)
    assert pairs(spravato) == {("intranasal", "in_clinic")}
    shipped = "We prescribe ketamine for depression; your medication will be shipped to you. " + _FILLER
    assert classify(shipped)["offers_at_home"] is True


@pytest.mark.parametrize("line", [
    "Step 3: Schedule infusions.",
    "She has given IV ketamine infusions to patients since 2016.",
])
def test_a_process_step_or_a_clinicians_record_vouches_for_infusions(line):
    text = ("## What to expect\nWe offer a calm, supportive space for your healing journey. Ketamine infusions "
            "may help many people with depression. " + line + " " + _FILLER)
    assert pairs(text) == {("iv", "in_clinic")}
    assert pairs(text.replace(line, "")) == set()


def test_at_home_medicine_named_as_such_is_taken_at_home_and_a_named_office_is_an_office():
    """ "at-home sublingual ketamine … shipped to the patient's home" is not medicine mailed for an office
    session, even on a page that gives infusions in its clinic; "in Jonah's Boulder office" places a session
    as "in our office" does."""
    assert pairs("We offer IV ketamine infusions in our clinic. Some patients continue with at-home sublingual "
                 "ketamine: we prescribe tablets and ship them to the patient's home.") == {
        ("iv", "in_clinic"), ("oral", "at_home")}
    assert pairs("We offer IV ketamine infusions in our clinic. Some patients continue with sublingual ketamine: "
                 "we prescribe tablets and ship them to the patient's home.") == {("iv", "in_clinic"),
                                                                               ("oral", "in_clinic")}
    assert pairs("He offers KAP. Clients take sublingual ketamine lozenges during dosing sessions in Jonah's "
                 "Boulder office.") == {("oral", "in_clinic")}
    assert pairs("He offers KAP. Clients take sublingual ketamine lozenges during dosing sessions.") == {
        ("oral", "unspecified")}


def test_limits_referrals_and_care_around_dosing_are_not_offers_or_denials():
    """A clinic that "does not prescribe ketamine for use at home" still offers what it gives in the office; a
    drip bar that sends people to "one of our clinics" offers no ketamine itself; "KAP preparation groups"
    are care around someone's dosing."""
    got = classify("We offer IV ketamine infusions in our Durham office. We do not prescribe ketamine for use at home.")
    assert got["ketamine"] and pairs("We offer IV ketamine infusions in our Durham office. We do not prescribe "
                                     "ketamine for use at home.") == {("iv", "in_clinic")}
    assert not classify("I am a therapist. I do not prescribe ketamine; clients see a partner physician.")["ketamine"]
    assert not classify("Walk-in vitamin drips and NAD+. No ketamine services are offered at the Hydration Bar — "
                        "for ketamine treatment please visit one of our clinics.")["ketamine"]
    assert not classify("She co-leads our KAP preparation groups and integration circles.")["ketamine"]
    assert classify("She leads our KAP sessions in the office.")["ketamine"]
    assert pairs("IV ketamine in our clinic. Our at-home program: sublingual ketamine tablets are mailed to your "
                 "home and taken there.") == {("iv", "in_clinic"), ("oral", "at_home")}


def test_a_programmes_name_is_not_the_page_explaining():
    """Explaining words ("research", "studies") inside a registry programme's name do not make a short
    card an explainer: its offer still counts."""
    card = ("Dosing sessions use intramuscular ketamine, administered in the office by a partnering nurse "
            "practitioner.\nTraining: CIIS Certificate in Psychedelic-Assisted Therapies and Research (completed 2022).")
    assert pairs(card) == {("im", "in_clinic")} and progs(card) == {"ciis"}
    explainer = ("Dosing sessions use intramuscular ketamine, administered in the office by a partnering nurse "
                 "practitioner.\nResearch on ketamine therapies is growing.")
    assert pairs(explainer) == set()
