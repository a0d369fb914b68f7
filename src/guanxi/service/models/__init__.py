"""Models of customer service: queues and agents, cases and their notes, links and attachments, SLA."""

from .knowledge import Article, ArticleCategory, ArticleFeedback, ArticleVersion
from .assets import (
    Entitlement, EntitlementUsage, InstalledProduct, Rma, RmaLine, ServiceContract, ServiceNumberSequence, WarrantyTerm,
)
from .fieldservice import Technician, TechnicianTimeOff, VisitReport, WorkOrder, WorkOrderNumberSequence, WorkOrderPart
from .cases import Case, CaseAttachment, CaseCategory, CaseEscalation, CaseLink, CaseNote, CaseNumberSequence, case_search_text
from .queues import AgentProfile, Queue, QueueMember
from .sla import BusinessCalendar, CalendarDay, SlaPolicy, SlaTarget

__all__ = [
    "Article", "ArticleCategory", "ArticleFeedback", "ArticleVersion",
    "AgentProfile", "BusinessCalendar", "CalendarDay", "Case", "CaseAttachment", "CaseCategory", "CaseEscalation", "CaseLink", "CaseNote",
    "CaseNumberSequence", "Entitlement", "EntitlementUsage", "InstalledProduct", "Queue", "QueueMember", "Rma", "RmaLine", "ServiceContract", "ServiceNumberSequence", "SlaPolicy", "SlaTarget", "WarrantyTerm",
    "Technician", "TechnicianTimeOff", "VisitReport", "WorkOrder", "WorkOrderNumberSequence", "WorkOrderPart", "case_search_text",
]
