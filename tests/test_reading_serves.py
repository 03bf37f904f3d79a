"""Where a provider serves by telehealth or at home (kapdir/reading/serves.py, issue 15).

The positive sentences are the real corpus's own paraphrases of real pages (ids of
tests/fixtures/real/dev.jsonl in the comments); the negatives are the ways real pages name states
without serving them. Each rule of the reader is pinned by at least one case that fails without it.
"""

from __future__ import annotations

import pytest

from kapdir.reading.serves import service_area


def regions(text: str) -> list[str]:
    return [x["region"] for x in service_area(text)]


@pytest.mark.parametrize("text, want", [
    ("Right now KetaCare is available in Florida.", ["FL"]),                                  # rd-a048
    ("Virtual therapy: available anywhere in Illinois.", ["IL"]),                              # rd-a053
    ("LICENSED in Oregon and Louisiana", ["OR", "LA"]),                                        # rd-b048
    ("Serving Georgia, California, Colorado, and Florida", ["GA", "CA", "CO", "FL"]),          # rd-d010
    ("Anyplace Clinic offers ketamine therapy to Texas residents", ["TX"]),                    # rb-e063
    ("At present we have sites in San Antonio, Austin and Dallas Fort Worth, and we can see patients in "
     "person or virtually anywhere in Texas.", ["TX"]),                                          # rd-e053
    ("At Fernhollow Therapeutic Services, we hold the preparation session online for people in New York, "
     "Maine and Massachusetts.", ["NY", "ME", "MA"]),                                           # rb-e008
    ("To book a consultation about ketamine therapies anywhere in Maryland, Virginia or the Washington D.C. "
     "area, phone us.", ["MD", "VA", "DC"]),                                                     # rd-d085
    ("## Where we treat\nAvailable in the following states:\n- Colorado\n- Utah\n- New Mexico\nCall us today.",
     ["CO", "UT", "NM"]),
    ("Our clinicians are licensed in Colorado, Utah, Wyoming, Montana, Idaho, Nevada and New Mexico.",
     ["CO", "UT", "WY", "MT", "ID", "NV", "NM"]),
])
def test_the_ways_real_pages_say_where_they_serve(text, want):
    assert regions(text) == want
    for item in service_area(text):
        assert item["evidence"] and item["evidence"] in " ".join(text.split())


@pytest.mark.parametrize("text", [
    # the law, not the provider's reach
    "Off-label ketamine treatment is legal when a physician licensed in Kentucky prescribes it.",   # rd-c013
    "The answer is yes: in Florida, at-home ketamine therapy is legal when a licensed physician prescribes it.",
    # plans and denials
    "## Ketamine Assisted Therapy in Seattle and throughout Washington & Oregon - coming August 2026",  # rb-a039
    "We are not yet available in New York.",
    # other people's reach, a city named after a state, readers, an office address
    "More and more Ohio residents are looking at ketamine therapy as a possible answer.",               # rb-d003
    "Because of the cost, most New York City clinics don't have a licensed therapist stay with you "
    "throughout your time on ketamine.",                                                                # rb-i061
    "People in four states (California, Florida, New York and Texas) can now take ketamine at home.",   # rd-d089
    "Our office: 744 Pearl St, Denver, CO 80203",
    "Stillwater Behavioral Health, based in Ravenna, Ohio, is listed as a therapist.",                 # rd-a054
    # a question, and a section that explains
    "Is at-home ketamine available in Texas?",
    "## How does telehealth ketamine work?\nMany services are available in California and Florida.",
    # two-letter codes are words too
    "Call us IN the morning OR book online: available to ME and you.",
])
def test_states_named_without_serving_them_are_not_a_service_area(text):
    assert regions(text) == []


def test_a_cue_far_from_the_state_does_not_place_it():
    far = ("We are available to answer questions by phone, and after many years of careful practice with adults "
           "and families we opened a second office in Colorado.")
    assert regions(far) == []
    assert regions("We are available to patients in Colorado.") == ["CO"]
