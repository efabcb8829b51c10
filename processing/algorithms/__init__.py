"""Thin Processing algorithm wrappers around the pure core (QGIS adapter tier)."""
