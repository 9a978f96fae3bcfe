"""Service settings: one pydantic-settings class per service, one env prefix each."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Settings every service shares; subclass with ``env_prefix="CRM_<NAME>_"``."""

    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore")

    service_name: str = "service"
    mongo_url: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongo_db: str = ""
    mongo_retry_writes: bool = False
    mongo_transactions_in_flight: int = Field(default=16, ge=1, le=1000)
    """Transactions one process keeps open at once; the rest wait their turn in the
    process (on the embedded server every session that ever ran a transaction slows each
    later transaction statement, so unbounded concurrency under overload made it worse)."""
    mongo_max_pool_size: int = Field(default=100, ge=1)
    """Connections a process keeps to its database server at most (PyMongo's default is
    100); operations beyond wait for a free one."""
    mongo_timeout_ms: int = Field(default=3000, ge=100)
    mongo_heartbeat_ms: int = Field(default=1000, ge=500)
    """How often the client checks the server. One that stops answering is noticed within
    this plus ``mongo_timeout_ms``, and the operations waiting on it fail then (PyMongo's
    default of 10 s let a request hang that long on a frozen server)."""
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_idempotence: bool = False
    kafka_partitions: int = Field(default=6, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)
    kafka_retention_ms: int | None = Field(default=None, ge=-1)
    """``retention.ms`` of the topics a service creates (None: the broker's default,
    -1: keep forever). Applies at creation; an existing topic keeps its own."""
    kafka_dlq_retention_ms: int | None = Field(default=None, ge=-1)
    """``retention.ms`` of dead-letter topics (None: the broker's default)."""
    kafka_session_timeout_ms: int = Field(default=10_000, ge=500)
    kafka_heartbeat_interval_ms: int = Field(default=3_000, ge=100)
    kafka_fetch_max_wait_ms: int = Field(default=500, ge=0)
    """How long the broker may hold an idle consumer's fetch (a long poll). Kafka answers
    a waiting fetch as soon as data arrives, so a long wait costs no latency there."""
    kafka_fetch_busy_wait_ms: int | None = Field(default=None, ge=0)
    """A shorter wait while records keep coming, for brokers that hold a fetch until its
    wait runs out even when data arrived (the embedded one): consumers fetch eagerly
    while busy and long-poll once idle for ``kafka_fetch_idle_after_ms``. None: one wait."""
    kafka_fetch_idle_after_ms: int = Field(default=2_000, ge=0)
    consumer_max_attempts: int = Field(default=5, ge=1)
    consumer_retry_backoff_ms: int = Field(default=100, ge=1)
    consumer_partition_concurrency: int = Field(default=0, ge=0)
    """Partitions a consumer handles at once (0: every partition of a fetch). The embedded
    server slows every statement for each open transaction, so ``crm up`` uses 1."""
    consumer_batch_size: int = Field(default=50, ge=1)
    """Consecutive records of a partition applied in one transaction (1: one each)."""
    import_jobs_per_instance: int = Field(default=2, ge=1)
    """CSV imports an instance runs at once (a tenant runs one of each kind at a time)."""
    import_batch_size: int = Field(default=10, ge=1, le=5000)
    """Rows per import transaction. Small: the embedded database serialises transaction
    statements, so a batch holds up every other write of the service while it commits
    (``bench.neighbours``: with 500-row batches another tenant's creates timed out; at
    100 rows/s, 50-row batches made their p99 4.6x what it was alone, 10-row ones 1.3x)."""
    import_rows_per_second: float = Field(default=100, ge=0)
    """Each running import's budget (0: none): bulk work leaves room for interactive work
    and for the consumers of its events (``bench.neighbours``: in 10-row batches, 100
    rows/s kept another tenant's create p99 at 1.3x alone, 250 rows/s at 2.9x)."""
    import_yield_ms: int = Field(default=200, ge=0)
    """Before each batch an import waits up to this long for this instance's interactive
    requests in flight to finish."""
    import_wait_s: float = Field(default=60, ge=0)
    """How long ``POST .../import`` without ``Prefer: respond-async`` waits for its job
    before answering 202 with the job's URL instead of the report."""
    import_claim_s: float = Field(default=60, gt=0)
    """A running import's claim, renewed by every batch; once it expires (its instance
    died), another instance resumes the import from its last batch."""
    import_poll_s: float = Field(default=30, gt=0)
    """The runner's safety-net look for jobs queued through other instances (an upload
    wakes its own instance's runner at once)."""
    topic_prefix: str = "crm."
    kafka_group_prefix: str = ""
    """Put before every consumer group id, to keep apart deployments (or test runs) that
    share a broker and name their topics apart with ``topic_prefix``. Changing it starts
    new groups: they read their topics from the oldest retained record."""
    outbox_poll_interval_s: float = Field(default=5.0, gt=0)
    """The relay's safety-net scan; commits of this process wake it at once, and
    ``outbox_watch`` wakes it for commits of other instances."""
    outbox_watch: bool = True
    """Wake the relay by a change stream on the outbox, for commits of other instances of
    the service (``crm up`` runs one instance of each and turns it off)."""
    outbox_lease_s: float = Field(default=10.0, gt=0)
    outbox_batch_size: int = Field(default=500, ge=1)
    expiry_interval_s: float = Field(default=300.0, gt=0)
    """How often old inbox keys, idempotency records, delivery logs and the like are
    deleted (they outlive their retention by at most this long)."""
    cache_ttl_s: float = Field(default=2.0, ge=0)
    """How long a tenant's cached configuration or rules are used before they are read
    again: how late this instance sees a change made through another one (its own changes
    take effect at once)."""
    jwt_public_key: str = ""
    jwt_jwks_url: str = ""
    jwt_issuer: str = "crm-gateway"
    jwt_audience: str = "crm"
    log_level: str = "INFO"
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_page_size: int = Field(default=200, ge=1)
    list_windowing: bool = False
    """Read newest-first lists through time windows (on for the embedded server)."""
    cors_origins: list[str] = Field(default_factory=list)

    @property
    def database_name(self) -> str:
        """The service's own MongoDB database, ``crm_<service>`` unless overridden."""
        return self.mongo_db or f"crm_{self.service_name}"

    def topic(self, owner: str) -> str:
        """Topic name of the service ``owner`` (``crm.leads``)."""
        return f"{self.topic_prefix}{owner}"

    def group_id(self, group: str) -> str:
        """The Kafka group id of the consumer group ``group`` (``leads``)."""
        return f"{self.kafka_group_prefix}{group}"

    def dlq_topic(self, group: str) -> str:
        """Dead-letter topic of one consumer group (``crm.dlq.leads``)."""
        return f"{self.topic_prefix}dlq.{group}"

    def topic_config(self, topic: str) -> dict[str, str]:
        """Topic-level configs a new topic is created with (retention for now)."""
        is_dlq = topic.startswith(f"{self.topic_prefix}dlq.")
        retention = self.kafka_dlq_retention_ms if is_dlq else self.kafka_retention_ms
        return {} if retention is None else {"retention.ms": str(retention)}
