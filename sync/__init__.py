"""The marketplace face: adapters, the push/pull engine, webhook processing, scheduled jobs."""
