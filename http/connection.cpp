#include "http/connection.h"

#include <algorithm>
#include <cstring>

namespace uplinkprobe::http {

namespace {
// One gather write hands the kernel up to this much; large enough that the syscall cost per
// byte is negligible at tens of Gbit/s, small enough to keep the stall deadline meaningful.
constexpr std::size_t kMaxWriteBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxIov = 8;

std::string peerAddress(const asio::ip::tcp::socket& socket) {
  asio::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  asio::ip::address a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  }
  return a.to_string();
}
}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, const ConnectionLimits& limits,
                       const Handler& handler, ConnectionLimiter::Slot slot)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      limits_(limits),
      handler_(handler),
      payload_(handler.payload()),
      slot_(std::move(slot)),
      parser_(limits.parse) {}

Connection::~Connection() = default;

void Connection::start() {
  asio::error_code ec;
  // Small answers (getIP, empty, latency probes) must not wait for Nagle; large ones are
  // written in multi-MiB gathers, so NODELAY costs nothing there.
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  peer_ip_ = peerAddress(socket_);
  in_.resize(limits_.parse.max_header_bytes + 1024);
  phase_ = Phase::kHead;
  deadline_ = std::chrono::steady_clock::now() + limits_.header_timeout;
  watchDeadline();
  readMore();
}

