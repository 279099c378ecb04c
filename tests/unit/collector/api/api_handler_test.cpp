#include "collector/api/api_handler.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http/request_head_parser.h"

namespace uplinkprobe::collector::api {
namespace {

class FakeData : public ApiData {
 public:
  Status health() override {
    if (down) return makeError(ErrorKind::kDb, "database is locked");
    return Status::Ok();
  }
  Result<std::string> ledgerJson(const LedgerQuery& q) override {
    last_ledger = q;
    ++calls;
    if (down) return makeError(ErrorKind::kDb, "gone");
    return std::string(R"({"by":")") + std::string(ledgerByName(q.by)) + R"(","rows":[]})";
  }
  Result<std::optional<std::string>> schoolJson(std::string_view id) override {
    ++calls;
    if (id != "22010200001" && id != "校 1") return std::optional<std::string>();
    return std::optional<std::string>(R"({"school_id":")" + std::string(id) + "\"}");
  }
  Result<std::optional<std::vector<std::string>>> records(const RecordsQuery& q) override {
    ++calls;
    last_records = q;
    if (q.school_id != "22010200001") return std::optional<std::vector<std::string>>();
    return std::optional<std::vector<std::string>>(
        std::vector<std::string>{R"({"seq":1})", R"({"seq":2})"});
  }
  Result<std::string> ledgerExport(const LedgerQuery& q, ExportFormat f) override {
    ++calls;
    return std::string(f == ExportFormat::kCsv ? "a,b\n1,2\n" : "PK\x03\x04");
  }
  void writeMetrics(MetricsText& out) override {
    out.family("uplinkprobe_collector_region_meeting_target_ratio", MetricsText::Type::kGauge, "x");
    out.sample(0.5, {{"level", "county"}, {"region", "朝阳区"}});
  }

