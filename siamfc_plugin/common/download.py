"""One file over HTTP(S), with the standard library only (urllib): a progress bar, the resume of a partial file (an
HTTP Range request), a timeout and retries, and every answer that is not the file told apart from it (an error
status, an HTML page, a transfer cut short). Google Drive answers a file it "can't scan for viruses" with a page
that asks for confirmation; that page's form (or, on older pages, its link or cookie) is followed as a browser
would. `siamfc weights get` (commands/weights_cli.py) downloads the published SiamFC nets with it.
"""
from __future__ import annotations

import errno
import http.client
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from typing import TextIO

from .errors import SiamFCError

CHUNK = 1 << 16
HTML_LIMIT = 1 << 20  # an HTML answer is read this far, for a confirmation form or a title to report
CONFIRMATIONS = 3  # confirmation pages followed in a row before giving up (a page that keeps asking)


class DownloadError(SiamFCError):
    """The file could not be fetched: the message names the URL and why."""


class Unreachable(DownloadError):
    """No answer at all: no network, the host unknown or refusing connections (offline)."""


@dataclass
class Fetched:
    url: str  # the address the file finally came from (after redirects and confirmation pages)
    size: int
    resumed_from: int  # bytes the partial file held when the transfer that completed it started (0: none)
    attempts: int


class _Page(HTMLParser):
    """The forms (action, inputs), links and title of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self.links: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((attrs.get("action", ""), []))
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1][1].append((attrs["name"], attrs.get("value", "")))
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def confirmation_url(html: str, page_url: str, cookies: CookieJar | None = None) -> str | None:
    """Where Google Drive's "download anyway" leads from this page: its form with a `confirm` input (current
    pages), a link carrying `confirm=` (older ones), or the `download_warning` cookie's token added to the page's
    own address (older still); None for any other page."""
    page = _Page()
    page.feed(html)
    for action, inputs in page.forms:
        if any(name == "confirm" for name, _ in inputs):
            target = urllib.parse.urljoin(page_url, unescape(action) or page_url)
            return target + ("&" if "?" in target else "?") + urllib.parse.urlencode(inputs)
    for href in page.links:
        href = unescape(href)
        if re.search(r"[?&]confirm=", href):
            return urllib.parse.urljoin(page_url, href)
    for cookie in cookies or ():
        if cookie.name.startswith("download_warning"):
            parts = urllib.parse.urlsplit(page_url)
            query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "confirm"]
            return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query + [("confirm",
                                                                                                  cookie.value)])))
    return None


def page_title(html: str) -> str:
    page = _Page()
    page.feed(html)
    return " ".join(page.title.split())[:80]


def _unreachable(exc: BaseException) -> bool:
    """No connection could be made at all (as opposed to one that broke or an answer that was wrong)."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, socket.gaierror):
        return True
    return isinstance(reason, OSError) and reason.errno in (errno.ECONNREFUSED, errno.ENETUNREACH,
                                                            errno.EHOSTUNREACH, errno.ENETDOWN)


def _content_range(value: str | None) -> tuple[int, int | None] | None:
    """(first byte, total or None) of a Content-Range header."""
    match = re.match(r"bytes\s+(\d+)-\d+/(\d+|\*)", value or "")
    if not match:
        return None
    return int(match.group(1)), None if match.group(2) == "*" else int(match.group(2))