void Connection::readMore() {
  if (begin_ > 0) {
    std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  std::size_t want = in_.size() - end_;
  if (phase_ == Phase::kBody && !body_chunked_) {
    want = static_cast<std::size_t>(std::min<std::uint64_t>(want, body_left_));
  }
  if (want == 0) {
    // Cannot happen: the head parser rejects a full buffer and bodies are drained first.
    close();
    return;
  }
  socket_.async_read_some(asio::buffer(in_.data() + end_, want),
                          [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                            self->onRead(ec, n);
                          });
}

void Connection::onRead(const asio::error_code& ec, std::size_t n) {
  if (closed_) return;
  if (ec) {
    // EOF or reset: nobody left to answer, whatever phase we were in.
    close();
    return;
  }
  end_ += n;
  auto now = std::chrono::steady_clock::now();
  switch (phase_) {
    case Phase::kIdle:
      phase_ = Phase::kHead;
      setDeadline(now + limits_.header_timeout);
      break;
    case Phase::kBody:
      setDeadline(now + limits_.stall_timeout);
      break;
    case Phase::kLinger:
      lingered_ += n;
      begin_ = end_ = 0;
      if (lingered_ > kMaxLingerBytes) {
        close();
      } else {
        readMore();
      }
      return;
    case Phase::kHead:
    case Phase::kWrite:
      break;
  }
  process();
}

void Connection::process() {
  if (phase_ == Phase::kIdle || phase_ == Phase::kHead) {
    if (begin_ == end_) {
      readMore();
      return;
    }
    if (phase_ == Phase::kIdle) {
      // Pipelined request already buffered: its head deadline starts now.
      phase_ = Phase::kHead;
      setDeadline(std::chrono::steady_clock::now() + limits_.header_timeout);
    }
    HeadParseResult r = parser_.parse(pending());
    switch (r.state) {
      case HeadParseResult::State::kIncomplete:
        readMore();
        return;
      case HeadParseResult::State::kError:
        sendResponse(errorResponse(r.error_status, r.error_message, true));
        return;
      case HeadParseResult::State::kComplete:
        begin_ += r.head_size;
        parser_.reset();
        handleRequest(std::move(r.request));
        return;
    }
    return;
  }
  if (phase_ == Phase::kBody) {
    if (body_chunked_) {
      ChunkedDecoder::Step step = chunked_->feed(pending());
      begin_ += step.consumed;
      switch (step.status) {
        case ChunkedDecoder::Status::kDone:
          sendResponse(std::move(pending_response_));
          return;
        case ChunkedDecoder::Status::kMalformed:
          sendResponse(errorResponse(400, chunked_->errorMessage(), true));
          return;
        case ChunkedDecoder::Status::kTooLarge:
          sendResponse(errorResponse(413, chunked_->errorMessage(), true));
          return;
        case ChunkedDecoder::Status::kNeedMore:
          readMore();
          return;
      }
      return;
    }
    std::uint64_t take = std::min<std::uint64_t>(body_left_, end_ - begin_);
    if (collect_body_) body_.append(in_.data() + begin_, static_cast<std::size_t>(take));
    begin_ += static_cast<std::size_t>(take);
    body_left_ -= take;
    if (body_left_ == 0) {
      if (collect_body_) {
        collect_body_ = false;
        body_ctx_.peer_ip = peer_ip_;
        Response r = handler_.respondWithBody(*body_request_, std::move(body_), body_ctx_);
        body_.clear();
        body_request_.reset();
        sendResponse(std::move(r));
        return;
      }
      sendResponse(std::move(pending_response_));
    } else {
      readMore();
    }
  }
}

void Connection::handleRequest(Request req) {
  ++requests_;
  const bool wants_body = req.hasBody() && handler_.acceptsBody(req);
  RequestContext ctx;
  ctx.peer_ip = peer_ip_;
  // A body we do not want is not read: answer, then close, so it cannot be taken for the
  // next request.
  ctx.close =
      !req.keep_alive || requests_ >= limits_.max_requests || (req.hasBody() && !wants_body);

  if (const std::size_t limit = req.hasBody() ? handler_.bodyLimit(req) : 0; limit > 0) {
    if (req.chunked) {
      sendResponse(errorResponse(411, "this request needs a Content-Length", true));
      return;
    }
    if (*req.content_length > limit) {
      sendResponse(errorResponse(413, "request body too large", true));
      return;
    }
    ctx.close = !req.keep_alive || requests_ >= limits_.max_requests;
    collect_body_ = true;
    body_.clear();
    body_.reserve(static_cast<std::size_t>(*req.content_length));
    body_ctx_ = ctx;
    const bool expect = req.expect_continue;
    body_left_ = *req.content_length;
    body_chunked_ = false;
    body_request_.emplace(std::move(req));
    phase_ = Phase::kBody;
    setDeadline(std::chrono::steady_clock::now() + limits_.stall_timeout);
    if (in_.size() < kBodyBufferBytes) in_.resize(kBodyBufferBytes);
    if (expect && begin_ == end_) {
      writeContinue();
      return;
    }
    process();
    return;
  }
  if (!wants_body) {
    sendResponse(handler_.respond(req, ctx));
    return;
  }
  if (req.content_length && *req.content_length > limits_.max_upload_bytes) {
    sendResponse(errorResponse(413, "request body exceeds the upload limit", true));
    return;
  }
  pending_response_ = handler_.respond(req, ctx);
  phase_ = Phase::kBody;
  setDeadline(std::chrono::steady_clock::now() + limits_.stall_timeout);
  if (in_.size() < kBodyBufferBytes) in_.resize(kBodyBufferBytes);
  body_chunked_ = req.chunked;
  if (body_chunked_) {
    chunked_.emplace(limits_.max_upload_bytes);
  } else {
    body_left_ = *req.content_length;
  }
  // A client that already started sending the body did not wait for 100 Continue.
  if (req.expect_continue && begin_ == end_) {
    writeContinue();
    return;
  }
  process();
}

void Connection::writeContinue() {
  std::string_view msg = continueResponse();
  asio::async_write(socket_, asio::buffer(msg.data(), msg.size()),
                    [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
                      if (self->closed_) return;
                      if (ec) {
                        self->close();
                        return;
                      }
                      self->process();
                    });
}

void Connection::sendResponse(Response response) {
  out_ = std::move(response);
  if (out_.payload_bytes > 0 && payload_.empty()) {
    // A handler bug: the head promised bytes there is nothing to cut from. Send what there
    // is and close, so the client sees a short body instead of waiting forever.
    out_.payload_bytes = 0;
    out_.close = true;
  }
  out_head_off_ = 0;
  out_body_off_ = 0;
  payload_left_ = out_.payload_bytes;
  payload_pos_ = 0;
  phase_ = Phase::kWrite;
  setDeadline(std::chrono::steady_clock::now() + limits_.stall_timeout);
  writeMore();
}

void Connection::writeMore() {
  std::array<asio::const_buffer, kMaxIov> bufs{};
  std::size_t n = 0;
  std::size_t total = 0;
  if (out_head_off_ < out_.head.size()) {
    bufs[n++] = asio::buffer(out_.head.data() + out_head_off_, out_.head.size() - out_head_off_);
    total += out_.head.size() - out_head_off_;
  }
  if (out_body_off_ < out_.body.size()) {
    bufs[n++] = asio::buffer(out_.body.data() + out_body_off_, out_.body.size() - out_body_off_);
    total += out_.body.size() - out_body_off_;
  }
  std::string_view payload = payload_;
  std::uint64_t left = payload_left_;
  std::size_t pos = payload_pos_;
  while (left > 0 && n < kMaxIov && total < kMaxWriteBytes) {
    std::size_t piece = static_cast<std::size_t>(
        std::min<std::uint64_t>({left, payload.size() - pos, kMaxWriteBytes - total}));
    bufs[n++] = asio::buffer(payload.data() + pos, piece);
    total += piece;
    left -= piece;
    pos = (pos + piece) % payload.size();
  }
  socket_.async_write_some(
      bufs, [self = shared_from_this()](const asio::error_code& ec, std::size_t written) {
        self->onWrite(ec, written);
      });
}

void Connection::onWrite(const asio::error_code& ec, std::size_t n) {
  if (closed_) return;
  if (ec) {
    close();
    return;
  }
  std::size_t take = std::min(n, out_.head.size() - out_head_off_);
  out_head_off_ += take;
  n -= take;
  take = std::min(n, out_.body.size() - out_body_off_);
  out_body_off_ += take;
  n -= take;
  payload_left_ -= n;
  if (n > 0) payload_pos_ = (payload_pos_ + n) % payload_.size();
  if (out_head_off_ == out_.head.size() && out_body_off_ == out_.body.size() &&
      payload_left_ == 0) {
    finishResponse();
    return;
  }
  setDeadline(std::chrono::steady_clock::now() + limits_.stall_timeout);
  writeMore();
}

void Connection::finishResponse() {
  if (out_.close) {
    lingerClose();
    return;
  }
  phase_ = Phase::kIdle;
  setDeadline(std::chrono::steady_clock::now() + limits_.idle_timeout);
  process();
}

void Connection::lingerClose() {
  phase_ = Phase::kLinger;
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) {
    close();
    return;
  }
  setDeadline(std::chrono::steady_clock::now() + kLingerTime);
  begin_ = end_ = 0;
  readMore();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ec;
  socket_.close(ec);
  timer_.cancel();
}

void Connection::setDeadline(TimePoint deadline) {
  deadline_ = deadline;
  // Moving the deadline earlier cancels the pending wait; its handler re-arms at deadline_.
  // Moving it later needs nothing: the wait fires early and re-arms.
  if (deadline < timer_.expiry()) timer_.expires_at(deadline);
}

void Connection::watchDeadline() {
  timer_.expires_at(deadline_);
  timer_.async_wait([self = shared_from_this()](const asio::error_code&) {
    if (self->closed_) return;
    if (std::chrono::steady_clock::now() >= self->deadline_) {
      // Header, idle, stall or linger deadline passed: the peer is too slow or gone.
      self->close();
      return;
    }
    self->watchDeadline();
  });
}

}  // namespace uplinkprobe::http
