// `uplinkprobe-collector run`: the service skeleton (see collector/cli/service.h).
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <asio.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "collector/cli/args.h"
#include "collector/cli/commands.h"
#include "collector/cli/common_setup.h"
#include "collector/cli/service.h"
#include "collector/config/config_loader.h"
#include "common/version.h"
#include "http/listen_address.h"
#include "platform/service_notify.h"

namespace uplinkprobe::collector::cli {
namespace {

void setupServiceLogging() {
  auto logger = spdlog::stderr_logger_mt("uplinkprobe-collector");
  // Under systemd, journald stamps time and unit itself.
  if (std::getenv("JOURNAL_STREAM"))
    logger->set_pattern("%v");
  else
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  spdlog::set_default_logger(logger);
  spdlog::flush_on(spdlog::level::info);
}

// Beyond loopback only with [http] allow_remote (warns): the collector speaks plain HTTP, so
// logins would cross the network in clear, and with open_api the API has no login at all.
Status checkListen(const config::Config& c) {
  auto a = http::parseListenAddress(c.http.listen);
  if (!a)
    return makeError(ErrorKind::kConfig, c.source_path + ": [http] listen: " + a.error().message);
  if (!a->isLoopback() && !c.http.allow_remote)
    return makeError(ErrorKind::kConfig,
                     c.source_path + ": [http] listen \"" + c.http.listen +
                         "\" is not a loopback address; the collector speaks plain "
                         "HTTP (and with open_api = true answers without login): put "
                         "a TLS reverse proxy in front, or set [http] allow_remote = "
                         "true to accept that");
  if (!a->isLoopback() && !c.http.open_api) {
    spdlog::warn("[http] allow_remote = true: logins to {} cross the network unencrypted",
                 c.http.listen);
    return Status::Ok();
  }
  if (!a->isLoopback())
    spdlog::warn("[http] allow_remote = true: the API listens on {} without access control",
                 c.http.listen);
  return Status::Ok();
}

}  // namespace

int runCommand(const Argv& argv) {
  auto args = parseArgs(argv, {}, {"--config"}, 0);
  if (!args) {
    std::fprintf(stderr, "uplinkprobe-collector run: %s\n", args.error().message.c_str());
    return kExitUsage;
  }
  int code = kExitOk;
  auto loaded = loadConfigOrReport(*args, code);
  if (!loaded) return code;
  auto cfg = std::make_unique<config::Config>(std::move(*loaded));
  if (auto st = checkListen(*cfg); !st) {
    std::fprintf(stderr, "uplinkprobe-collector: %s\n", st.error().message.c_str());
    return kExitBadConfig;
  }
  applyTimezone(*cfg);
  setupServiceLogging();
  spdlog::info("uplinkprobe-collector {} starting (config {})", kAgentVersion, cfg->source_path);

  auto db = openAndMigrate(*cfg);
  if (!db) return kExitError;
  spdlog::info("database {} ready", db->describe());

  StoreOptions so;
  so.school_hours = schoolHours(*cfg);
  RecordStore store(*db, so);

  asio::io_context io;
  ServiceContext ctx;
  ctx.config = cfg.get();
  ctx.io = &io;
  ctx.db = db.get();
  ctx.store = &store;
  ctx.school_hours = so.school_hours;
  const std::string url = cfg->database.url;
  db::Options dbo;
  dbo.sqlite_synchronous = cfg->database.sqlite_synchronous;
  ctx.open_database = [url, dbo]() { return db::openDatabase(url, dbo); };

  auto parts = makeServiceParts(ctx);
  size_t started = 0;
  auto stopParts = [&] {
    while (started > 0) {
      auto& p = parts[--started];
      spdlog::info("stopping {}", p->name());
      p->stop();
    }
  };
  for (auto& p : parts) {
    if (auto st = p->start(); !st) {
      spdlog::error("{}: {}", p->name(), st.error().message);
      stopParts();
      return kExitError;
    }
    ++started;
  }

  std::vector<std::unique_ptr<config::Config>> old_configs;  // parts may hold references
  asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  std::function<void(const asio::error_code&, int)> onSignal = [&](const asio::error_code& ec,
                                                                   int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      platform::notifyService("RELOADING=1");
      auto fresh = config::loadConfigFile(cfg->source_path);
      if (!fresh) {
        spdlog::error("reload: {} (keeping the running configuration)", fresh.error().message);
      } else if (auto st = checkListen(*fresh); !st) {
        spdlog::error("reload: {} (keeping the running configuration)", st.error().message);
      } else {
        if (fresh->database.url != cfg->database.url)
          spdlog::warn("reload: [database] url changed: takes effect at the next restart");
        old_configs.push_back(std::move(cfg));
        cfg = std::make_unique<config::Config>(std::move(*fresh));
        ctx.config = cfg.get();
        for (size_t i = 0; i < started; ++i) parts[i]->reload(*cfg);
        spdlog::info("reload: configuration {} applied", cfg->source_path);
      }
      platform::notifyService("READY=1");
      signals.async_wait(onSignal);
      return;
    }
    spdlog::info("signal {}: stopping", sig);
    platform::notifyService("STOPPING=1");
    stopParts();
    io.stop();
  };
  signals.async_wait(onSignal);

  // WATCHDOG=1 from the io_context itself, so a stuck loop trips systemd's watchdog.
  asio::steady_timer watchdog(io);
  std::function<void()> arm;
  if (auto period = platform::watchdogInterval()) {
    arm = [&, half = *period / 2] {
      watchdog.expires_after(half);
      watchdog.async_wait([&](const asio::error_code& ec) {
        if (ec) return;
        platform::notifyService("WATCHDOG=1");
        arm();
      });
    };
    arm();
  }

  platform::notifyService("READY=1\nSTATUS=collecting");
  spdlog::info("ready ({} part(s) running)", parts.size());
  io.run();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace uplinkprobe::collector::cli
