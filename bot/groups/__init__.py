"""Groups: the watch-mode policy and its gates, the check limit, the settings admins choose, the watch use case."""
