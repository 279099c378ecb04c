#include "collector/cli/http_parts.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <fstream>
#include <sstream>

#include "collector/api/api_handler.h"
#include "collector/api/api_server.h"
#include "collector/api/ingest_metrics_text.h"
#include "collector/api/store_api_data.h"
#include "collector/cli/web_remote_commands.h"
#include "collector/notify/notify_service.h"
#include "collector/web/web_data.h"
#include "collector/web/web_handler.h"
#ifdef UPLINKPROBE_HAVE_EXPORT
#include "collector/export/table.h"
#include "collector/ledger/ledger_table.h"
#endif

namespace uplinkprobe::collector {

namespace {

LedgerOptions ledgerOptions(const ServiceContext& ctx) {
  const auto& c = ctx.config->ledger;
  LedgerOptions o;
  o.days = c.days;
  o.target_mbps = c.target_mbps;
  o.stale_after_ms = static_cast<int64_t>(c.stale_after_hours) * 3600 * 1000;
  o.school_hours = ctx.school_hours;
  return o;  // local clock: the process time zone ([ledger] timezone, set at start)
}

// A secret file holds one line; bounded read, trailing newline and spaces dropped.
Result<std::string> readSecret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorKind::kConfig, "[[notify]] secret_file " + path + ": cannot read");
  std::string s(4096, '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  s.resize(static_cast<std::size_t>(in.gcount()));
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.empty())
    return makeError(ErrorKind::kConfig, "[[notify]] secret_file " + path + " is empty");
  return s;
}

Result<std::vector<notify::NotifyTarget>> notifyTargets(const config::Config& c) {
  std::vector<notify::NotifyTarget> out;
  for (const auto& n : c.notify) {
    notify::NotifyTarget t;
    t.name = n.name;
    t.url = n.url;
    auto f = notify::parseFormat(n.format);
    if (!f)
      return makeError(ErrorKind::kConfig, "[[notify]] " + n.name + ": unknown format " + n.format);
    t.format = *f;
    t.events.clear();
    for (const auto& e : n.events) {
      auto ev = notify::parseEvent(e);
      if (!ev)
        return makeError(ErrorKind::kConfig, "[[notify]] " + n.name + ": unknown event " + e);
      t.events.push_back(*ev);
    }
    t.max_per_minute = n.max_per_minute;
    t.ca_file = n.ca_file;
    t.timeout_s = n.timeout_s;
    if (!n.secret_file.empty()) {
      auto s = readSecret(n.secret_file);
      if (!s) return s.error();
      t.secret = std::move(*s);
    }
    out.push_back(std::move(t));
  }
  return out;
}

class NotifyPart : public ServicePart {
 public:
  // The committed-batch listener is registered now, before any part starts (ingest copies
  // the list in its start()); it forwards to the service once start() has made one.
  explicit NotifyPart(ServiceContext& ctx) : ctx_(ctx) {
    ctx_.committed_listeners.push_back([this](const std::vector<ValidRecord>& records) {
      if (auto* s = live_.load(std::memory_order_acquire)) s->onStored(records);
    });
  }
  std::string name() const override { return "notifications"; }

  Status start() override {
    started_ = signature(*ctx_.config);
    auto targets = notifyTargets(*ctx_.config);
    if (!targets) return targets.error();
    if (targets->empty()) {
      spdlog::info("notifications: no [[notify]] targets");
      return Status::Ok();
    }
    auto db = ctx_.open_database();
    if (!db) return db.error();
    notify::NotifyServiceOptions o;
    o.targets = std::move(*targets);
    o.ledger = ledgerOptions(ctx_);
    service_ = std::make_unique<notify::NotifyService>(std::move(o), std::move(*db));
    service_->start();
    notify::NotifyService* s = service_.get();
    live_.store(s, std::memory_order_release);
    ctx_.metrics.push_back([s](api::MetricsText& m) { s->writeMetrics(m); });
    spdlog::info("notifications: {} target(s)", service_->notifier().targets().size());
    return Status::Ok();
  }

  // ctx_.config is already the new config here; compare with what start() used.
  void reload(const config::Config& c) override {
    if (signature(c) != started_)
      spdlog::warn("reload: [[notify]] changes take effect at the next restart");
  }

  // The service stays allocated until the part is destroyed: the hooks registered above
  // point at it (stop() only ends its threads; later submissions are refused and counted).
  void stop() override {
    if (service_) service_->stop();
  }

 private:
  static std::string signature(const config::Config& c) {
    std::string s;
    for (const auto& n : c.notify) {
      s += n.name + '\n' + n.url + '\n' + n.format + '\n' + n.secret_file + '\n' + n.ca_file +
           '\n' + std::to_string(n.max_per_minute) + '\n' + std::to_string(n.timeout_s) + '\n';
      for (const auto& e : n.events) s += e + ',';
      s += '\n';
    }
    return s;
  }

