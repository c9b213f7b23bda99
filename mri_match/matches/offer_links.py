"""The signed link in an offer email: it names the match and its mentor, and it answers the offer
only while the offer waits (answering once closes it, and so does its expiry)."""

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from ..models import Match

SALT = "match-offer"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def offer_link(match: Match) -> str:
    return offer_link_for(match.id, match.mentor.user_id)


def offer_link_for(match_id: int, mentor_user_id: int) -> str:
    """The link for the match ``match_id`` offered to the account ``mentor_user_id``."""
    token = _serializer().dumps({"m": match_id, "u": mentor_user_id})
    return url_for("matches.offer_link", token=token, _external=True)


def match_from_token(token: str, user) -> Match | None:
    """The match the link names, if the link is genuine and was made for ``user``; else None.
    Whether it can still be answered is the match's state (``lifecycle.answer_error``)."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user.id or not isinstance(data.get("m"), int):
        return None
    match = db.session.get(Match, data["m"])
    if match is None or match.mentor.user_id != user.id:
        return None
    return match
