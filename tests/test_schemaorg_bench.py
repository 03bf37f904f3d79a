"""The conformance script (`python -m bench.schemaorg DIR`) on example files written in schema.org's format.

The real corpus (schema.org's data/*examples.txt) is not in the repository; these two examples, each in
JSON-LD, microdata and RDFa, are written for the test.
"""

from bench import schemaorg

EXAMPLES = """TYPES: #eg-9001 Physician, PostalAddress

PRE-MARKUP:

Dr. Noor Hale, 9 Pine St, Portland OR 97205, (503) 555-0123

MICRODATA:

<div itemscope itemtype="https://schema.org/Physician">
  <span itemprop="name">Noor Hale</span>
  <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
    <span itemprop="streetAddress">9 Pine St
      Suite 2</span>, <span itemprop="addressLocality">Portland</span>,
    <span itemprop="addressRegion">OR</span> <span itemprop="postalCode">97205</span></div>
  <span itemprop="telephone">(503) 555-0123</span>
</div>

RDFA:

<div vocab="https://schema.org/" typeof="Physician">
  <span property="name">Noor Hale</span>
  <div property="address" typeof="PostalAddress">
    <span property="streetAddress">9 Pine St
      Suite 2</span>, <span property="addressLocality">Portland</span>,
    <span property="addressRegion">OR</span> <span property="postalCode">97205</span></div>
  <span property="telephone">(503) 555-0123</span>
</div>

JSON:

<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "Physician", "name": "Noor Hale", "telephone": "(503) 555-0123",
 "address": {"@type": "PostalAddress", "streetAddress": "9 Pine St Suite 2", "addressLocality": "Portland",
             "addressRegion": "OR", "postalCode": "97205"}}
</script>

TYPES: #eg-9002 Book, Person, Organization

PRE-MARKUP:

MICRODATA:

<div itemscope itemtype="https://schema.org/Book"><span itemprop="name">Healing Minds</span>
  <div itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Ann Writer</span>
    <span itemprop="telephone">212-555-0101</span></div>
  <div itemprop="publisher" itemscope itemtype="https://schema.org/Organization"><span itemprop="name">Harbor Press</span>
    <span itemprop="telephone">212-555-0102</span></div></div>

RDFA:

<div vocab="https://schema.org/" typeof="Book"><span property="name">Healing Minds</span>
  <div property="author" typeof="Person"><span property="name">Ann Writer</span>
    <span property="telephone">212-555-0101</span></div>
  <div property="publisher" typeof="Organization"><span property="name">Harbor Press</span>
    <span property="telephone">212-555-0102</span></div></div>

JSON:

<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "Book", "name": "Healing Minds",
 "author": {"@type": "Person", "name": "Ann Writer", "telephone": "212-555-0101"},
 "publisher": {"@type": "Organization", "name": "Harbor Press", "telephone": "212-555-0102"}}
</script>

TYPES: #eg-9003 @@FakeEntryNeeded

JSON:

{"@type": "Thing"}
"""


def test_the_example_format_is_split_as_schema_orgs_own_parser_splits_it(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "examples.txt").write_text(EXAMPLES)
    examples = schemaorg.load_corpus(tmp_path)
    assert [(e.id, sorted(e.markup)) for e in examples] == [
        ("eg-9001", ["json-ld", "microdata", "rdfa"]), ("eg-9002", ["json-ld", "microdata", "rdfa"])]
    page = schemaorg.page_html(examples[0], "rdfa")
    assert page.startswith("<!DOCTYPE html>") and '<body>\n<div vocab="https://schema.org/"' in page


def test_the_script_reports_per_syntax(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "examples.txt").write_text(EXAMPLES)
    assert schemaorg.main([str(tmp_path), "--runs", "3"]) == 0
    out = capsys.readouterr().out
    rows = {line[:28].strip(): line[28:].split() for line in out.splitlines() if line[:28].strip()}
    assert rows["examples read"] == ["2", "2", "2"]
    assert rows["practitioners found"] == ["1", "1", "1"]                  # the physician; not the book's credits
    assert rows["markup practitioners"] == ["1", "1", "1"]
    assert rows["all fields right"] == ["6/6", "100%"] * 3
    assert rows["works-only pages"] == ["1", "1", "1"]
    assert rows["... yielding practs"] == ["0", "0", "0"]
    assert rows["answer changes (3 runs)"] == ["0", "0", "0"]
    assert "2 examples in 2+ syntaxes: 0 give different answers" in out
