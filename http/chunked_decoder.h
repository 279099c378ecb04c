// ChunkedDecoder: consumes (and discards) a chunked request body, incrementally.
//
// Contract: feed() takes any slice of input and consumes bytes up to the end of the body at
// most; bytes after the body (a pipelined request) are left unconsumed. It never buffers,
// never allocates, and stops with an error as soon as the body is malformed or its declared
// size would exceed max_body_bytes, so an upload cannot cost more than the bytes it sends.
// Chunk-size lines (with extensions) and the trailer section are bounded separately.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace uplinkprobe::http {

class ChunkedDecoder {
 public:
  enum class Status { kNeedMore, kDone, kMalformed, kTooLarge };
  struct Step {
    std::size_t consumed = 0;
    Status status = Status::kNeedMore;
  };

  static constexpr std::size_t kMaxChunkLine = 4096;  // size + extensions, per chunk
  static constexpr std::size_t kMaxTrailer = 8192;    // whole trailer section

  explicit ChunkedDecoder(std::uint64_t max_body_bytes) : max_body_(max_body_bytes) {}

  Step feed(std::string_view input);

  std::uint64_t bodyBytes() const { return body_bytes_; }
  const char* errorMessage() const { return error_; }

 private:
  enum class State {
    kSize,          // hex digits of the chunk size
    kAfterSize,     // after the size: only SP/HTAB, then ';' (an extension) or CR
    kExtension,     // after ';': extension text until CR
    kSizeLf,        // LF after the size line's CR
    kData,          // chunk payload, data_left_ bytes
    kDataCr,        // CR after the payload
    kDataLf,        // LF after the payload
    kTrailerStart,  // start of a trailer line, or CR of the final empty line
    kTrailerLine,   // inside a trailer field line
    kTrailerLf,     // LF ending a trailer line
    kFinalLf,       // LF of the final empty line
    kDone,
    kError,
  };

  Step error(std::size_t consumed, Status status, const char* message);

  std::uint64_t max_body_;
  std::uint64_t body_bytes_ = 0;
  State state_ = State::kSize;
  std::uint64_t chunk_size_ = 0;
  std::uint64_t data_left_ = 0;
  std::size_t size_digits_ = 0;
  std::size_t line_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;
  Status final_status_ = Status::kNeedMore;
  const char* error_ = "";
};

}  // namespace uplinkprobe::http
