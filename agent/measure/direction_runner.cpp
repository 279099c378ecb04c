#include "agent/measure/direction_runner.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "agent/measure/capacity.h"
#include "agent/measure/curl_common.h"
#include "agent/measure/delivered_bytes.h"
#include "agent/measure/latency_stats.h"
#include "platform/tcp_info.h"

namespace uplinkprobe::measure {
namespace {

using std::chrono::duration;
using std::chrono::milliseconds;

constexpr auto kSampleInterval = milliseconds(100);
constexpr auto kProgressInterval = milliseconds(250);
constexpr auto kProbeInterval = milliseconds(200);
constexpr double kProbeIgnoreFirstS = 0.5;  // probes during connection setup measure nothing
constexpr long kProbeTimeoutMs = 2000;
constexpr int kMaxStreamRetries = 2;  // per stream, once data has flowed
constexpr uint64_t kMaxHeaderBytes = 64 * 1024;
constexpr long kReceiveBufferBytes = 512 * 1024;  // libcurl's maximum (CURL_MAX_READ_SIZE)
constexpr long kUploadBufferBytes = 512 * 1024;
// One POST body. LibreSpeed clients post 20 MiB blobs, so any LibreSpeed backend accepts it.
constexpr curl_off_t kUploadRequestBytes = 20LL * 1024 * 1024;
constexpr std::size_t kPayloadBytes = 4 * 1024 * 1024;
// After the upload budget is handed out, this long without a newly delivered byte ends it.
constexpr double kUploadDrainS = 1.0;
constexpr auto kDrainSampleInterval = milliseconds(5);

// Incompressible upload payload (the same bytes every time: fixed seed). Made per upload,
// before its clock starts, and unmapped with the engine: a process-lifetime copy kept 4 MB
// resident in the daemon between tests, which run a few times a day (issue 16 item 6). Its
// own mapping, not malloc: glibc raises its mmap threshold after a large free, so a second
// 4 MB malloc would come from a thread arena that keeps freed pages resident. Generating it
// costs a few ms of CPU per upload, outside the measured window.
struct PayloadUnmap {
  void operator()(char* p) const { ::munmap(p, kPayloadBytes); }
};
using Payload = std::unique_ptr<char, PayloadUnmap>;

Payload makeUploadPayload() {
  void* m =
      ::mmap(nullptr, kPayloadBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return nullptr;
  Payload payload(static_cast<char*>(m));
  std::mt19937_64 rng(0x75706c696e6bULL);
  for (std::size_t i = 0; i + 8 <= kPayloadBytes; i += 8) {
    uint64_t v = rng();
    std::memcpy(payload.get() + i, &v, 8);
  }
  return payload;
}

class DirectionEngine {
 public:
  DirectionEngine(const DirectionParams& p, const Clock& clock, const ProgressFn& progress,
                  const std::atomic<bool>* cancel)
      : p_(p), clock_(clock), progress_(progress), cancel_(cancel), controller_(p.controller) {}

  ~DirectionEngine() { shutdown(); }

  DirectionResult run();

 private:
  struct Stream {
    DirectionEngine* engine = nullptr;
    EasyPtr easy;
    char errbuf[CURL_ERROR_SIZE] = {};
    uint64_t header_bytes = 0;
    uint64_t body_bytes = 0;
    uint64_t upload_pos = 0;
    int failures = 0;
    bool upload_paused = false;  // onRead returned CURL_READFUNC_PAUSE (budget handed out)
    std::optional<Error> abort;  // our own reason to abort (returned 0 from a callback)
  };
  struct SocketStats {
    platform::TcpInfo info;
    uint64_t delivered = 0;  // upload: max seen of bytes_acked + sacked × mss
    uint64_t received = 0;   // download: max seen of tcpi_bytes_received
    // Download: data waiting behind a hole (direction_controller.h "Held-back data"): set
    // when packets arrived out of order since the last sample, cleared when in-order data
    // arrived with none out of order.
    bool in_hole = false;
  };

  static size_t onWrite(char*, size_t size, size_t n, void* ud);
  static size_t onDiscard(char*, size_t size, size_t n, void*) { return size * n; }
  static size_t onHeader(char*, size_t size, size_t n, void* ud);
  static size_t onRead(char* buf, size_t size, size_t n, void* ud);
  static curl_socket_t onOpenSocket(void* ud, curlsocktype, curl_sockaddr* addr);
  static int onCloseSocket(void* ud, curl_socket_t fd);

  bool addStream();
  void restartStream(Stream& s);
  uint64_t countedBytes();
  bool dataHeldBehindAHole();
  void refreshSocket(curl_socket_t fd, SocketStats& st);
  static void refreshReceived(curl_socket_t fd, SocketStats& st);
  // Feeds the controller one sample now (main loop or a transfer callback). Callbacks must not
  // touch the multi handle, so decisions are only recorded here (pending_add_, stop_) and
  // acted on by the main loop.
  void takeSample(SteadyTime now);
  void sampleFromCallback();
  void resumePausedUploads();
  void handleFinished();
  void manageProbe(SteadyTime now);
  void handleProbeFinished();
  void fillTcpFigures(DirectionResult& r);
  void shutdown();
  double secondsSince(SteadyTime t) const {
    return duration<double>(clock_.steadyNow() - t).count();
  }

  const DirectionParams& p_;
  const Clock& clock_;
  const ProgressFn& progress_;
  const std::atomic<bool>* cancel_;
  DirectionController controller_;
  SlistPtr headers_;  // made once libcurl is loaded (run())
  Payload payload_;   // upload only: makeUploadPayload(), made in run()
  MultiPtr multi_;
  MultiPtr probe_multi_;
  std::vector<std::unique_ptr<Stream>> streams_;
  EasyPtr probe_easy_;
  char probe_errbuf_[CURL_ERROR_SIZE] = {};
  bool probe_active_ = false;
  SteadyTime probe_started_{};
  SteadyTime next_probe_{};
  std::vector<double> loaded_ms_;
  std::size_t reported_probes_ = 0;  // loaded_ms_ entries given to the controller
  SteadyTime t0_{};
  SteadyTime next_sample_{};
  SteadyTime last_growth_{};
  uint64_t last_bytes_ = 0;
  double last_sample_t_ = 0;
  SteadyTime last_sample_at_{};
  int pending_add_ = 0;
  StopReason stop_ = StopReason::kNone;
  uint64_t download_bytes_ = 0;
  uint64_t upload_handed_ = 0;  // upload body bytes given to libcurl, all streams
  std::map<curl_socket_t, SocketStats> sockets_;
  uint64_t closed_delivered_ = 0, closed_retrans_ = 0, closed_segs_out_ = 0;
  uint64_t closed_received_ = 0;
  std::optional<Error> fatal_;
};

size_t DirectionEngine::onWrite(char*, size_t size, size_t n, void* ud) {
  auto* s = static_cast<Stream*>(ud);
  DirectionEngine* e = s->engine;
  // Stopped (e.g. the byte budget is spent): take no more. The data stays with libcurl and
  // the transfer is torn down, so bytes ≤ budget + one callback's chunk (≤ 512 KiB).
  if (e->stop_ != StopReason::kNone) return CURL_WRITEFUNC_PAUSE;
  const size_t len = size * n;
  s->body_bytes += len;
  if (e->p_.download) {
    e->download_bytes_ += len;
    e->sampleFromCallback();
  }
  return len;
}

void DirectionEngine::sampleFromCallback() {
  // One libcurl perform call can read for a long time on a fast link (≈ 50 MB per stream
  // on loopback), so samples and the byte budget are also checked here.
  const SteadyTime now = clock_.steadyNow();
  if (now >= next_sample_ || (p_.download && download_bytes_ >= controller_.byteBudget()))
    takeSample(now);
}

size_t DirectionEngine::onHeader(char*, size_t size, size_t n, void* ud) {
  auto* s = static_cast<Stream*>(ud);
  const size_t len = size * n;
  s->header_bytes += len;
  if (s->header_bytes > kMaxHeaderBytes) {
    s->abort = makeError(ErrorKind::kProtocol,
                         "server " +
                             hostPort(s->engine->p_.download ? s->engine->p_.endpoints.download
                                                             : s->engine->p_.endpoints.upload) +
                             " sent more than 64 KiB of response headers: is it a "
                             "LibreSpeed/HTTP endpoint?");
    return 0;
  }
  return len;
}

size_t DirectionEngine::onRead(char* buf, size_t size, size_t n, void* ud) {
  auto* s = static_cast<Stream*>(ud);
  DirectionEngine* e = s->engine;
  e->sampleFromCallback();
  // Never hand out more than the byte budget: what is handed out is what the network will
  // carry. The main loop resumes paused streams when the budget grows.
  const uint64_t budget = e->controller_.byteBudget();
  if (e->stop_ != StopReason::kNone || e->upload_handed_ >= budget) {
    s->upload_paused = true;
    return CURL_READFUNC_PAUSE;
  }
  const size_t want = std::min<uint64_t>(size * n, budget - e->upload_handed_);
  const size_t off = static_cast<size_t>(s->upload_pos % kPayloadBytes);
  const size_t len = std::min(want, kPayloadBytes - off);
  e->upload_handed_ += len;
  std::memcpy(buf, e->payload_.get() + off, len);
  s->upload_pos += len;
  return len;
}

curl_socket_t DirectionEngine::onOpenSocket(void* ud, curlsocktype, curl_sockaddr* addr) {
  auto* e = static_cast<DirectionEngine*>(ud);
  int fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
  if (fd < 0) return CURL_SOCKET_BAD;
  e->sockets_[fd] = SocketStats{};
  return fd;
}

int DirectionEngine::onCloseSocket(void* ud, curl_socket_t fd) {
  auto* e = static_cast<DirectionEngine*>(ud);
  auto it = e->sockets_.find(fd);
  if (it != e->sockets_.end()) {
    // Last look before the counters vanish with the socket.
    e->refreshSocket(fd, it->second);
    refreshReceived(fd, it->second);
    e->closed_delivered_ += it->second.delivered;
    e->closed_received_ += it->second.received;
    e->closed_retrans_ += it->second.info.total_retrans;
    e->closed_segs_out_ += it->second.info.segs_out;
    e->sockets_.erase(it);
  }
  return close(fd);
}

bool DirectionEngine::addStream() {
  auto s = std::make_unique<Stream>();
  s->engine = this;
  s->easy.reset(curl().easy_init());
  if (!s->easy) return false;
  CURL* e = s->easy.get();
  applyCommonOptions(e, p_.options, headers_.get(), s->errbuf);
  curl().easy_setopt(e, CURLOPT_PRIVATE, s.get());
  curl().easy_setopt(e, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  curl().easy_setopt(e, CURLOPT_WRITEFUNCTION, onWrite);
  curl().easy_setopt(e, CURLOPT_WRITEDATA, s.get());
  curl().easy_setopt(e, CURLOPT_HEADERFUNCTION, onHeader);
  curl().easy_setopt(e, CURLOPT_HEADERDATA, s.get());
  curl().easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, onOpenSocket);
  curl().easy_setopt(e, CURLOPT_OPENSOCKETDATA, this);
  curl().easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, onCloseSocket);
  curl().easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
  if (p_.download) {
    curl().easy_setopt(e, CURLOPT_URL, p_.endpoints.download.c_str());
  } else {
    curl().easy_setopt(e, CURLOPT_URL, p_.endpoints.upload.c_str());
    curl().easy_setopt(e, CURLOPT_POST, 1L);
    curl().easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, kUploadRequestBytes);
    curl().easy_setopt(e, CURLOPT_READFUNCTION, onRead);
    curl().easy_setopt(e, CURLOPT_READDATA, s.get());
    curl().easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferBytes);
  }
  if (curl().multi_add_handle(multi_.get(), e) != CURLM_OK) return false;
  streams_.push_back(std::move(s));
  return true;
}

