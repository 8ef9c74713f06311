"""Pending reports grouped by question: near-duplicates together, different rumors apart."""

from __future__ import annotations

import datetime as dt

from bot.desk.grouping import group_reports
from bot.store.reports import ReportRow


def report(report_id: int, text: str, user: str) -> ReportRow:
    return ReportRow(report_id, dt.datetime(2024, 5, 20, 8, report_id, tzinfo=dt.UTC), "telegram", user, "private",
                     user, str(report_id), "asked", text, None, None, None, None, None, 0.0, "none")


def test_near_duplicates_are_grouped_and_different_rumors_are_not() -> None:
    rumor = "Nghe nói từ tháng sau đi xe máy không mang giấy đăng ký xe bản gốc là bị phạt 5 triệu đồng, thật không?"
    reports = [
        report(4, "CHIA SẺ GẤP!! " + rumor.upper(), "5004"),
        report(3, "Nghe noi tu thang sau di xe may khong mang giay dang ky xe ban goc la bi phat 5 trieu dong", "5003"),
        report(2, "Nghe nói từ tháng sau đi ô tô không mang giấy phép lái xe là bị phạt 5 triệu đồng, thật không?",
               "5002"),
        report(1, rumor, "5001"),
    ]
    groups = group_reports(reports)
    assert [g.report_ids for g in groups] == [[4, 3, 1], [2]]
    assert groups[0].askers == 3 and groups[0].lead.id == 4
