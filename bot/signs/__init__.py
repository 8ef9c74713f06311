"""Plain signs of a scam in a message no catalogue entry describes (issue 14).

The core knows nothing of any platform. Build a `SignReader` once (`SignReader.open(lists,
threshold)` with `indicators.scam_domain_lists` and `signs.threshold` from the config) and call
`read(text)` for each message: a `SignReading` names every sign found (`Sign.name` is one of
`SIGN_NAMES`, stable for JSON and for wording), its detail and weight, the score, the threshold
and whether the message is `suspicious`. `read_signs(text)` does the same on the shipped data.
"""

from bot.signs.blocklist import ScamDomainLists, parse_domain_list
from bot.signs.reader import DEFAULT_THRESHOLD, SIGN_NAMES, Sign, SignReader, SignReading, read_signs

__all__ = ["DEFAULT_THRESHOLD", "SIGN_NAMES", "ScamDomainLists", "Sign", "SignReader", "SignReading",
           "parse_domain_list", "read_signs"]
