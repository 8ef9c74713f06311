"""Plain signs of a scam in a message no catalogue entry describes (issue 14)."""

from bot.signs.blocklist import ScamDomainLists, parse_domain_list

__all__ = ["ScamDomainLists", "parse_domain_list"]