void DirectionEngine::restartStream(Stream& s) {
  curl().multi_remove_handle(multi_.get(), s.easy.get());
  s.header_bytes = 0;
  s.body_bytes = 0;
  s.upload_pos = 0;
  s.upload_paused = false;
  s.abort.reset();
  s.errbuf[0] = '\0';
  if (curl().multi_add_handle(multi_.get(), s.easy.get()) != CURLM_OK)
    fatal_ = makeError(ErrorKind::kInternal, "libcurl refused to restart a stream");
}

void DirectionEngine::refreshSocket(curl_socket_t fd, SocketStats& st) {
  auto ti = platform::readTcpInfo(fd);
  if (!ti || ti->bytes_acked < st.info.bytes_acked) return;
  st.info = *ti;
  // Delivered, not cumulatively acked: see delivered_bytes.h.
  st.delivered = std::max(st.delivered, deliveredBytes(*ti));
}

void DirectionEngine::refreshReceived(curl_socket_t fd, SocketStats& st) {
  if (auto ti = platform::readTcpInfo(fd)) st.received = std::max(st.received, ti->bytes_received);
}

uint64_t DirectionEngine::countedBytes() {
  if (p_.download) {
    // Counted when our TCP took the data in order, not when this process read it: a reader
    // that a busy CPU held up for a few ms finds the data queued in its socket buffers, and a
    // sample taken in the middle of that catch-up read put the window's edge on the wrong
    // bytes (a window starting on such a sample read 96.15 Mbps on a 95.64 Mbps ceiling
    // while a compiler ran beside it). HTTP headers are included (≈ 300 bytes a request).
    uint64_t sum = closed_received_;
    for (auto& [fd, st] : sockets_) {
      refreshReceived(fd, st);
      sum += st.received;
    }
    // A kernel without tcpi_bytes_received (Linux < 4.1) reports 0: then what we read.
    return std::max(sum, download_bytes_);
  }
  uint64_t sum = closed_delivered_;
  for (auto& [fd, st] : sockets_) {
    refreshSocket(fd, st);
    sum += st.delivered;
  }
  return sum;
}

