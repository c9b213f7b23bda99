"""Fetching a mentor's publications and keeping them, and what matching reads from them.

:func:`request_fetch` saves where the publications come from and marks a fetch as asked for;
:func:`run_fetch` (on the worker, see :mod:`.jobs`) asks the services and replaces the
mentor's publications in one transaction, keeping each one's tick. A failure leaves the
publications as they were and says why on the mentor's page.
"""

import logging
from dataclasses import dataclass
from email.utils import parseaddr

from flask import current_app

from ..extensions import db
from ..models import MentorProfile, Publication, PublicationSource, utcnow
from . import sources
from .sources import Article, Client, FetchError, NotFound, Service

log = logging.getLogger(__name__)

#: The newest works read from an ORCID record.
MAX_WORKS = 200
FAILED_UNEXPECTEDLY = "Something went wrong while fetching. Try again later."


@dataclass(frozen=True)
class Found:
    key: str
    article: Article
    origin: str  #: "listed" or "orcid"


@dataclass(frozen=True)
class Fetched:
    found: list[Found]
    skipped: int  #: ORCID works with no title anywhere


@dataclass(frozen=True)
class Services:
    orcid: Service
    pubmed: Service
    crossref: Service


def contact_address(config) -> str:
    return config.get("PUBLICATIONS_CONTACT_EMAIL") or parseaddr(config["MAIL_DEFAULT_SENDER"])[1]


def user_agent(config) -> str:
    return f"MRI-Match/1 ({config['PUBLIC_URL']}; mailto:{contact_address(config)})"


def services(config) -> Services:
    ncbi_interval = (
        sources.NCBI_INTERVAL_WITH_KEY if config.get("NCBI_API_KEY") else sources.NCBI_INTERVAL
    )
    return Services(
        orcid=Service("ORCID", config["ORCID_API_URL"], sources.ORCID_INTERVAL),
        pubmed=Service("PubMed", config["NCBI_EUTILS_URL"], ncbi_interval),
        crossref=Service("Crossref", config["CROSSREF_API_URL"], sources.CROSSREF_INTERVAL),
    )


def collect(
    orcid: str | None, identifiers: list[str], client: Client, where: Services, contact: str
) -> Fetched:
    """Every publication of the ORCID record and the listed identifiers, with its text.

    A listed identifier that no service knows fails the whole fetch (the mentor typed it, so
    it is probably a slip); an ORCID work known nowhere keeps the title ORCID holds.
    """
    params = sources.ncbi_params(contact, current_app.config.get("NCBI_API_KEY"))
    listed_pmids = [k.removeprefix("pmid:") for k in identifiers if k.startswith("pmid:")]
    listed_dois = [k.removeprefix("doi:") for k in identifiers if k.startswith("doi:")]
    works = sources.orcid_works(client, where.orcid, orcid) if orcid else []
    works = sorted(works, key=lambda w: -(w.year or 0))[:MAX_WORKS]

    pmids = listed_pmids + [w.pmid for w in works if w.pmid]
    search = listed_dois + [w.doi for w in works if w.doi and not w.pmid]
    if search:
        pmids += sources.pubmed_ids_of_dois(client, where.pubmed, search, params)
    articles = sources.pubmed_articles(client, where.pubmed, pmids, params) if pmids else []
    by_pmid = {a.pmid: a for a in articles}
    by_doi = {a.doi: a for a in articles if a.doi}

    def of_doi(doi: str) -> Article | None:
        if doi not in by_doi:
            try:
                by_doi[doi] = sources.crossref_article(client, where.crossref, doi, contact)
            except NotFound:
                return None
        return by_doi[doi]

    found: dict[str, Found] = {}
    unknown: list[str] = []

    def add(article: Article, origin: str) -> None:
        key = _key(article)
        if key not in found:
            found[key] = Found(key, article, origin)

    for pmid in listed_pmids:
        if pmid in by_pmid:
            add(by_pmid[pmid], "listed")
        else:
            unknown.append(f"PMID {pmid}")
    for doi in listed_dois:
        article = of_doi(doi)
        if article is None:
            unknown.append(doi)
        else:
            add(article, "listed")
    if unknown:
        raise FetchError(
            f"Not found in PubMed or Crossref: {', '.join(unknown)}. Check "
            f"{'it' if len(unknown) == 1 else 'them'}, or take "
            f"{'it' if len(unknown) == 1 else 'them'} off the list."
        )
    skipped = 0
    for work in works:
        article = by_pmid.get(work.pmid) if work.pmid else None
        if article is None and work.doi:
            article = of_doi(work.doi)
        if article is None and work.title:
            article = Article(work.pmid, work.doi, work.title, "", "", work.year)
        if article is None:
            skipped += 1
        else:
            add(article, "orcid")
    return Fetched(list(found.values()), skipped)