def download(url: str, part: str, timeout: float = 30.0, retries: int = 3, retry_wait: float = 1.0,
             progress: TextIO | None = None, user_agent: str = "siamfc-plugin") -> Fetched:
    """Fetch `url` into the file `part`, continuing what `part` already holds where the server takes a Range.

    Each attempt has `timeout` seconds per read; an attempt that fails for a reason that may pass (a connection
    refused or lost, a transfer cut short, a 5xx, 408 or 429 status) is followed by up to `retries` more, `retry_wait`
    s, 2x, 4x ... apart, each resuming the partial file. A 4xx status or an HTML page in place of the file is a
    DownloadError at once; no connection at all through every attempt is Unreachable. `part` is kept on failure,
    so that the next call resumes it. progress: a stream for a tqdm bar (None: no bar)."""
    cookies = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    current, attempts, confirmations, last = url, 0, 0, "no attempt"
    unreachable_only = True
    while attempts <= retries:
        if attempts and last != "confirmation":
            time.sleep(retry_wait * 2 ** (attempts - 1))
        have = os.path.getsize(part) if os.path.isfile(part) else 0
        headers = {"User-Agent": user_agent, **({"Range": f"bytes={have}-"} if have else {})}
        try:
            response = opener.open(urllib.request.Request(current, headers=headers), timeout=timeout)
        except urllib.error.HTTPError as exc:
            attempts += 1
            unreachable_only = False
            if exc.code == 416 and have:  # the partial file does not fit what the server has now: start again
                os.remove(part)
                last = f"HTTP 416 for a partial file of {have} bytes"
                continue
            if exc.code in (408, 429) or exc.code >= 500:
                last = f"HTTP {exc.code} {exc.reason}"
                continue
            raise DownloadError(f"{current}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            attempts += 1
            unreachable_only = unreachable_only and _unreachable(exc)
            last = str(getattr(exc, "reason", exc))
            continue
        with response:
            kind = response.headers.get_content_type()
            if kind == "text/html":
                html = response.read(HTML_LIMIT).decode(response.headers.get_content_charset() or "utf-8", "replace")
                follow = confirmation_url(html, response.geturl(), cookies)
                if follow and confirmations < CONFIRMATIONS:
                    confirmations, current, last = confirmations + 1, follow, "confirmation"
                    continue
                title = page_title(html)
                raise DownloadError(f"{current} answered with an HTML page{f' ({title!r})' if title else ''}, not "
                                    "the file (a sign-in or error page, or a link that has moved)")
            status = response.status
            start, total = 0, None
            if status == 206:
                span = _content_range(response.headers.get("Content-Range"))
                if span is None or span[0] != have:  # not the range asked for: take the file from its start
                    os.remove(part)
                    attempts += 1
                    last = f"the server answered a range other than bytes {have}-"
                    continue
                start, total = span
            elif response.headers.get("Content-Length", "").isdigit():
                total = int(response.headers["Content-Length"])
            resumed = start
            try:
                _receive(response, part, start, total, progress)
            except (http.client.HTTPException, OSError) as exc:  # cut short, reset, timed out: resume next time
                attempts += 1
                unreachable_only = False
                got = os.path.getsize(part) if os.path.isfile(part) else 0
                last = f"the transfer broke off at {got} of {total if total is not None else '?'} bytes " \
                       f"({type(exc).__name__})"
                continue
            size = os.path.getsize(part)
            if total is not None and size != total:
                attempts += 1
                unreachable_only = False
                last = f"the transfer ended at {size} of {total} bytes"
                if size > total:
                    os.remove(part)
                continue
            return Fetched(response.geturl(), size, resumed, attempts + 1)
    if unreachable_only:
        host = urllib.parse.urlsplit(current).netloc
        raise Unreachable(f"cannot reach {host} ({last})")
    raise DownloadError(f"{current}: {last}, after {attempts} attempt{'s' if attempts != 1 else ''}; the partial "
                        f"file {part} is kept and the same command resumes it")


def _receive(response, part: str, start: int, total: int | None, progress: TextIO | None) -> None:
    """Write the body to `part` from byte `start` (appending to the bytes before it), with a bar on `progress`."""
    from tqdm import tqdm

    read = getattr(response, "read1", response.read)  # what has arrived: a stall keeps the bytes before it
    with open(part, "ab" if start else "wb") as handle, \
            tqdm(total=total, initial=start, unit="B", unit_scale=True, unit_divisor=1024, file=progress,
                 disable=progress is None, desc=os.path.basename(part).removesuffix(".part")) as bar:
        while True:
            block = read(CHUNK)
            if not block:
                break
            handle.write(block)
            bar.update(len(block))