bool DirectionEngine::dataHeldBehindAHole() {
  if (!p_.download) return false;  // upload counts SACKed data when it arrives
  // Short paths: the controller ignores the flag (held_min_rtt_s), so no TCP_INFO is read and
  // the sampling is what it was before long-path support.
  if (!(p_.controller.rtt_s >= p_.controller.held_min_rtt_s)) return false;
  bool held = false;
  for (auto& [fd, st] : sockets_) {
    auto ti = platform::readTcpInfo(fd);
    if (!ti) continue;
    if (ti->rcv_ooopack > st.info.rcv_ooopack) {
      st.in_hole = true;
    } else if (ti->bytes_received > st.info.bytes_received) {
      st.in_hole = false;
    }
    st.info = *ti;
    held = held || st.in_hole;
  }
  return held;
}

void DirectionEngine::takeSample(SteadyTime now) {
  // Strictly increasing times: a callback sample can land in the same clock tick.
  const double t = std::max(duration<double>(now - t0_).count(), last_sample_t_ + 1e-6);
  last_sample_t_ = t;
  last_sample_at_ = now;
  const uint64_t bytes = countedBytes();
  if (bytes > last_bytes_) {
    last_bytes_ = bytes;
    last_growth_ = now;
  }
  const ControllerDecision d = controller_.onSample(t, bytes, dataHeldBehindAHole());
  pending_add_ += d.add_streams;
  if (d.stop != StopReason::kNone && stop_ == StopReason::kNone) stop_ = d.stop;
  while (next_sample_ <= now) next_sample_ += kSampleInterval;
}

