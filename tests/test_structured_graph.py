"""The structured-data reader as a graph (issue 18): references followed in every syntax, cycles tolerated,
one order on every run, practitioners chosen by type and role, and one answer whatever the syntax.

Every page here is written for the test; each test reads the same facts in JSON-LD, microdata and RDFa.
"""

import json

import lxml.html

from crawler import structured

URL = "https://example.org/p/"
FIELDS = ("name", "practice", "street", "city", "region", "postal_code", "phone", "website")


def root(body: str, head: str = ""):
    return lxml.html.fromstring(f"<html><head><title>t</title>{head}</head><body>{body}</body></html>")


def jsonld(*docs) -> str:
    return "".join(f'<script type="application/ld+json">{json.dumps(d)}</script>' for d in docs)


def read(body: str, with_orgs: bool = False, head: str = "") -> list[dict]:
    objects, bad = structured.load_structured(root(body, head), URL)
    assert bad == 0
    return structured.practitioners(objects, with_orgs=with_orgs)


def names(ents: list[dict]) -> list[str]:
    return [e["name"] for e in ents]


def fields(ents: list[dict]) -> list[dict]:
    return [{f: e.get(f, "") for f in FIELDS} for e in ents]


def three(pages: dict[str, str], **kw) -> dict[str, list[dict]]:
    return {syntax: read(body, **kw) for syntax, body in pages.items()}


# --- a clinic whose physician links back to it: a reference cycle ------------------------------------------

CLINIC_CYCLE = {
    "json-ld": jsonld({"@context": "https://schema.org", "@graph": [
        {"@type": "MedicalClinic", "@id": "#clinic", "name": "Harbor Light Clinic", "telephone": "206-555-0100",
         "address": {"@type": "PostalAddress", "streetAddress": "12 Pier Rd", "addressLocality": "Seattle",
                     "addressRegion": "WA", "postalCode": "98101"},
         "employee": {"@id": "#ola"}},
        {"@type": "Physician", "@id": "#ola", "name": "Ola Brandt", "worksFor": {"@id": "#clinic"}}]}),
    "microdata": """
      <div itemscope itemtype="https://schema.org/MedicalClinic" itemid="#clinic">
        <h1 itemprop="name">Harbor Light Clinic</h1> <span itemprop="telephone">206-555-0100</span>
        <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
          <span itemprop="streetAddress">12 Pier Rd</span> <span itemprop="addressLocality">Seattle</span>
          <span itemprop="addressRegion">WA</span> <span itemprop="postalCode">98101</span></div>
        <div itemprop="employee" itemscope itemtype="https://schema.org/Physician" itemid="#ola">
          <span itemprop="name">Ola Brandt</span> <link itemprop="worksFor" href="#clinic"></div>
      </div>""",
    "rdfa": """
      <div vocab="https://schema.org/" typeof="MedicalClinic" resource="#clinic">
        <h1 property="name">Harbor Light Clinic</h1> <span property="telephone">206-555-0100</span>
        <div property="address" typeof="PostalAddress">
          <span property="streetAddress">12 Pier Rd</span> <span property="addressLocality">Seattle</span>
          <span property="addressRegion">WA</span> <span property="postalCode">98101</span></div>
        <div property="employee" typeof="Physician" resource="#ola">
          <span property="name">Ola Brandt</span> <link property="worksFor" href="#clinic"></div>
      </div>""",
}


def test_a_clinic_whose_physician_links_back_keeps_both():
    """Before: RDFa kept only nodes nothing points to, so the clinic and its physician both vanished;
    microdata's link to the clinic's itemid was not followed, so the physician had no practice."""
    for syntax, ents in three(CLINIC_CYCLE, with_orgs=True).items():
        assert names(ents) == ["Ola Brandt", "Harbor Light Clinic"], syntax
        ola, clinic = ents
        assert (ola["practice"], ola["city"], ola["phone"]) == ("Harbor Light Clinic", "Seattle", "206-555-0100"), syntax
        assert (clinic["street"], clinic["postal_code"]) == ("12 Pier Rd", "98101"), syntax
    # A listing reads the people; their clinic is their context.
    assert {s: names(e) for s, e in three(CLINIC_CYCLE).items()} == {s: ["Ola Brandt"] for s in CLINIC_CYCLE}


