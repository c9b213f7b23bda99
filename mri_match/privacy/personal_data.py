"""Everything held about one person, as a JSON-ready dict (their "download my data")."""

from datetime import date, datetime

from sqlalchemy import or_

from ..awards.queries import award_records
from ..embeddings.store import unpack
from ..extensions import db
from ..models import (
    AlumniRecord,
    Application,
    AuditEvent,
    FollowUpResponse,
    Match,
    MentorProfile,
    RematchRequest,
    StatementEmbedding,
    SurveyResponse,
    self_identification_of,
)

APPLICATION_FIELDS = (
    "status",
    *Application.ENTERED_FIELDS,
    "created_at",
    "updated_at",
    "submitted_at",
)
PROFILE_FIELDS = (
    *MentorProfile.ENTERED_FIELDS,
    "ash_member_number",
    "ash_verified_at",
    "conflicts",
    "created_at",
    "updated_at",
)
IDENTITY_FIELDS = (
    "race_ethnicity",
    "gender_identity",
    "first_generation",
    "disability",
    "lgbtq",
    "consent_use_for_matching",
    "updated_at",
)


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _fields(obj, names) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


def _publications(profile: MentorProfile) -> dict | None:
    source = profile.publication_source
    if source is None and not profile.fetched_publications:
        return None
    return {
        "orcid": source.orcid if source else None,
        "identifiers": list(source.identifiers or []) if source else [],
        "last_fetched_at": _plain(source.fetched_at) if source else None,
        "fetched": [
            {
                **_fields(p, ("title", "abstract", "journal", "year", "pmid", "doi")),
                "from_orcid_record": p.origin == "orcid",
                "used_for_matching": p.included,
                "fetched_at": _plain(p.fetched_at),
            }
            for p in profile.fetched_publications
        ],
    }


