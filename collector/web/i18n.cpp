#include "collector/web/i18n.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace uplinkprobe::collector::web {

namespace {

struct Entry {
  std::string_view key, zh, en;
};

// Sorted by key at first use (binary search afterwards).
Entry kEntries[] = {
    {"app.title", "中小学宽带台账", "School broadband ledger"},
    {"nav.overview", "全省概览", "Province overview"},
    {"nav.below", "未达标学校", "Below target"},
    {"nav.logout", "退出", "Log out"},
    {"nav.lang", "English", "中文"},
    {"nav.signed_in", "当前用户", "Signed in as"},
    {"nav.scope", "范围", "Scope"},
    {"scope.province", "全省", "whole province"},
    {"login.title", "登录", "Log in"},
    {"login.user", "用户名", "User name"},
    {"login.password", "密码", "Password"},
    {"login.submit", "登录", "Log in"},
    {"login.failed", "用户名或密码错误。", "Wrong user name or password."},
    {"login.limited", "登录失败次数过多，请稍后再试。",
     "Too many failed logins from this address; try again later."},
    {"login.expired", "表单已过期，请重新登录。", "The form expired; please log in again."},
    {"col.city", "市(州)", "City / prefecture"},
    {"col.county", "县(市、区)", "County / district"},
    {"col.school", "学校", "School"},
    {"col.school_id", "学校代码", "School ID"},
    {"col.schools", "学校数", "Schools"},
    {"col.reporting", "上报学校数", "Reporting"},
    {"col.reporting_pct", "上报率", "Reporting"},
    {"col.meeting_pct", "达到100 Mbps", "At 100 Mbps"},
    {"col.below_contract", "低于合同", "Below contract"},
    {"col.open_alerts", "未关闭告警", "Open alerts"},
    {"col.stale", "超时未报", "Stale"},
    {"col.never", "从未上报", "Never reported"},
    {"col.target_connected", "联网目标 ≥98%", "Connected ≥ 98 %"},
    {"col.target_speed", "带宽目标 ≥98%达标", "100 Mbps at ≥ 98 %"},
    {"col.state", "上报状态", "State"},
    {"col.carrier", "运营商", "Carrier"},
    {"col.stage", "学段", "Stage"},
    {"col.access", "接入方式", "Access"},
    {"col.median_down", "下行中位数", "Median down"},
    {"col.p10_down", "下行P10", "P10 down"},
    {"col.median_up", "上行中位数", "Median up"},
    {"col.contract_down", "合同下行", "Contracted down"},
    {"col.contract_up", "合同上行", "Contracted up"},
    {"col.share_at_target", "达标测试占比", "Tests at target"},
    {"col.uptime", "在校时段在线率", "Uptime in school hours"},
    {"col.last_seen", "最后上报", "Last seen"},
    {"col.last_test", "最近计入测试", "Last counted test"},
    {"col.tests", "计入测试次数", "Counted tests"},
    {"col.missing", "缺失记录", "Missing records"},
    {"col.devices", "设备", "Devices"},
    {"col.below_since", "低于目标起始日", "Below target since"},
    {"col.below_days", "低于目标天数", "Days below target"},
    {"col.last30", "近30天", "Last 30 days"},
    {"overview.trend", "达标学校占比（近90天，按日）", "Schools at target (last 90 days, daily)"},
    {"overview.trend_series", "当日多数测试达标的学校占比", "Schools with most tests at target"},
    {"overview.trend_note", "每天：当日有计入测试的学校中，多数测试达到目标的学校所占比例。",
     "Each day: of the schools with counted tests that day, the share whose tests were mostly "
     "at target."},
    {"col.total", "合计", "Total"},
    {"col.time", "时间", "Time"},
    {"col.kind", "类型", "Kind"},
    {"col.record", "记录", "Record"},
    {"col.device", "设备编号", "Device"},
    {"col.status", "在线状态", "Status"},
    {"col.agent_version", "探针版本", "Agent version"},
    {"col.clock", "时钟同步", "Clock synced"},
    {"col.config_hash", "配置指纹", "Config fingerprint"},
    {"col.start", "开始", "Start"},
    {"col.end", "结束", "End"},
    {"col.duration", "时长", "Duration"},
    {"col.class", "原因", "Cause"},
    {"col.journal", "日志", "Journal"},
    {"state.live", "正常上报", "live"},
    {"state.stale", "超时未报", "stale"},
    {"state.never", "从未上报", "never reported"},
    {"status.online", "在线", "online"},
    {"status.offline", "离线", "offline"},
    {"yes", "是", "yes"},
    {"no", "否", "no"},
    {"pass", "达标", "pass"},
    {"fail", "未达标", "fail"},
    {"unknown", "未知", "unknown"},
    {"unfilled", "未填", "not filled in"},
    {"unit.mbps", "Mbps", "Mbps"},
    {"unit.ms", "毫秒", "ms"},
    {"unit.min", "分钟", "min"},
    {"unit.days", "天", "days"},
    {"unit.pct", "%", "%"},
    {"filter.all", "全部", "All"},
    {"filter.below", "未达标", "Below target"},
    {"filter.below_contract", "低于合同", "Below contract"},
    {"filter.stale", "超时未报", "Stale"},
    {"filter.never", "从未上报", "Never reported"},
    {"filter.carrier", "运营商", "Carrier"},
    {"filter.stage", "学段", "Stage"},
    {"filter.apply", "筛选", "Filter"},
    {"page.prev", "上一页", "Previous"},
    {"page.next", "下一页", "Next"},
    {"page.of", "第 %1 页，共 %2 页（%3 所学校）", "Page %1 of %2 (%3 schools)"},
    {"overview.title", "全省概览", "Province overview"},
    {"overview.window", "统计窗口：最近 %1 天，在校时段；目标 %2 Mbps。",
     "Window: the last %1 days, school hours; target %2 Mbps."},
    {"overview.targets",
     "攻坚目标：联网（上报）学校 ≥98%，学校出口带宽 ≥100 Mbps（达标学校 ≥98% 视为达标）。",
     "Campaign targets: ≥ 98 % of schools connected (reporting), every school ≥ 100 Mbps "
     "(shown as pass when ≥ 98 % of schools meet it)."},
    {"city.title", "%1 各县(市、区)", "Counties of %1"},
    {"county.title", "%1 %2 学校列表", "Schools of %1 %2"},
    {"school.identity", "学校信息", "School"},
    {"school.contract", "合同带宽", "Contract"},
    {"school.ledger", "台账指标", "Ledger figures"},
    {"school.capacity", "IP 层带宽（每次测试）", "IP capacity per test"},
    {"school.latency", "时延（空载 / 负载）", "Latency (idle / loaded)"},
    {"school.outages", "断网记录", "Outages"},
    {"school.alerts", "告警", "Alerts"},
    {"school.devices", "设备", "Devices"},
    {"school.records", "原始记录（最近）", "Raw records (latest)"},
    {"school.evidence", "下载证据", "Download evidence"},
    {"school.window", "时间范围", "Range"},
    {"school.not_in_registry", "该学校不在登记表中，仅由设备上报。",
     "This school is not in the registry; only devices report it."},
    {"school.no_tests", "所选时间范围内没有测试。", "No tests in this range."},
    {"school.no_outages", "所选时间范围内没有断网。", "No outages in this range."},
    {"school.no_devices", "尚无设备上报（无证据）。", "No device has reported (no evidence)."},
    {"school.no_alerts", "没有未关闭的告警。", "No open alerts."},
    {"school.missing_note", "日志缺失的记录数（证据缺口）", "records missing from journals (gaps)"},
    {"chart.down", "下行", "Download"},
    {"chart.up", "上行", "Upload"},
    {"chart.target", "100 Mbps 目标", "100 Mbps target"},
    {"chart.contract", "合同", "Contract"},
    {"chart.idle", "空载时延", "Idle latency"},
    {"chart.loaded", "负载时延", "Loaded latency"},
    {"chart.outage", "断网", "Outage"},
    {"outage.local", "本地（网关不可达）", "local (gateway unreachable)"},
    {"outage.upstream", "上游", "upstream"},
    {"outage.dns", "DNS", "DNS"},
    {"below.title", "未达标学校", "Schools below target"},
    {"below.note",
     "下行中位数低于 %1 Mbps "
     "的学校，按持续低于目标的天数排序（一天中多数计入测试低于目标即计为一天）。",
     "Schools whose median download is below %1 Mbps, longest below first (a day counts when "
     "most of its counted tests were below)."},
    {"below.export", "导出 XLSX", "Export XLSX"},
    {"below.none", "没有未达标的学校。", "No school is below target."},
    {"time.zone", "时区", "Time zone"},
    {"error.forbidden", "无权查看：该学校不在您的范围内或不存在。",
     "Not available: the school is outside your scope or does not exist."},
    {"error.not_found", "页面不存在。", "No such page."},
    {"error.bad_request", "请求参数有误：", "Bad request: "},
    {"error.unavailable", "数据暂时不可用，请稍后重试。",
     "The data is unavailable right now; try again shortly."},
    {"error.csrf", "请求已过期或来源不明，已拒绝。请刷新页面后重试。",
     "Refused: the form is stale or came from elsewhere. Reload the page and try again."},
    {"computed_at", "数据计算于", "Computed at"},
    {"alert.ack", "确认告警", "Acknowledge"},
    {"alert.kind", "告警类型", "Alert"},
    {"alert.since", "开始时间", "Since"},
    {"alert.evidence", "证据记录", "Evidence records"},
    {"alert.detail", "说明", "Detail"},
    {"alert.throughput", "吞吐量低于目标", "Throughput below target"},
    {"alert.availability", "可用性", "Availability"},
    {"alert.target", "目标", "target"},
    {"alert.open_outage", "中断进行中，开始于", "outage open since"},
    {"alert.low_uptime_day", "日可用率低于下限：", "daily uptime below the floor on"},
    {"alert.raw", "原始告警状态（JSON）", "Raw alert state (JSON)"},
    {"alert.acked", "已确认：", "Acknowledged by"},
    {"alert.not_acked", "尚未确认（运维人员可确认）。", "Not acknowledged yet (operators can)."},
    {"alert.note", "处理说明（可选）", "Note (optional)"},
    {"error.role", "您的角色只能查看，不能确认告警。",
     "Your role may view, not acknowledge alerts."},
    {"error.ack_stale", "告警状态已变化，请刷新页面后再确认。",
     "The alert state has changed; reload the page and acknowledge again."},
    {"error.role_command", "您的角色只能查看，不能发起远程测试。",
     "Your role may view, not start remote tests."},
    {"error.no_probe", "本采集端尚未收到该校任何探针的数据，无法发送命令。",
     "This collector has not heard from any probe of this school; nothing to send to."},
    {"error.command_failed", "命令未能发出（消息服务器或签名密钥不可用），详情见采集端日志。",
     "The command could not be sent (broker or signing key unavailable); see the collector's log."},
    {"school.commands", "远程命令", "Remote commands"},
    {"cmd.test_now", "立即测试", "Test now"},
    {"cmd.test_now_note",
     "向该校探针发送已签名的测速命令；探针仍受每小时命令数和每月流量上限约束。",
     "Sends a signed test command to this school's probes; they still apply their hourly and "
     "monthly limits."},
    {"cmd.none", "尚无远程命令。", "No remote commands yet."},
    {"cmd.issued", "发出时间", "Issued"},
    {"cmd.verb", "命令", "Command"},
    {"cmd.by", "发起人", "By"},
    {"cmd.answer", "探针应答", "Probe's answer"},
    {"cmd.done", "已完成", "done"},
    {"cmd.refused", "已拒绝", "refused"},
    {"cmd.waiting", "等待应答", "waiting for the probe"},
    {"cmd.not_sent", "消息服务器未确认", "not acknowledged by the broker"},
    {"cmd.reload", "刷新以查看应答", "Reload to see the answers"},
};

bool sorted = [] {
  std::sort(std::begin(kEntries), std::end(kEntries),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  return true;
}();

}  // namespace

std::string_view tr(Lang lang, std::string_view key) {
  (void)sorted;
  auto it = std::lower_bound(std::begin(kEntries), std::end(kEntries), key,
                             [](const Entry& e, std::string_view k) { return e.key < k; });
  if (it == std::end(kEntries) || it->key != key) return key;
  return lang == Lang::kEn ? it->en : it->zh;
}

std::vector<std::string_view> catalogueKeys() {
  std::vector<std::string_view> keys;
  for (const auto& e : kEntries) keys.push_back(e.key);
  return keys;
}

Lang pickLang(std::string_view cookie_lang, std::string_view accept_language) {
  if (cookie_lang == "en") return Lang::kEn;
  if (cookie_lang == "zh") return Lang::kZh;
  // The first language range that is zh or en decides (q-values are not weighed: browsers
  // list the preferred one first).
  std::string lower(accept_language.substr(0, 256));
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t pos = 0;
  while (pos < lower.size()) {
    std::size_t end = lower.find(',', pos);
    if (end == std::string::npos) end = lower.size();
    std::string_view range = std::string_view(lower).substr(pos, end - pos);
    while (!range.empty() && range.front() == ' ') range.remove_prefix(1);
    if (range.substr(0, 2) == "zh") return Lang::kZh;
    if (range.substr(0, 2) == "en") return Lang::kEn;
    pos = end + 1;
  }
  return Lang::kZh;
}

std::string_view langCode(Lang lang) { return lang == Lang::kEn ? "en" : "zh-CN"; }

}  // namespace uplinkprobe::collector::web
