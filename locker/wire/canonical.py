"""The exact bytes a signature covers: JSON with sorted keys and no spacing."""

from __future__ import annotations

import json
from typing import Any


def canonical_bytes(body: Any) -> bytes:
    """One spelling per value, so that signer and checker hash the same bytes."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
