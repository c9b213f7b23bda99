"""The identifiers a mentor gives for their publications: an ORCID iD, PubMed IDs and DOIs.

Each is normalised to one spelling, so the same paper written two ways is one paper: an ORCID
iD as ``0000-0002-1825-0097``, a PubMed ID as ``pmid:12345678``, a DOI as ``doi:10.1000/xyz``
(lower case: DOIs are case-insensitive).
"""

import re

ORCID_PATTERN = re.compile(r"^(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])$")
ORCID_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "orcid.org/")
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi.org/", "doi:")
PMID_PATTERN = re.compile(r"^(?:pmid:?\s*)?(\d{1,9})$", re.IGNORECASE)
PUBMED_URL = re.compile(
    r"^https?://(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/(\d{1,9})/?$"
)
#: at most this many identifiers in the list (ORCID works come on top, up to MAX_WORKS)
MAX_IDENTIFIERS = 200


class IdentifierError(ValueError):
    """An identifier that cannot be one; the message is for the mentor."""


def orcid_checksum(base_digits: str) -> str:
    """The check character of an ORCID iD's first 15 digits (ISO 7064 MOD 11-2)."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def normalise_orcid(value: str) -> str:
    """``0000-0002-1825-0097`` from that, its URL, or the 16 characters without hyphens."""
    text = value.strip()
    for prefix in ORCID_PREFIXES:
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    found = ORCID_PATTERN.match(text.upper())
    if not found:
        raise IdentifierError(
            "Enter an ORCID iD as 16 characters in groups of four, like 0000-0002-1825-0097."
        )
    digits = "".join(found.groups())
    if orcid_checksum(digits[:15]) != digits[15]:
        raise IdentifierError(
            "This is not a valid ORCID iD: its last character does not match the others. "
            "Check it against your ORCID record."
        )
    return "-".join(found.groups())


def normalise_identifier(value: str) -> str:
    """``pmid:N`` or ``doi:10...`` from a PubMed ID, a DOI, or either's web address."""
    text = value.strip().rstrip(".,;")
    pubmed = PUBMED_URL.match(text)
    if pubmed:
        return f"pmid:{int(pubmed.group(1))}"
    pmid = PMID_PATTERN.match(text)
    if pmid:
        return f"pmid:{int(pmid.group(1))}"
    lowered = text.lower()
    for prefix in DOI_PREFIXES:
        if lowered.startswith(prefix):
            lowered = lowered[len(prefix) :].strip()
            break
    if DOI_PATTERN.match(lowered):
        return f"doi:{lowered}"
    raise IdentifierError(
        f"“{text[:60]}” is neither a PubMed ID (digits, like 31018945) nor a DOI "
        "(starting 10., like 10.1182/blood.2019000944)."
    )


def parse_identifiers(text: str | None) -> tuple[list[str], list[str]]:
    """The normalised identifiers of ``text`` (one or more per line, separated by commas,
    semicolons or spaces), without duplicates and in the order given; and a message for each
    one that is neither a PubMed ID nor a DOI."""
    keys: dict[str, None] = {}
    errors: list[str] = []
    joined = re.sub(r"(?i)\b(pmid|doi)\s*:\s+", r"\1:", text or "")  # "PMID: 1" is one item
    for item in re.split(r"[\s,;]+", joined):
        if not item:
            continue
        try:
            keys[normalise_identifier(item)] = None
        except IdentifierError as exc:
            errors.append(str(exc))
    return list(keys), errors


def display(key: str) -> str:
    """How a page shows a normalised identifier: ``PMID 123`` or ``doi:10...`` as given."""
    kind, _, value = key.partition(":")
    return f"PMID {value}" if kind == "pmid" else value
