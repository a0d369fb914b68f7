"""Models of the sales app, split by subdomain."""

from .leads import Lead, LeadAssignmentRule, LeadScoringRule, WebToLeadForm
from .opportunities import Competitor, Opportunity, Pipeline, Stage, StageChange

__all__ = [
    "Competitor", "Lead", "LeadAssignmentRule", "LeadScoringRule", "Opportunity", "Pipeline", "Stage", "StageChange",
    "WebToLeadForm",
]
