"""Text that survives OpenEvolve's artifact filter unchanged.

OpenEvolve's ``artifact_security_filter`` redacts any run of 32 or more letters and
digits (mangled C++ names, long file names) and anything after ``token=`` or
``password:``. Everything the harness puts into an artifact goes through
:func:`artifact_safe` first, so the prompt shows what the harness wrote.
"""

from __future__ import annotations

import re

LONG_RUN = re.compile(r"[A-Za-z0-9]{32,}")
REDACTED_ASSIGNMENT = re.compile(r"(token|password)([=:])", re.IGNORECASE)


def artifact_safe(text: str) -> str:
    """Runs of 32+ letters and digits shortened to their first 20 and last 6 characters
    around a ``~`` (a mangled C++ name is unreadable anyway); ``token=`` or ``password:``
    with a space before the sign."""
    text = LONG_RUN.sub(lambda m: m.group(0)[:20] + "~" + m.group(0)[-6:], text)
    return REDACTED_ASSIGNMENT.sub(r"\1 \2", text)
