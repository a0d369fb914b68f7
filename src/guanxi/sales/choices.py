"""Choices of the sales app, with translatable labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadSource(models.TextChoices):
    WEB = "web", _("Web form")
    PHONE = "phone", _("Phone enquiry")
    EMAIL = "email", _("E-mail enquiry")
    REFERRAL = "referral", _("Referral")
    TRADE_SHOW = "trade_show", _("Trade show")
    CAMPAIGN = "campaign", _("Campaign")
    ADVERTISING = "advertising", _("Advertising")
    PARTNER = "partner", _("Partner")
    COLD_CALL = "cold_call", _("Cold call")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    OTHER = "other", _("Other")


#: the account source a converted lead's account gets
ACCOUNT_SOURCE_OF_LEAD = {
    "web": "web", "referral": "referral", "trade_show": "trade_show", "cold_call": "cold_call",
    "advertising": "advertising", "campaign": "advertising", "partner": "partner", "import": "import",
}


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    WORKING = "working", _("Working")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")


OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED)

#: the status flow: from -> the statuses a user may move a lead to by hand
LEAD_TRANSITIONS = {
    LeadStatus.NEW: {LeadStatus.WORKING, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED},
    LeadStatus.WORKING: {LeadStatus.NEW, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED},
    LeadStatus.QUALIFIED: {LeadStatus.WORKING, LeadStatus.DISQUALIFIED},
    LeadStatus.DISQUALIFIED: {LeadStatus.WORKING},
    LeadStatus.CONVERTED: set(),
}


class DisqualifyReason(models.TextChoices):
    NO_BUDGET = "no_budget", _("No budget")
    NO_NEED = "no_need", _("No need")
    NO_AUTHORITY = "no_authority", _("Not a decision maker")
    BAD_TIMING = "bad_timing", _("Bad timing")
    COMPETITOR = "competitor", _("Chose a competitor")
    UNREACHABLE = "unreachable", _("Cannot be reached")
    DUPLICATE = "duplicate", _("Duplicate")
    SPAM = "spam", _("Spam")
    OTHER = "other", _("Other")


class LeadRating(models.TextChoices):
    HOT = "hot", _("Hot")
    WARM = "warm", _("Warm")
    COLD = "cold", _("Cold")


class RuleOperator(models.TextChoices):
    EQUALS = "eq", _("equals")
    NOT_EQUALS = "ne", _("does not equal")
    CONTAINS = "contains", _("contains")
    IN = "in", _("is one of (comma-separated)")
    NOT_EMPTY = "not_empty", _("is filled in")
    EMPTY = "empty", _("is empty")
    AT_LEAST = "gte", _("is at least")
    AT_MOST = "lte", _("is at most")


class ScoredField(models.TextChoices):
    """Lead fields a scoring rule may look at."""

    NAME = "name", _("name")
    SOURCE = "source", _("source")
    RATING = "rating", _("rating")
    INDUSTRY = "industry", _("industry")
    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    TITLE = "title", _("job title")
    COMPANY = "company", _("company")
    EMAIL = "email", _("e-mail")
    PHONE = "phone", _("phone")
    CAMPAIGN = "campaign", _("campaign")
    EMPLOYEES = "employees", _("employees")
    BUDGET = "budget", _("budget")


class AssignmentMethod(models.TextChoices):
    TERRITORY = "territory", _("A member of the lead's territory (fewest open leads)")
    ROUND_ROBIN = "round_robin", _("Round robin within a team")
    LEAST_LOAD = "least_load", _("Team member with the fewest open leads")
    USER = "user", _("A fixed user")


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", _("Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMIT = "commit", _("Commit")
    OMITTED = "omitted", _("Omitted")
    CLOSED = "closed", _("Closed")


class CloseReason(models.TextChoices):
    PRICE = "price", _("Price")
    PRODUCT_FIT = "product_fit", _("Product fit")
    RELATIONSHIP = "relationship", _("Relationship")
    COMPETITOR = "competitor", _("Competitor")
    TIMING = "timing", _("Timing")
    BUDGET = "budget", _("Budget")
    NO_DECISION = "no_decision", _("No decision")
    OTHER = "other", _("Other")


class ActivityKind(models.TextChoices):
    TASK = "task", _("Task")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Visit")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    SUPERSEDED = "superseded", _("Superseded")


#: statuses in which a quote's lines may still change
EDITABLE_QUOTE_STATUSES = ("draft", "rejected", "approved")


class OrderStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    IN_PROGRESS = "in_progress", _("In progress")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    INVOICED = "invoiced", _("Invoiced")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


ORDER_TRANSITIONS = {
    "confirmed": {"in_progress", "cancelled"},
    "in_progress": {"shipped", "cancelled"},
    "shipped": {"delivered"},
    "delivered": {"invoiced"},
    "invoiced": {"paid"},
    "paid": set(),
    "cancelled": set(),
}


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    RENEWED = "renewed", _("Renewed")
    TERMINATED = "terminated", _("Terminated")


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")


class ExpenseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ExpenseCategory(models.TextChoices):
    TRAVEL = "travel", _("Travel")
    LODGING = "lodging", _("Lodging")
    MEALS = "meals", _("Meals")
    TRANSPORT = "transport", _("Local transport")
    ENTERTAINMENT = "entertainment", _("Customer entertainment")
    GIFTS = "gifts", _("Gifts")
    OTHER = "other", _("Other")


class BundlePricing(models.TextChoices):
    FIXED = "fixed", _("the bundle's own price")
    SUM = "sum", _("sum of the components, less the bundle discount")
