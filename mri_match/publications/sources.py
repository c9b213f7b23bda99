"""The services publications come from: ORCID's public API, NCBI's E-utilities (PubMed) and
Crossref, each read over HTTP with a polite user agent, a timeout and its rate limit.

* ORCID (``ORCID_API_URL``, public API v3.0): a person's works, with the DOIs and PubMed IDs
  their record lists.
* PubMed (``NCBI_EUTILS_URL``): ``esearch`` finds the PubMed IDs of DOIs, ``efetch`` returns
  titles and abstracts as XML, up to :data:`EFETCH_BATCH` articles a request. NCBI allows three
  requests a second without an API key and ten with one (``NCBI_API_KEY``), and asks for the
  tool's name and a contact address on every request.
* Crossref (``CROSSREF_API_URL``): the title, and the abstract when the publisher deposited one,
  of a DOI that is not in PubMed.

The limits hold per worker process: :class:`Client` spaces its requests to each service. A
service that answers 429 (too many requests) is waited for once, as long as its Retry-After
asks for at most :data:`MAX_RETRY_WAIT` seconds; any other failure raises :class:`FetchError`
with a message for the mentor.
"""

import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET  # nosec B405  # parses only, see _parse_xml
from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: PubMed IDs per efetch request, and DOIs per esearch request.
EFETCH_BATCH = 200
ESEARCH_BATCH = 40
#: Seconds between two requests to each service.
NCBI_INTERVAL = 0.34  # three a second
NCBI_INTERVAL_WITH_KEY = 0.1  # ten a second
CROSSREF_INTERVAL = 0.1
ORCID_INTERVAL = 0.1
#: The longest Retry-After a 429 answer is waited out for, once.
MAX_RETRY_WAIT = 10.0
#: A larger answer is refused as malformed (200 PubMed records are about 2 MB).
MAX_RESPONSE_BYTES = 20 * 1024 * 1024
TOOL = "mri_match"


class FetchError(Exception):
    """Fetching failed; the message says what happened in words the mentor can act on."""


class NotFound(FetchError):
    """The service does not know the identifier asked for."""


@dataclass(frozen=True)
class Service:
    name: str  #: as the mentor reads it: "ORCID", "PubMed", "Crossref"
    base_url: str
    interval: float  #: seconds between two requests


@dataclass(frozen=True)
class Work:
    """A work on an ORCID record: its identifiers, and the title ORCID holds."""

    pmid: str | None
    doi: str | None
    title: str
    year: int | None


@dataclass(frozen=True)
class Article:
    """A publication's text, from PubMed or Crossref."""

    pmid: str | None
    doi: str | None
    title: str
    abstract: str
    journal: str
    year: int | None


class Client:
    """HTTP GETs with the user agent, the timeout, and each service's spacing and 429 rule."""

    def __init__(
        self,
        user_agent: str,
        timeout: float,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ):
        self.user_agent = user_agent
        self.timeout = timeout
        self._sleep = sleep or (lambda seconds: time.sleep(seconds))
        self._clock = clock or (lambda: time.monotonic())

    _last: dict[str, float] = {}  # base URL -> when it was last asked (per process)
    _lock = threading.Lock()

    def _wait_turn(self, service: Service) -> None:
        with self._lock:
            last = self._last.get(service.base_url)
            now = self._clock()
            if last is not None and now - last < service.interval:
                self._sleep(service.interval - (now - last))
            self._last[service.base_url] = self._clock()

    def get(self, service: Service, path: str, params: dict | None = None, accept: str = "*/*"):
        """The body of ``service.base_url + path``; NotFound on 404, FetchError otherwise."""
        url = service.base_url.rstrip("/") + "/" + path.lstrip("/")
        if params:
            url += "?" + urllib.parse.urlencode(params)
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise FetchError(f"{service.name}'s address is not a web address; ask an admin.")
        request = urllib.request.Request(  # nosec B310  # http(s) only, checked above
            url, headers={"User-Agent": self.user_agent, "Accept": accept}
        )
        for attempt in (1, 2):
            self._wait_turn(service)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # nosec B310
                    body = response.read(MAX_RESPONSE_BYTES + 1)
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    raise NotFound(f"{service.name} does not know it.") from exc
                if exc.code == 429:
                    wait = _retry_after(exc.headers.get("Retry-After"))
                    if attempt == 1 and wait is not None and wait <= MAX_RETRY_WAIT:
                        self._sleep(wait)
                        continue
                    raise FetchError(
                        f"{service.name} is receiving too many requests and asked us to wait. "
                        "Try again in a few minutes."
                    ) from exc
                raise FetchError(
                    f"{service.name} could not answer (error {exc.code}). Try again later."
                ) from exc
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                raise FetchError(
                    f"{service.name} did not answer in time or could not be reached. "
                    "Try again later."
                ) from exc
            if len(body) > MAX_RESPONSE_BYTES:
                raise FetchError(f"{service.name} sent an answer too large to read.")
            return body
        raise AssertionError("unreachable")  # pragma: no cover


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: longer than we wait


