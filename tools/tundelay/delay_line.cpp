#include "tools/tundelay/delay_line.h"

namespace tundelay {

DelayLine::DelayLine(std::size_t capacity, std::size_t slot_bytes, std::int64_t delay_ns)
    : capacity_(capacity),
      slot_bytes_(slot_bytes),
      delay_ns_(delay_ns),
      storage_(capacity * slot_bytes),
      due_ns_(capacity),
      length_(capacity) {}

std::uint8_t* DelayLine::reserve() {
  if (full()) return nullptr;
  std::size_t tail = (head_ + count_) % capacity_;
  return &storage_[tail * slot_bytes_];
}

void DelayLine::commit(std::size_t length, std::int64_t now_ns) {
  std::size_t tail = (head_ + count_) % capacity_;
  due_ns_[tail] = now_ns + delay_ns_;
  length_[tail] = static_cast<std::uint32_t>(length);
  ++count_;
  ++accepted_;
  if (count_ > high_water_) high_water_ = count_;
}

void DelayLine::pop() {
  head_ = (head_ + 1) % capacity_;
  --count_;
}

}  // namespace tundelay
