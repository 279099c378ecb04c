// The collector's API over real sockets: http::Server + ApiHandler on 127.0.0.1:0, requests
// with libcurl. Data is a fake here; the database-backed ApiData has its own tests.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "collector/api/api_handler.h"
#include "collector/api/api_server.h"

namespace uplinkprobe::collector::api {
namespace {

class Data : public ApiData {
 public:
  Status health() override { return Status::Ok(); }
  Result<std::string> ledgerJson(const LedgerQuery& q) override {
    return std::string(R"({"by":")") + std::string(ledgerByName(q.by)) + "\"}";
  }
  Result<std::optional<std::string>> schoolJson(std::string_view id) override {
    return std::optional<std::string>();
  }
  Result<std::optional<std::vector<std::string>>> records(const RecordsQuery& q) override {
    std::vector<std::string> v;
    for (int i = 0; i < q.limit; ++i) v.push_back("{\"seq\":" + std::to_string(i) + "}");
    return std::optional<std::vector<std::string>>(v);
  }
  Result<std::string> ledgerExport(const LedgerQuery&, ExportFormat) override {
    return std::string("\xEF\xBB\xBF学校,区县\n");
  }
};

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
  curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
  EXPECT_EQ(curl_easy_perform(e), CURLE_OK) << url;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
  char* ct = nullptr;
  curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
  if (ct) r.content_type = ct;
  curl_easy_cleanup(e);
  return r;
}

TEST(ApiServer, ServesRoutesOnLoopback) {
  Data data;
  ApiServerOptions o;
  o.listen = {*http::parseListenAddress("127.0.0.1:0")};
  ApiServer* server_ptr = nullptr;
  ApiHandler handler(data, {[&](MetricsText& m) { server_ptr->writeMetrics(m); }});
  ApiServer server(o, handler);
  server_ptr = &server;
  auto bound = server.start();
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  std::string base = "http://" + (*bound)[0];

  auto r = get(base + "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  r = get(base + "/api/v1/ledger?by=city");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["by"], "city");
  r = get(base + "/api/v1/ledger?by=village");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body)["parameter"], "by");
  r = get(base + "/api/v1/schools/x/records?limit=3");
  EXPECT_EQ(r.body, R"([{"seq":0},{"seq":1},{"seq":2}])");
  r = get(base + "/api/v1/schools/x");
  EXPECT_EQ(r.status, 404);
  r = get(base + "/export/ledger.csv?by=county");
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(r.body, "\xEF\xBB\xBF学校,区县\n");
  r = get(base + "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("uplinkprobe_collector_http_unauthenticated_remote 0\n"),
            std::string::npos);
  EXPECT_NE(r.body.find("{route=\"ledger\",code=\"400\"} 1\n"), std::string::npos) << r.body;
  server.stop();
}

TEST(ApiServer, RefusesNonLoopbackWithoutTheFlag) {
  Data data;
  ApiHandler handler(data);
  ApiServerOptions o;
  o.listen = {*http::parseListenAddress("0.0.0.0:0")};
  ApiServer server(o, handler);
  auto bound = server.start();
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.error().kind, ErrorKind::kConfig);

  o.allow_remote = true;
  ApiServer open(o, handler);
  auto ok = open.start();
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  open.stop();
}

}  // namespace
}  // namespace uplinkprobe::collector::api