def _malformed(service: Service) -> FetchError:
    return FetchError(f"{service.name} sent an answer we could not read. Try again later.")


def _json(service: Service, body: bytes):
    try:
        return json.loads(body)
    except ValueError as exc:
        raise _malformed(service) from exc


def _parse_xml(service: Service, body: bytes) -> ET.Element:
    # Python's expat refuses entity-expansion attacks (since 2.4.1) and ElementTree never
    # fetches external entities; NCBI's answers carry a DOCTYPE, which defusedxml would refuse.
    try:
        return ET.fromstring(body)  # nosec B314  # see above
    except ET.ParseError as exc:
        raise _malformed(service) from exc


def _year(text: str | None) -> int | None:
    found = re.search(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)", text or "")
    return int(found.group(1)) if found else None


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


# --- ORCID -----------------------------------------------------------------------------------


def orcid_works(client: Client, service: Service, orcid: str) -> list[Work]:
    """The works on the public ORCID record ``orcid`` (one per group of duplicates)."""
    try:
        body = client.get(service, f"{orcid}/works", accept="application/vnd.orcid+json")
    except NotFound as exc:
        raise NotFound(f"ORCID has no public record for {orcid}.") from exc
    data = _json(service, body)
    try:
        return [_work(group) for group in data.get("group") or []]
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        raise _malformed(service) from exc


def _work(group: dict) -> Work:
    ids: dict[str, str] = {}
    for ext in (group.get("external-ids") or {}).get("external-id") or []:
        kind = (ext.get("external-id-type") or "").lower()
        value = _clean(ext.get("external-id-value"))
        if ext.get("external-id-relationship", "self") == "self" and value and kind not in ids:
            ids[kind] = value
    summary = (group.get("work-summary") or [{}])[0]
    title = ((summary.get("title") or {}).get("title") or {}).get("value")
    year = ((summary.get("publication-date") or {}).get("year") or {}).get("value")
    pmid = ids.get("pmid")
    doi = ids.get("doi")
    return Work(
        pmid=pmid if pmid and pmid.isdigit() else None,
        doi=_bare_doi(doi) if doi else None,
        title=_clean(title),
        year=_year(year),
    )


def _bare_doi(doi: str) -> str | None:
    doi = doi.strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if doi.startswith(prefix):
            doi = doi[len(prefix) :]
    return doi if doi.startswith("10.") else None


# --- PubMed ----------------------------------------------------------------------------------


def ncbi_params(contact: str, api_key: str | None) -> dict:
    params = {"tool": TOOL, "email": contact}
    if api_key:
        params["api_key"] = api_key
    return params


