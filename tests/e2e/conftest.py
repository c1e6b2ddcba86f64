"""Fixtures only the pty tests need: the second, TLS-only daemon."""

from __future__ import annotations

import pytest

from tests import tls_engine

tls_daemon = pytest.fixture(scope="session")(tls_engine.serve)
