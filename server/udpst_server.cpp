#include "server/udpst_server.h"

#include <fmt/format.h>

#include <algorithm>

namespace uplinkprobe::server {

using namespace uplinkprobe::udpst;

namespace {
constexpr auto kActivationTimeout = std::chrono::seconds(3);
constexpr std::size_t kMaxSeen = 100000;
// Setup answers kept to answer a repeated request: a client on a lossy path sends the same
// bytes again when our answer was lost. Few and short-lived: a repeat comes within the
// client's control timeout (3 s).
constexpr std::size_t kMaxRecentAnswers = 64;
constexpr auto kRecentAnswerLife = std::chrono::seconds(10);

std::string addressKey(const asio::ip::address& a) {
  if (a.is_v6() && !a.to_v6().is_v4_mapped()) {
    auto b = a.to_v6().to_bytes();
    std::fill(b.begin() + 8, b.end(), 0);  // one /64
    return asio::ip::address_v6(b).to_string();
  }
  if (a.is_v6()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}
}  // namespace

struct UdpstServer::Test {
  explicit Test(asio::io_context& io) : socket(io), timer(io) {}
  asio::ip::udp::socket socket;
  asio::steady_timer timer;
  asio::ip::udp::endpoint client;  // the setup request's source
  asio::ip::udp::endpoint from;
  std::vector<std::uint8_t> buf = std::vector<std::uint8_t>(2048);
  std::string address_key;
  int mbps = 0;
  bool upstream = false;
  bool jumbo = true;
  bool traditional_mtu = false;
  std::uint8_t auth_mode = kAuthMode0;
  std::uint8_t key_id = 0;
  DerivedKeys keys;
  std::shared_ptr<DataSession> session;
  bool ended = false;
};

UdpstServer::UdpstServer(asio::io_context& io, UdpstServerConfig config, const Clock& clock)
    : io_(io), cfg_(std::move(config)), clock_(clock), control_(io), buf_(2048) {}

UdpstServer::~UdpstServer() = default;

std::int64_t UdpstServer::unixNow() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.wallNow().time_since_epoch())
      .count();
}

Result<std::string> UdpstServer::bind() {
  asio::error_code ec;
  auto addr = asio::ip::make_address(cfg_.host, ec);
  if (ec)
    return makeError(ErrorKind::kUsage, "--udpst-listen " + cfg_.host + ": not an IP address");
  asio::ip::udp::endpoint ep(addr, cfg_.port);
  control_.open(ep.protocol(), ec);
  if (!ec) control_.bind(ep, ec);
  if (ec) {
    return makeError(ErrorKind::kBind,
                     fmt::format("udpst {}: {}",
                                 ep.port() ? fmt::format("{}:{}", cfg_.host, cfg_.port) : cfg_.host,
                                 ec.message()));
  }
  auto local = control_.local_endpoint(ec);
  return addr.is_v6() ? fmt::format("[{}]:{}", local.address().to_string(), local.port())
                      : fmt::format("{}:{}", local.address().to_string(), local.port());
}

std::string countersLine(const UdpstCounters& c) {
  return "udpst: accepted " + std::to_string(c.accepted.load()) + ", completed " +
         std::to_string(c.completed.load()) + ", refused " + std::to_string(c.refused.load()) +
         ", replayed " + std::to_string(c.replayed.load()) + ", repeated " +
         std::to_string(c.repeated.load());
}

void UdpstServer::start() { receiveControl(); }

void UdpstServer::stop() {
  stopped_ = true;
  asio::error_code ec;
  control_.close(ec);
  auto tests = tests_;
  for (auto& [p, t] : tests) {
    if (t->session) t->session->stop("server shutdown");
    endTest(t);
  }
}

void UdpstServer::receiveControl() {
  control_.async_receive_from(asio::buffer(buf_), peer_,
                              [this](const asio::error_code& ec, std::size_t n) {
                                if (stopped_) return;
                                if (!ec) onSetup(n);
                                if (ec == asio::error::operation_aborted) return;
                                receiveControl();
                              });
}

bool UdpstServer::seenBefore(std::uint8_t key_id, std::uint32_t time,
                             const std::array<std::uint8_t, 32>& d) {
  const std::int64_t now = unixNow();
  while (!seen_.empty() &&
         (std::get<0>(seen_.front()) < now - 2 * kAuthTimeWindowS - 2 || seen_.size() > kMaxSeen)) {
    seen_.pop_front();
  }
  for (const auto& [at, id, t, digest] : seen_) {
    if (id == key_id && t == time && digest == d) return true;
  }
  seen_.emplace_back(now, key_id, time, d);
  return false;
}

