#include "agent/journal/segment_scan.h"

#include <gtest/gtest.h>

#include "agent/journal/frame.h"

namespace uplinkprobe::journal {
namespace {

ScanResult scan(const std::string& s, uint64_t min_seq = 0) {
  return scanSegment(reinterpret_cast<const unsigned char*>(s.data()), s.size(), min_seq);
}

TEST(SegmentScan, FramesRoundTrip) {
  std::string data = encodeFrame(1, "power", "{\"a\":1}") + encodeFrame(2, "", "{}");
  auto r = scan(data);
  ASSERT_EQ(r.frames.size(), 2u);
  EXPECT_EQ(r.frames[0].kind, "power");
  EXPECT_EQ(data.substr(r.frames[0].offset + r.frames[0].json_off, r.frames[0].json_len),
            "{\"a\":1}");
  EXPECT_EQ(r.frames[1].seq, 2u);
  EXPECT_EQ(r.valid_end, data.size());
  EXPECT_EQ(r.tail_bytes, 0u);
  EXPECT_TRUE(r.damage.empty());
}

TEST(SegmentScan, GarbageBetweenFramesIsDamageAndResyncs) {
  std::string data =
      encodeFrame(1, "k", "{}") + std::string(17, '\x55') + encodeFrame(2, "k", "{}");
  auto r = scan(data);
  ASSERT_EQ(r.frames.size(), 2u);
  ASSERT_EQ(r.damage.size(), 1u);
  EXPECT_EQ(r.damage[0].length, 17u);
}

TEST(SegmentScan, OutOfOrderSeqIsRejected) {
  std::string data = encodeFrame(5, "k", "{}") + encodeFrame(3, "k", "{}");
  auto r = scan(data);
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(r.max_seq_seen, 5u);
  EXPECT_EQ(scan(encodeFrame(5, "k", "{}"), 5).frames.size(), 0u);
}

TEST(SegmentScan, TailClassification) {
  std::string f1 = encodeFrame(1, "k", "{}");
  std::string f2 = encodeFrame(2, "k", "{\"x\":1}");
  auto torn = scan(f1 + f2.substr(0, 30));
  EXPECT_TRUE(torn.tail_torn);
  EXPECT_EQ(torn.tail_seq, 2u);
  EXPECT_EQ(torn.valid_end, f1.size());
  auto zeros = scan(f1 + std::string(100, '\0'));
  EXPECT_TRUE(zeros.tail_torn);
  auto garbage = scan(f1 + "hello world");
  EXPECT_FALSE(garbage.tail_torn);
  EXPECT_EQ(garbage.tail_bytes, 11u);
}

TEST(SegmentScan, HugeLengthFieldDoesNotOverread) {
  std::string f = encodeFrame(1, "k", std::string(100, 'a'));
  auto r = scan(f.substr(0, 60));
  EXPECT_TRUE(r.frames.empty());
  EXPECT_EQ(r.tail_bytes, 60u);
}

}  // namespace
}  // namespace uplinkprobe::journal
