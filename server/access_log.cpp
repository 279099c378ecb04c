#include "server/access_log.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace uplinkprobe::server {

AccessLog::~AccessLog() {
  if (file_ != nullptr) std::fclose(file_);
}

Result<std::unique_ptr<AccessLog>> AccessLog::open(const std::string& path,
                                                   std::uint64_t max_bytes) {
  std::unique_ptr<AccessLog> log(new AccessLog(path, max_bytes));
  if (!log->reopen()) {
    return makeError(ErrorKind::kIo,
                     "cannot open access log " + path + ": " + std::strerror(errno));
  }
  return log;
}

bool AccessLog::reopen() {
  if (file_ != nullptr) std::fclose(file_);
  file_ = std::fopen(path_.c_str(), "ae");
  if (file_ == nullptr) return false;
  struct stat st {};
  size_ = ::fstat(fileno(file_), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  return true;
}

void AccessLog::write(std::string_view line) {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_ != nullptr && size_ + line.size() + 1 > max_ && size_ > 0) {
    std::fclose(file_);
    file_ = nullptr;
    std::rename(path_.c_str(), (path_ + ".1").c_str());
  }
  if (file_ == nullptr && !reopen()) {
    ++failures_;
    return;
  }
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
      std::fputc('\n', file_) == EOF || std::fflush(file_) != 0) {
    ++failures_;
    return;
  }
  size_ += line.size() + 1;
}

std::uint64_t AccessLog::failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

std::string AccessLog::network(std::string_view ip) {
  if (ip.size() >= INET6_ADDRSTRLEN) return "unknown";
  char buf[INET6_ADDRSTRLEN];
  ip.copy(buf, ip.size());
  buf[ip.size()] = '\0';
  unsigned char a[16];
  if (inet_pton(AF_INET, buf, a) == 1) {
    a[3] = 0;
    if (inet_ntop(AF_INET, a, buf, sizeof buf) == nullptr) return "unknown";
    return std::string(buf) + "/24";
  }
  if (inet_pton(AF_INET6, buf, a) == 1) {
    std::memset(a + 6, 0, 10);
    if (inet_ntop(AF_INET6, a, buf, sizeof buf) == nullptr) return "unknown";
    return std::string(buf) + "/48";
  }
  return "unknown";
}

}  // namespace uplinkprobe::server
