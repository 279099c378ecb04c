// The real uplinkprobe-collector binary serving its API: records stored in a real SQLite file
// or a real PostgreSQL database beforehand, `run` started as a process, HTTP requests over
// loopback with libcurl, SIGTERM at the end.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "collector/db/database.h"
#include "collector/store/record_store.h"
#include "collector/store/schema.h"
#include "tests/support/child_process.h"
#include "tests/support/collector_db.h"
#include "tests/support/collector_records.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::testing {
namespace {

using nlohmann::json;
const std::string kBin = UPLINKPROBE_COLLECTOR_BIN;

struct Reply {
  long status = 0;
  std::string body, content_type;
};

std::size_t collect(char* d, std::size_t s, std::size_t n, void* u) {
  static_cast<std::string*>(u)->append(d, s * n);
  return s * n;
}

Reply get(const std::string& url) {
  Reply r;
  CURL* e = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(e, CURLOPT_TIMEOUT, 20L);
  CURLcode rc = curl_easy_perform(e);
  EXPECT_EQ(rc, CURLE_OK) << url << ": " << curl_easy_strerror(rc);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
  char* ct = nullptr;
  curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
  if (ct) r.content_type = ct;
  curl_easy_cleanup(e);
  return r;
}

class CollectorHttp : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      url_ = "sqlite://" + dir_ + "/ledger.db";
    } else {
      auto& pg = sharedPostgres();
      ASSERT_TRUE(pg.ok()) << pg.error();
      static int n = 0;
      std::string name = "http" + std::to_string(getpid()) + "_" + std::to_string(++n);
      ASSERT_TRUE(pg.createDatabase(name)) << pg.error();
      url_ = pg.url(name);
    }
    // Evidence stored the way ingest stores it.
    auto db = collector::db::openDatabase(url_);
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(collector::migrateStore(**db));
    ASSERT_TRUE((*db)->execute(
        "INSERT INTO schools (school_id, name, province, city, county, carrier, "
        "contracted_down_mbps, updated_ms) VALUES ('S1', '南湖小学', '吉林省', '长春市', "
        "'南关区', '电信', 200, 0), ('S2', '二小', '吉林省', '长春市', '朝阳区', '联通', 100, 0)"));
    collector::RecordStore store(**db);
    std::vector<collector::ValidRecord> b;
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    for (int i = 0; i < 4; ++i) {
      b.push_back(valid(throughputRecord("S1", "D1", "0123456789abcdef", i + 1,
                                         now - (4 - i) * 3600000LL, 150 + i, 30)));
    }
    auto r = store.commitBatch(b, {});
    ASSERT_TRUE(r) << r.error().message;
  }

  std::string config(const std::string& listen, bool allow_remote) {
    std::string path = dir_ + "/collector.toml";
    writeFile(path, "[mqtt]\nuri = \"tcp://127.0.0.1:1\"\n[database]\nurl = \"" + url_ +
                        "\"\n[http]\nlisten = \"" + listen + "\"\nallow_remote = " +
                        (allow_remote ? "true" : "false") + "\nopen_api = true" +
                        "\n[ledger]\ntimezone = \"Asia/Shanghai\"\n"
                        "school_hours = \"Mon-Sun 00:00-24:00\"\n");
    return path;
  }

  // Starts `run` and returns the API's base URL from its "listening on" log line.
  std::string start(ChildProcess& p) {
    std::regex re("http api listening on ([0-9.]+:[0-9]+)");
    std::string address;
    bool found = waitFor(
        [&] {
          std::string err = p.err();  // the match must not outlive this string
          std::smatch m;
          if (!std::regex_search(err, m, re)) return false;
          address = m[1].str();
          return true;
        },
        std::chrono::seconds(30));
    EXPECT_TRUE(found) << p.err();
    return found ? "http://" + address : "";
  }

  TempDir tmp_{"up-collector-http-"};
  const std::string dir_ = tmp_.path();
  std::string url_;
};

TEST_P(CollectorHttp, ServesLedgerRecordsExportsAndMetrics) {
  ChildProcess p({kBin, "run", "--config", config("127.0.0.1:0", false)}, dir_ + "/run.out",
                 dir_ + "/run.err");
  std::string base = start(p);
  ASSERT_FALSE(base.empty());

  auto r = get(base + "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");

  r = get(base + "/api/v1/ledger?by=county");
  ASSERT_EQ(r.status, 200) << r.body;
  auto ledger = json::parse(r.body);
  EXPECT_EQ(ledger["by"], "county");
  EXPECT_EQ(ledger["groups"].size(), 2u);

  r = get(base + "/api/v1/schools/S1");
  ASSERT_EQ(r.status, 200) << r.body;
  auto school = json::parse(r.body);
  EXPECT_EQ(school["name"], "南湖小学");
  EXPECT_EQ(school["state"], "live");
  EXPECT_EQ(school["tests"], 4);

  r = get(base + "/api/v1/schools/S1/records?kind=throughput&limit=3");
  ASSERT_EQ(r.status, 200) << r.body;
  auto records = json::parse(r.body);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["seq"], 1);
  EXPECT_EQ(records[2]["seq"], 3);
  EXPECT_EQ(records[0]["id"], "D1:0123456789abcdef:1");

  r = get(base + "/api/v1/schools/S1/records?limit=5000");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["parameter"], "limit");
  EXPECT_EQ(get(base + "/api/v1/schools/S9").status, 404);

  r = get(base + "/export/ledger.csv?by=school");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(r.body.rfind("\xEF\xBB\xBF", 0), 0u);  // BOM for Excel
  EXPECT_NE(r.body.find("南湖小学"), std::string::npos);
  r = get(base + "/export/ledger.xlsx?by=county");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.rfind("PK\x03\x04", 0), 0u);  // a zip container

  r = get(base + "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(
      r.body.find("uplinkprobe_collector_region_schools{level=\"county\",region=\"南关区\"} 1\n"),
      std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("uplinkprobe_collector_http_unauthenticated_remote 0\n"),
            std::string::npos);
  EXPECT_NE(
      r.body.find(
          "uplinkprobe_collector_http_requests_total{route=\"school_records\",code=\"400\"} 1\n"),
      std::string::npos);

  p.signal(SIGTERM);
  auto code = p.wait(std::chrono::seconds(30));
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0) << p.err();
}

TEST_P(CollectorHttp, BeyondLoopbackNeedsTheFlagAndWarns) {
  auto [code, out] =
      runToEnd({kBin, "run", "--config", config("0.0.0.0:0", false)}, dir_ + "/refused");
  EXPECT_EQ(code, 78);
  EXPECT_NE(readFile(dir_ + "/refused.err").find("allow_remote"), std::string::npos);

  ChildProcess p({kBin, "run", "--config", config("0.0.0.0:0", true)}, dir_ + "/run.out",
                 dir_ + "/run.err");
  std::string base = start(p);
  ASSERT_FALSE(base.empty());
  EXPECT_NE(p.err().find("without access control"), std::string::npos);
  std::string port = base.substr(base.rfind(':') + 1);
  auto r = get("http://127.0.0.1:" + port + "/metrics");
  EXPECT_NE(r.body.find("uplinkprobe_collector_http_unauthenticated_remote 1\n"),
            std::string::npos);
  p.signal(SIGTERM);
  auto c = p.wait(std::chrono::seconds(30));
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, 0) << p.err();
}

INSTANTIATE_TEST_SUITE_P(Backends, CollectorHttp, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace uplinkprobe::testing