void UdpstServer::sendSetupResponse(const SetupPdu& pdu, const Key32* server_key) {
  auto bytes = encodeSetup(pdu);
  if (server_key != nullptr && pdu.auth.mode == kAuthMode1) {
    signPdu(bytes, kSetupAuthModeOffset, *server_key, pdu.auth.key_id,
            static_cast<std::uint32_t>(unixNow()));
  }
  asio::error_code ec;
  control_.send_to(asio::buffer(bytes), peer_, 0, ec);
  if (recent_.size() >= kMaxRecentAnswers) recent_.pop_front();
  recent_.push_back(RecentAnswer{clock_.steadyNow(), peer_, request_, std::move(bytes), 0});
}

bool UdpstServer::answerRepeat(std::span<const std::uint8_t> request) {
  const SteadyTime now = clock_.steadyNow();
  while (!recent_.empty() && now - recent_.front().at > kRecentAnswerLife) recent_.pop_front();
  for (auto& r : recent_) {
    if (r.peer != peer_ ||
        !std::equal(request.begin(), request.end(), r.request.begin(), r.request.end())) {
      continue;
    }
    // The same answer again, a bounded number of times; after that it is a replay.
    if (r.repeats >= udpst::kMaxControlRepeats) return false;
    ++r.repeats;
    ++counters_.repeated;
    asio::error_code ec;
    control_.send_to(asio::buffer(r.answer), peer_, 0, ec);
    return true;
  }
  return false;
}

void UdpstServer::refuse(SetupPdu pdu, std::uint8_t code, const Key32* server_key) {
  ++counters_.refused;
  pdu.cmd_request = kSetupResponse;
  pdu.cmd_response = code;
  pdu.auth.digest = {};
  if (code == kSrBadVersion) pdu.protocol_version = kProtocolVersion;
  sendSetupResponse(pdu, server_key);
}

void UdpstServer::onSetup(std::size_t n) {
  std::span<const std::uint8_t> bytes(buf_.data(), n);
  auto decoded = decodeSetup(bytes);
  if (!decoded || decoded->cmd_request != kSetupRequest) return;  // not for us: no answer
  if (answerRepeat(bytes)) return;
  request_.assign(bytes.begin(), bytes.end());
  SetupPdu pdu = *decoded;
  std::optional<DerivedKeys> keys;
  if (cfg_.keys) {
    if (pdu.auth.mode == kAuthMode0) return refuse(pdu, kSrAuthRequired, nullptr);
    if (pdu.auth.mode != kAuthMode1) return refuse(pdu, kSrAuthInvalidMode, nullptr);
    const std::string* key = cfg_.keys->find(pdu.auth.key_id);
    if (key == nullptr) return refuse(pdu, kSrAuthFail, nullptr);
    auto derived = deriveKeys(*key, pdu.auth.unix_time);
    if (!derived) return refuse(pdu, kSrAuthFail, nullptr);
    keys = *derived;
    if (!digestMatches(bytes, kSetupAuthModeOffset, keys->client)) {
      return refuse(pdu, kSrAuthFail, &keys->server);
    }
    if (!withinAuthWindow(pdu.auth.unix_time, unixNow())) {
      return refuse(pdu, kSrAuthTime, &keys->server);
    }
    if (seenBefore(pdu.auth.key_id, pdu.auth.unix_time, pdu.auth.digest)) {
      ++counters_.replayed;
      return refuse(pdu, kSrAuthFail, &keys->server);
    }
  } else if (pdu.auth.mode != kAuthMode0) {
    return refuse(pdu, kSrAuthNotConfigured, nullptr);
  }
  const Key32* skey = keys ? &keys->server : nullptr;
  if (pdu.protocol_version != kProtocolVersion) return refuse(pdu, kSrBadVersion, skey);
  if (pdu.mc_count != 1 || pdu.mc_index != 0) return refuse(pdu, kSrMultiConnInvalid, skey);
  const int mbps = pdu.max_bandwidth & ~kUpstreamBit;
  if (mbps == 0) return refuse(pdu, kSrNoMaxBandwidth, skey);
  if (mbps > cfg_.max_mbps || granted_mbps_ + mbps > cfg_.total_mbps) {
    return refuse(pdu, kSrCapacityExceeded, skey);
  }
  const std::string akey = addressKey(peer_.address());
  if (static_cast<int>(tests_.size()) >= cfg_.max_tests ||
      per_address_[akey] >= cfg_.max_tests_per_address) {
    return refuse(pdu, kSrConnFail, skey);
  }

  auto t = std::make_shared<Test>(io_);
  asio::error_code ec;
  asio::ip::udp::endpoint local(control_.local_endpoint(ec).address(), 0);
  t->socket.open(local.protocol(), ec);
  if (!ec) t->socket.bind(local, ec);
  if (ec) return refuse(pdu, kSrConnFail, skey);
  t->client = peer_;
  t->address_key = akey;
  t->mbps = mbps;
  t->upstream = (pdu.max_bandwidth & kUpstreamBit) != 0;
  t->jumbo = (pdu.modifier_bitmap & kJumboStatus) != 0;
  t->traditional_mtu = (pdu.modifier_bitmap & kTraditionalMtu) != 0;
  t->auth_mode = pdu.auth.mode;
  t->key_id = pdu.auth.key_id;
  if (keys) t->keys = *keys;
  tests_[t.get()] = t;
  ++per_address_[akey];
  granted_mbps_ += mbps;

  pdu.cmd_request = kSetupResponse;
  pdu.cmd_response = kSrAckOk;
  pdu.test_port = t->socket.local_endpoint(ec).port();
  pdu.auth.digest = {};
  sendSetupResponse(pdu, skey);

  // Null request from the test port (opens a stateful firewall in front of the server).
  NullPdu null;
  null.auth.mode = t->auth_mode;
  auto nb = encodeNull(null);
  if (keys)
    signPdu(nb, kNullAuthModeOffset, keys->server, t->key_id,
            static_cast<std::uint32_t>(unixNow()));
  t->socket.send_to(asio::buffer(nb), t->client, 0, ec);
  awaitActivation(t);
}