SELF_URL = {
    "json-ld": jsonld({"@context": "https://schema.org", "@type": "Physician", "@id": URL, "url": URL,
                       "name": "Noor Hale", "telephone": "503-555-0123"}),
    "microdata": f"""<div itemscope itemtype="https://schema.org/Physician" itemid="{URL}">
        <h1 itemprop="name">Noor Hale</h1> <a itemprop="url" href="{URL}">profile</a>
        <span itemprop="telephone">503-555-0123</span></div>""",
    "rdfa": f"""<div vocab="https://schema.org/" typeof="Physician" resource="{URL}">
        <h1 property="name">Noor Hale</h1> <a property="url" href="{URL}">profile</a>
        <span property="telephone">503-555-0123</span></div>""",
}


def test_a_person_whose_url_is_the_page_itself_is_kept():
    """Before: in RDFa the person's url pointed at the person, so it counted as referenced and vanished."""
    for syntax, ents in three(SELF_URL).items():
        assert fields(ents) == [{"name": "Noor Hale", "practice": "", "street": "", "city": "", "region": "",
                                 "postal_code": "", "phone": "503-555-0123", "website": URL}], syntax


# --- one order on every run -------------------------------------------------------------------------------

TEAM_RDFA = """
  <h1>Our team</h1>
  <div vocab="https://schema.org/" typeof="MedicalClinic">
    <span property="name">Cedar Ketamine Group</span> <span property="telephone">303-555-0100</span>
    <div property="address" typeof="PostalAddress"><span property="addressLocality">Denver</span>
      <span property="addressRegion">CO</span></div>
    <div property="employee" typeof="Person"><span property="name">Ann Berg</span></div>
    <div property="employee" typeof="Person"><span property="name">Tomas Ruiz</span></div>
    <div property="employee" typeof="Person"><span property="name">Maya Cole</span></div>
    <div property="employee" typeof="Person"><span property="name">Jo Park</span></div>
    <div property="employee" typeof="Person"><span property="name">Lee Wong</span></div>
    <div property="employee" typeof="Person"><span property="name">Ida Moss</span></div>
  </div>"""


def test_rdfa_entities_come_in_document_order_on_every_run():
    """Before: pyRdfa's graph has no order, and the people came back in a different order between runs,
    so the primary practitioner of a page whose heading names no one could change with no change on the site."""
    answers = set()
    for _ in range(10):
        ents = read(TEAM_RDFA)
        answers.add(tuple(names(ents)))
        assert structured.pick_primary(ents, "Our team")["name"] == "Ann Berg"
    assert answers == {("Ann Berg", "Tomas Ruiz", "Maya Cole", "Jo Park", "Lee Wong", "Ida Moss")}


# --- JSON-LD @id references followed everywhere -----------------------------------------------------------

def test_an_author_referenced_only_by_id_inside_a_graph_is_not_a_practitioner():
    """Before: a bare "#author" string, or a relative {"@id"} against an absolute one, was not followed,
    so the author stood alone at the top of the graph and came back as a practitioner."""
    for ref, ident in (("#author", "#author"), ({"@id": "#author"}, URL + "#author"),
                       ({"@id": URL + "#author"}, "#author")):
        doc = {"@context": "https://schema.org", "@graph": [
            {"@type": "Person", "@id": ident, "name": "Tolkien, J. R. R.", "address": "Oxford"},
            {"@type": "Book", "@id": "#book", "name": "The Hobbit", "author": ref}]}
        assert read(jsonld(doc)) == [], ref