def pubmed_ids_of_dois(
    client: Client, service: Service, dois: Iterable[str], params: dict
) -> list[str]:
    """The PubMed IDs of whichever of ``dois`` PubMed holds (in batches)."""
    dois = list(dict.fromkeys(dois))
    found: list[str] = []
    for start in range(0, len(dois), ESEARCH_BATCH):
        batch = dois[start : start + ESEARCH_BATCH]
        term = " OR ".join(f'"{doi}"[doi]' for doi in batch)
        body = client.get(
            service,
            "esearch.fcgi",
            {**params, "db": "pubmed", "term": term, "retmode": "json", "retmax": 2 * len(batch)},
        )
        data = _json(service, body)
        try:
            ids = data["esearchresult"]["idlist"]
        except (KeyError, TypeError) as exc:
            raise _malformed(service) from exc
        found += [str(i) for i in ids if str(i).isdigit()]
    return list(dict.fromkeys(found))


def pubmed_articles(
    client: Client, service: Service, pmids: Iterable[str], params: dict
) -> list[Article]:
    """Title, abstract, journal and year of each of ``pmids`` PubMed holds (in batches)."""
    pmids = list(dict.fromkeys(pmids))
    out: list[Article] = []
    for start in range(0, len(pmids), EFETCH_BATCH):
        batch = pmids[start : start + EFETCH_BATCH]
        body = client.get(
            service,
            "efetch.fcgi",
            {**params, "db": "pubmed", "id": ",".join(batch), "retmode": "xml"},
        )
        root = _parse_xml(service, body)
        if root.tag != "PubmedArticleSet":
            raise _malformed(service)
        out += [_article(node) for node in root.iter("PubmedArticle")]
    return [a for a in out if a.pmid and a.title]


def _text(node: ET.Element | None) -> str:
    return _clean("".join(node.itertext())) if node is not None else ""


def _article(node: ET.Element) -> Article:
    citation = node.find("MedlineCitation")
    article = citation.find("Article") if citation is not None else None
    if citation is None or article is None:
        return Article(None, None, "", "", "", None)
    parts = []
    for part in article.findall("Abstract/AbstractText"):
        label = part.get("Label")
        parts.append(f"{label.capitalize()}: {_text(part)}" if label else _text(part))
    date = article.find("Journal/JournalIssue/PubDate")
    doi = next(
        (
            _bare_doi(_text(i))
            for i in node.findall("PubmedData/ArticleIdList/ArticleId")
            if i.get("IdType") == "doi"
        ),
        None,
    )
    return Article(
        pmid=_text(citation.find("PMID")) or None,
        doi=doi,
        title=_text(article.find("ArticleTitle")).rstrip("."),
        abstract=" ".join(p for p in parts if p),
        journal=_text(article.find("Journal/Title")),
        year=_year(" ".join(date.itertext())) if date is not None else None,
    )


# --- Crossref --------------------------------------------------------------------------------


def crossref_article(client: Client, service: Service, doi: str, contact: str) -> Article:
    """The title, abstract, journal and year Crossref holds for ``doi``; NotFound if none."""
    path = "works/" + urllib.parse.quote(doi, safe="/")
    body = client.get(service, path, {"mailto": contact}, accept="application/json")
    data = _json(service, body)
    try:
        message = data["message"]
        title = _clean(" ".join(message.get("title") or []))
        journal = _clean(" ".join((message.get("container-title") or [])[:1]))
        parts = (message.get("issued") or {}).get("date-parts") or [[None]]
        year = parts[0][0]
        abstract = _clean(re.sub(r"<[^>]+>", " ", message.get("abstract") or ""))
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise _malformed(service) from exc
    if not title:
        raise NotFound(f"Crossref has no title for {doi}.")
    return Article(
        pmid=None,
        doi=doi,
        title=title.rstrip("."),
        abstract=re.sub(r"^Abstract\s+", "", abstract),
        journal=journal,
        year=year if isinstance(year, int) else None,
    )
