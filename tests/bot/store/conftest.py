"""What the store tests share: a real-looking forwarded check request."""

from __future__ import annotations

import datetime as dt

from bot.checking import ChatType, CheckRequest, ForwardOrigin, ReportKind


def request(text: str = "Điện lực báo nợ tiền điện, chuyển khoản ngay", message_id: str | None = "42",
            kind: ReportKind = ReportKind.ASKED) -> CheckRequest:
    origin = ForwardOrigin("channel", "Tin Nóng Hội An", "-100987", dt.datetime(2024, 6, 1, 8, 30, tzinfo=dt.UTC))
    return CheckRequest(platform="telegram", chat_id="5001", chat_type=ChatType.PRIVATE, text=text,
                        user_id="5001", origin=origin, message_id=message_id, kind=kind)
