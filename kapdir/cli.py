"""The `kapdir` command line. Every user-fixable problem is one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from kapdir import __version__
from kapdir.config import Paths, resolve
from kapdir.errors import KapdirError


def _store(paths: Paths, *, create: bool = False):
    from kapdir.store import Store

    if not paths.db.exists() and not create:
        raise KapdirError(f"no record store at {paths.db}: run `kapdir crawl` first")
    if create:
        paths.ensure()
    return Store(paths.db)


def cmd_crawl(args, paths: Paths) -> int:
    from kapdir import crawl

    sources = crawl.select_sources(paths, args.names, all_=args.all, due=args.due)
    if not sources:
        print("nothing to crawl" + (" (no source is due)" if args.due else ""))
        return 0
    sources, locks, notes = crawl.acquire_locks(paths, sources, skip_locked=args.all or args.due)
    for note in notes:
        print(note)
    try:
        jobs = crawl.run(paths, sources, log_level=args.log_level) if sources else []
    finally:
        for lock in locks:
            lock.release()
    for job in jobs:
        print(crawl.summary_line(job))
    bad = [j for j in jobs if j["status"] not in ("ok", "partial")]
    for j in bad:
        why = (j.get("stats") or {}).get("suspect_reason")
        print(f"kapdir: crawl of {j['source']} {j['status']}" + (f": {why}" if why else ""), file=sys.stderr)
    return 1 if bad else 0


def cmd_ingest(args, paths: Paths) -> int:
    """Apply feeds of crawls run elsewhere (KAPDIR_OUTPUT=feed), one job each, like `kapdir crawl`."""
    from kapdir import crawl
    from kapdir.ingest import ingest

    bad = 0
    for location in args.feeds:
        job = ingest(paths, location)
        print(crawl.summary_line(job))
        if job["status"] not in ("ok", "partial"):
            why = (job.get("stats") or {}).get("suspect_reason")
            print(f"kapdir: ingest of {job['source']} {job['status']}" + (f": {why}" if why else ""), file=sys.stderr)
            bad += 1
    return 1 if bad else 0


def cmd_index(args, paths: Paths) -> int:
    from index.build import update_index

    with _store(paths) as store:
        res = update_index(store, paths.index_dir, rebuild=args.rebuild)
    verb = "rebuilt" if res["rebuilt"] else "updated"
    print(f"index {verb}: {res['documents']} documents ({res['added_or_updated']} added or updated, "
          f"{res['removed']} removed) in {res['seconds']}s")
    return 0


def cmd_export(args, paths: Paths) -> int:
    from kapdir.export import write_csv
    from kapdir.records import public

    with _store(paths) as store:
        records = (public(r) for r in store.records(published_only=True))
        if args.format == "csv":
            write_csv(records, sys.stdout)
        else:
            for r in records:
                sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
    return 0


def cmd_serve(args, paths: Paths) -> int:
    import os

    from kapdir.workers import default_workers

    if args.workers is None:
        args.workers = 1 if args.debug else default_workers()
    for name in ("threads", "workers"):
        if not 1 <= getattr(args, name) <= 64:
            print(f"kapdir serve: --{name} must be between 1 and 64", file=sys.stderr)
            return 2

    os.environ["KAPDIR_DATA_DIR"] = str(paths.data_dir)
    from webapp import create_app

    app = create_app({"DATA_DIR": str(paths.data_dir), "INDEX_DIR": str(paths.index_dir)})
    index = app.extensions["kapdir_index"]
    if args.debug:
        print(f"kapdir: serving http://{args.host}:{args.port}/ (Flask's debug server; Ctrl-C to stop)", flush=True)
        index.start_warming()
        app.run(host=args.host, port=args.port, debug=True, use_reloader=False)
    elif args.workers > 1:
        from kapdir.workers import serve_workers

        print(f"kapdir: serving http://{args.host}:{args.port}/ with {args.workers} processes (Ctrl-C to stop)",
              flush=True)
        serve_workers(app, host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    else:
        from waitress import serve

        print(f"kapdir: serving http://{args.host}:{args.port}/ with 1 process (Ctrl-C to stop)", flush=True)
        index.start_warming()
        # Waitress drops X-Forwarded-* headers unless told to trust them; with KAPDIR_PROXY_FIX the app's
        # ProxyFix reads them (one proxy), so they must reach it, or every client is the proxy's address.
        serve(app, host=args.host, port=args.port, threads=args.threads, ident="kapdir",
              clear_untrusted_proxy_headers=not app.extensions.get("kapdir_proxy_fix"))
    return 0


def cmd_demo(args, paths: Paths) -> int:
    from kapdir.demo import run_demo

    return run_demo(paths, port=args.port, host=args.host, open_browser=False)


def cmd_sources(args, paths: Paths) -> int:
    from kapdir.sources import list_source_files, load_source, parse_source
    from kapdir.store import Store

    if args.sources_cmd == "list":
        files = list_source_files(paths.sources_dir)
        store = Store(paths.db, readonly=True) if paths.db.exists() else None
        rows = []
        for f in files:
            try:
                s = parse_source(f)
                state = "enabled" if s.enabled else "disabled"
                name, kind, schedule = s.name, s.kind, s.schedule
            except KapdirError as exc:
                name, kind, schedule, state = f.stem, "?", "?", f"INVALID: {exc}"
            job = store.last_job(name) if store else None
            last = (f"{job['status']} {job['started_at']} items={job['stats'].get('items', 0)} "
                    f"errors={sum((job['stats'].get('errors') or {}).values())}") if job else "never crawled"
            rows.append((name, kind, schedule, state, last))
        if args.json:
            print(json.dumps([dict(zip(("name", "kind", "schedule", "state", "last_crawl"), r, strict=True))
                              for r in rows], indent=1))
        else:
            for r in rows:
                print("  ".join([r[0].ljust(18), r[1].ljust(9), r[2].ljust(8), r[3], "|", r[4]]))
        return 0
    if args.sources_cmd == "add":
        from kapdir.probe import add_source

        path = add_source(paths.sources_dir, args.name, args.url, title=args.title or "", force=args.force)
        print(path.read_text(encoding="utf-8"), end="")
        print(f"wrote {path}: review it, then `kapdir sources check {args.name}`", file=sys.stderr)
        return 0
    if args.sources_cmd == "check":
        from kapdir.check import check_source

        src = load_source(paths.sources_dir, args.name)
        return check_source(paths, src, pages=args.pages)
    raise KapdirError("usage: kapdir sources list | add NAME URL | check NAME")


def cmd_classify(args, paths: Paths) -> int:
    from kapdir.reading import classify

    if not args.jsonl:
        print(json.dumps(classify(sys.stdin.read()), ensure_ascii=False))
        return 0
    status = 0
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            text = obj["text"]
            if not isinstance(text, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            print(f"kapdir: error: line {n}: expected a JSON object with a string \"text\"", file=sys.stderr)
            status = 1
            continue
        # a line may carry its page's address ("url"), as the crawler gives it: a programme's own site claims nothing
        url = obj.get("url") if isinstance(obj.get("url"), str) else ""
        print(json.dumps({**classify(text, url=url), "id": obj.get("id")}, ensure_ascii=False), flush=False)
    return status


def _actor(args) -> str:
    import getpass

    return args.actor or f"cli:{getpass.getuser()}"


def cmd_curate(args, paths: Paths) -> int:
    from kapdir import curation

    with _store(paths) as store:
        kw = {"actor": _actor(args)}
        done = f"{args.curate_cmd}: done"
        if args.curate_cmd == "hide":
            curation.hide(store, args.id, reason=args.reason or "", **kw)
        elif args.curate_cmd == "unhide":
            curation.unhide(store, args.id, **kw)
        elif args.curate_cmd == "set":
            curation.set_field(store, args.id, args.field, args.value, reason=args.reason or "", **kw)
        elif args.curate_cmd == "unset":
            curation.unset_field(store, args.id, args.field, **kw)
        elif args.curate_cmd == "merge":
            done = "merged into " + curation.merge(store, args.ids, reason=args.reason or "", **kw)
        elif args.curate_cmd == "split":
            done = "split into " + ", ".join(curation.split(store, args.id, reason=args.reason or "", **kw))
        curation.reindex(store, paths.index_dir)
    print(done)
    return 0


def cmd_suppress(args, paths: Paths) -> int:
    from kapdir import curation

    with _store(paths, create=True) as store:
        if args.suppress_cmd == "add":
            n = curation.suppress(store, args.target, actor=_actor(args), reason=args.reason or "")
            curation.reindex(store, paths.index_dir)
            print(f"suppressed '{args.target}': {n} listing(s) removed; it will never be stored again")
        elif args.suppress_cmd == "lift":
            row = curation.lift_suppression(store, args.id, actor=_actor(args), reason=args.reason)
            print(f"lifted suppression {args.id} ('{row['value']}'): the next crawl may store it again")
        else:
            rows = store.suppressions(include_lifted=args.all)
            if args.json:
                print(json.dumps(rows, indent=1))
            elif not rows:
                print("no suppression" + ("" if args.all else " in force"))
            for r in rows if not args.json else []:
                line = f"{r['id']:>4}  {r['kind']:<4}  {r['value']}  — {r['reason']} ({r['actor']}, {r['at']})"
                if r["lifted_at"]:
                    line += f"  [lifted {r['lifted_at']} by {r['lifted_by']}: {r['lift_reason']}]"
                print(line)
    return 0


def cmd_review(args, paths: Paths) -> int:
    from kapdir import curation

    with _store(paths, create=True) as store:
        if args.review_cmd == "close":
            curation.close_review(store, args.item, actor=_actor(args), resolution=args.resolution)
            print(f"review item {args.item} closed: {args.resolution}")
            return 0
        items = store.review_items()
    if args.json:
        print(json.dumps(items, indent=1))
        return 0
    if not items:
        print("review queue is empty")
    for it in items:
        d = it["detail"]
        what = (f"possible duplicate: {d.get('name')} ({d.get('city')}) — {d.get('why')}; records {d.get('records')}"
                if it["kind"] == "possible_duplicate" else f"report on {it['subject'].split(':')[0]}: {d.get('message')}")
        print(f"{it['id']:>4}  {it['created_at']}  {what}")
    return 0


def cmd_jobs(args, paths: Paths) -> int:
    with _store(paths, create=True) as store:
        jobs = store.jobs(source=args.source, limit=args.limit)
    if args.json:
        print(json.dumps(jobs, indent=1))
        return 0
    from kapdir.crawl import summary_line

    for j in jobs:
        print(f"{j['id']:>5}  {j['started_at']}  {j['ended_at'] or '(running)':<20}  {summary_line(j)}")
    return 0


def cmd_admin(args, paths: Paths) -> int:
    import getpass

    from werkzeug.security import generate_password_hash

    password = args.password or os.environ.get("KAPDIR_ADMIN_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("password: ")
    if len(password) < 10:
        raise KapdirError("the password must be at least 10 characters")
    with _store(paths, create=True) as store:
        with store.tx() as c:
            # A new password ends every session opened with the old one (the admin checks session_gen).
            exists = store.save_user(c, args.username, generate_password_hash(password))
            store.audit(c, f"cli:{getpass.getuser()}", "user-update" if exists else "user-create", args.username)
    print(f"admin user '{args.username}' {'updated' if exists else 'created'}")
    return 0


def cmd_backup(args, paths: Paths) -> int:
    from kapdir.backup import backup

    res = backup(paths, args.dest)
    print(f"backup in {args.dest}: store ({res['published_records']} published records, integrity "
          f"{res['integrity']}), {res['index_files']} index files")
    return 0 if res["integrity"] == "ok" else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kapdir", description="A directory of ketamine-assisted therapy practitioners.")
    p.add_argument("--version", action="version", version=f"kapdir {__version__}")
    p.add_argument("--data-dir", help="record store, index, job history, logs (env KAPDIR_DATA_DIR; default ./var)")
    p.add_argument("--sources", help="source files folder (env KAPDIR_SOURCES; default: the project's sources/)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    c = sub.add_parser("crawl", help="crawl sources into the record store, then update the index")
    c.add_argument("names", nargs="*", metavar="NAME")
    c.add_argument("--all", action="store_true", help="every enabled source")
    c.add_argument("--due", action="store_true", help="enabled sources whose schedule has elapsed")
    c.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    c.set_defaults(func=cmd_crawl)

    g = sub.add_parser("ingest", help="apply the feed of a crawl run on another machine (file, URL or -)")
    g.add_argument("feeds", nargs="+", metavar="FEED", help="a JSON-lines feed: path, http(s) URL or - for stdin")
    g.set_defaults(func=cmd_ingest)

    i = sub.add_parser("index", help="bring the search index up to date with the record store")
    i.add_argument("--rebuild", action="store_true", help="rebuild from scratch")
    i.set_defaults(func=cmd_index)

    e = sub.add_parser("export", help="every published record to stdout")
    e.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    e.set_defaults(func=cmd_export)

    s = sub.add_parser("serve", help="the web site and JSON API")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--threads", type=int, default=4, help="each thread keeps its own index searcher (memory)")
    s.add_argument("--workers", type=int, default=None,
                   help="processes (default: one per core this process may use, at most 8); above 1, gunicorn "
                        "runs them; 1 = one waitress process (searches use the CPU: one process per core)")
    s.add_argument("--debug", action="store_true",
                   help="Flask's development server, one process (never in production)")
    s.set_defaults(func=cmd_serve)

    d = sub.add_parser("demo", help="serve the bundled sample sites, crawl them, index, and serve the site")
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--port", type=int, default=8000)
    d.set_defaults(func=cmd_demo)

    so = sub.add_parser("sources", help="list or check source files")
    ssub = so.add_subparsers(dest="sources_cmd", required=True, metavar="SUBCOMMAND")
    sl = ssub.add_parser("list", help="each source with its state and last crawl")
    sl.add_argument("--json", action="store_true")
    sa = ssub.add_parser("add", help="probe a site and write a starting source file for review")
    sa.add_argument("name")
    sa.add_argument("url")
    sa.add_argument("--title")
    sa.add_argument("--force", action="store_true", help="overwrite an existing file")
    sc = ssub.add_parser("check", help="validate a source file and dry-run it on a few pages")
    sc.add_argument("name")
    sc.add_argument("--pages", type=int, default=5)
    so.set_defaults(func=cmd_sources)

    cu = sub.add_parser("curate", help="maintainers' corrections (survive every recrawl)")
    cu.add_argument("--actor", help="who is acting (default cli:$USER), for the audit log")
    csub = cu.add_subparsers(dest="curate_cmd", required=True, metavar="ACTION")
    x = csub.add_parser("hide", help="unpublish a record")
    x.add_argument("id")
    x.add_argument("--reason", required=True)
    x = csub.add_parser("unhide", help="publish a hidden record again")
    x.add_argument("id")
    x = csub.add_parser("set", help="override one field, e.g. phone, city, routes iv:in_clinic,oral:at_home")
    x.add_argument("id")
    x.add_argument("field")
    x.add_argument("value")
    x.add_argument("--reason", default="")
    x = csub.add_parser("unset", help="drop an override; the sources' value shows again")
    x.add_argument("id")
    x.add_argument("field")
    x = csub.add_parser("merge", help="merge records into the first one")
    x.add_argument("ids", nargs="+")
    x.add_argument("--reason", default="")
    x = csub.add_parser("split", help="give every listing of a record its own record")
    x.add_argument("id")
    x.add_argument("--reason", default="")
    cu.set_defaults(func=cmd_curate)

    su = sub.add_parser("suppress", help="removal requests: keep a person out of the store forever")
    su.add_argument("--actor")
    ssub2 = su.add_subparsers(dest="suppress_cmd", required=True, metavar="ACTION")
    x = ssub2.add_parser("add", help="suppress a name or a URL")
    x.add_argument("target", metavar="NAME_OR_URL")
    x.add_argument("--reason", required=True)
    x = ssub2.add_parser("list", help="the suppressions in force (with --all, the lifted ones too)")
    x.add_argument("--all", action="store_true", help="include lifted suppressions, with who lifted them and why")
    x.add_argument("--json", action="store_true")
    x = ssub2.add_parser("lift", help="end a suppression made by mistake (audited; the next crawl may store "
                                      "the person again)")
    x.add_argument("id", type=int, metavar="ID", help="its number in `suppress list`")
    x.add_argument("--reason", required=True)
    su.set_defaults(func=cmd_suppress)

    rv = sub.add_parser("review", help="the review queue: possible duplicates and visitors' reports")
    rv.add_argument("--json", action="store_true")
    rv.add_argument("--actor")
    rsub = rv.add_subparsers(dest="review_cmd", metavar="ACTION")
    x = rsub.add_parser("close", help="close an item")
    x.add_argument("item", type=int)
    x.add_argument("--resolution", default="dismissed")
    rv.set_defaults(func=cmd_review, review_cmd=None)

    jb = sub.add_parser("jobs", help="crawl job history")
    jb.add_argument("--json", action="store_true")
    jb.add_argument("--source")
    jb.add_argument("--limit", type=int, default=50)
    jb.set_defaults(func=cmd_jobs)

    ad = sub.add_parser("admin", help="admin area users")
    asub = ad.add_subparsers(dest="admin_cmd", required=True, metavar="ACTION")
    x = asub.add_parser("create-user", help="create (or reset) an admin user; password from stdin or prompt")
    x.add_argument("username")
    x.add_argument("--password", help=argparse.SUPPRESS)
    ad.set_defaults(func=cmd_admin)

    bk = sub.add_parser("backup", help="a consistent snapshot of the store (and index) while everything runs")
    bk.add_argument("dest", type=Path)
    bk.set_defaults(func=cmd_backup)

    cl = sub.add_parser("classify", help="print the extraction verdict for text on stdin")
    cl.add_argument("--jsonl", action="store_true", help='each input line is {"id":..,"text":..}')
    cl.set_defaults(func=cmd_classify)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        paths = resolve(args.data_dir, args.sources)
        return int(args.func(args, paths) or 0)
    except KapdirError as exc:
        print(f"kapdir: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("kapdir: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
