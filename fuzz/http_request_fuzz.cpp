// libFuzzer harness for the server's request path: head parser (whole and trickled), the
// router's answer, and the chunked body decoder on whatever follows the head.
// Invariants checked: no crash/UB (ASan+UBSan), trickled parsing agrees with whole parsing,
// the head never exceeds the limit, the decoder never consumes more than it is given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/chunked_decoder.h"
#include "http/query_string.h"
#include "http/request_head_parser.h"
#include "server/garbage_size.h"
#include "server/router.h"

using namespace uplinkprobe::http;
using uplinkprobe::server::kGarbageChunkBytes;
using uplinkprobe::server::kMaxGarbageChunks;
using uplinkprobe::server::RouteContext;
namespace server = uplinkprobe::server;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the trickle step so both code paths get exercised.
  std::size_t step = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  ParseLimits limits;
  limits.max_header_bytes = 4096;
  limits.max_request_line = 1024;
  limits.max_header_count = 20;

  RequestHeadParser whole(limits);
  HeadParseResult w = whole.parse(input);

  RequestHeadParser trickle(limits);
  HeadParseResult t;
  for (std::size_t n = std::min(step, input.size());; n = std::min(n + step, input.size())) {
    t = trickle.parse(input.substr(0, n));
    if (t.state != HeadParseResult::State::kIncomplete || n == input.size()) break;
  }
  if (w.state != t.state || w.head_size != t.head_size || w.error_status != t.error_status) {
    std::abort();  // incremental parsing must not change the outcome
  }
  if (w.state != HeadParseResult::State::kComplete) return 0;
  if (w.head_size > limits.max_header_bytes || w.head_size > input.size()) std::abort();

  RouteContext ctx;
  ctx.peer_ip = "192.0.2.1";
  ctx.peer_is_trusted_proxy = (data[0] & 1) != 0;
  Response r = server::respond(w.request, ctx);
  if (r.head.size() < 4 || r.head.substr(r.head.size() - 4) != "\r\n\r\n") std::abort();
  if (r.payload_bytes > kMaxGarbageChunks * kGarbageChunkBytes) std::abort();
  (void)server::acceptsBody(w.request);
  (void)parseQuery(w.request.query);

  std::string_view rest = input.substr(w.head_size);
  ChunkedDecoder decoder(1 << 20);
  std::size_t consumed = 0;
  while (consumed < rest.size()) {
    auto s = decoder.feed(rest.substr(consumed, step));
    consumed += s.consumed;
    if (consumed > rest.size()) std::abort();
    if (s.status != ChunkedDecoder::Status::kNeedMore) break;
    if (s.consumed == 0) std::abort();  // no progress with input available
  }
  return 0;
}