PRACTICE_BY_REFERENCE = {
    "json-ld": jsonld({"@context": "https://schema.org", "@type": "Person", "name": "Ada Quist",
                       "worksFor": {"@id": "#practice"}},
                      {"@context": "https://schema.org", "@type": "MedicalClinic", "@id": URL + "#practice",
                       "name": "Quiet Harbor Therapy", "telephone": "310-555-0199",
                       "address": {"@type": "PostalAddress", "addressLocality": "Santa Monica",
                                   "addressRegion": "CA"}}),
    "microdata": """
      <div itemscope itemtype="https://schema.org/Person"><h1 itemprop="name">Ada Quist</h1>
        <link itemprop="worksFor" href="#practice"></div>
      <div itemscope itemtype="https://schema.org/MedicalClinic" itemid="#practice">
        <span itemprop="name">Quiet Harbor Therapy</span> <span itemprop="telephone">310-555-0199</span>
        <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
          <span itemprop="addressLocality">Santa Monica</span> <span itemprop="addressRegion">CA</span></div>
      </div>""",
    "rdfa": """
      <div vocab="https://schema.org/" typeof="Person"><h1 property="name">Ada Quist</h1>
        <link property="worksFor" href="#practice"></div>
      <div vocab="https://schema.org/" typeof="MedicalClinic" resource="#practice">
        <span property="name">Quiet Harbor Therapy</span> <span property="telephone">310-555-0199</span>
        <div property="address" typeof="PostalAddress">
          <span property="addressLocality">Santa Monica</span> <span property="addressRegion">CA</span></div>
      </div>""",
}


def test_a_practice_named_only_by_reference_is_kept():
    """Before: a reference written relative to the page against an absolute @id (JSON-LD) or as a link to
    an itemid (microdata) was not followed: the person had no practice (their city and phone came only
    from the unrelated organisation beside them)."""
    for syntax, ents in three(PRACTICE_BY_REFERENCE, with_orgs=True).items():
        assert names(ents) == ["Ada Quist", "Quiet Harbor Therapy"], syntax
        ada = ents[0]
        assert (ada["practice"], ada["city"], ada["phone"]) == ("Quiet Harbor Therapy", "Santa Monica",
                                                                 "310-555-0199"), syntax


# --- practitioners by type and role ---------------------------------------------------------------------

WORKS_ONLY = {
    "json-ld": jsonld(
        {"@context": "https://schema.org", "@type": "Book", "name": "Healing Minds",
         "author": {"@type": "Person", "name": "Ann Writer", "telephone": "212-555-0101"},
         "editor": {"@type": "Person", "name": "Ed Itor"},
         "publisher": {"@type": "Organization", "name": "Harbor Press", "telephone": "212-555-0102",
                       "address": {"@type": "PostalAddress", "addressLocality": "New York"}}},
        {"@context": "https://schema.org", "@type": "Event", "name": "Ketamine Research Night",
         "performer": {"@type": "Person", "name": "Pat Speaker"},
         "organizer": {"@type": "Organization", "name": "Mind Events LLC", "telephone": "212-555-0103"},
         "sponsor": {"@type": "MedicalClinic", "name": "Sponsor Clinic"}},
        {"@context": "https://schema.org", "@type": "Product", "name": "Lozenge tin",
         "manufacturer": {"@type": "Organization", "name": "Tin Makers Inc", "telephone": "212-555-0104"},
         "review": {"@type": "Review", "author": {"@type": "Person", "name": "Rae Viewer"}}}),
    "microdata": """
      <div itemscope itemtype="https://schema.org/Book"><span itemprop="name">Healing Minds</span>
        <div itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Ann Writer</span>
          <span itemprop="telephone">212-555-0101</span></div>
        <div itemprop="editor" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Ed Itor</span></div>
        <div itemprop="publisher" itemscope itemtype="https://schema.org/Organization">
          <span itemprop="name">Harbor Press</span> <span itemprop="telephone">212-555-0102</span>
          <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
            <span itemprop="addressLocality">New York</span></div></div></div>
      <div itemscope itemtype="https://schema.org/Event"><span itemprop="name">Ketamine Research Night</span>
        <div itemprop="performer" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Pat Speaker</span></div>
        <div itemprop="organizer" itemscope itemtype="https://schema.org/Organization">
          <span itemprop="name">Mind Events LLC</span> <span itemprop="telephone">212-555-0103</span></div>
        <div itemprop="sponsor" itemscope itemtype="https://schema.org/MedicalClinic">
          <span itemprop="name">Sponsor Clinic</span></div></div>
      <div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Lozenge tin</span>
        <div itemprop="manufacturer" itemscope itemtype="https://schema.org/Organization">
          <span itemprop="name">Tin Makers Inc</span> <span itemprop="telephone">212-555-0104</span></div>
        <div itemprop="review" itemscope itemtype="https://schema.org/Review">
          <div itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Rae Viewer</span></div>
        </div></div>""",
    "rdfa": """
      <div vocab="https://schema.org/">
      <div typeof="Book"><span property="name">Healing Minds</span>
        <div property="author" typeof="Person"><span property="name">Ann Writer</span>
          <span property="telephone">212-555-0101</span></div>
        <div property="editor" typeof="Person"><span property="name">Ed Itor</span></div>
        <div property="publisher" typeof="Organization">
          <span property="name">Harbor Press</span> <span property="telephone">212-555-0102</span>
          <div property="address" typeof="PostalAddress"><span property="addressLocality">New York</span></div>
        </div></div>
      <div typeof="Event"><span property="name">Ketamine Research Night</span>
        <div property="performer" typeof="Person"><span property="name">Pat Speaker</span></div>
        <div property="organizer" typeof="Organization">
          <span property="name">Mind Events LLC</span> <span property="telephone">212-555-0103</span></div>
        <div property="sponsor" typeof="MedicalClinic"><span property="name">Sponsor Clinic</span></div></div>
      <div typeof="Product"><span property="name">Lozenge tin</span>
        <div property="manufacturer" typeof="Organization">
          <span property="name">Tin Makers Inc</span> <span property="telephone">212-555-0104</span></div>
        <div property="review" typeof="Review">
          <div property="author" typeof="Person"><span property="name">Rae Viewer</span></div></div></div>
      </div>""",
}


