"""`kapdir classify` exactly as the contract says: a verdict for stdin, or one per JSONL line with its id."""

from __future__ import annotations

import json

from tests.conftest import kapdir

TEXT = ("Ketamine can be given IV, IM, orally or intranasally. In my practice I use sublingual lozenges during "
        "sessions in my office. I completed the Polaris Insight Center KAP training. We do not offer at-home "
        "ketamine. Dr. Ana Ruiz, MD")


def test_classify_stdin(tmp_path):
    r = kapdir("classify", data_dir=tmp_path, stdin=TEXT)
    assert r.returncode == 0, r.stderr
    v = json.loads(r.stdout)
    assert set(v) == {"ketamine", "routes", "offers_at_home", "certifications", "credentials"}
    assert v["ketamine"] is True and v["offers_at_home"] is False
    assert [(x["route"], x["setting"]) for x in v["routes"]] == [("oral", "in_clinic")]
    assert "lozenges" in v["routes"][0]["evidence"]
    assert [c["program"] for c in v["certifications"]] == ["polaris"]
    assert v["credentials"] == ["MD"]


def test_classify_jsonl(tmp_path):
    lines = [json.dumps({"id": "a", "text": "IV ketamine infusions in our clinic."}),
             json.dumps({"id": 7, "text": "IV vitamin drips and NAD+ at our hydration bar."}),
             "", json.dumps({"id": "c", "text": "Spravato nasal spray at our REMS-certified center."})]
    r = kapdir("classify", "--jsonl", data_dir=tmp_path, stdin="\n".join(lines) + "\n")
    assert r.returncode == 0, r.stderr
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", 7, "c"]
    assert out[0]["routes"][0]["route"] == "iv" and out[1]["ketamine"] is False
    assert out[2]["routes"][0] == {"route": "intranasal", "setting": "in_clinic",
                                   "evidence": out[2]["routes"][0]["evidence"]}


def test_classify_jsonl_line_with_its_page_address(tmp_path):
    """A line's "url" reaches the reader: on the programme's own site its name is no one's training."""
    text = "Dr. Ana Ruiz completed the Polaris Insight Center KAP training and offers KAP in her office."
    lines = [json.dumps({"id": "own", "text": text, "url": "https://www.polarisinsight.com/team/ana-ruiz"}),
             json.dumps({"id": "hers", "text": text, "url": "https://ruiz-kap.example/about"}),
             json.dumps({"id": "bad-url", "text": text, "url": 42})]
    r = kapdir("classify", "--jsonl", data_dir=tmp_path, stdin="\n".join(lines) + "\n")
    assert r.returncode == 0, r.stderr
    out = {o["id"]: [c["program"] for c in o["certifications"]] for o in map(json.loads, r.stdout.splitlines())}
    assert out == {"own": [], "hers": ["polaris"], "bad-url": ["polaris"]}


def test_classify_jsonl_bad_line_is_reported_not_fatal(tmp_path):
    good = json.dumps({"id": "ok", "text": "IM ketamine injections in our office."})
    r = kapdir("classify", "--jsonl", data_dir=tmp_path, stdin="not json\n" + good + "\n{\"id\": 1}\n")
    assert r.returncode == 1
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == ["ok"]
    assert "line 1" in r.stderr and "line 3" in r.stderr and "Traceback" not in r.stderr
