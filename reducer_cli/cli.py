"""reducer-cli: optimize a folder, a URL list or a sitemap through any reducer.

Exit codes: 0 all done; 1 some files failed (the others are done); 2 bad usage; 3 server
unreachable (or still overloaded after the retries); 4 key refused; 5 no credits left;
130 stopped by Ctrl-C. The state file is kept in every case: run the same command again to resume.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import sys
import tempfile
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from .client import Client, Compressed, FileError, RunError, Stopped
from .files import BACKUP_NAME, Found, sibling_name, sniff, walk
from .report import FileResult, Reporter
from .state import STATE_NAME, Record, State

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_BAD_KEY, EXIT_NO_CREDITS = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED = 130
EXIT_FOR = {
    "unreachable": EXIT_UNREACHABLE,
    "server_error": EXIT_UNREACHABLE,
    "rate_limited": EXIT_UNREACHABLE,
    "bad_key": EXIT_BAD_KEY,
    "no_credits": EXIT_NO_CREDITS,
}
SIBLINGS = ("webp", "avif")
SHORTPIXEL_MODES = {"lossy": 1, "glossy": 2, "lossless": 0}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp", ".tif", ".tiff"}
SITEMAP_LIMIT = 50_000  # URLs per sitemap file, as the sitemap protocol caps them
# ShortPixel status codes a URL can fail with, as short reasons for the table.
SHORTPIXEL_REASONS = {
    -102: "invalid_url",
    -106: "url_inaccessible",
    -108: "origin_not_allowed",
    -201: "corrupt_image",
    -202: "unsupported_format",
    -203: "download_failed",
    -204: "download_timeout",
    -205: "image_too_big",
    -302: "result_expired",
    -303: "internal_error",
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.key:
        print("reducer-cli: no key: give --key or set REDUCER_KEY", file=sys.stderr)
        return EXIT_USAGE
    stop = threading.Event()
    client = Client(args.server, args.key, retries=args.retries, stop=stop)
    try:
        return args.run(args, client, stop)
    except RunError as error:
        print(f"reducer-cli: {error.message}", file=sys.stderr)
        return EXIT_FOR[error.reason]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reducer-cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    # Every command takes the connection and output options, after its name like the others.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--server", default=os.environ.get("REDUCER_SERVER", "http://127.0.0.1:8000"))
    common.add_argument("--key", default=os.environ.get("REDUCER_KEY", ""), help="API key (or REDUCER_KEY)")
    common.add_argument("--retries", type=int, default=5, help="tries again on 429, 502-504 and timeouts")
    common.add_argument("--json", action="store_true", help="one JSON line per file, then a summary line")
    common.add_argument("--quiet", "-q", action="store_true", help="no progress bar, no table")
    commands = parser.add_subparsers(dest="command", required=True)

    def work_options(command: argparse.ArgumentParser) -> None:
        command.add_argument("--mode", choices=SHORTPIXEL_MODES, default="lossy")
        command.add_argument("--webp", action="store_true", help="also write a WebP sibling")
        command.add_argument("--avif", action="store_true", help="also write an AVIF sibling")
        command.add_argument(
            "--sibling-name",
            choices=("append", "replace"),
            default="append",
            help="photo.jpg.webp (append, the default) or photo.webp (replace)",
        )
        command.add_argument("--max-width", type=_positive, help="fit inside this width, never enlarge")
        command.add_argument("--max-height", type=_positive, help="fit inside this height, never enlarge")
        command.add_argument("--keep-metadata", action="store_true", help="keep EXIF, ICC and XMP")
        command.add_argument("--jobs", "-j", type=_positive, help="parallel requests (default: from the rate limit)")
        command.add_argument("--state", type=Path, help=f"state file (default: {STATE_NAME} in the target)")

    optimize = commands.add_parser("optimize", parents=[common], help="optimize files and folders")
    optimize.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    work_options(optimize)
    optimize.add_argument("--out", type=Path, help="write results here, mirroring the tree (default: in place)")
    optimize.add_argument("--backup-dir", type=Path, help=f"in place: originals go here (default: PATH/{BACKUP_NAME})")
    optimize.add_argument("--no-backup", action="store_true", help="in place: keep no copy of the originals")
    optimize.add_argument("--include", action="append", default=[], help="glob of files to take (repeatable)")
    optimize.add_argument("--exclude", action="append", default=[], help="glob of files to leave (repeatable)")
    optimize.set_defaults(run=optimize_files)

    urls = commands.add_parser("urls", parents=[common], help="optimize the images of a URL list or a sitemap")
    urls.add_argument("source", metavar="FILE|SITEMAP_URL")
    work_options(urls)
    urls.add_argument("--out", type=Path, required=True, help="download results here (HOST/PATH)")
    urls.add_argument("--batch", type=_positive, default=50, help="URLs per request (the server allows 100)")
    urls.set_defaults(run=optimize_urls)

    status = commands.add_parser("status", parents=[common], help="credits and rate limit of the key")
    status.set_defaults(run=show_status)
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return int(text)


# --- status ------------------------------------------------------------------------------------


def show_status(args: argparse.Namespace, client: Client, stop: threading.Event) -> int:
    info, counters = client.info(), client.api_status()
    credits, rate = info["credits"], info["rate_limit"]
    status = {
        "server": client.server,
        "credits_remaining": credits["remaining"],
        "unlimited": credits["unlimited"],
        "credits_reset_at": credits["resets_at"],
        "monthly_used": counters.get("APICallsMade"),
        "monthly_quota": counters.get("APICallsQuota"),
        "onetime_used": counters.get("APICallsMadeOneTime"),
        "onetime_credits": counters.get("APICallsQuotaOneTime"),
        "rate_limit_per_minute": rate["limit"],
        "rate_limit_remaining": rate["remaining"],
        "default_jobs": default_jobs(info),
    }
    if args.json:
        print(json.dumps(status))
    else:
        width = max(map(len, status))
        for name, value in status.items():
            print(f"{name.replace('_', ' '):<{width}}  {'unlimited' if value is None else value}")
    return EXIT_OK


def default_jobs(info: dict) -> int:
    """Parallel requests that stay under the key's rate limit: a request takes a second or more,
    so a limit of N a minute keeps N/30 jobs busy (at least one, at most eight)."""
    return max(1, min(8, int(info["rate_limit"]["limit"]) // 30))


def _charged(client: Client) -> int:
    counters = client.api_status()
    return int(counters.get("APICallsMade") or 0) + int(counters.get("APICallsMadeOneTime") or 0)


# --- running work in parallel, stopping on Ctrl-C ----------------------------------------------


class Run:
    """A pool of jobs over a list of work, a first Ctrl-C that lets the work in flight finish,
    and the first run-wide error (bad key, no credits, unreachable) that stops the rest."""

    def __init__(self, stop: threading.Event, reporter: Reporter) -> None:
        self.stop = stop
        self.reporter = reporter
        self.fatal: RunError | None = None
        self.interrupted = False

    def _interrupt(self, signum: int, frame: object) -> None:
        self.interrupted = True
        self.stop.set()
        # A second Ctrl-C is the default one: stop at once.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if not self.reporter.quiet:
            self.reporter.console.print("stopping after the work in flight (Ctrl-C again to abort)")

    def each(self, work: Iterable, jobs: int, handle: Callable[[object], FileResult | None]) -> None:
        previous = signal.signal(signal.SIGINT, self._interrupt)
        pending = iter(work)
        lock = threading.Lock()

        def job() -> None:
            while not self.stop.is_set():
                with lock:
                    unit = next(pending, None)
                if unit is None:
                    return
                try:
                    result = handle(unit)
                except Stopped:
                    return
                except RunError as error:
                    self.fatal = self.fatal or error
                    self.stop.set()
                    return
                if result is not None:
                    self.reporter.file(result)

        threads = [threading.Thread(target=job, daemon=True) for _ in range(jobs)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                # join with a timeout, so the main thread keeps taking signals
                while thread.is_alive():
                    thread.join(0.2)
        finally:
            signal.signal(signal.SIGINT, previous)

    def exit_code(self, failed: int) -> int:
        if self.fatal is not None:
            return EXIT_FOR[self.fatal.reason]
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILURES if failed else EXIT_OK


def _finish(args: argparse.Namespace, client: Client, run: Run, reporter: Reporter, charged_before: int) -> int:
    reporter.close()
    try:
        used: int | None = _charged(client) - charged_before
    except RunError:
        used = None
    summary = reporter.summary(None if used is None or used < 0 else used, dict(client.retried), run.interrupted)
    if args.json:
        print(json.dumps({"summary": summary}))
    reporter.table(summary)
    if run.fatal is not None:
        print(f"reducer-cli: {run.fatal.message}", file=sys.stderr)
    return run.exit_code(summary["failed"])


def _outputs(args: argparse.Namespace) -> list[str]:
    return ["main", *(fmt for fmt in SIBLINGS if getattr(args, fmt))]


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Atomically: a reader (or a crash) never sees half a file. ``mode``: the source's, so a
    replaced file keeps its permissions (the temporary file starts private)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- optimize: files and folders ---------------------------------------------------------------


def optimize_files(args: argparse.Namespace, client: Client, stop: threading.Event) -> int:
    for path in args.paths:
        if not path.exists():
            print(f"reducer-cli: {path}: no such file or folder", file=sys.stderr)
            return EXIT_USAGE
    first = args.paths[0].resolve()
    target = args.out.resolve() if args.out else (first if first.is_dir() else first.parent)
    backup = None if args.out or args.no_backup else (args.backup_dir or target / BACKUP_NAME).resolve()
    state = State((args.state or target / STATE_NAME).resolve())
    try:
        info = client.info()
        charged_before = _charged(client)
        skip = {state.path.with_name(state.path.name + suffix) for suffix in ("", "-wal", "-shm")}
        skip |= {Path(written) for written in state.siblings_written()}
        skip |= {folder for folder in (args.out and target, backup) if folder}
        found = list(walk(args.paths, args.include, args.exclude, skip))
        reporter = Reporter(quiet=args.quiet, as_json=args.json)
        run = Run(stop, reporter)
        optimizer = _FileOptimizer(args, client, state, target if args.out else None, backup)
        reporter.start(len(found))
        run.each(found, args.jobs or default_jobs(info), optimizer.file)
        return _finish(args, client, run, reporter, charged_before)
    finally:
        state.close()


class _FileOptimizer:
    """Sends one file for each output it still needs and writes what comes back."""

    def __init__(self, args: argparse.Namespace, client: Client, state: State, out: Path | None, backup: Path | None):
        self.client = client
        self.state = state
        self.out = out
        self.backup = backup
        self.outputs = _outputs(args)
        self.sibling_style = args.sibling_name
        self.common = {"mode": args.mode, "metadata": "all" if args.keep_metadata else "none"}
        for name in ("max_width", "max_height"):
            if getattr(args, name):
                self.common[name] = getattr(args, name)

    def options(self, output: str) -> dict:
        return {**self.common, "output": "original" if output == "main" else output}

    def file(self, found: Found) -> FileResult | None:
        try:
            data = found.path.read_bytes()
        except OSError as error:
            return FileResult(found.rel, "skipped", f"unreadable: {error.strerror or error}")
        if sniff(data[:32]) is None:
            return FileResult(found.rel, "skipped", "not an image")
        source_sha = _sha256(data)
        todo = [out for out in self.outputs if not self.state.done(found.rel, out, source_sha, self.options(out))]
        if not todo:
            return FileResult(found.rel, "done", bytes_before=len(data), bytes_after=len(data))
        result = FileResult(found.rel, "unchanged", bytes_before=len(data), bytes_after=len(data))
        on_disk = source_sha  # in place, the hash of the file as this run leaves it
        for output in todo:
            options = self.options(output)
            try:
                failed_at = self.state.failed_at(found.rel, output, source_sha)
                retry_of = f"failed at {failed_at}" if failed_at is not None else ""
                compressed = self.client.compress(data, found.path.name, options, retry_of)
            except FileError as error:
                self.state.save(Record(found.rel, output, source_sha, options, "failed", error.code, on_disk))
                result.outcome, result.reason = "failed", result.reason or error.code
                continue
            written = self._place(found, output, data, compressed)
            if output == "main":
                result.bytes_after = len(compressed.data) if written else len(data)
                if written and not self.out:
                    on_disk = _sha256(compressed.data)
            if written:
                result.outputs[output] = str(written)
                if result.outcome != "failed":
                    result.outcome = "optimized"
            record = Record(
                found.rel,
                output,
                source_sha,
                options,
                "optimized" if written else "unchanged",
                result_sha256=on_disk,
                written=str(written or ""),
                bytes_before=len(data),
                bytes_after=len(compressed.data),
            )
            self.state.save(record)
        return result

    def _place(self, found: Found, output: str, data: bytes, compressed: Compressed) -> Path | None:
        """Write a result where it belongs; None when it is not worth keeping (not smaller, or the
        server could not make the asked format smaller than the source)."""
        smaller = len(compressed.data) < len(data)
        mode = found.path.stat().st_mode & 0o777
        root = self.out or found.root
        rel = found.rel if self.out else found.path.relative_to(found.root).as_posix()
        if output != "main":
            if not smaller or compressed.format != output:
                return None
            path = root / sibling_name(rel, output, self.sibling_style)
            _write(path, compressed.data, mode)
            return path
        if self.out:
            # The mirrored tree is complete: a file with nothing smaller is copied as it is.
            _write(root / rel, compressed.data if smaller else data, mode)
            return root / rel if smaller else None
        if not smaller:
            return None
        if self.backup is not None:
            kept = self.backup / found.rel
            if not kept.exists():  # the first original is the one worth keeping
                _write(kept, data, mode)
        _write(found.path, compressed.data, mode)
        return found.path


# --- urls: a URL list or a sitemap -------------------------------------------------------------


def optimize_urls(args: argparse.Namespace, client: Client, stop: threading.Event) -> int:
    urls = read_url_source(args.source, client)
    out = args.out.resolve()
    state = State((args.state or out / STATE_NAME).resolve())
    options = {"lossy": SHORTPIXEL_MODES[args.mode], "keep_exif": int(args.keep_metadata)}
    conversions = [f"+{fmt}" for fmt in SIBLINGS if getattr(args, fmt)]
    if conversions:
        options["convertto"] = "|".join(conversions)
    if args.max_width or args.max_height:
        options.update(resize=3, resize_width=args.max_width or 0, resize_height=args.max_height or 0)
    try:
        info = client.info()
        charged_before = _charged(client)
        reporter = Reporter(quiet=args.quiet, as_json=args.json)
        run = Run(stop, reporter)
        todo = []
        for url in dict.fromkeys(urls):
            if state.done(url, "main", "", options):
                reporter.file(FileResult(url, "done"))
            else:
                todo.append(url)
        reporter.start(len(todo))
        batches = [todo[start : start + args.batch] for start in range(0, len(todo), args.batch)]
        downloads = ThreadPoolExecutor(max_workers=args.jobs or default_jobs(info))

        def batch(urls: list[str]) -> None:
            # A submitted batch is in flight: it is polled to the end even after a Ctrl-C.
            pending = urls
            while pending:
                answers = client.reducer(pending, options)
                still = []
                for url, answer in zip(pending, answers, strict=True):
                    if int(answer["Status"]["Code"]) == 1:
                        still.append(url)
                    else:
                        downloads.submit(_save_url, client, state, reporter, out, url, answer, options, args)
                pending = still

        try:
            run.each(batches, 1, batch)
        finally:
            downloads.shutdown(wait=True)
        return _finish(args, client, run, reporter, charged_before)
    finally:
        state.close()


def _save_url(
    client: Client,
    state: State,
    reporter: Reporter,
    out: Path,
    url: str,
    answer: dict,
    options: dict,
    args: argparse.Namespace,
) -> None:
    code = int(answer["Status"]["Code"])
    if code != 2:
        reason = SHORTPIXEL_REASONS.get(code, f"status {code}")
        state.save(Record(url, "main", "", options, "failed", reason))
        reporter.file(FileResult(url, "failed", reason))
        return
    lossless = options["lossy"] == 0
    before = int(answer.get("OriginalSize") or 0)
    rel = url_path(url)
    result = FileResult(url, "unchanged", bytes_before=before, bytes_after=before)
    try:
        main_url = answer["LosslessURL" if lossless else "LossyURL"]
        if main_url != answer["OriginalURL"]:
            data = client.download(main_url)
            if len(data) < before:
                _write(out / rel, data)
                result.outcome, result.bytes_after, result.outputs["main"] = "optimized", len(data), str(out / rel)
        for fmt in SIBLINGS:
            slot = answer.get(f"{'WebP' if fmt == 'webp' else 'AVIF'}{'Lossless' if lossless else 'Lossy'}URL")
            if getattr(args, fmt) and slot and slot not in ("NA", "NC"):
                data = client.download(slot)
                if len(data) < before:  # a sibling larger than the original is not worth serving
                    path = out / sibling_name(rel, fmt, args.sibling_name)
                    _write(path, data)
                    result.outputs[fmt] = str(path)
                    result.outcome = "optimized"
    except FileError as error:
        state.save(Record(url, "main", "", options, "failed", error.code))
        reporter.file(FileResult(url, "failed", error.code, bytes_before=before))
        return
    except RunError as error:  # not recorded: the next run tries it again
        reporter.file(FileResult(url, "failed", error.reason, bytes_before=before))
        return
    state.save(
        Record(
            url,
            "main",
            "",
            options,
            result.outcome,
            written=result.outputs.get("main", ""),
            bytes_before=before,
            bytes_after=result.bytes_after,
        )
    )
    reporter.file(result)


def url_path(url: str) -> str:
    """Where a URL's result goes below --out: HOST/PATH, without any '..' or empty segment."""
    parts = urlsplit(url)
    segments = [segment for segment in PurePosixPath(parts.path).parts[1:] if segment not in ("..", ".")]
    host = (parts.hostname or "unknown") + (f"_{parts.port}" if parts.port else "")
    return "/".join([host, *(segments or ["index"])])


