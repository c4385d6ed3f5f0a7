"""Compiling candidates into cached shared objects."""