def test_pages_of_works_events_and_products_give_no_practitioner():
    """Before: every named person or organisation outside an author or editor slot was a practitioner
    (the performer, organiser, sponsor, manufacturer), and the book's publisher a "site owner"."""
    for syntax, ents in three(WORKS_ONLY, with_orgs=True).items():
        assert ents == [], (syntax, names(ents))


ROLES = {
    "json-ld": jsonld({"@context": "https://schema.org", "@type": "MedicalWebPage", "name": "Our clinic",
                       "reviewedBy": {"@type": "Physician", "name": "Dr. Rev Iewer", "telephone": "617-555-0109"},
                       "creator": {"@type": "Person", "name": "Web Agency Person"},
                       "contributor": {"@type": "Person", "name": "Con Tributor"},
                       "mainEntity": {
                           "@type": "MedicalClinic", "name": "Back Bay Ketamine", "telephone": "617-555-0100",
                           "founder": {"@type": "Physician", "name": "Fay Founder"},
                           "employee": [{"@type": "Person", "name": "Em Ployee"}],
                           "member": {"@type": "Person", "name": "Mem Ber"},
                           "knowsAbout": {"@type": "Person", "name": "Known Figure"}}}),
    "microdata": """
      <div itemscope itemtype="https://schema.org/MedicalWebPage"><span itemprop="name">Our clinic</span>
        <div itemprop="reviewedBy" itemscope itemtype="https://schema.org/Physician">
          <span itemprop="name">Dr. Rev Iewer</span> <span itemprop="telephone">617-555-0109</span></div>
        <div itemprop="creator" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Web Agency Person</span></div>
        <div itemprop="contributor" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Con Tributor</span></div>
        <div itemprop="mainEntity" itemscope itemtype="https://schema.org/MedicalClinic">
          <span itemprop="name">Back Bay Ketamine</span> <span itemprop="telephone">617-555-0100</span>
          <div itemprop="founder" itemscope itemtype="https://schema.org/Physician"><span itemprop="name">Fay Founder</span></div>
          <div itemprop="employee" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Em Ployee</span></div>
          <div itemprop="member" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Mem Ber</span></div>
          <div itemprop="knowsAbout" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Known Figure</span></div>
        </div></div>""",
    "rdfa": """
      <div vocab="https://schema.org/" typeof="MedicalWebPage"><span property="name">Our clinic</span>
        <div property="reviewedBy" typeof="Physician">
          <span property="name">Dr. Rev Iewer</span> <span property="telephone">617-555-0109</span></div>
        <div property="creator" typeof="Person"><span property="name">Web Agency Person</span></div>
        <div property="contributor" typeof="Person"><span property="name">Con Tributor</span></div>
        <div property="mainEntity" typeof="MedicalClinic">
          <span property="name">Back Bay Ketamine</span> <span property="telephone">617-555-0100</span>
          <div property="founder" typeof="Physician"><span property="name">Fay Founder</span></div>
          <div property="employee" typeof="Person"><span property="name">Em Ployee</span></div>
          <div property="member" typeof="Person"><span property="name">Mem Ber</span></div>
          <div property="knowsAbout" typeof="Person"><span property="name">Known Figure</span></div>
        </div></div>""",
}


