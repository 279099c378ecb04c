// Result<T>: the one error-as-value type used at every module boundary.
//
// Contract: a Result holds either a value or an Error whose message a technician can act
// on ("config line 12: [mqtt] uri: expected tcp:// or ssl://"). Library exceptions are caught
// inside the adapter that calls the library and converted here; they never cross modules.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "common/error_kind.h"

namespace uplinkprobe {

struct Error {
  // Machine-readable class (common/error_kind.h). Records carry errorKindName(kind) as
  // error.kind.
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  static Status Ok() { return Status(); }
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

inline Error makeError(ErrorKind kind, std::string message) {
  return Error{kind, std::move(message)};
}

}  // namespace uplinkprobe
