"""Errors of the profilers that run external tools and parse their output."""

from __future__ import annotations


class ProfilerOutputError(ValueError):
    """A tool's output is malformed or truncated and cannot be read."""


class ToolFailedError(RuntimeError):
    """An external tool failed, was refused or timed out; the message says how."""
