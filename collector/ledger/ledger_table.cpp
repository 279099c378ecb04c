#include "collector/ledger/ledger_table.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace uplinkprobe::collector {
namespace {

Cell localTime(const std::optional<int64_t>& ms) {
  if (!ms) return std::monostate{};
  std::time_t t = static_cast<std::time_t>(*ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return std::string(buf);
}

Cell num(const std::optional<double>& v, double scale = 1) {
  if (!v) return std::monostate{};
  return std::round(*v * scale * 10) / 10;
}

Cell yesNo(const std::optional<bool>& v) {
  if (!v) return std::monostate{};
  return std::string(*v ? "是" : "否");
}

const char* groupHeader(LedgerGrouping by) {
  switch (by) {
    case LedgerGrouping::kProvince:
      return "省份";
    case LedgerGrouping::kCity:
      return "市(州)";
    case LedgerGrouping::kCounty:
      return "县(市、区)";
    case LedgerGrouping::kCarrier:
      return "运营商";
    case LedgerGrouping::kSchool:
      return "学校代码";
  }
  return "";
}

}  // namespace

const char* schoolStateLabel(SchoolState s) {
  switch (s) {
    case SchoolState::kLive:
      return "正常上报";
    case SchoolState::kStale:
      return "超时未报";
    case SchoolState::kNever:
      return "从未上报";
  }
  return "";
}

LedgerTable ledgerTable(const Ledger& l) {
  LedgerTable t;
  if (l.by == LedgerGrouping::kSchool) {
    t.columns = {"学校代码",         "学校名称",      "市(州)",           "县(市、区)",
                 "运营商",           "上报状态",      "设备数",           "最后上报",
                 "最近计入测试",     "计入测试次数",  "下行中位数(Mbps)", "下行P10(Mbps)",
                 "上行中位数(Mbps)", "上行P10(Mbps)", "达标测试占比(%)",  "在校时段在线率(%)",
                 "合同下行(Mbps)",   "是否达标",      "低于合同",         "未关闭告警",
                 "缺失记录"};
    for (const auto& s : l.schools) {
      t.rows.push_back({s.school_id,
                        s.name,
                        s.city,
                        s.county,
                        s.carrier,
                        std::string(schoolStateLabel(s.state)),
                        int64_t{s.devices},
                        localTime(s.last_seen_ms),
                        localTime(s.last_counted_test_ms),
                        s.tests,
                        num(s.median_down_mbps),
                        num(s.p10_down_mbps),
                        num(s.median_up_mbps),
                        num(s.p10_up_mbps),
                        num(s.share_at_target, 100),
                        num(s.uptime_school_hours, 100),
                        num(s.contracted_down_mbps),
                        yesNo(s.meets_target),
                        yesNo(s.below_contract),
                        s.open_alerts,
                        s.missing_seq});
    }
    return t;
  }
  t.columns = {groupHeader(l.by), "学校数",    "上报学校数",     "上报率(%)",
               "达标学校数",      "达标率(%)", "低于合同学校数", "未关闭告警"};
  for (const auto& g : l.groups) {
    t.rows.push_back({g.group.empty() ? std::string("未填") : g.group, g.schools, g.reporting,
                      num(g.reporting_pct), g.meeting_target, num(g.meeting_target_pct),
                      g.below_contract, g.open_alerts});
  }
  return t;
}

}  // namespace uplinkprobe::collector
