"""The officers' web desk: the review queue, the catalogue, the figures, the audit and the exports in a
browser, served by the bot's process on `web.listen`, through the same use cases as the chat desk."""
