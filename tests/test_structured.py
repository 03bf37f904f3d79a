"""The schema.org reader on the shapes real sites use."""

import json

import lxml.html
import pytest

from crawler import structured


def page(*scripts, body=""):
    tags = "".join(f'<script type="application/ld+json">{s if isinstance(s, str) else json.dumps(s)}</script>'
                   for s in scripts)
    return lxml.html.fromstring(f"<html><head>{tags}</head><body>{body}</body></html>")


def people(root, heading=""):
    objects, bad = structured.load_structured(root, "https://example.org/p/")
    return structured.practitioners(objects), bad


ADDR = {"@type": "PostalAddress", "streetAddress": "1420 Ocean Ave", "addressLocality": "Santa Monica",
        "addressRegion": "CA", "postalCode": "90401", "addressCountry": "US"}


def test_plain_physician():
    ents, bad = people(page({"@context": "https://schema.org", "@type": "Physician", "name": "Dr. Elena Marsh",
                             "telephone": "(310) 555-0142", "address": ADDR, "description": "IV ketamine."}))
    assert bad == 0
    assert len(ents) == 1
    e = ents[0]
    assert e["name"] == "Dr. Elena Marsh"
    assert (e["street"], e["city"], e["region"], e["postal_code"]) == ("1420 Ocean Ave", "Santa Monica", "CA", "90401")
    assert e["phone"] == "(310) 555-0142"
    assert e["text"] == "IV ketamine."


def test_graph_with_webpage_and_breadcrumbs():
    doc = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "name": "Profile page", "url": "https://example.org/p/"},
        {"@type": "BreadcrumbList", "itemListElement": [{"@type": "ListItem", "position": 1, "name": "Home"}]},
        {"@type": "MedicalClinic", "name": "Harbor Light Clinic", "address": ADDR, "telephone": "310-555-0101",
         "geo": {"@type": "GeoCoordinates", "latitude": "34.01", "longitude": -118.49}}]}
    ents, _ = people(page(doc))
    assert [e["name"] for e in ents] == ["Harbor Light Clinic"]
    assert ents[0]["lat"] == pytest.approx(34.01)
    assert ents[0]["lon"] == pytest.approx(-118.49)


def test_person_with_worklocation_address_and_practice():
    doc = {"@context": "https://schema.org", "@type": "Person", "givenName": "Ada", "familyName": "Quist",
           "honorificSuffix": "LMFT", "jobTitle": "Psychotherapist",
           "workLocation": {"@type": "MedicalClinic", "name": "Quiet Harbor Therapy", "address": ADDR,
                            "telephone": "+1 310 555 0199"}}
    (e,), _ = people(page(doc))
    assert e["name"] == "Ada Quist"
    assert e["practice"] == "Quiet Harbor Therapy"
    assert e["city"] == "Santa Monica" and e["phone"] == "+1 310 555 0199"
    assert "LMFT" in e["credentials_text"]


def test_top_level_list_and_type_list():
    docs = [{"@type": "WebSite", "name": "Lotus"},
            {"@type": ["Physician", "MedicalBusiness"], "name": "Rowan Pike, DO", "address": "12 Elm St, Austin, TX 78701"}]
    (e,), _ = people(page(docs))
    assert e["name"] == "Rowan Pike, DO"
    assert e["address"] == "12 Elm St, Austin, TX 78701"


def test_full_iri_types_and_value_objects():
    doc = {"@type": "http://schema.org/Physician", "name": [{"@value": "Mara Lind"}],
           "address": [{"@type": "PostalAddress", "addressLocality": "Denver", "addressRegion": "CO"}]}
    (e,), _ = people(page(doc))
    assert e["name"] == "Mara Lind" and e["city"] == "Denver"


def test_people_nested_in_organization_employee_list():
    doc = {"@type": "MedicalOrganization", "name": "Cedar Group", "address": ADDR, "telephone": "310-555-0111",
           "employee": [{"@type": "Person", "name": "Jo Park", "jobTitle": "PMHNP-BC"},
                        {"@type": "Person", "name": "Lee Wong", "honorificSuffix": "MD"}]}
    ents, _ = people(page(doc))
    assert [e["name"] for e in ents] == ["Jo Park", "Lee Wong"]
    # people inherit the organisation's address and phone
    assert all(e["city"] == "Santa Monica" and e["phone"] == "310-555-0111" for e in ents)
    assert structured.pick_primary(ents, "Lee Wong, MD — Cedar Group")["name"] == "Lee Wong"


def test_author_of_an_article_is_not_a_practitioner():
    doc = {"@type": "MedicalClinic", "name": "North Clinic", "address": ADDR,
           "subjectOf": {"@type": "Article", "author": {"@type": "Person", "name": "Staff Writer"}}}
    ents, _ = people(page(doc))
    assert [e["name"] for e in ents] == ["North Clinic"]


def test_malformed_script_does_not_hide_the_good_one():
    ents, bad = people(page('{"@type": "Physician", "name": "Broken', {"@type": "Physician", "name": "Kim Vale"}))
    assert [e["name"] for e in ents] == ["Kim Vale"]
    assert bad == 1


def test_services_and_credentials_become_text():
    doc = {"@type": "Physician", "name": "Ivy Stone",
           "availableService": [{"@type": "MedicalTherapy", "name": "IM ketamine-assisted psychotherapy"}],
           "hasCredential": {"@type": "EducationalOccupationalCredential", "name": "Polaris KAP training"}}
    (e,), _ = people(page(doc))
    assert "IM ketamine-assisted psychotherapy" in e["text"]
    assert "Holds Polaris KAP training." in e["text"]


def test_microdata_is_read():
    html = """<div itemscope itemtype="https://schema.org/Physician">
      <h1 itemprop="name">Noor Hale</h1><span itemprop="telephone">503-555-0123</span>
      <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
        <span itemprop="streetAddress">9 Pine St</span> <span itemprop="addressLocality">Portland</span>
        <span itemprop="addressRegion">OR</span> <span itemprop="postalCode">97205</span></div>
      <p itemprop="description">Ketamine lozenges in session.</p></div>"""
    (e,), _ = people(lxml.html.fromstring(f"<html><body>{html}</body></html>"))
    assert e["name"] == "Noor Hale" and e["city"] == "Portland" and e["postal_code"] == "97205"
    assert "lozenges" in e["text"]


def test_rdfa_is_read():
    html = """<div vocab="https://schema.org/" typeof="Physician">
      <h1 property="name">Ola Brandt</h1><span property="telephone">206-555-0100</span>
      <div property="address" typeof="PostalAddress"><span property="addressLocality">Seattle</span>
        <span property="addressRegion">WA</span></div></div>"""
    (e,), _ = people(lxml.html.fromstring(f"<html><body>{html}</body></html>"))
    assert e["name"] == "Ola Brandt" and e["city"] == "Seattle" and e["region"] == "WA"


def test_no_structured_data_gives_nothing():
    ents, bad = people(page(body="<h1>Just a page</h1>"))
    assert ents == [] and bad == 0


def test_huge_nesting_is_capped():
    node = {"@type": "Person", "name": "Deep"}
    for _ in range(200):
        node = {"@type": "Thing", "about": node}
    ents, _ = people(page(node))
    assert ents == []  # beyond the depth cap: ignored rather than recursing forever