void DirectionEngine::resumePausedUploads() {
  if (p_.download || upload_handed_ >= controller_.byteBudget()) return;
  for (auto& s : streams_) {
    if (!s->upload_paused) continue;
    s->upload_paused = false;
    curl().easy_pause(s->easy.get(), CURLPAUSE_CONT);
  }
}

void DirectionEngine::handleFinished() {
  int queued = 0;
  while (CURLMsg* msg = curl().multi_info_read(multi_.get(), &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    if (stop_ != StopReason::kNone) return;  // stopping: nothing is restarted or judged
    Stream* s = nullptr;
    curl().easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &s);
    if (!s) continue;
    const std::string& url = p_.download ? p_.endpoints.download : p_.endpoints.upload;
    const char* what = p_.download ? "download" : "upload";
    std::optional<Error> failure;
    long status = 0;
    curl().easy_getinfo(s->easy.get(), CURLINFO_RESPONSE_CODE, &status);
    if (msg->data.result != CURLE_OK) {
      long os_errno = 0;
      curl().easy_getinfo(s->easy.get(), CURLINFO_OS_ERRNO, &os_errno);
      failure = s->abort
                    ? *s->abort
                    : classifyCurlFailure(msg->data.result, os_errno, status, url, s->errbuf, what);
    } else if (status < 200 || status >= 300) {
      failure =
          makeError(ErrorKind::kHttp, "server " + hostPort(url) + " answered HTTP " +
                                          std::to_string(status) + " to the " + what + " request " +
                                          url + " (redirects are not followed: use the final URL)");
    } else if (p_.download && s->body_bytes == 0) {
      failure =
          makeError(ErrorKind::kProtocol, "server " + hostPort(url) +
                                              " answered the download request with an empty body: "
                                              "check download_url");
    }
    if (!failure) {
      restartStream(*s);
      continue;
    }
    ++s->failures;
    // Before any data moved, a failure is the server's answer, not bad luck: report it.
    if (countedBytes() == 0 || s->failures > kMaxStreamRetries) {
      fatal_ = *failure;
      return;
    }
    restartStream(*s);
  }
}

