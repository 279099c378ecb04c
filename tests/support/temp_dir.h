// Test support: a fresh temporary directory for one test, removed with everything in it when
// the test ends. mkdtemp names it, so tests and processes running in parallel (ctest -j)
// never share one and nothing is left from an earlier run.
#pragma once

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace uplinkprobe::testing {

class TempDir {
 public:
  // <system temp dir>/<prefix>XXXXXX; throws std::system_error when it cannot be made (the
  // test then fails).
  explicit TempDir(std::string_view prefix = "uplinkprobe-test-") {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
    path_ = std::move(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // A path inside it: dir / "name".
  std::filesystem::path operator/(std::string_view name) const {
    return std::filesystem::path(path_) / name;
  }

 private:
  std::string path_;
};

}  // namespace uplinkprobe::testing
