"""The officers' button payloads: versioned, validated, short enough for Telegram."""

from __future__ import annotations

import pytest

from bot.desk.payloads import Payload, PayloadError, parse_payload


def test_payloads_are_versioned_validated_and_short() -> None:
    assert parse_payload("v1:of:ln:12:evn-cat-dien-no-tien") == Payload("ln", ("12", "evn-cat-dien-no-tien"))
    assert parse_payload("v0:of:ln:12:evn-cat-dien-no-tien") is PayloadError.STALE
    for forged in ("v1:of:ln:12:<b>", "v1:of:ln:abc:evn", "v1:of:rm:12", "v1:of:vd:maybe", "v1:grp:x", "x",
                   "v1:of:ln:12:" + "a" * 60):
        assert parse_payload(forged) is PayloadError.INVALID, forged
    with pytest.raises(ValueError, match="64 bytes"):
        Payload("ln", ("123456789012", "a" * 60)).encode()