def test_practitioners_are_chosen_by_role_not_by_being_named():
    """A clinic's founder, employees and members are its practitioners and share its phone; the page's
    reviewer, creator and contributor never are, nor a person the clinic merely knows about. Before: the
    contributor and the known figure were practitioners too."""
    for syntax, ents in three(ROLES, with_orgs=True).items():
        assert names(ents) == ["Fay Founder", "Em Ployee", "Mem Ber", "Back Bay Ketamine"], syntax
        assert {e["phone"] for e in ents} == {"617-555-0100"}, syntax


# --- alumni and addresses ---------------------------------------------------------------------------------

ALUMNI = {
    "json-ld": jsonld({"@context": "https://schema.org", "@type": "Organization", "name": "Ketamine Training Institute",
                       "telephone": "415-555-0100",
                       "address": {"@type": "PostalAddress", "streetAddress": "1 Market St\n      Suite 400",
                                   "addressLocality": "San Francisco", "addressRegion": "CA", "postalCode": "94105"},
                       "alumni": [{"@type": "Person", "name": "Jack Dan"}, {"@type": "Person", "name": "John Smith"}]}),
    "microdata": """<div itemscope itemtype="https://schema.org/Organization">
        <span itemprop="name">Ketamine Training Institute</span> <span itemprop="telephone">415-555-0100</span>
        <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
          <span itemprop="streetAddress">1 Market St
            Suite 400</span> <span itemprop="addressLocality">San Francisco</span>,
          <span itemprop="addressRegion">CA</span> <span itemprop="postalCode">94105</span></div>
        <span itemprop="alumni" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Jack Dan</span></span>
        <span itemprop="alumni" itemscope itemtype="https://schema.org/Person"><span itemprop="name">John Smith</span></span>
      </div>""",
    "rdfa": """<div vocab="https://schema.org/" typeof="Organization">
        <span property="name">Ketamine Training Institute</span> <span property="telephone">415-555-0100</span>
        <div property="address" typeof="PostalAddress">
          <span property="streetAddress">1 Market St
            Suite 400</span> <span property="addressLocality">San Francisco</span>,
          <span property="addressRegion">CA</span> <span property="postalCode">94105</span></div>
        <span property="alumni" typeof="Person"><span property="name">Jack Dan</span></span>
        <span property="alumni" typeof="Person"><span property="name">John Smith</span></span>
      </div>""",
}


def test_alumni_do_not_take_the_organisations_place_or_address():
    """Before: the alumni came back as the page's practitioners with the organisation's address and phone,
    and the organisation was dropped; RDFa kept the street's raw newline."""
    for syntax, ents in three(ALUMNI).items():
        assert fields(ents) == [{"name": "Ketamine Training Institute", "practice": "", "street": "1 Market St Suite 400",
                                 "city": "San Francisco", "region": "CA", "postal_code": "94105",
                                 "phone": "415-555-0100", "website": ""}], syntax


# --- one answer whatever the syntax -----------------------------------------------------------------------