  bool down = false;
  int calls = 0;
  LedgerQuery last_ledger;
  RecordsQuery last_records;
};

http::Request req(std::string_view text) {
  http::RequestHeadParser p;
  auto r = p.parse(text);
  EXPECT_EQ(r.state, http::HeadParseResult::State::kComplete) << r.error_message;
  return r.request;
}

http::Response get(const ApiHandler& h, std::string_view target, std::string_view method = "GET") {
  return h.respond(req(std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n\r\n"), {});
}

nlohmann::json json(const http::Response& r) { return nlohmann::json::parse(r.body); }

TEST(ApiHandler, HealthzOkAndUnavailable) {
  FakeData data;
  ApiHandler h(data);
  auto r = get(h, "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json(r)["status"], "ok");
  EXPECT_NE(r.head.find("Content-Type: application/json"), std::string::npos);
  data.down = true;
  r = get(h, "/healthz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json(r)["message"], "database is locked");
}

TEST(ApiHandler, LedgerDefaultsAndParameters) {
  FakeData data;
  ApiHandler h(data);
  auto r = get(h, "/api/v1/ledger");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(data.last_ledger.by, LedgerBy::kCounty);
  EXPECT_EQ(data.last_ledger.days, 30);
  r = get(h, "/api/v1/ledger?by=carrier&days=7");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["by"], "carrier");
  EXPECT_EQ(data.last_ledger.days, 7);
}

TEST(ApiHandler, BadParametersSayWhatToFixAndReadNothing) {
  FakeData data;
  ApiHandler h(data);
  struct Case {
    const char* target;
    const char* parameter;
    const char* needle;
  };
  for (const auto& c : std::vector<Case>{
           {"/api/v1/ledger?by=town", "by", "province, city, county, carrier, school"},
           {"/api/v1/ledger?days=0", "days", "from 1 to 366"},
           {"/api/v1/ledger?days=1e3", "days", "got '1e3'"},
           {"/api/v1/ledger?bye=city", "bye", "accepted: by, days"},
           {"/api/v1/ledger?by=city&by=county", "by", "given twice"},
           {"/export/ledger.csv?by=%zz", "", "malformed"},
           {"/export/ledger.xlsx?by=", "by", "got ''"},
           {"/api/v1/schools/22010200001/records?kind=speed", "kind", "throughput"},
           {"/api/v1/schools/22010200001/records?since=yesterday", "since", "RFC 3339"},
           {"/api/v1/schools/22010200001/records?limit=1001", "limit", "from 1 to 1000"},
           {"/api/v1/schools/22010200001/records?limit=-1", "limit", "from 1 to 1000"},
           {"/api/v1/schools/%0a/records", "school_id", "control characters"},
           {"/api/v1/schools/22010200001?x=1", "x", "takes none"},
           {"/metrics?debug=1", "debug", "takes none"},
       }) {
    auto r = get(h, c.target);
    EXPECT_EQ(r.status, 400) << c.target;
    auto j = json(r);
    EXPECT_EQ(j["error"], "bad_parameter") << c.target;
    if (*c.parameter) {
      EXPECT_EQ(j["parameter"], c.parameter) << c.target;
    }
    EXPECT_NE(j["message"].get<std::string>().find(c.needle), std::string::npos)
        << c.target << ": " << j["message"];
  }
  EXPECT_EQ(data.calls, 0);
}

TEST(ApiHandler, SchoolAndRecords) {
  FakeData data;
  ApiHandler h(data);
  auto r = get(h, "/api/v1/schools/22010200001");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json(r)["school_id"], "22010200001");
  r = get(h, "/api/v1/schools/%E6%A0%A1+1");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["school_id"], "校 1");
  r = get(h, "/api/v1/schools/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json(r)["error"], "unknown_school");

  r = get(h,
          "/api/v1/schools/22010200001/records?kind=throughput&since=2026-12-01T00:00:00Z&limit=2");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"([{"seq":1},{"seq":2}])");
  EXPECT_EQ(data.last_records.kind, "throughput");
  EXPECT_EQ(data.last_records.since_ms, 1796083200000);
  EXPECT_EQ(data.last_records.limit, 2);
  get(h, "/api/v1/schools/22010200001/records");
  EXPECT_EQ(data.last_records.limit, kDefaultRecordsLimit);
  EXPECT_FALSE(data.last_records.kind);
  EXPECT_EQ(get(h, "/api/v1/schools/nope/records").status, 404);
  EXPECT_EQ(get(h, "/api/v1/schools/22010200001/other").status, 404);
}

TEST(ApiHandler, ExportsCarryTypeAndFilename) {
  FakeData data;
  ApiHandler h(data);
  auto r = get(h, "/export/ledger.csv?by=city");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("Content-Type: text/csv; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(r.head.find("filename=\"ledger-city.csv\""), std::string::npos);
  r = get(h, "/export/ledger.xlsx");
  EXPECT_NE(r.head.find("spreadsheetml.sheet"), std::string::npos);
  EXPECT_NE(r.head.find("filename=\"ledger-county.xlsx\""), std::string::npos);
}

TEST(ApiHandler, MethodsUnknownPathsHeadAndDataErrors) {
  FakeData data;
  ApiHandler h(data);
  auto r = get(h, "/api/v1/ledger", "POST");
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.head.find("Allow: GET, HEAD\r\n"), std::string::npos);
  EXPECT_EQ(get(h, "/api/v2/ledger").status, 404);
  r = get(h, "/api/v1/ledger", "HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_NE(r.head.find("Content-Length: 25\r\n"), std::string::npos) << r.head;
  data.down = true;
  r = get(h, "/api/v1/ledger");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json(r)["error"], "unavailable");
  EXPECT_EQ(json(r)["message"].get<std::string>().find("gone"), std::string::npos);
}

TEST(ApiHandler, MetricsJoinSourcesDataAndRequestCounts) {
  FakeData data;
  ApiHandler h(data, {[](MetricsText& m) {
                 m.counter("uplinkprobe_collector_records_stored_total", "Stored.", 7);
               }});
  get(h, "/api/v1/ledger?by=x");
  get(h, "/healthz");
  auto r = get(h, "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(r.body.find("uplinkprobe_collector_records_stored_total 7\n"), std::string::npos);
  EXPECT_NE(r.body.find("region=\"朝阳区\"} 0.5\n"), std::string::npos);
  EXPECT_NE(
      r.body.find("uplinkprobe_collector_http_requests_total{route=\"ledger\",code=\"400\"} 1\n"),
      std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("{route=\"healthz\",code=\"200\"} 1\n"), std::string::npos);
}

TEST(ApiHandler, CloseIsHonoured) {
  FakeData data;
  ApiHandler h(data);
  http::RequestContext ctx;
  ctx.close = true;
  auto r = h.respond(req("GET /healthz HTTP/1.1\r\n\r\n"), ctx);
  EXPECT_TRUE(r.close);
  EXPECT_NE(r.head.find("Connection: close"), std::string::npos);
}

}  // namespace
}  // namespace uplinkprobe::collector::api
