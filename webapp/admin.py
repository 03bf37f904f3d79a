"""The admin area (`/admin/`): maintainers look things up and make the same decisions as `kapdir curate`.

The public site only reads the Whoosh index; this area opens the SQLite record store for each request,
because decisions must land in the system of record (where every recrawl re-applies them) and the audit
log, not in a derived index. Each action calls the same ``kapdir.curation`` function the CLI calls, with
``actor="web:<user>"``, through ``decide``, which then brings the index up to date (``curation.reindex``,
as the CLI does) so the public site agrees at once. Who may get here is ``webapp.auth``'s business: its
login, logout and guard are registered on this blueprint.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from kapdir import curation
from kapdir.errors import KapdirError
from kapdir.records import CURATABLE
from webapp import auth
from webapp import forms as wf
from webapp.auth import actor, store

bp = Blueprint("admin", __name__, url_prefix="/admin")
auth.register(bp)

# What a curation call raises when it says no. IntegrityError too: review's UNIQUE(kind, subject, status)
# refuses to close a re-opened duplicate pair that was closed once before.
REFUSED = (KapdirError, sqlite3.IntegrityError)


def index_dir() -> Path:
    return Path(current_app.config["INDEX_DIR"])


def reindex() -> None:
    """Bring the index the web app reads (INDEX_DIR, not necessarily DATA_DIR/index) up to date.

    The decision is already committed when this runs; if a crawl holds the index writer, saying so is
    better than reporting the action as failed — the next `kapdir index` or crawl applies it.
    """
    try:
        curation.reindex(store(), index_dir())
    except KapdirError as exc:
        current_app.logger.warning("admin: index update failed: %s", exc)
        flash(f"Saved, but the search index is not updated yet ({exc}). The next crawl or `kapdir index` "
              "applies it.", "warn")


def decide(fn):
    """Make one decision that changes records (a ``kapdir.curation`` call), then re-index: every admin action
    that changes what the public sees goes through here. A refusal (REFUSED) propagates before the index is
    touched, for the caller to show."""
    result = fn()
    reindex()
    return result


@bp.after_request
def _admin_headers(resp):
    resp.headers["Cache-Control"] = "no-store"
    # The site-wide policy is no-referrer, but Flask-WTF's HTTPS check refuses a POST without a same-origin
    # Referer; same-origin sends it to us and still to no one else.
    resp.headers["Referrer-Policy"] = "same-origin"
    return resp


@bp.errorhandler(503)
def _unavailable(_err):
    return render_template("error.html", code=503, message="the record store is not available"), 503


# -- dashboard, jobs, audit ---------------------------------------------------------------------------
@bp.get("/")
def dashboard():
    s = store()
    sources = s.job_sources()
    open_items = s.open_review_counts()
    hidden = s.count_hidden()
    index_seq = int(current_app.extensions["kapdir_index"].meta().get("seq", 0) or 0)
    return render_template(
        "admin/dashboard.html", published=s.count_records(), total=s.count_records(published_only=False),
        hidden=hidden, open_items=open_items, open_total=sum(open_items.values()),
        last_jobs=[s.last_job(src) for src in sources], store_seq=s.current_seq(), index_seq=index_seq)


@bp.get("/jobs")
def jobs():
    source = (request.args.get("source") or "").strip()[:100] or None
    return render_template("admin/jobs.html", jobs=store().jobs(source=source, limit=200), source=source)


@bp.get("/audit")
def audit():
    return render_template("admin/audit.html", entries=store().audit_log(limit=500))


@bp.app_template_filter("detail_json")
def detail_json(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


# -- records ------------------------------------------------------------------------------------------
@bp.get("/records")
def records():
    q = (request.args.get("q") or "").strip()[:200]
    s = store()
    if not q:
        return render_template("admin/records.html", q=q, rows=s.recent_record_rows(limit=50), recent=True)
    if s.has_record(q):
        return redirect(url_for("admin.record", rid=q))
    rows = s.find_record_rows(q, limit=100)
    return render_template("admin/records.html", q=q, rows=rows, recent=False)


def _record_page(rid: str, status: int = 200, error: str | None = None, **forms):
    s = store()
    state = s.record_state(rid)
    if state is None:
        abort(404)
    listings = s.listings(record_id=rid)
    lids = {li["id"] for li in listings}
    reviews = [it for it in s.review_items() if _review_records(it) & {rid} or set(
        it["detail"].get("listings") or []) & lids]
    entries = s.audit_for(rid, limit=50)
    curated = s.curation_for(rid)
    forms = {"hide": wf.HideForm(prefix="hide"), "set": wf.SetFieldForm(prefix="set"),
             "unset": wf.UnsetFieldForm(prefix="unset"), "merge": wf.MergeForm(prefix="merge"),
             "split": wf.SplitForm(prefix="split"), **forms}
    # Offer to unset only what is set; the POST still validates against every curatable field.
    forms["unset"].field.choices = [f for f in CURATABLE if f in curated] or list(CURATABLE)
    return render_template("admin/record.html", rid=rid, r=state["record"] or {},
                           published=state["published"], updated_at=state["updated_at"], listings=listings,
                           curation=curated, reviews=reviews, entries=entries, forms=forms,
                           error=error), status


def _review_records(item: dict) -> set[str]:
    if item["kind"] == "report":
        return {item["subject"].split(":")[0]}
    return set(duplicate_records(item))


def duplicate_records(item: dict) -> list[str]:
    """The records a possible-duplicate item is about *now*: its listings may have moved since it opened."""
    lids = item["detail"].get("listings") or item["subject"].split("|")
    out: list[str] = []
    for lid in lids:
        listing = store().listing(lid)
        if listing and listing["record_id"] and listing["record_id"] not in out:
            out.append(listing["record_id"])
    return out


@bp.get("/records/<rid>")
def record(rid: str):
    return _record_page(rid)


def _act(rid: str, fn, done: str, form_key: str, form, *, go_to: str | None = None):
    """Run one curation call; a refusal (KapdirError) is shown on the record page, never a 500."""
    try:
        result = decide(fn)
    except REFUSED as exc:
        return _record_page(rid, 400, error=str(exc), **{form_key: form})
    flash(done if not callable(done) else done(result), "ok")
    return redirect(url_for("admin.record", rid=go_to or rid), code=303)


@bp.post("/records/<rid>/hide")
def record_hide(rid: str):
    form = wf.HideForm(prefix="hide")
    if not form.validate_on_submit():
        return _record_page(rid, 400, hide=form)
    return _act(rid, lambda: curation.hide(store(), rid, actor=actor(), reason=form.reason.data.strip()),
                "Record hidden: it is off the public site.", "hide", form)


@bp.post("/records/<rid>/unhide")
def record_unhide(rid: str):
    return _act(rid, lambda: curation.unhide(store(), rid, actor=actor()),
                "Record unhidden: it is public again if a source still lists it.", "hide", wf.HideForm(prefix="hide"))


@bp.post("/records/<rid>/set")
def record_set(rid: str):
    form = wf.SetFieldForm(prefix="set")
    if not form.validate_on_submit():
        return _record_page(rid, 400, set=form)
    field = form.field.data
    return _act(rid, lambda: curation.set_field(store(), rid, field, form.value.data or "", actor=actor(),
                                                reason=(form.reason.data or "").strip()),
                f"{field} set; it overrides every source until unset.", "set", form)


@bp.post("/records/<rid>/unset")
def record_unset(rid: str):
    form = wf.UnsetFieldForm(prefix="unset")
    if not form.validate_on_submit():
        return _record_page(rid, 400, unset=form)
    field = form.field.data
    return _act(rid, lambda: curation.unset_field(store(), rid, field, actor=actor()),
                f"{field} unset; the sources' value shows again.", "unset", form)


@bp.post("/records/<rid>/merge")
def record_merge(rid: str):
    form = wf.MergeForm(prefix="merge")
    if not form.validate_on_submit():
        return _record_page(rid, 400, merge=form)
    others = [x for x in re.split(r"[\s,]+", form.others.data) if x and x != rid]
    if not others:
        return _record_page(rid, 400, error="Name at least one other record id.", merge=form)
    ids = [rid, *dict.fromkeys(others)]
    return _act(rid, lambda: curation.merge(store(), ids, actor=actor(), reason=(form.reason.data or "").strip()),
                f"Merged {', '.join(ids[1:])} into this record.", "merge", form)


@bp.post("/records/<rid>/split")
def record_split(rid: str):
    form = wf.SplitForm(prefix="split")
    if not form.validate_on_submit():
        return _record_page(rid, 400, split=form)
    return _act(rid, lambda: curation.split(store(), rid, actor=actor(), reason=(form.reason.data or "").strip()),
                lambda ids: "Split into " + ", ".join(ids) + ".", "split", form)


# -- suppressions -------------------------------------------------------------------------------------
def _suppressions_page(form=None, error: str | None = None, status: int = 200, lift: dict | None = None):
    rows = store().suppressions(include_lifted=True)
    in_force = [r for r in reversed(rows) if not r["lifted_at"]]
    lifted = sorted((r for r in rows if r["lifted_at"]), key=lambda r: (r["lifted_at"], r["id"]), reverse=True)
    forms = {r["id"]: (lift or {}).get(r["id"]) or wf.LiftSuppressionForm(prefix=f"l{r['id']}", formdata=None)
             for r in in_force}
    return render_template("admin/suppressions.html", form=form or wf.SuppressForm(), error=error, rows=in_force,
                           lifted=lifted, lift_forms=forms), status


@bp.route("/suppressions", methods=["GET", "POST"])
def suppressions():
    if request.method == "GET":
        return _suppressions_page()
    form = wf.SuppressForm()
    error = None
    if form.validate_on_submit():
        try:
            removed = decide(lambda: curation.suppress(store(), form.target.data, actor=actor(),
                                                       reason=form.reason.data))
        except REFUSED as exc:
            error = str(exc)
        else:
            flash(f"Suppressed '{form.target.data.strip()}': {removed} listing(s) removed; it will never be "
                  "stored again.", "ok")
            return redirect(url_for("admin.suppressions"), code=303)
    return _suppressions_page(form, error, 400)


@bp.post("/suppressions/<int:sid>/lift")
def suppression_lift(sid: int):
    """A suppression made by mistake ends here, with a reason; the next crawl may store the person again."""
    if store().suppression(sid) is None:
        abort(404)
    form = wf.LiftSuppressionForm(prefix=f"l{sid}")
    if not form.validate_on_submit():
        return _suppressions_page(status=400, lift={sid: form})
    try:
        row = curation.lift_suppression(store(), sid, actor=actor(), reason=form.reason.data)
    except REFUSED as exc:
        flash(str(exc), "error")
    else:
        flash(f"Lifted suppression {sid} ('{row['value']}'): the next crawl may store it again.", "ok")
    return redirect(url_for("admin.suppressions"), code=303)


# -- review queue -------------------------------------------------------------------------------------
def _open_item(item_id: int) -> dict:
    for item in store().review_items():
        if item["id"] == item_id:
            return item
    abort(404)


@bp.get("/review")
def review():
    s = store()
    items = []
    for it in s.review_items():
        recs = []
        if it["kind"] == "possible_duplicate":
            for rid in duplicate_records(it):
                state = s.record_state(rid)
                recs.append({"id": rid, "published": bool(state and state["published"]),
                             "name": state["record"].get("name") if state else None})
        items.append({**it, "records": recs, "record_id": it["subject"].split(":")[0],
                      "form": wf.CloseReviewForm(prefix=f"c{it['id']}")})
    closed = s.closed_review_items(limit=50)
    return render_template("admin/review.html", items=items, closed=closed)


@bp.post("/review/<int:item_id>/close")
def review_close(item_id: int):
    _open_item(item_id)
    form = wf.CloseReviewForm(prefix=f"c{item_id}")
    if not form.validate_on_submit():
        flash("Closing needs a resolution (up to 200 characters).", "error")
        return redirect(url_for("admin.review"), code=303)
    try:
        curation.close_review(store(), item_id, actor=actor(), resolution=form.resolution.data.strip())
    except REFUSED as exc:
        flash(str(exc), "error")
    else:
        flash(f"Review item {item_id} closed.", "ok")
    return redirect(url_for("admin.review"), code=303)


@bp.post("/review/<int:item_id>/merge")
def review_merge(item_id: int):
    """Merge the records a duplicate item names; the server works them out, the form carries no ids."""
    item = _open_item(item_id)
    rids = duplicate_records(item) if item["kind"] == "possible_duplicate" else []
    if len(rids) < 2:
        flash(f"Review item {item_id} is not about two records (any more); close it instead.", "error")
        return redirect(url_for("admin.review"), code=303)
    try:
        keep = decide(lambda: curation.merge(store(), rids, actor=actor(), reason=f"review item {item_id}"))
    except REFUSED as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.review"), code=303)
    flash(f"Merged {', '.join(rids[1:])} into {keep}.", "ok")
    return redirect(url_for("admin.record", rid=keep), code=303)