  ServiceContext& ctx_;
  std::string started_;
  std::unique_ptr<notify::NotifyService> service_;
  std::atomic<notify::NotifyService*> live_{nullptr};
};

class ApiPart : public ServicePart {
 public:
  explicit ApiPart(ServiceContext& ctx) : ctx_(ctx) {}
  std::string name() const override { return "http api"; }

  Status start() override {
    const auto& c = *ctx_.config;
    listen_ = c.http.listen;
    allow_remote_ = c.http.allow_remote;
    auto listen = http::parseListenAddress(c.http.listen);
    if (!listen) return makeError(ErrorKind::kConfig, "[http] listen: " + listen.error().message);
    auto db = ctx_.open_database();
    if (!db) return db.error();
    api::StoreApiDataOptions o;
    o.ledger = ledgerOptions(ctx_);
#ifdef UPLINKPROBE_HAVE_EXPORT
    o.exporter = [](const Ledger& l, api::ExportFormat f) -> Result<std::string> {
      LedgerTable lt = ledgerTable(l);
      Table t{std::move(lt.columns), std::move(lt.rows)};
      if (f == api::ExportFormat::kXlsx) return xlsxBytes(t);
      std::ostringstream out;
      if (auto st = writeCsv(t, out); !st) return st.error();
      return out.str();
    };
#endif
    data_ = std::make_unique<api::StoreApiData>(std::move(*db), std::move(o));
    api::ApiServerOptions so;
    so.listen = {*listen};
    so.allow_remote = c.http.allow_remote;
    so.access_control = !c.http.open_api;
    // Sources of the parts started before this one; fixed from here on.
    std::vector<api::ApiHandler::MetricsSource> sources;
    if (ctx_.ingest_metrics) {
      sources.push_back([m = ctx_.ingest_metrics, c = ctx_.mqtt_stats](api::MetricsText& out) {
        api::writeIngestMetrics(*m, c, out);
      });
    }
    sources.insert(sources.end(), ctx_.metrics.begin(), ctx_.metrics.end());
    sources.push_back([this](api::MetricsText& m) {
      if (server_) server_->writeMetrics(m);
    });
    sources.push_back([this](api::MetricsText& m) {
      if (web_) web_->writeMetrics(m);
    });
    handler_ = std::make_unique<api::ApiHandler>(*data_, std::move(sources));
    // The web UI: its own connection, and the front door for the API (access control).
    auto web_db = ctx_.open_database();
    if (!web_db) return web_db.error();
    web_data_ = std::make_unique<web::WebData>(std::move(*web_db), ledgerOptions(ctx_),
                                               std::chrono::seconds(60));
    web::WebOptions wo;
    wo.open_api = c.http.open_api;
    wo.secure_cookies = c.http.secure_cookies;
    wo.session_ttl_ms = static_cast<std::int64_t>(c.http.session_hours) * 3600 * 1000;
    wo.days = c.ledger.days;
    wo.target_mbps = c.ledger.target_mbps;
    // The province's ledger for the pages is kept computed in the background (own connection).
    auto refresh_db = ctx_.open_database();
    if (!refresh_db) return refresh_db.error();
    web_data_->startRefresher(std::move(*refresh_db), c.ledger.days, 90);
    web_ = std::make_unique<web::WebHandler>(*web_data_, *handler_, wo);
    // "Test now" on school pages for operators, when the config names a signing key.
    remote_ = makeWebRemoteCommands(c, ctx_.open_database);
    if (remote_) {
      web_->setRemoteCommands(remote_.get());
      spdlog::info("http: operators may start remote tests (signed with {})", c.control.key_file);
    }
    if (c.http.open_api)
      spdlog::warn("http: [http] open_api = true: the JSON API and exports answer without login");
    server_ = std::make_unique<api::ApiServer>(so, *web_);
    auto bound = server_->start();
    if (!bound) return bound.error();
    for (const auto& a : *bound) spdlog::info("http api listening on {}", a);
    return Status::Ok();
  }

  void reload(const config::Config& c) override {
    if (c.http.listen != listen_ || c.http.allow_remote != allow_remote_)
      spdlog::warn("reload: [http] changes take effect at the next restart");
  }

  void stop() override {
    if (server_) server_->stop();
  }

 private:
  ServiceContext& ctx_;
  std::string listen_;
  bool allow_remote_ = false;
  std::unique_ptr<api::StoreApiData> data_;
  std::unique_ptr<api::ApiHandler> handler_;
  std::unique_ptr<web::WebData> web_data_;
  std::unique_ptr<web::RemoteCommands> remote_;
  std::unique_ptr<web::WebHandler> web_;
  std::unique_ptr<api::ApiServer> server_;
};

}  // namespace

std::unique_ptr<ServicePart> makeNotifyPart(ServiceContext& context) {
  return std::make_unique<NotifyPart>(context);
}
std::unique_ptr<ServicePart> makeApiPart(ServiceContext& context) {
  return std::make_unique<ApiPart>(context);
}

}  // namespace uplinkprobe::collector
