"""Enumerations with the values the agent API documents, exactly as on the wire."""

from __future__ import annotations

import enum


class DestinationType(enum.StrEnum):
    """Where a posted message goes (postMessage ``destinationType``)."""

    NONE = "NONE"
    AGENT = "AGENT"
    END_USER = "END_USER"
    ENGAGEMENT = "ENGAGEMENT"
    GROUP = "GROUP"
    PROFILE = "PROFILE"
    QUEUE = "QUEUE"
    SUBSCRIPTION_AGENT_STATS = "SUBSCRIPTION_AGENT_STATS"
    SUBSCRIPTION_AGENT_STATS_BY_GROUP = "SUBSCRIPTION_AGENT_STATS_BY_GROUP"
    SUBSCRIPTION_AGENT_STATS_BY_QUEUE = "SUBSCRIPTION_AGENT_STATS_BY_QUEUE"
    SUBSCRIPTION_AGENT_GROUP_STATS = "SUBSCRIPTION_AGENT_GROUP_STATS"
    SUBSCRIPTION_ENGAGEMENT_STATS = "SUBSCRIPTION_ENGAGEMENT_STATS"
    SUBSCRIPTION_ENGAGEMENT_STATS_BY_QUEUE = "SUBSCRIPTION_ENGAGEMENT_STATS_BY_QUEUE"
    SUBSCRIPTION_ENGAGEMENT_STATS_BY_AGENT = "SUBSCRIPTION_ENGAGEMENT_STATS_BY_AGENT"
    SUBSCRIPTION_QUEUE_STATS = "SUBSCRIPTION_QUEUE_STATS"
    SYSTEM = "SYSTEM"
    UNIVERSAL_QUEUE = "UNIVERSAL_QUEUE"
    UNKNOWN = "UNKNOWN"


class Visibility(enum.StrEnum):
    """Who sees a message or signal."""

    NONE = "NONE"
    ALL = "ALL"
    NOT_ENDUSER = "NOT_ENDUSER"


class MessageType(enum.StrEnum):
    """postMessage ``messageType``: the reference allows only ``TEXT``."""

    TEXT = "TEXT"


class AssignmentAction(enum.StrEnum):
    """assignmentAcknowledgement ``action``: the answer to an offered engagement."""

    NONE = "NONE"
    ACCEPT = "ACCEPT"
    DECLINE = "DECLINE"
    UNAVAILABLE = "UNAVAILABLE"
    AVAILABLE = "AVAILABLE"


class AssignmentActionType(enum.StrEnum):
    """assignmentAcknowledgement ``actionType``."""

    NONE = "NONE"
    MANUAL = "MANUAL"
    AUTO = "AUTO"


class AssignmentType(enum.StrEnum):
    """assignmentAcknowledgement ``assignmentType``."""

    NONE = "NONE"
    CONFERENCE = "CONFERENCE"
    LEAD = "LEAD"
    TRANSFER = "TRANSFER"
    MONITOR = "MONITOR"


class AgentStatus(enum.StrEnum):
    """setActivityStatus ``status``."""

    NONE = "NONE"
    AVAILABLE = "AVAILABLE"
    UNAVAILABLE = "UNAVAILABLE"


class InteractionMode(enum.StrEnum):
    """setInteractionStatus ``mode`` (``ChatActivitySignal.mode`` adds ``NONE``)."""

    NONE = "NONE"
    LISTENING = "LISTENING"
    RESPONDING = "RESPONDING"


class SneakPreviewState(enum.StrEnum):
    """setInteractionStatus ``sneakPreviewState``; the docs print each value with
    its explanation, the wire token is the part before the colon."""

    NONE = "NONE"
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    SITE_UNAVAILABLE = "SITE_UNAVAILABLE"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


class PropertyType(enum.StrEnum):
    """Whose property setEngagementProperty and modifyProperties set."""

    ENGAGEMENT = "ENGAGEMENT"
    USER = "USER"


class EngagementPropertyName(enum.StrEnum):
    """The property names the docs list (the enum is cut off there, so the
    request field itself accepts any name)."""

    FIRST_NAME = "FIRST_NAME"
    LAST_NAME = "LAST_NAME"
    EMAIL = "EMAIL"
    QUESTION = "QUESTION"
    PRODUCT_ID = "PRODUCT_ID"
    CATEGORY_ID = "CATEGORY_ID"
    CONTACT_ID = "CONTACT_ID"
    INCIDENT_ID = "INCIDENT_ID"


class CustomFieldType(enum.StrEnum):
    """The type of a ``RestApiCustomField``."""

    BOOLEAN = "BOOLEAN"
    DATE = "DATE"
    DATETIME = "DATETIME"
    INTEGER = "INTEGER"
    LONG = "LONG"
    STRING = "STRING"
    DECIMAL = "DECIMAL"


# --- the values of the messages getMessages delivers ([OL]: Oracle's legacy
# client of the same chat server; see each message's docstring) -------------


class ChatMessageType(enum.StrEnum):
    """``messageType`` of a delivered message [OL]: at least these two; others are kept as text."""

    TEXT = "TEXT"
    ACTIVITY_SIGNAL = "ACTIVITY_SIGNAL"


class ParticipantRole(enum.StrEnum):
    """``role`` of an engagement's participant [OL]."""

    LEAD = "LEAD"
    CONFEREE = "CONFEREE"


class DisconnectReason(enum.StrEnum):
    """``reason`` of a ``ChatDisconnectNotification`` [OL]."""

    AGENT_CONCLUDED = "AGENT_CONCLUDED"
    END_USER_CONCLUDED = "END_USER_CONCLUDED"
    QUEUE_TIMEOUT = "QUEUE_TIMEOUT"
    IDLE_TIMEOUT = "IDLE_TIMEOUT"
    EJECTED = "EJECTED"
    TRANSFERRED_TO_QUEUE = "TRANSFERRED_TO_QUEUE"
    PARTICIPANT_LEFT = "PARTICIPANT_LEFT"
    NO_AGENTS_AVAILABLE = "NO_AGENTS_AVAILABLE"


class EngagementConnectionState(enum.StrEnum):
    """``connectionState`` of a ``ChatEngagementUpdateNotification`` [OL]: the other party's link."""

    ABSENT = "ABSENT"
    ACTIVE = "ACTIVE"
    DISCONNECTED = "DISCONNECTED"


class ConfigChangeName(enum.StrEnum):
    """``name`` of a ``ChatConfigChangeNotification``: the one Oracle's client acts on [OL].

    Other names may exist; Oracle's client ignores them.
    """

    #: ``value`` is the session's new pool, the ``?pool=`` of every later request.
    CHAT_CLUSTER_POOL_ID = "CHAT_CLUSTER_POOL_ID"
