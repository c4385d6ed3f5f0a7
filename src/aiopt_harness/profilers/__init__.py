"""Profilers: each turns one candidate run into a ProfileSection (available or not, and why)."""
