"""`siamfc weights list | get NAME` against a real HTTP server on the loopback address (http.server in a thread;
$SIAMFC_WEIGHTS_URL points every net's download there): the file, a 404, an HTML page in place of the file, a
transfer cut short then resumed with a Range request, a stalled transfer, Google Drive's confirmation page (both of
its forms), no server at all (offline), and a file of the wrong layout. The files are made here in the published
nets' real layouts (random values, tests/test_weights.py); nothing leaves the machine."""
from __future__ import annotations

import hashlib
import http.server
import io
import json
import threading
import time
import urllib.parse

import pytest

from siamfc_plugin.cli import main
from siamfc_plugin.core.published import DIR_ENV, URL_ENV, find_net
from tests.test_weights import write_published_net

AUTHORS = find_net("SiamFC-authors-2016-08-17")
PYTORCH = find_net("SiamFC-siamfc-pytorch-siamfc_alexnet_e50")
DRIVE_ID, DRIVE_UUID, DRIVE_TOKEN = "1UdxuBQ1qtisoWYFZxLgMFJ9mJtGVw6n4", "2f0b6c1e-uuid", "Xy_9"


class Server:
    """What each file name answers (`modes`), every request seen (`requests`: path, Range header)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.modes: dict[str, str] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.cut_done: set[str] = set()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                server.requests.append((self.path, self.headers.get("Range")))
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                name = parts.path.lstrip("/")
                if name in ("download", "uc"):  # Drive's confirmed download
                    confirmed = query.get("confirm") in ("t", DRIVE_TOKEN) and query.get("id") == DRIVE_ID
                    if not confirmed or (name == "download" and query.get("uuid") != DRIVE_UUID):
                        return self.send_error(403)
                    return self.file(PYTORCH.filename)
                mode = server.modes.get(name, "file")
                if mode == "404" or name not in server.files:
                    return self.send_error(404)
                if mode == "html":
                    return self.page("<html><head><title>Sign in - Account</title></head><body>Sign in</body></html>")
                if mode == "drive-form":
                    return self.page(
                        "<html><head><title>Google Drive - Virus scan warning</title></head><body>"
                        "<form id=\"download-form\" action=\"/download\" method=\"get\">"
                        "<input type=\"submit\" value=\"Download anyway\"/>"
                        f"<input type=\"hidden\" name=\"id\" value=\"{DRIVE_ID}\">"
                        "<input type=\"hidden\" name=\"export\" value=\"download\">"
                        "<input type=\"hidden\" name=\"confirm\" value=\"t\">"
                        f"<input type=\"hidden\" name=\"uuid\" value=\"{DRIVE_UUID}\"></form></body></html>")
                if mode == "drive-link":
                    return self.page(f"<html><body><a id=\"uc-download-link\" href=\"/uc?export=download&amp;"
                                     f"confirm={DRIVE_TOKEN}&amp;id={DRIVE_ID}\">Download anyway</a></body></html>",
                                     cookie=f"download_warning_13058876669334088843_{DRIVE_ID}={DRIVE_TOKEN}")
                if mode == "cut" and name not in server.cut_done:  # half the file, then the connection drops
                    server.cut_done.add(name)
                    data = server.files[name]
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if mode == "stall":
                    data = server.files[name]
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[:1000])
                    self.wfile.flush()
                    time.sleep(3)
                    self.close_connection = True
                    return
                return self.file(name)

            def file(self, name):
                data, start = server.files[name], 0
                match = self.headers.get("Range", "")
                if match.startswith("bytes="):
                    start = int(match[len("bytes="):].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                self.wfile.write(data[start:])

            def page(self, html, cookie=None):
                body = html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                if cookie:
                    self.send_header("Set-Cookie", f"{cookie}; Path=/")
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def net_files(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("published")
    out = {}
    for net in (AUTHORS, PYTORCH):
        write_published_net(folder / net.filename, net.fmt)
        out[net.filename] = (folder / net.filename).read_bytes()
    return out


@pytest.fixture
def server(net_files, tmp_path, monkeypatch):
    server = Server()
    server.files.update(net_files)
    monkeypatch.setenv(URL_ENV, server.url)
    monkeypatch.setenv(DIR_ENV, str(tmp_path / "weights"))
    yield server
    server.close()


def get(capsys, *args) -> tuple[int, str, str]:
    code = main(["weights", "get", *args])
    out, err = capsys.readouterr()
    return code, out, err


def cached(tmp_path, net) -> list[str]:
    folder = tmp_path / "weights"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_get_downloads_checks_records_and_every_entry_point_finds_the_net(server, tmp_path, capsys):
    from siamfc_plugin.backends.spec import TrackerSpec
    from siamfc_plugin.cli import build_parser
    from siamfc_plugin.toolkits.vot.siamfc_trax import Settings

    code, out, err = get(capsys, "SiamFC-authors-2016-08-17")
    assert code == 0, err
    path = tmp_path / "weights" / AUTHORS.filename
    assert path.read_bytes() == server.files[AUTHORS.filename]
    record = json.loads((tmp_path / "weights" / (AUTHORS.filename + ".json")).read_text())
    digest = hashlib.sha256(server.files[AUTHORS.filename]).hexdigest()
    assert record["sha256"] == digest and record["bytes"] == path.stat().st_size and record["licence"]
    assert record["check"]["format"] == "matconvnet-dagnn" and digest in out and "checked:" in out
    assert cached(tmp_path, AUTHORS) == [AUTHORS.filename, AUTHORS.filename + ".json"]  # no .part left
    # the one name finds the file: --checkpoint NAME, SIAMFC_CHECKPOINT = NAME (trackers.ini), Python
    args = build_parser("eval").parse_args(["eval", "--dataset", "otb", "--root", ".", "--checkpoint",
                                            "SiamFC-authors-2016-08-17", "--preset", "siamfc-matconvnet-3s"])
    spec = TrackerSpec.from_args(args)
    assert spec.checkpoint == str(path) and spec.label == "SiamFC-authors-2016-08-17"
    assert Settings.from_environ({"SIAMFC_CHECKPOINT": AUTHORS.name}).spec.checkpoint == str(path)
    assert TrackerSpec(checkpoint=AUTHORS.name).checkpoint == str(path)
    # list says it is here, with its SHA-256
    assert main(["weights", "list", "--json"]) == 0
    listed = {row["name"]: row for row in json.loads(capsys.readouterr().out)["nets"]}
    assert listed[AUTHORS.name]["sha256"] == digest and listed[AUTHORS.name]["path"] == str(path)
    assert listed[PYTORCH.name]["path"] is None and {r["licence"] for r in listed.values()} != {""}
    # again: the intact file is kept, nothing downloaded
    seen = len(server.requests)
    code, out, _ = get(capsys, AUTHORS.name)
    assert code == 0 and "already here" in out and len(server.requests) == seen
    # a cached file that changed is fetched again
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    code, _, err = get(capsys, AUTHORS.name)
    assert code == 0 and "no longer the file" in err and path.read_bytes() == server.files[AUTHORS.filename]


@pytest.mark.parametrize("mode,message", [("404", "HTTP 404"), ("html", "an HTML page ('Sign in - Account')")])
def test_an_answer_that_is_not_the_file_is_one_line_exit_2_nothing_stored(server, tmp_path, capsys, mode, message):
    server.modes[AUTHORS.filename] = mode
    code, out, err = get(capsys, AUTHORS.name, "--retries", "0")
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err
    assert f"{server.url}/{AUTHORS.filename}" in err
    assert cached(tmp_path, AUTHORS) == []


def test_a_transfer_cut_short_is_resumed_with_a_range_request(server, tmp_path, capsys):
    server.modes[AUTHORS.filename] = "cut"
    code, out, err = get(capsys, AUTHORS.name, "--retries", "1")
    assert code == 0, err
    size = len(server.files[AUTHORS.filename])
    assert server.requests == [(f"/{AUTHORS.filename}", None), (f"/{AUTHORS.filename}", f"bytes={size // 2}-")]
    assert f"resumed from byte {size // 2}" in out
    assert (tmp_path / "weights" / AUTHORS.filename).read_bytes() == server.files[AUTHORS.filename]


def test_a_partial_file_left_by_a_failed_get_is_resumed_by_the_next(server, tmp_path, capsys):
    server.modes[AUTHORS.filename] = "cut"
    code, _, err = get(capsys, AUTHORS.name, "--retries", "0")
    size = len(server.files[AUTHORS.filename])
    assert code == 2 and f"the transfer ended at {size // 2} of {size} bytes" in err, err
    assert "kept and the same command resumes it" in err
    assert cached(tmp_path, AUTHORS) == [AUTHORS.filename + ".part"]
    code, out, err = get(capsys, AUTHORS.name)
    assert code == 0, err
    assert server.requests[-1] == (f"/{AUTHORS.filename}", f"bytes={size // 2}-")
    assert (tmp_path / "weights" / AUTHORS.filename).read_bytes() == server.files[AUTHORS.filename]


def test_a_stalled_transfer_times_out(server, tmp_path, capsys):
    server.modes[AUTHORS.filename] = "stall"
    start = time.monotonic()
    code, _, err = get(capsys, AUTHORS.name, "--retries", "0", "--timeout", "0.5")
    assert code == 2 and "broke off at 1000 of" in err and "timeout" in err.lower(), err
    assert time.monotonic() - start < 3  # the timeout, not the server's stall, ended it


@pytest.mark.parametrize("mode", ["drive-form", "drive-link"])
def test_google_drive_confirmation_page_is_followed(server, tmp_path, capsys, mode):
    """siamfc-pytorch's net is on Google Drive, which answers with a "can't scan for viruses" page: current pages
    hold a form (id, export, confirm, uuid), older ones a link with a confirm token and a download_warning cookie."""
    server.modes[PYTORCH.filename] = mode
    code, out, err = get(capsys, PYTORCH.name)
    assert code == 0, err
    assert (tmp_path / "weights" / PYTORCH.filename).read_bytes() == server.files[PYTORCH.filename]
    confirmed = server.requests[-1][0]
    assert confirmed.startswith("/download?" if mode == "drive-form" else "/uc?") and "confirm=" in confirmed
    assert json.loads((tmp_path / "weights" / (PYTORCH.filename + ".json")).read_text())["format"] == "siamfc-pytorch"


def test_offline_one_line_with_the_url_and_the_manual_step_which_then_works(net_files, tmp_path, monkeypatch,
                                                                            capsys):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(URL_ENV, f"http://127.0.0.1:{port}")
    monkeypatch.setenv(DIR_ENV, str(tmp_path / "weights"))
    code, _, err = get(capsys, AUTHORS.name, "--retries", "0")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert f"http://127.0.0.1:{port}/{AUTHORS.filename}" in lines[0] and "cannot reach" in lines[0]
    assert f"siamfc weights get {AUTHORS.name} --from FILE" in lines[0]
    by_hand = tmp_path / "Downloads" / AUTHORS.filename
    by_hand.parent.mkdir()
    by_hand.write_bytes(net_files[AUTHORS.filename])
    code, out, err = get(capsys, AUTHORS.name, "--from", str(by_hand))
    assert code == 0 and (tmp_path / "weights" / AUTHORS.filename).read_bytes() == by_hand.read_bytes(), err


def test_a_file_of_another_layout_is_refused_and_not_kept(server, tmp_path, capsys):
    server.files[AUTHORS.filename] = server.files[PYTORCH.filename]  # a state_dict where the .mat should be
    code, _, err = get(capsys, AUTHORS.name)
    assert code == 2 and "is not SiamFC-authors-2016-08-17" in err and "siamfc-pytorch" in err, err
    assert cached(tmp_path, AUTHORS) == []
    server.files[AUTHORS.filename] = server.files[PYTORCH.filename][:5000]  # cut, and served as if whole
    code, _, err = get(capsys, AUTHORS.name)
    assert code == 2 and "nothing was stored" in err and cached(tmp_path, AUTHORS) == [], err


def test_the_documented_size_is_checked(net_files, tmp_path):
    import dataclasses

    from siamfc_plugin.commands.weights_cli import check_published
    from siamfc_plugin.common.errors import CheckpointError

    path = tmp_path / AUTHORS.filename
    path.write_bytes(net_files[AUTHORS.filename])
    size = path.stat().st_size
    assert check_published(str(path), dataclasses.replace(AUTHORS, size=size))["format"] == AUTHORS.fmt
    with pytest.raises(CheckpointError, match=f"{size:,} bytes where the publisher documents {size + 1:,}"):
        check_published(str(path), dataclasses.replace(AUTHORS, size=size + 1))


def test_the_progress_bar_counts_the_bytes(server, tmp_path):
    from siamfc_plugin.common.download import download

    stream = io.StringIO()
    fetched = download(f"{server.url}/{AUTHORS.filename}", str(tmp_path / "net.part"), progress=stream)
    size = len(server.files[AUTHORS.filename])
    assert fetched.size == size and "100%" in stream.getvalue() and "B/s" in stream.getvalue()


def test_an_unknown_name_lists_the_nets(capsys):
    assert main(["weights", "get", "SiamFC-authors"]) == 2
    err = capsys.readouterr().err
    assert "SiamFC-authors-2016-08-17, SiamFC-authors-2016-08-17_gray025" in err


@pytest.mark.slow  # two SiamFC trackers and a peer through got10k and the VOT toolkit: about a minute on 2 cores
def test_the_maintainers_path_two_commands_to_the_authors_row_beside_ours(server, synthetic_root, tmp_path, capsys):
    """README, "VOT toolkit maintainer": `siamfc weights get NAME`, then `siamfc leaderboard ... --tracker NAME`:
    the page has the authors' net (here a net of its real layout, random values) as one row beside ours, with
    both toolkits' columns (the same name through got10k and VOT)."""
    import numpy as np
    import pandas as pd

    assert main(["weights", "get", AUTHORS.name]) == 0
    sequence = sorted(p.name for p in synthetic_root.iterdir() if p.is_dir())[0]
    out = tmp_path / "leaderboard"
    assert main(["leaderboard", "--root", str(synthetic_root), "--sequences", sequence, "--max-frames", "8",
                 "--threads", "1", "--peers", "Static", "--out", str(out), "--tracker", AUTHORS.name]) == 0
    trackers = pd.read_csv(out / "tables" / "trackers.csv").set_index("tracker")
    assert sorted(trackers.index) == sorted(["SiamFC-3s", AUTHORS.name, "Static"])
    for name in ("SiamFC-3s", AUTHORS.name):
        assert np.isfinite(trackers.loc[name, "OTB success AUC"]) and np.isfinite(trackers.loc[name,
                                                                                               "VOT baseline EAO"])
    registry = (out / "vot-workspace" / "trackers.ini").read_text()
    assert f"[{AUTHORS.name}]" in registry and "env_SIAMFC_POLYGON = matconvnet" in registry
    assert "env_SIAMFC_PRESET = siamfc-matconvnet-3s" in registry
