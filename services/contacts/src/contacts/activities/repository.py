"""Activities (calls, e-mails, meetings, tasks, notes) in MongoDB: one timeline per
contact, account or deal, newest first by ``occurred_at``."""

from __future__ import annotations

from pymongo import DESCENDING

from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.repository import Repository, newest_first

ACTIVITIES = "activities"
TIMELINE: SortKeys = newest_first("occurred_at")
_BY_OCCURRED = [("occurred_at", DESCENDING), ("_id", DESCENDING)]

ACTIVITY_INDEXES = CollectionIndexes(
    ACTIVITIES,
    [
        index([("tenant_id", 1), *_BY_OCCURRED], name="tenant_occurred"),
        index([("tenant_id", 1), ("contact_id", 1), *_BY_OCCURRED], name="tenant_contact"),
        index([("tenant_id", 1), ("account_id", 1), *_BY_OCCURRED], name="tenant_account"),
        index([("tenant_id", 1), ("deal_id", 1), *_BY_OCCURRED], name="tenant_deal"),
        index([("tenant_id", 1), ("owner_id", 1), *_BY_OCCURRED], name="tenant_owner"),
        index([("tenant_id", 1), ("kind", 1), ("done", 1), *_BY_OCCURRED], name="tenant_kind"),
    ],
)


class ActivityRepository(Repository):
    """Activities of one tenant."""

    collection_name = ACTIVITIES
    kind = "activity"
