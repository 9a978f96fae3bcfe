"""Kafka: topic creation, the event producer, and the consumer runner."""
