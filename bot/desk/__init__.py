"""The officers' desk: rights, the catalogue they edit, the review queue, follow-ups, feedback, statistics, exports."""