PRACTICE = {
    "json-ld": jsonld({"@context": "https://schema.org", "@type": "MedicalClinic", "@id": "#c",
                       "name": "Stillwater Ketamine Clinic", "url": "https://stillwater.example/",
                       "telephone": "(503) 555-0142",
                       "address": {"@type": "PostalAddress", "streetAddress": "9 Pine St", "addressLocality": "Portland",
                                   "addressRegion": "OR", "postalCode": "97205"},
                       "employee": [
                           {"@type": "Physician", "name": "Rowan Pike", "honorificSuffix": "DO",
                            "telephone": "(503) 555-0143"},
                           {"@type": "Person", "givenName": "Mara", "familyName": "Lind", "jobTitle": "LCSW",
                            "address": {"@type": "PostalAddress", "streetAddress": "14 Oak Ave\n  Floor 2",
                                        "addressLocality": "Beaverton", "addressRegion": "OR"}},
                           {"@type": "Person", "name": "Ivy Stone", "worksFor": {"@id": "#c"}}]}),
    "microdata": """
      <div itemscope itemtype="https://schema.org/MedicalClinic" itemid="#c">
        <h1 itemprop="name">Stillwater Ketamine Clinic</h1> <a itemprop="url" href="https://stillwater.example/">site</a>
        <span itemprop="telephone">(503) 555-0142</span>
        <p itemprop="address" itemscope itemtype="https://schema.org/PostalAddress"><span itemprop="streetAddress">9 Pine St</span>,
          <span itemprop="addressLocality">Portland</span>, <span itemprop="addressRegion">OR</span>
          <span itemprop="postalCode">97205</span></p>
        <div itemprop="employee" itemscope itemtype="https://schema.org/Physician"><span itemprop="name">Rowan Pike</span>,
          <span itemprop="honorificSuffix">DO</span> <span itemprop="telephone">(503) 555-0143</span></div>
        <div itemprop="employee" itemscope itemtype="https://schema.org/Person"><span itemprop="givenName">Mara</span>
          <span itemprop="familyName">Lind</span>, <span itemprop="jobTitle">LCSW</span>
          <p itemprop="address" itemscope itemtype="https://schema.org/PostalAddress"><span itemprop="streetAddress">14 Oak Ave
            Floor 2</span>, <span itemprop="addressLocality">Beaverton</span>, <span itemprop="addressRegion">OR</span></p></div>
        <div itemprop="employee" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Ivy Stone</span>
          <link itemprop="worksFor" href="#c"></div>
      </div>""",
    "rdfa": """
      <div vocab="https://schema.org/" typeof="MedicalClinic" resource="#c">
        <h1 property="name">Stillwater Ketamine Clinic</h1> <a property="url" href="https://stillwater.example/">site</a>
        <span property="telephone">(503) 555-0142</span>
        <p property="address" typeof="PostalAddress"><span property="streetAddress">9 Pine St</span>,
          <span property="addressLocality">Portland</span>, <span property="addressRegion">OR</span>
          <span property="postalCode">97205</span></p>
        <div property="employee" typeof="Physician"><span property="name">Rowan Pike</span>,
          <span property="honorificSuffix">DO</span> <span property="telephone">(503) 555-0143</span></div>
        <div property="employee" typeof="Person"><span property="givenName">Mara</span>
          <span property="familyName">Lind</span>, <span property="jobTitle">LCSW</span>
          <p property="address" typeof="PostalAddress"><span property="streetAddress">14 Oak Ave
            Floor 2</span>, <span property="addressLocality">Beaverton</span>, <span property="addressRegion">OR</span></p></div>
        <div property="employee" typeof="Person"><span property="name">Ivy Stone</span>
          <link property="worksFor" href="#c"></div>
      </div>""",
}


