"""Helpers shared by the test tiers (importable as ``citytwin_testing``)."""