def _key(article: Article) -> str:
    if article.pmid:
        return f"pmid:{article.pmid}"
    if article.doi:
        return f"doi:{article.doi}"
    return "title:" + " ".join(article.title.lower().split())[:280]


# --- the mentor's side -----------------------------------------------------------------------


def source_of(profile: MentorProfile) -> PublicationSource:
    """The profile's publication source, made (and added to the session) when missing."""
    if profile.publication_source is None:
        profile.publication_source = PublicationSource(identifiers=[])
        db.session.add(profile.publication_source)
    return profile.publication_source


def request_fetch(profile: MentorProfile, orcid: str | None, identifiers: list[str]) -> bool:
    """Save the sources and mark a fetch as asked for; False when there is nothing to fetch
    from (the publications are then removed). The caller commits, then queues the fetch."""
    source = source_of(profile)
    source.orcid = orcid
    source.identifiers = list(identifiers)
    source.request_number = (source.request_number or 0) + 1
    source.requested_at = utcnow()
    source.message = None
    if not orcid and not identifiers:
        source.status = None
        profile.fetched_publications = []
        return False
    source.status = "queued"
    return True


def set_included(profile: MentorProfile, included_ids: set[int]) -> int:
    """Tick exactly the publications ``included_ids``; returns how many are ticked."""
    for publication in profile.fetched_publications:
        publication.included = publication.id in included_ids
    return sum(p.included for p in profile.fetched_publications)


def fail(source: PublicationSource, message: str) -> None:
    source.status = "failed"
    source.message = message


# --- the worker's side -----------------------------------------------------------------------


def _current_source(mentor_id: int, number: int, *, lock: bool) -> PublicationSource | None:
    stmt = db.select(PublicationSource).filter_by(mentor_id=mentor_id)
    if lock:
        stmt = stmt.with_for_update()
    source = db.session.scalar(stmt)
    if source is None or source.request_number != number:
        return None  # the mentor asked again since: that request's job does the work
    return source


def run_fetch(mentor_id: int, number: int) -> str:
    """Fetch request ``number`` of the mentor's publications and store the result; returns
    the fetch's state. Never leaves the publications half-replaced."""
    source = _current_source(mentor_id, number, lock=False)
    if source is None:
        return "skipped"
    source.status = "fetching"
    orcid, identifiers = source.orcid, list(source.identifiers or [])
    db.session.commit()
    config = current_app.config
    client = Client(user_agent(config), float(config["PUBLICATIONS_TIMEOUT"]))
    try:
        fetched = collect(orcid, identifiers, client, services(config), contact_address(config))
    except FetchError as exc:
        return _finish_failed(mentor_id, number, str(exc))
    except Exception:
        log.exception("fetching publications of mentor %s failed", mentor_id)
        return _finish_failed(mentor_id, number, FAILED_UNEXPECTEDLY)
    source = _current_source(mentor_id, number, lock=True)
    if source is None:
        db.session.rollback()
        return "skipped"
    store(db.session.get(MentorProfile, mentor_id), fetched)
    source.status = "done"
    source.fetched_at = utcnow()
    source.message = (
        f"{fetched.skipped} works on your ORCID record have no title we could find; "
        "they are left out."
        if fetched.skipped
        else None
    )
    db.session.commit()
    return "done"


def _finish_failed(mentor_id: int, number: int, message: str) -> str:
    db.session.rollback()
    source = _current_source(mentor_id, number, lock=True)
    if source is not None:
        fail(source, message)
    db.session.commit()
    return "failed"


def store(profile: MentorProfile, fetched: Fetched) -> None:
    """Replace the profile's publications by ``fetched``, keeping the tick of those kept."""
    existing = {p.key: p for p in profile.fetched_publications}
    now = utcnow()
    kept = []
    for item in fetched.found:
        a = item.article
        publication = existing.get(item.key) or Publication(key=item.key, included=False)
        publication.pmid = a.pmid
        publication.doi = (a.doi or "")[:280] or None
        publication.title = a.title
        publication.abstract = a.abstract or None
        publication.journal = (a.journal or "")[:300] or None
        publication.year = a.year
        publication.origin = item.origin
        publication.fetched_at = now
        kept.append(publication)
    profile.fetched_publications = kept