def test_one_answer_whatever_the_syntax():
    """The same practice in JSON-LD, microdata and RDFa gives the same practitioners, fields and order, on
    every run. Before: RDFa gave nothing (the employee linking back to the clinic made every node
    "referenced"), JSON-LD kept the street's newline, and microdata lost that employee's practice."""
    want = [
        {"name": "Rowan Pike", "practice": "Stillwater Ketamine Clinic", "street": "9 Pine St", "city": "Portland", "region": "OR",
         "postal_code": "97205", "phone": "(503) 555-0143", "website": "https://stillwater.example/"},
        {"name": "Mara Lind", "practice": "Stillwater Ketamine Clinic", "street": "14 Oak Ave Floor 2", "city": "Beaverton", "region": "OR",
         "postal_code": "", "phone": "(503) 555-0142", "website": "https://stillwater.example/"},
        {"name": "Ivy Stone", "practice": "Stillwater Ketamine Clinic", "street": "9 Pine St", "city": "Portland",
         "region": "OR", "postal_code": "97205", "phone": "(503) 555-0142", "website": "https://stillwater.example/"},
        {"name": "Stillwater Ketamine Clinic", "practice": "", "street": "9 Pine St", "city": "Portland",
         "region": "OR", "postal_code": "97205", "phone": "(503) 555-0142", "website": "https://stillwater.example/"},
    ]
    for _ in range(5):
        got = three(PRACTICE, with_orgs=True)
        for syntax, ents in got.items():
            assert fields(ents) == want, syntax
        assert got["json-ld"] == got["microdata"] == got["rdfa"]  # every field, credentials and text too


# --- a page about a product: its publisher is no site-owner fallback ----------------------------------------

PRODUCT_PAGE = {
    "json-ld": jsonld({"@context": "https://schema.org", "@id": "https://shop.example/tin", "@type": "ItemPage",
                       "publisher": {"@id": "#org"}, "copyrightHolder": {"@id": "#org"},
                       "mainEntity": {"@id": "#tin", "@type": "Product", "name": "Lozenge tin",
                                      "offers": {"@type": "Offer", "price": "9.00", "offeredBy": {
                                          "@id": "#org", "@type": "Organization", "name": "Tin Makers Inc",
                                          "telephone": "212-555-0104"}}}}),
    "microdata": """
      <div itemscope itemtype="https://schema.org/ItemPage">
        <div itemprop="publisher" itemscope itemtype="https://schema.org/Organization" itemid="#org">
          <span itemprop="name">Tin Makers Inc</span> <span itemprop="telephone">212-555-0104</span></div>
        <div itemprop="mainEntity" itemscope itemtype="https://schema.org/Product" itemid="#tin">
          <span itemprop="name">Lozenge tin</span></div></div>""",
    "rdfa": """
      <div vocab="https://schema.org/" resource="https://shop.example/tin" typeof="ItemPage">
        <link property="copyrightHolder publisher" href="#org" />
        <div resource="#tin" property="mainEntity" typeof="Product"><span property="name">Lozenge tin</span>
          <p resource="#offer" property="offers" typeof="Offer"><link rev="makesOffer" href="#org" /></p></div>
        <p resource="#org" typeof="Organization"><span property="name">Tin Makers Inc</span>
          <span property="telephone">212-555-0104</span></p></div>""",
}

OWN_SITE = {
    "json-ld": jsonld({"@context": "https://schema.org", "@type": "WebPage", "name": "Home",
                       "publisher": {"@type": "MedicalClinic", "name": "Harbor Light Clinic",
                                     "telephone": "206-555-0100"}}),
    "microdata": """
      <div itemscope itemtype="https://schema.org/WebPage"><span itemprop="name">Home</span>
        <div itemprop="publisher" itemscope itemtype="https://schema.org/MedicalClinic">
          <span itemprop="name">Harbor Light Clinic</span> <span itemprop="telephone">206-555-0100</span>
        </div></div>""",
    "rdfa": """
      <div vocab="https://schema.org/" typeof="WebPage"><span property="name">Home</span>
        <div property="publisher" typeof="MedicalClinic"><span property="name">Harbor Light Clinic</span>
          <span property="telephone">206-555-0100</span></div></div>""",
}


def test_a_product_page_gives_no_practitioner_not_even_its_publisher():
    """schema.org's eg-0394: a page whose main entity is a product, published by an organisation. Before,
    the publisher came back as the site's owner (the spider's fallback for a clinic's one-page site)."""
    for with_orgs in (False, True):
        for syntax, ents in three(PRODUCT_PAGE, with_orgs=with_orgs).items():
            assert ents == [], (syntax, with_orgs, names(ents))


def test_a_clinics_own_page_still_lists_its_publisher_as_the_owner():
    for syntax, ents in three(OWN_SITE).items():
        assert names(ents) == ["Harbor Light Clinic"] and ents[0].get("site_owner"), syntax
