// In-memory Journal for tests of the daemon and the publisher: same seq/id/json behaviour
// as the file journal, nothing durable.
#include <algorithm>
#include <mutex>

#include "agent/journal/journal.h"
#include "agent/journal/state_file.h"

#include <random>

namespace uplinkprobe::journal {
namespace {

class MemoryJournal final : public Journal {
 public:
  MemoryJournal(std::string device_id, std::string journal_id)
      : device_id_(std::move(device_id)), journal_id_(std::move(journal_id)) {
    if (journal_id_.empty()) {
      std::random_device rd;
      journal_id_ = journalIdHex((static_cast<uint64_t>(rd()) << 32) | rd());
    }
  }

  Result<StoredRecord> append(nlohmann::json record) override {
    if (!record.is_object())
      return makeError(ErrorKind::kJournal, "journal: record is not a JSON object");
    std::lock_guard<std::mutex> g(mu_);
    const uint64_t seq = records_.size() + 1;
    record["seq"] = seq;
    record["journal_id"] = journal_id_;
    record["id"] = device_id_ + ":" + journal_id_ + ":" + std::to_string(seq);
    StoredRecord r;
    r.seq = seq;
    if (auto k = record.find("kind"); k != record.end() && k->is_string()) r.kind = *k;
    r.json = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    records_.push_back(r);
    return r;
  }

  std::vector<StoredRecord> read(uint64_t since_seq, size_t max_count,
                                 const std::string& kind_filter) const override {
    std::lock_guard<std::mutex> g(mu_);
    std::vector<StoredRecord> out;
    for (size_t i = static_cast<size_t>(std::min<uint64_t>(since_seq, records_.size()));
         i < records_.size() && out.size() < max_count; ++i) {
      if (kind_filter.empty() || records_[i].kind == kind_filter) out.push_back(records_[i]);
    }
    return out;
  }

  std::string journalId() const override { return journal_id_; }
  uint64_t lastSeq() const override {
    std::lock_guard<std::mutex> g(mu_);
    return records_.size();
  }
  uint64_t deliveredSeq() const override {
    std::lock_guard<std::mutex> g(mu_);
    return delivered_;
  }
  void markDelivered(uint64_t seq) override {
    std::lock_guard<std::mutex> g(mu_);
    if (seq > delivered_ && seq <= records_.size()) delivered_ = seq;
  }
  Status flush() override { return Status::Ok(); }

 private:
  std::string device_id_;
  std::string journal_id_;
  mutable std::mutex mu_;
  std::vector<StoredRecord> records_;
  uint64_t delivered_ = 0;
};

}  // namespace

std::unique_ptr<Journal> makeMemoryJournal(std::string device_id, std::string journal_id) {
  return std::make_unique<MemoryJournal>(std::move(device_id), std::move(journal_id));
}

}  // namespace uplinkprobe::journal
