"""A local stand-in for ORCID, NCBI E-utilities and Crossref, answering with recorded responses
(tests/data/publications/), so no test reaches the network.

The server is werkzeug's, on a free loopback port in a thread. It answers:

* ``/orcid/v3.0/<orcid>/works``: the recorded works of 0000-0002-1825-0097, 404 for others;
* ``/eutils/esearch.fcgi``: the PubMed IDs of the DOIs in ``term`` (from the recorded articles);
* ``/eutils/efetch.fcgi``: the recorded articles whose PMIDs are in ``id``;
* ``/crossref/works/<doi>``: the recorded Crossref work, 404 for other DOIs.

``fake.script(prefix, *answers)`` makes the next requests under ``prefix`` answer with the given
(status, body, headers) instead, one each, before the recorded answers resume. Every request
is kept in ``fake.requests``.
"""

import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

DATA = Path(__file__).parent / "data" / "publications"
ORCID = "0000-0002-1825-0097"
CROSSREF_DOI = "10.5555/transfusion.2020.3"
XML_HEAD = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)


@dataclass
class Seen:
    path: str
    args: dict
    headers: dict


@dataclass
class FakeServices:
    url: str = ""
    requests: list[Seen] = field(default_factory=list)
    scripted: list[tuple[str, tuple]] = field(default_factory=list)
    delay: float = 0.0

    def script(self, prefix: str, *answers) -> None:
        """Answer the next requests under ``prefix`` with ``answers``: (status, body[, headers])."""
        self.scripted += [(prefix, answer) for answer in answers]

    def paths(self, prefix: str = "") -> list[str]:
        return [r.path for r in self.requests if r.path.startswith(prefix)]

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.requests.append(Seen(request.path, request.args.to_dict(), dict(request.headers)))
        if self.delay:
            time.sleep(self.delay)
        for index, (prefix, answer) in enumerate(self.scripted):
            if request.path.startswith(prefix):
                del self.scripted[index]
                status, body, *headers = answer
                return Response(body, status, headers[0] if headers else None)(
                    environ, start_response
                )
        return self._recorded(request)(environ, start_response)

    def _recorded(self, request: Request) -> Response:
        path = request.path
        if path == f"/orcid/v3.0/{ORCID}/works":
            return _file("orcid-works.json", "application/vnd.orcid+json")
        if path.startswith("/orcid/"):
            return Response('{"response-code":404}', 404, mimetype="application/json")
        if path == "/eutils/esearch.fcgi":
            dois = re.findall(r'"([^"]+)"\[doi\]', request.args.get("term", ""))
            by_doi = {doi: pmid for pmid, doi, _ in _articles()}
            found = [by_doi[d.lower()] for d in dois if d.lower() in by_doi]
            data = json.loads((DATA / "esearch-doi.json").read_text())
            data["esearchresult"].update(idlist=found, count=str(len(found)))
            return Response(json.dumps(data), mimetype="application/json")
        if path == "/eutils/efetch.fcgi":
            wanted = request.args.get("id", "").split(",")
            kept = [text for pmid, _, text in _articles() if pmid in wanted]
            body = XML_HEAD + "<PubmedArticleSet>\n" + "\n".join(kept) + "\n</PubmedArticleSet>"
            return Response(body, mimetype="text/xml")
        if path == f"/crossref/works/{CROSSREF_DOI}":
            return _file("crossref-work.json", "application/json")
        return Response("Resource not found.", 404, mimetype="text/plain")


def _file(name: str, mimetype: str) -> Response:
    return Response((DATA / name).read_bytes(), mimetype=mimetype)


def _articles() -> list[tuple[str, str | None, str]]:
    """(PMID, DOI in lower case, the article's XML) of each recorded article."""
    root = ET.fromstring((DATA / "efetch.xml").read_bytes())
    out = []
    for node in root.iter("PubmedArticle"):
        pmid = node.findtext("MedlineCitation/PMID")
        doi = next(
            (i.text.lower() for i in node.iter("ArticleId") if i.get("IdType") == "doi"), None
        )
        out.append((pmid, doi, ET.tostring(node, encoding="unicode")))
    return out


class Running:
    """The fake on a free loopback port, until ``stop()``."""

    def __init__(self):
        self.fake = FakeServices()
        self._server = make_server("127.0.0.1", 0, self.fake, threaded=True)
        self.fake.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def config(self) -> dict:
        url = self.fake.url
        return {
            "ORCID_API_URL": f"{url}/orcid/v3.0",
            "NCBI_EUTILS_URL": f"{url}/eutils",
            "CROSSREF_API_URL": f"{url}/crossref",
            "PUBLICATIONS_CONTACT_EMAIL": "mri-team@example.org",
        }

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