def personal_data(user) -> dict:
    """The person's account, applications, mentor profile and offers, self-identification,
    the statement vectors made from their texts (semantic model), matches (the other person by
    name only), re-match requests and the history of their own records. Admins appear as
    "program team", never by address."""
    applications = list(
        db.session.scalars(
            db.select(Application).filter_by(trainee_id=user.id).order_by(Application.id)
        )
    )
    profile = MentorProfile.of_user(user)
    offers = list(profile.offers) if profile else []
    matches = list(
        db.session.scalars(
            db.select(Match)
            .join(Application, Match.application_id == Application.id)
            .join(MentorProfile, Match.mentor_id == MentorProfile.id)
            .where(or_(Application.trainee_id == user.id, MentorProfile.user_id == user.id))
            .order_by(Match.id)
        ).unique()
    )
    match_ids = [m.id for m in matches]
    requests = list(
        db.session.scalars(
            db.select(RematchRequest)
            .where(RematchRequest.match_id.in_(match_ids))
            .order_by(RematchRequest.id)
        ).unique()
    )
    nominees = [a.nominated_mentor for a in applications if a.nominated_mentor]
    entities = {
        "user": [user.id],
        "application": [a.id for a in applications],
        "nominated_mentor": [n.id for n in nominees],
        "mentor_profile": [profile.id] if profile else [],
        "mentor_offer": [o.id for o in offers],
        "match": match_ids,
        "rematch_request": [r.id for r in requests if r.requested_by_id == user.id],
    }
    clauses = [
        (AuditEvent.entity_type == kind) & AuditEvent.entity_id.in_(ids)
        for kind, ids in entities.items()
        if ids
    ]
    events = list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(or_(*clauses))
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )
    identity = self_identification_of(user)  # the person's own read: not an access to log
    surveys = db.session.scalars(
        db.select(SurveyResponse)
        .where(SurveyResponse.user_id == user.id)  # their own answers, never the other's
        .order_by(SurveyResponse.id)
    ).all()
    owners = [StatementEmbedding.application_id.in_(entities["application"])]
    if profile is not None:
        owners.append(StatementEmbedding.mentor_id == profile.id)
    vectors = list(
        db.session.scalars(
            db.select(StatementEmbedding).where(or_(*owners)).order_by(StatementEmbedding.id)
        )
    )
    alumni = AlumniRecord.of_user(user)
    awards = award_records(match_ids)

    def other_name(match: Match) -> str:
        if match.application.trainee_id == user.id:
            return match.mentor.full_name
        return match.application.full_name

    def actor(event: AuditEvent) -> str | None:
        if event.actor_id is None:
            return None
        return "you" if event.actor_id == user.id else "program team"

    return {
        "account": {
            "email": user.email,
            "role": user.role,
            "created_at": _plain(user.created_at),
            "email_confirmed_at": _plain(user.email_confirmed_at),
            "last_login_at": _plain(user.last_login_at),
        },
        "applications": [
            {
                "id": a.id,
                "cycle": a.cycle.name,
                **_fields(a, APPLICATION_FIELDS),
                "topics": a.topics,
                "nominated_mentor": (
                    {
                        "name": a.nominated_mentor.name,
                        "email": a.nominated_mentor.email,
                        "institution": a.nominated_mentor.institution,
                        "verified_at": _plain(a.nominated_mentor.verified_at),
                    }
                    if a.nominated_mentor
                    else None
                ),
            }
            for a in applications
        ],
        "mentor_profile": (
            {**_fields(profile, PROFILE_FIELDS), "topics": profile.topics} if profile else None
        ),
        "publications": _publications(profile) if profile else None,
        "mentor_offers": [
            {
                "cycle": o.cycle.name,
                "capacity": o.capacity,
                "roles": list(o.roles or []),
                "status": o.status,
                "created_at": _plain(o.created_at),
            }
            for o in offers
        ],
        "self_identification": _fields(identity, IDENTITY_FIELDS) if identity else None,
        "statement_vectors": [
            {
                "of": f"application {v.application_id}" if v.application_id else "mentor profile",
                "model": v.model,
                "computed_at": _plain(v.computed_at),
                "values": [round(float(x), 6) for x in unpack(v.vector)],
            }
            for v in vectors
        ],
        "alumni": (
            {
                "consented_at": _plain(alumni.consented_at),
                "follow_up_email": alumni.email,
                "follow_ups": [
                    {"year": r.year, **_fields(r, FollowUpResponse.ANSWER_FIELDS)}
                    for r in alumni.responses
                ],
            }
            if alumni
            else None
        ),
        "matches": [
            {
                "id": m.id,
                "cycle": m.cycle.name,
                "role": m.role,
                "status": m.status,
                "with": other_name(m),
                "confirmed_at": _plain(m.confirmed_at),
                "ended_at": _plain(m.ended_at),
            }
            for m in matches
        ],
        "award_milestones": [
            {
                "match_id": m.match_id,
                "milestone": m.title,
                "due_on": _plain(m.due_on),
                "status": m.status,
                "handed_in_at": _plain(m.submitted_at),
                "done_at": _plain(m.completed_at),
                "your_file": (
                    m.document.filename
                    if m.document and m.document.uploaded_by_id == user.id
                    else None
                ),
            }
            for m in awards.milestones
        ],
        "award_payments": [
            {
                "match_id": p.match_id,
                "payment": p.title,
                "amount": p.amount,
                "status": p.status,
                "released_at": _plain(p.released_at),
            }
            for p in awards.payments
            if p.match.application.trainee_id == user.id  # paid to the trainee
        ],
        "survey_answers": [
            {
                "match_id": r.match_id,
                "survey": r.survey,
                "answered_at": _plain(r.answered_at),
                "answers": [
                    {
                        "question": a.question.text,
                        "answer": a.rating if a.rating is not None else (a.choice or a.text),
                    }
                    for a in sorted(r.answers, key=lambda a: a.question.position)
                ],
            }
            for r in surveys
        ],
        "rematch_requests": [
            {
                "match_id": r.match_id,
                "requested_by_you": r.requested_by_id == user.id,
                "reason": r.reason if r.requested_by_id == user.id else None,
                "status": r.status,
                "created_at": _plain(r.created_at),
                "resolved_at": _plain(r.resolved_at),
            }
            for r in requests
        ],
        "history": [
            {
                "when": _plain(e.created_at),
                "record": e.entity_type,
                "record_id": e.entity_id,
                "action": e.action,
                "from": e.from_state,
                "to": e.to_state,
                "reason": e.reason,
                "by": actor(e),
            }
            for e in events
        ],
    }
