"""Models of the sales app, split by subdomain."""

from .activities import Activity, ActivityAttendee, CalendarFeed
from .board import OpportunityStageTotal
from .catalog import BundleComponent, OpportunityLine, ProductOption, ProductOptionGroup, ProductOptionPrice, TaxRate
from .commissions import CommissionAssignment, CommissionLine, CommissionPlan, CommissionRule, CommissionStatement, CommissionTier
from .contracts import Contract
from .expenses import ExpenseClaim, ExpenseLine
from .forecasts import ForecastAdjustment, Quota
from .knowledge import KnowledgeComment, KnowledgeHelpful, KnowledgePost
from .leads import Lead, LeadAssignmentRule, LeadScoringRule, WebToLeadForm
from .opportunities import Competitor, Opportunity, Pipeline, Stage, StageChange
from .quotes import PriceBook, PriceBookEntry, Product, Quote, QuoteLine, SalesOrder
from .win_rates import OwnerStageOutcome

__all__ = [
    "Activity", "ActivityAttendee", "CalendarFeed",
    "CommissionAssignment", "CommissionLine", "CommissionPlan", "CommissionRule", "CommissionStatement", "CommissionTier", "Contract", "ExpenseClaim", "ExpenseLine", "ForecastAdjustment", "Quota",
    "Competitor", "Lead", "LeadAssignmentRule", "LeadScoringRule", "Opportunity", "Pipeline", "Stage", "StageChange",
    "WebToLeadForm", "PriceBook", "PriceBookEntry", "Product", "Quote", "QuoteLine", "SalesOrder",
    "BundleComponent", "KnowledgeComment", "KnowledgeHelpful", "KnowledgePost", "OpportunityLine", "ProductOption",
    "ProductOptionGroup", "ProductOptionPrice", "TaxRate", "OpportunityStageTotal", "OwnerStageOutcome",
]
