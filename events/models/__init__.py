"""The outreach records, one module per kind (see each module's docstring)."""

from .ceremony import (
    Ceremony,
    CeremonyGuest,
    Certificate,
    FairExhibitor,
    GuestCategory,
    GuestFeedback,
)
from .common import EvidenceFile, Language, OutreachRecord, programme_period
from .contracts import DEFAULT_AMOUNT, Contract, ContractTerms
from .letters import Letter, LetterAnswer
from .media import (
    ChannelSnapshot,
    MailingCampaign,
    Platform,
    Publication,
    PublicationReach,
    Video,
    VideoReach,
)
from .meetings import (
    FaqEntry,
    InfoMeeting,
    MeetingQuestion,
    ParticipantCategory,
    PartnerAgreement,
    PartnerMeeting,
    RosterEntry,
)

__all__ = [
    "DEFAULT_AMOUNT", "Ceremony", "CeremonyGuest", "Certificate", "ChannelSnapshot", "Contract",
    "ContractTerms", "EvidenceFile", "FairExhibitor", "FaqEntry", "GuestCategory",
    "GuestFeedback", "InfoMeeting", "Language", "Letter", "LetterAnswer", "MailingCampaign",
    "MeetingQuestion", "OutreachRecord", "ParticipantCategory", "PartnerAgreement",
    "PartnerMeeting", "Platform", "Publication", "PublicationReach", "RosterEntry", "Video",
    "VideoReach", "programme_period",
]
