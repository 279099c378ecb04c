// Saved commissioning receipts in the state directory ([storage] dir): receipt-SEQ.txt and
// receipt-SEQ.html, SEQ being the journal seq of the commissioning throughput record.
//
// Written through platform::StateDir (atomic replace: NAME.tmp, fsync, rename, fsync dir;
// symlinks never followed), mode 0640 (not world-readable, not world-writable). At most
// kKeptReceipts are kept: saving one removes the oldest beyond that (both files). Reading is
// bounded (kMaxReceiptBytes) and refuses anything but a regular file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::cli {

inline constexpr std::size_t kKeptReceipts = 20;
inline constexpr std::size_t kMaxReceiptBytes = 256 * 1024;

// "receipt-42.txt" / "receipt-42.html".
std::string receiptFileName(uint64_t seq, bool html);

// Saves both files and prunes to `keep`. Error kind "io" naming the file.
Status saveReceipt(const std::string& dir, uint64_t seq, const std::string& text,
                   const std::string& html, std::size_t keep = kKeptReceipts);

// The seqs that have a saved text, ascending. A missing directory is an empty list.
Result<std::vector<uint64_t>> listReceipts(const std::string& dir);

// One saved receipt (text or HTML). *missing is set when there is no such file.
Result<std::string> loadReceipt(const std::string& dir, uint64_t seq, bool html,
                                bool* missing = nullptr);

}  // namespace uplinkprobe::cli