def read_url_source(source: str, client: Client) -> list[str]:
    """URLs from a file (one per line, # comments) or a sitemap, local or at a URL; sitemap
    indexes are followed, and image sitemaps give their images."""
    remote = source.startswith(("http://", "https://"))
    text = client.download(source).decode("utf-8", "replace") if remote else Path(source).read_text()
    if text.lstrip().startswith("<"):
        return _sitemap(text, client, depth=0)
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _sitemap(text: str, client: Client, depth: int) -> list[str]:
    root = ElementTree.fromstring(text)
    found: list[str] = []
    if _local(root.tag) == "sitemapindex":
        for child in root:
            location = _child_text(child, "loc")
            if location and depth < 3:  # an index of indexes, at most; never a loop
                found += _sitemap(client.download(location).decode("utf-8", "replace"), client, depth + 1)
        return found
    for entry in root:
        images = [_child_text(image, "loc") for image in entry if _local(image.tag) == "image"]
        found += [image for image in images if image]
        location = _child_text(entry, "loc")
        # A page's <loc> is a page, not an image; image files listed directly are kept.
        if location and PurePosixPath(urlsplit(location).path).suffix.lower() in IMAGE_SUFFIXES:
            found.append(location)
    return found[:SITEMAP_LIMIT]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: ElementTree.Element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name and child.text:
            return child.text.strip()
    return ""
