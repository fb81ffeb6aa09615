"""The local test server with named misbehaviours; it lives in pipeline.demo.server."""

from pipeline.demo.server import Flaky, Reply, Seen, TestServer

__all__ = ["Flaky", "Reply", "Seen", "TestServer"]
