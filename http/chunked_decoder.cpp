#include "http/chunked_decoder.h"

#include <algorithm>

namespace uplinkprobe::http {

namespace {
// 15 hex digits allow chunks up to 2^60 bytes: far above any upload limit, and the running
// total cannot overflow 64 bits before the limit check rejects it.
constexpr std::size_t kMaxSizeDigits = 15;

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

ChunkedDecoder::Step ChunkedDecoder::error(std::size_t consumed, Status status,
                                           const char* message) {
  state_ = State::kError;
  final_status_ = status;
  error_ = message;
  return Step{consumed, status};
}

ChunkedDecoder::Step ChunkedDecoder::feed(std::string_view input) {
  if (state_ == State::kDone) return Step{0, Status::kDone};
  if (state_ == State::kError) return Step{0, final_status_};

  std::size_t i = 0;
  while (i < input.size()) {
    char c = input[i];
    switch (state_) {
      case State::kSize: {
        int v = hexValue(c);
        if (v >= 0) {
          if (++size_digits_ > kMaxSizeDigits) {
            return error(i, Status::kMalformed, "chunk size too long");
          }
          chunk_size_ = chunk_size_ * 16 + static_cast<std::uint64_t>(v);
          ++line_bytes_;
          ++i;
          break;
        }
        if (size_digits_ == 0) return error(i, Status::kMalformed, "chunk size missing");
        if (chunk_size_ > max_body_ - std::min(max_body_, body_bytes_)) {
          return error(i, Status::kTooLarge, "chunked body exceeds the upload limit");
        }
        state_ = State::kAfterSize;
        break;  // re-examine c in kAfterSize
      }
      case State::kAfterSize:
        // RFC 9112 7.1.1: chunk-size [ BWS ";" chunk-ext ] CRLF. Anything else after the
        // digits ("5x", "5 garbage") is a size a proxy in front may read differently.
        if (++line_bytes_ > kMaxChunkLine) {
          return error(i, Status::kMalformed, "chunk size line too long");
        }
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == ';') {
          state_ = State::kExtension;
        } else if (c != ' ' && c != '\t') {
          return error(i, Status::kMalformed, "unexpected character after chunk size");
        }
        ++i;
        break;
      case State::kExtension:
        if (++line_bytes_ > kMaxChunkLine) {
          return error(i, Status::kMalformed, "chunk size line too long");
        }
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == '\n' || (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
          return error(i, Status::kMalformed, "control character in chunk size line");
        }
        ++i;
        break;
      case State::kSizeLf:
        if (c != '\n') return error(i, Status::kMalformed, "chunk size line not ended by CRLF");
        ++i;
        line_bytes_ = 0;
        size_digits_ = 0;
        if (chunk_size_ == 0) {
          state_ = State::kTrailerStart;
        } else {
          data_left_ = chunk_size_;
          state_ = State::kData;
        }
        chunk_size_ = 0;
        break;
      case State::kData: {
        std::uint64_t take = std::min<std::uint64_t>(data_left_, input.size() - i);
        data_left_ -= take;
        body_bytes_ += take;
        i += static_cast<std::size_t>(take);
        if (data_left_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (c != '\r') return error(i, Status::kMalformed, "chunk data not followed by CRLF");
        state_ = State::kDataLf;
        ++i;
        break;
      case State::kDataLf:
        if (c != '\n') return error(i, Status::kMalformed, "chunk data not followed by CRLF");
        state_ = State::kSize;
        ++i;
        break;
      case State::kTrailerStart:
        if (c == '\r') {
          state_ = State::kFinalLf;
          ++i;
          break;
        }
        state_ = State::kTrailerLine;
        break;  // re-examine c as part of the trailer line
      case State::kTrailerLine:
        if (++trailer_bytes_ > kMaxTrailer) {
          return error(i, Status::kMalformed, "chunked trailer too long");
        }
        if (c == '\r') {
          state_ = State::kTrailerLf;
        } else if (c == '\n') {
          return error(i, Status::kMalformed, "bare LF in chunked trailer");
        }
        ++i;
        break;
      case State::kTrailerLf:
        if (c != '\n')
          return error(i, Status::kMalformed, "chunked trailer line not ended by CRLF");
        state_ = State::kTrailerStart;
        ++i;
        break;
      case State::kFinalLf:
        if (c != '\n') return error(i, Status::kMalformed, "chunked body not ended by CRLF");
        state_ = State::kDone;
        return Step{i + 1, Status::kDone};
      case State::kDone:
      case State::kError:
        return Step{i, final_status_};
    }
  }
  return Step{i, Status::kNeedMore};
}

}  // namespace uplinkprobe::http
