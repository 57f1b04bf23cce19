"""Shared internals: units at the boundary, validation, optional numba, random generators."""
