// libFuzzer harness for the chunked request body decoder (http/chunked_decoder) on its own:
// http_request_fuzz reaches it only behind a complete request head. The first byte picks the
// body limit and the slice size. Invariants: no crash/UB; feed() never consumes more than it
// is given and always makes progress while it needs more; the outcome (status, bytes consumed,
// body bytes) does not depend on how the input is sliced; the body never exceeds its limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/chunked_decoder.h"

using uplinkprobe::http::ChunkedDecoder;

namespace {

struct Outcome {
  ChunkedDecoder::Status status = ChunkedDecoder::Status::kNeedMore;
  std::size_t consumed = 0;
  std::uint64_t body = 0;
};

Outcome run(std::string_view input, std::size_t step, std::uint64_t limit) {
  ChunkedDecoder decoder(limit);
  Outcome o;
  while (o.consumed < input.size()) {
    const std::string_view slice = input.substr(o.consumed, step);
    const auto s = decoder.feed(slice);
    if (s.consumed > slice.size()) std::abort();
    o.consumed += s.consumed;
    o.status = s.status;
    if (s.status != ChunkedDecoder::Status::kNeedMore) break;
    if (s.consumed == 0) std::abort();  // no progress with input available
  }
  o.body = decoder.bodyBytes();
  if (o.body > limit) std::abort();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint64_t limit = std::uint64_t{1} << (data[0] % 24);  // 1 B … 8 MiB
  const std::size_t step = 1 + data[0] % 13;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const Outcome whole = run(input, input.size() + 1, limit);
  const Outcome sliced = run(input, step, limit);
  if (whole.status != sliced.status || whole.consumed != sliced.consumed ||
      whole.body != sliced.body)
    std::abort();
  return 0;
}
