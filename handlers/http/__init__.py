"""The bot's own HTTP side for operators: the health check and the Prometheus metrics."""
