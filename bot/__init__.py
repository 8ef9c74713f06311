"""Kiểm Chứng core: catalogue, normalisation, matching, storage and use cases. No platform imports."""
