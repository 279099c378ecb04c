// A bounded FIFO of packets, each released no earlier than its arrival time plus a fixed delay.
//
// Contract: one thread only. Because the delay is the same for every packet, arrival order is
// release order, so a ring buffer is enough (no heap). Capacity is fixed at construction;
// when full, push() refuses the packet and counts it as dropped, like a router's tail drop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tundelay {

class DelayLine {
 public:
  // slot_bytes bounds the size of one packet; capacity bounds the number held at once.
  DelayLine(std::size_t capacity, std::size_t slot_bytes, std::int64_t delay_ns);

  // Storage for the next packet, or nullptr when the line is full. Fill it, then commit().
  std::uint8_t* reserve();
  // Commits the packet written into the last reserve() slot, arrived at now_ns.
  void commit(std::size_t length, std::int64_t now_ns);
  // Counts a packet that arrived while the line was full.
  void countDrop() { ++dropped_; }

  bool empty() const { return count_ == 0; }
  bool full() const { return count_ == capacity_; }
  // Release time of the oldest packet; only valid when !empty().
  std::int64_t headDueNs() const { return due_ns_[head_]; }
  const std::uint8_t* headData() const { return &storage_[head_ * slot_bytes_]; }
  std::size_t headLength() const { return length_[head_]; }
  void pop();

  std::size_t slotBytes() const { return slot_bytes_; }
  std::size_t size() const { return count_; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t dropped() const { return dropped_; }
  std::size_t highWater() const { return high_water_; }

 private:
  std::size_t capacity_;
  std::size_t slot_bytes_;
  std::int64_t delay_ns_;
  std::vector<std::uint8_t> storage_;
  std::vector<std::int64_t> due_ns_;
  std::vector<std::uint32_t> length_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::uint64_t accepted_ = 0;
  std::uint64_t dropped_ = 0;
  std::size_t high_water_ = 0;
};

}  // namespace tundelay
