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
