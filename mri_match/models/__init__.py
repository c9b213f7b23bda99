"""The domain model. Importing this package registers every table with the metadata."""

from .accounts import ROLES, User, awaiting_confirmation, normalise_email, session_user_condition
from .alumni import AlumniRecord, FollowUpResponse, FormerTraineeLink
from .audit import AuditEvent, TransitionError, history, record
from .awards import (
    COMPLETERS,
    AwardTemplate,
    Milestone,
    MilestoneDocument,
    MilestoneTemplate,
    Payment,
    PaymentTemplate,
    StoredFile,
)
from .embeddings import StatementEmbedding
from .identity import (
    SelfIdentification,
    SelfIdentificationAccess,
    SelfIdentificationDenied,
    log_self_identification_access,
    may_view_self_identification,
    self_identification_of,
    self_identifications_for,
)
from .matching import (
    LIVE_MATCH_STATES,
    MATCH_STATES,
    PROPOSAL_REVIEW_ORDER,
    Match,
    MatchRun,
    PairRule,
    Proposal,
    RematchRequest,
    UnmatchedOutcome,
)
from .mentorship import (
    CHECKIN_RATINGS,
    MEETING_FORMATS,
    CheckIn,
    Meeting,
    refresh_pair_summaries,
    utc_date,
)
from .notifications import SentReminder
from .profiles import (
    APPLICATION_STATES,
    Application,
    ApplicationTopic,
    MentorOffer,
    MentorProfile,
    MentorTopic,
    NominatedMentor,
)
from .program import CYCLE_STATES, Cycle
from .publications import Publication, PublicationSource, publication_matching_text
from .surveys import SurveyAnswer, SurveyQuestion, SurveyResponse
from .types import utcnow

__all__ = [
    "COMPLETERS",
    "AwardTemplate",
    "Milestone",
    "MilestoneDocument",
    "MilestoneTemplate",
    "Payment",
    "PaymentTemplate",
    "StoredFile",
    "AlumniRecord",
    "FollowUpResponse",
    "FormerTraineeLink",
    "CHECKIN_RATINGS",
    "LIVE_MATCH_STATES",
    "MATCH_STATES",
    "MEETING_FORMATS",
    "CheckIn",
    "Meeting",
    "refresh_pair_summaries",
    "utc_date",
    "SentReminder",
    "SurveyAnswer",
    "SurveyQuestion",
    "SurveyResponse",
    "StatementEmbedding",
    "PROPOSAL_REVIEW_ORDER",
    "APPLICATION_STATES",
    "CYCLE_STATES",
    "ROLES",
    "Application",
    "ApplicationTopic",
    "AuditEvent",
    "Cycle",
    "Match",
    "MatchRun",
    "MentorOffer",
    "MentorProfile",
    "MentorTopic",
    "NominatedMentor",
    "PairRule",
    "Publication",
    "PublicationSource",
    "publication_matching_text",
    "Proposal",
    "RematchRequest",
    "SelfIdentification",
    "SelfIdentificationAccess",
    "SelfIdentificationDenied",
    "TransitionError",
    "UnmatchedOutcome",
    "User",
    "awaiting_confirmation",
    "history",
    "log_self_identification_access",
    "may_view_self_identification",
    "normalise_email",
    "session_user_condition",
    "record",
    "self_identification_of",
    "self_identifications_for",
    "utcnow",
]