void DirectionEngine::manageProbe(SteadyTime now) {
  if (probe_active_ || now < next_probe_ || !probe_easy_) return;
  probe_errbuf_[0] = '\0';
  if (curl().multi_add_handle(probe_multi_.get(), probe_easy_.get()) == CURLM_OK) {
    probe_active_ = true;
    probe_started_ = now;
  }
  next_probe_ = now + kProbeInterval;
}

void DirectionEngine::handleProbeFinished() {
  int queued = 0;
  while (CURLMsg* msg = curl().multi_info_read(probe_multi_.get(), &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    const bool counts = duration<double>(probe_started_ - t0_).count() >= kProbeIgnoreFirstS;
    if (msg->data.result == CURLE_OK) {
      curl_off_t pre = 0, ttfb = 0;
      curl().easy_getinfo(probe_easy_.get(), CURLINFO_PRETRANSFER_TIME_T, &pre);
      curl().easy_getinfo(probe_easy_.get(), CURLINFO_STARTTRANSFER_TIME_T, &ttfb);
      if (counts)
        loaded_ms_.push_back(static_cast<double>(std::max<curl_off_t>(0, ttfb - pre)) / 1000.0);
    } else if (msg->data.result == CURLE_OPERATION_TIMEDOUT && counts) {
      // A probe that waited the whole timeout is the worst latency there was: keep it.
      loaded_ms_.push_back(static_cast<double>(kProbeTimeoutMs));
    }
    // The controller judges from it whether the bottleneck's queue stands (no more streams).
    if (counts && loaded_ms_.size() > reported_probes_) {
      controller_.onLoadedLatency(secondsSince(t0_), loaded_ms_.back() / 1000.0);
      reported_probes_ = loaded_ms_.size();
    }
    curl().multi_remove_handle(probe_multi_.get(), probe_easy_.get());
    probe_active_ = false;
    next_probe_ = std::max(next_probe_, probe_started_ + kProbeInterval);
    return;
  }
}

void DirectionEngine::fillTcpFigures(DirectionResult& r) {
  std::vector<double> rtts;
  uint64_t retrans = closed_retrans_, segs_out = closed_segs_out_;
  for (auto& [fd, st] : sockets_) {
    if (auto ti = platform::readTcpInfo(fd)) st.info = *ti;
    if (st.info.rtt_us > 0) rtts.push_back(st.info.rtt_us / 1000.0);
    if (r.mss == 0 && st.info.mss > 0) {
      r.mss = st.info.mss;
      r.timestamps = st.info.timestamps;
    }
    retrans += st.info.total_retrans;
    segs_out += st.info.segs_out;
  }
  r.rtt_ms = median(rtts);
  // Our kernel only knows the retransmissions of what it sent: upload.
  if (!p_.download && segs_out > 0) r.retransmit_pct = 100.0 * retrans / segs_out;
}

void DirectionEngine::shutdown() {
  if (probe_multi_) {
    if (probe_active_) curl().multi_remove_handle(probe_multi_.get(), probe_easy_.get());
    probe_active_ = false;
    probe_multi_.reset();
  }
  probe_easy_.reset();
  if (multi_) {
    for (auto& s : streams_) curl().multi_remove_handle(multi_.get(), s->easy.get());
    multi_.reset();  // closes the pooled connections (onCloseSocket runs now, engine alive)
  }
  streams_.clear();
}

DirectionResult DirectionEngine::run() {
  DirectionResult r;
  const char* phase = p_.download ? "download" : "upload";
  const std::string& url = p_.download ? p_.endpoints.download : p_.endpoints.upload;
  if (url.empty()) {
    r.stop_reason = "error";
    r.error = makeError(ErrorKind::kProtocol, std::string("server has no ") + phase +
                                                  " url configured (kind http needs upload_url)");
    return r;
  }
  if (Status loaded = ensureCurlGlobalInit(); !loaded) {
    r.stop_reason = "error";
    r.error = loaded.error();
    return r;
  }
  headers_ = makeRequestHeaders();
  if (!p_.download && !(payload_ = makeUploadPayload())) {
    r.stop_reason = "error";
    r.error = makeError(ErrorKind::kInternal, "no memory for the 4 MiB upload payload");
    return r;
  }
  multi_.reset(curl().multi_init());
  probe_multi_.reset(curl().multi_init());
  probe_easy_.reset(curl().easy_init());
  if (!multi_ || !probe_multi_ || !probe_easy_) {
    r.stop_reason = "error";
    r.error = makeError(ErrorKind::kInternal, "libcurl handle allocation failed");
    return r;
  }
  applyCommonOptions(probe_easy_.get(), p_.options, headers_.get(), probe_errbuf_);
  curl().easy_setopt(probe_easy_.get(), CURLOPT_URL, p_.endpoints.latency.c_str());
  curl().easy_setopt(probe_easy_.get(), CURLOPT_WRITEFUNCTION, onDiscard);
  curl().easy_setopt(probe_easy_.get(), CURLOPT_TIMEOUT_MS, kProbeTimeoutMs);
  if (p_.endpoints.latency_head) curl().easy_setopt(probe_easy_.get(), CURLOPT_NOBODY, 1L);

  t0_ = clock_.steadyNow();
  last_growth_ = t0_;
  next_sample_ = t0_ + kSampleInterval;
  SteadyTime next_progress = t0_ + kProgressInterval;
  next_probe_ = t0_ + kProbeInterval;
  for (int i = 0; i < controller_.initialStreams(); ++i) {
    if (!addStream()) fatal_ = makeError(ErrorKind::kInternal, "libcurl refused a new stream");
  }
  bool cancelled = false;
  while (!fatal_ && stop_ == StopReason::kNone) {
    SteadyTime now = clock_.steadyNow();
    if (cancel_ && cancel_->load()) {
      cancelled = true;
      break;
    }
    // Upload budget all handed out: the end is when the last of it is delivered, so sample
    // every few ms (bounded: the drain lasts at most kUploadDrainS) rather than per 100 ms.
    const bool draining = !p_.download && upload_handed_ >= controller_.byteBudget();
    if (now >= next_sample_ || (draining && now - last_sample_at_ >= kDrainSampleInterval)) {
      takeSample(now);
      // Upload budget handed out but the count stopped short of it (a connection died with
      // handed bytes in its buffer): nothing more will arrive, so it is the byte cap.
      if (stop_ == StopReason::kNone && !p_.download &&
          upload_handed_ >= controller_.byteBudget() &&
          duration<double>(now - last_growth_).count() > kUploadDrainS)
        stop_ = StopReason::kByteCap;
      if (stop_ == StopReason::kNone && duration<double>(now - last_growth_).count() > p_.stall_s) {
        fatal_ = makeError(ErrorKind::kTimeout, std::string("no ") + phase + " data moved for " +
                                                    std::to_string(static_cast<int>(p_.stall_s)) +
                                                    " s: server " + hostPort(url) +
                                                    " stalled or the link is down");
        break;
      }
    }
    for (; pending_add_ > 0; --pending_add_) {
      if (!addStream()) fatal_ = makeError(ErrorKind::kInternal, "libcurl refused a new stream");
    }
    if (stop_ != StopReason::kNone || fatal_) break;
    resumePausedUploads();
    if (progress_ && now >= next_progress) {
      Progress pr;
      pr.phase = phase;
      pr.elapsed_s = duration<double>(now - t0_).count();
      pr.bytes = last_bytes_;
      pr.streams = controller_.streams();
      const auto& series = controller_.series();
      if (!series.empty()) {
        if (auto rate = series.windowRateBps(series.size() - 1, 1.0)) {
          pr.current_mbps = *rate / 1e6;
        } else if (series.back().t_s > 0) {
          pr.current_mbps = series.back().bytes * 8.0 / series.back().t_s / 1e6;
        }
      }
      progress_(pr);
      while (next_progress <= now) next_progress += kProgressInterval;
    }
    manageProbe(now);

    // Wait for stream sockets, the probe's sockets (as extra fds) or the next sample.
    long wait_ms = std::chrono::duration_cast<milliseconds>(next_sample_ - now).count();
    wait_ms =
        std::clamp(wait_ms, 0L, draining ? static_cast<long>(kDrainSampleInterval.count()) : 100L);
    curl_waitfd extra[8];
    unsigned n_extra = 0;
    if (probe_active_) {
      long probe_timeout = -1;
      curl().multi_timeout(probe_multi_.get(), &probe_timeout);
      if (probe_timeout >= 0) wait_ms = std::min(wait_ms, probe_timeout);
      fd_set rd, wr, ex;
      FD_ZERO(&rd);
      FD_ZERO(&wr);
      FD_ZERO(&ex);
      int maxfd = -1;
      curl().multi_fdset(probe_multi_.get(), &rd, &wr, &ex, &maxfd);
      if (maxfd < 0) wait_ms = std::min(wait_ms, 5L);  // resolving/connecting: poll briefly
      for (int fd = 0; fd <= maxfd && n_extra < 8; ++fd) {
        short ev = 0;
        if (FD_ISSET(fd, &rd)) ev |= CURL_WAIT_POLLIN;
        if (FD_ISSET(fd, &wr)) ev |= CURL_WAIT_POLLOUT;
        if (FD_ISSET(fd, &ex)) ev |= CURL_WAIT_POLLPRI;
        if (ev) extra[n_extra++] = curl_waitfd{fd, ev, 0};
      }
    }
    curl().multi_wait(multi_.get(), n_extra ? extra : nullptr, n_extra, static_cast<int>(wait_ms),
                      nullptr);
    int running = 0;
    curl().multi_perform(multi_.get(), &running);
    handleFinished();
    if (probe_active_) {
      curl().multi_perform(probe_multi_.get(), &running);
      handleProbeFinished();
    }
  }

  const DirectionSummary sum = controller_.summarize();
  fillTcpFigures(r);
  shutdown();

  SegmentShape shape{r.mss, r.timestamps, p_.ip_family};
  const CapacityFigures cap = capacityFigures(sum.goodput_bps, sum.peak_bps, shape, p_.nic_mbps);
  r.goodput_mbps = cap.goodput_bps / 1e6;
  r.ip_capacity_mbps = cap.ip_capacity_bps / 1e6;
  r.peak_mbps = cap.peak_bps / 1e6;
  r.clamped = cap.clamped;
  // A download's `bytes` stay what we read, the figure the byte budget bounds (≤ budget +
  // one callback's chunk); the rate samples count what our TCP had taken, which runs ahead of
  // that by the data queued in socket buffers (MBs on loopback).
  r.bytes = p_.download ? download_bytes_ : sum.bytes;
  r.duration_s = sum.duration_s;
  r.warmup_s = sum.warmup_s;
  r.window_s = sum.window_s;
  if (sum.window_rtts > 0) r.window_rtts = sum.window_rtts;
  r.short_window = sum.short_window;
  r.streams = controller_.streams();
  r.loaded_latency_ms = median(loaded_ms_);
  r.loaded_latency_samples = static_cast<int>(loaded_ms_.size());
  if (fatal_) {
    r.stop_reason = "error";
    r.error = fatal_;
  } else if (cancelled) {
    r.stop_reason = "cancelled";
    r.error = makeError(ErrorKind::kCancelled, "test cancelled");
  } else if (sum.bytes == 0) {
    // A cap reached without a single counted byte is not a measurement.
    r.stop_reason = "error";
    r.error = makeError(ErrorKind::kTimeout, std::string("no ") + phase + " data from server " +
                                                 hostPort(url) + " within the test time");
  } else {
    r.stop_reason = stopReasonName(stop_);
  }
  return r;
}

}  // namespace

DirectionResult runDirection(const DirectionParams& params, const Clock& clock,
                             const ProgressFn& progress, const std::atomic<bool>* cancel) {
  DirectionEngine engine(params, clock, progress, cancel);
  return engine.run();
}

}  // namespace uplinkprobe::measure