void UdpstServer::awaitActivation(std::shared_ptr<Test> t) {
  t->timer.expires_after(kActivationTimeout);
  t->timer.async_wait([this, t](const asio::error_code& ec) {
    if (!ec && !t->session) {
      ++counters_.refused;
      endTest(t);
    }
  });
  t->socket.async_receive_from(asio::buffer(t->buf), t->from,
                               [this, t](const asio::error_code& ec, std::size_t n) {
                                 if (ec || t->ended || stopped_) return;
                                 onActivation(t, n);
                               });
}

void UdpstServer::onActivation(std::shared_ptr<Test> t, std::size_t n) {
  std::span<const std::uint8_t> bytes(t->buf.data(), n);
  auto rearm = [&] {
    t->socket.async_receive_from(asio::buffer(t->buf), t->from,
                                 [this, t](const asio::error_code& ec, std::size_t m) {
                                   if (ec || t->ended || stopped_) return;
                                   onActivation(t, m);
                                 });
  };
  // Only the setup's address may activate; anything else is ignored (no answer).
  if (t->from.address() != t->client.address()) return rearm();
  auto decoded = decodeActivation(bytes);
  if (!decoded) return rearm();
  ActivationPdu a = *decoded;
  if (t->auth_mode == kAuthMode1) {
    if (a.auth.mode != kAuthMode1 ||
        !digestMatches(bytes, kActivationAuthModeOffset, t->keys.client) ||
        !withinAuthWindow(a.auth.unix_time, unixNow()) ||
        seenBefore(a.auth.key_id, a.auth.unix_time, a.auth.digest)) {
      return rearm();  // as the reference: an activation that fails authentication is dropped
    }
  }
  asio::error_code ec;
  t->socket.connect(t->from, ec);
  if (ec) return endTest(t);
  t->timer.cancel();

  // Police the parameters as the reference does, with our duration cap.
  a.cmd_response = kTaAckOk;
  if (a.low_thresh < 1 || a.low_thresh > 10000) a.low_thresh = 30;
  if (a.upper_thresh < 1 || a.upper_thresh > 10000) a.upper_thresh = 90;
  if (a.low_thresh > a.upper_thresh) {
    a.low_thresh = 30;
    a.upper_thresh = 90;
  }
  if (a.trial_int < 5 || a.trial_int > 250) a.trial_int = 50;
  if (a.test_int_time < 5 || a.test_int_time > 3600) a.test_int_time = 10;
  a.test_int_time = static_cast<std::uint16_t>(std::min<int>(a.test_int_time, cfg_.max_seconds));
  if (a.sub_int_period < 100 || a.sub_int_period > 10000) a.sub_int_period = 1000;
  if (a.sub_int_period > a.test_int_time * 1000) {
    a.test_int_time = static_cast<std::uint16_t>(std::min(10, cfg_.max_seconds));
    a.sub_int_period = 1000;
  }
  a.dscp_ecn = 0;  // no marking (not configured on this server)
  if (a.sr_index_conf != kSrIndexAuto && a.sr_index_conf > 1152) a.sr_index_conf = kSrIndexAuto;
  if (a.use_ow_del_var > 1) a.use_ow_del_var = 0;
  if (a.high_speed_delta < 1) a.high_speed_delta = 10;
  if (a.slow_adj_thresh < 1) a.slow_adj_thresh = 3;
  if (a.ignore_ooo_dup > 1) a.ignore_ooo_dup = 1;
  a.modifier_bitmap &= kTaSrIndexIsStart;  // no random payload here
  if (a.rate_adj_algo > kAlgorithmC) a.rate_adj_algo = kAlgorithmB;
  if (a.sr_adj_supp_count >= (a.test_int_time * 1000) / a.sub_int_period) a.sr_adj_supp_count = 0;
  a.ecn_ce_thresh = 0;

  SessionConfig sc;
  sc.is_server = true;
  sc.sends_load = a.cmd_request == kActivateDownstream;
  sc.trial_int_ms = a.trial_int;
  sc.sub_int_period_ms = a.sub_int_period;
  sc.test_seconds = a.test_int_time;
  sc.jumbo = t->jumbo;
  sc.traditional_mtu = t->traditional_mtu;
  sc.ipv6 = t->from.address().is_v6() && !t->from.address().to_v6().is_v4_mapped();
  sc.rate.algorithm = a.rate_adj_algo;
  sc.rate.low_thresh_ms = a.low_thresh;
  sc.rate.upper_thresh_ms = a.upper_thresh;
  sc.rate.seq_err_thresh = a.seq_err_thresh;
  sc.rate.slow_adj_thresh = a.slow_adj_thresh;
  sc.rate.high_speed_delta = a.high_speed_delta;
  sc.rate.ignore_ooo_dup = a.ignore_ooo_dup != 0;
  sc.rate.use_one_way_delay = a.use_ow_del_var != 0;
  sc.rate.sr_index_conf = a.sr_index_conf;
  sc.rate.sr_index_is_start = (a.modifier_bitmap & kTaSrIndexIsStart) != 0;
  sc.rate.sr_adj_supp_count = a.sr_adj_supp_count;
  SendingRateTable table(t->jumbo, t->traditional_mtu);
  sc.rate.max_index = table.rowFor(t->mbps);
  sc.hard_limit = std::chrono::milliseconds((a.test_int_time + 5) * 1000);

  int start_row = 0;
  if (a.sr_index_conf != kSrIndexAuto)
    start_row = std::min<int>(a.sr_index_conf, sc.rate.max_index);
  a.sr = a.cmd_request == kActivateUpstream ? table.row(start_row) : SendingRate{};

  auto rsp = encodeActivation(a);
  if (t->auth_mode == kAuthMode1) {
    signPdu(rsp, kActivationAuthModeOffset, t->keys.server, a.auth.key_id,
            static_cast<std::uint32_t>(unixNow()));
  }
  t->socket.send(asio::buffer(rsp), 0, ec);
  sc.activation_request.assign(bytes.begin(), bytes.end());
  sc.activation_response = rsp;
  ++counters_.accepted;
  t->session = std::make_shared<DataSession>(std::move(t->socket), sc, clock_,
                                             [this, t](const SessionResult& r) {
                                               if (r.completed) ++counters_.completed;
                                               asio::post(io_, [this, t] { endTest(t); });
                                             });
  t->session->start(SendingRate{});
}

void UdpstServer::endTest(const std::shared_ptr<Test>& t) {
  if (t->ended) return;
  t->ended = true;
  asio::error_code ec;
  t->timer.cancel();
  if (t->socket.is_open()) t->socket.close(ec);
  granted_mbps_ -= t->mbps;
  if (--per_address_[t->address_key] <= 0) per_address_.erase(t->address_key);
  tests_.erase(t.get());
}

}  // namespace uplinkprobe::server
