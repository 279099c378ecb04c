#include "agent/cli/receipt_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <set>

#include "platform/state_dir.h"

namespace uplinkprobe::cli {
namespace {

constexpr mode_t kReceiptMode = 0640;

// The seq of "receipt-SEQ.txt" / "receipt-SEQ.html"; nullopt for any other name.
std::optional<uint64_t> seqOf(const std::string& name, bool* html) {
  const std::string prefix = "receipt-";
  if (name.rfind(prefix, 0) != 0) return std::nullopt;
  const size_t dot = name.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size()) return std::nullopt;
  const std::string ext = name.substr(dot);
  if (ext != ".txt" && ext != ".html") return std::nullopt;
  uint64_t seq = 0;
  const char* b = name.data() + prefix.size();
  const char* e = name.data() + dot;
  auto [p, ec] = std::from_chars(b, e, seq);
  if (ec != std::errc() || p != e || *b == '0') return std::nullopt;
  if (html) *html = ext == ".html";
  return seq;
}

bool dirMissing(const std::string& dir) {
  struct stat st {};
  return ::stat(dir.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
}

}  // namespace

std::string receiptFileName(uint64_t seq, bool html) {
  return "receipt-" + std::to_string(seq) + (html ? ".html" : ".txt");
}

Status saveReceipt(const std::string& dir, uint64_t seq, const std::string& text,
                   const std::string& html, std::size_t keep) {
  auto d = platform::StateDir::open(dir);
  if (!d) return d.error();
  if (auto st = d->writeFileAtomic(receiptFileName(seq, true), html, kReceiptMode); !st) return st;
  // The text last: listReceipts() counts a receipt once its text is there.
  if (auto st = d->writeFileAtomic(receiptFileName(seq, false), text, kReceiptMode); !st) return st;
  auto names = d->list();
  if (!names) return names.error();
  std::set<uint64_t> seqs;
  for (const auto& n : *names)
    if (auto s = seqOf(n, nullptr)) seqs.insert(*s);
  while (seqs.size() > std::max<std::size_t>(keep, 1)) {
    const uint64_t oldest = *seqs.begin();
    seqs.erase(seqs.begin());
    if (oldest == seq) continue;
    for (bool h : {false, true})
      if (auto st = d->remove(receiptFileName(oldest, h)); !st) return st;
  }
  return Status::Ok();
}

Result<std::vector<uint64_t>> listReceipts(const std::string& dir) {
  if (dirMissing(dir)) return std::vector<uint64_t>{};
  auto d = platform::StateDir::open(dir);
  if (!d) return d.error();
  auto names = d->list();
  if (!names) return names.error();
  std::vector<uint64_t> out;
  for (const auto& n : *names) {
    bool html = false;
    if (auto s = seqOf(n, &html); s && !html) out.push_back(*s);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> loadReceipt(const std::string& dir, uint64_t seq, bool html, bool* missing) {
  if (missing) *missing = dirMissing(dir);
  auto d = platform::StateDir::open(dir);
  if (!d) return d.error();
  return d->readFile(receiptFileName(seq, html), kMaxReceiptBytes, missing);
}

}  // namespace uplinkprobe::cli
