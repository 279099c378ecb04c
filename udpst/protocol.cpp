#include "udpst/protocol.h"

#include <fmt/format.h>

namespace uplinkprobe::udpst {
namespace {

class Writer {
 public:
  explicit Writer(std::size_t size) : bytes_(size, 0) {}
  void u8(std::uint8_t v) { bytes_.at(pos_++) = v; }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v >> 32));
    u32(static_cast<std::uint32_t>(v));
  }
  void raw(std::span<const std::uint8_t> b) {
    for (std::uint8_t v : b) u8(v);
  }
  void skip(std::size_t n) { pos_ += n; }
  std::size_t pos() const { return pos_; }
  std::vector<std::uint8_t> take() && { return std::move(bytes_); }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

// Reads within a span whose size was checked against the PDU size before.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : b_(b) {}
  std::uint8_t u8() { return b_[pos_++]; }
  std::uint16_t u16() {
    std::uint16_t hi = u8();
    return static_cast<std::uint16_t>((hi << 8) | u8());
  }
  std::uint32_t u32() {
    std::uint32_t hi = u16();
    return (hi << 16) | u16();
  }
  std::uint64_t u64() {
    std::uint64_t hi = u32();
    return (hi << 32) | u32();
  }
  template <std::size_t N>
  void raw(std::array<std::uint8_t, N>& out) {
    for (auto& v : out) v = u8();
  }
  void skip(std::size_t n) { pos_ += n; }
  std::size_t pos() const { return pos_; }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
};

void writeAuth(Writer& w, const Auth& a) {
  w.u8(a.mode);
  w.u32(a.unix_time);
  w.raw(a.digest);
  w.u8(a.key_id);
  w.u8(0);
}

void readAuth(Reader& r, Auth& a) {
  a.mode = r.u8();
  a.unix_time = r.u32();
  r.raw(a.digest);
  a.key_id = r.u8();
  r.skip(1);
}

void writeRate(Writer& w, const SendingRate& s) {
  w.u32(s.tx_interval1);
  w.u32(s.udp_payload1);
  w.u32(s.burst_size1);
  w.u32(s.tx_interval2);
  w.u32(s.udp_payload2);
  w.u32(s.burst_size2);
  w.u32(s.udp_addon2);
}

void readRate(Reader& r, SendingRate& s) {
  s.tx_interval1 = r.u32();
  s.udp_payload1 = r.u32();
  s.burst_size1 = r.u32();
  s.tx_interval2 = r.u32();
  s.udp_payload2 = r.u32();
  s.burst_size2 = r.u32();
  s.udp_addon2 = r.u32();
}

void writeSis(Writer& w, const SubIntervalStats& s) {
  w.u32(s.rx_datagrams);
  w.u64(s.rx_bytes);
  w.u32(s.delta_time_us);
  w.u32(s.seq_err_loss);
  w.u32(s.seq_err_ooo);
  w.u32(s.seq_err_dup);
  w.u32(s.delay_var_min);
  w.u32(s.delay_var_max);
  w.u32(s.delay_var_sum);
  w.u32(s.delay_var_cnt);
  w.u32(s.rtt_var_min);
  w.u32(s.rtt_var_max);
  w.u32(s.accum_time_ms);
}

void readSis(Reader& r, SubIntervalStats& s) {
  s.rx_datagrams = r.u32();
  s.rx_bytes = r.u64();
  s.delta_time_us = r.u32();
  s.seq_err_loss = r.u32();
  s.seq_err_ooo = r.u32();
  s.seq_err_dup = r.u32();
  s.delay_var_min = r.u32();
  s.delay_var_max = r.u32();
  s.delay_var_sum = r.u32();
  s.delay_var_cnt = r.u32();
  s.rtt_var_min = r.u32();
  s.rtt_var_max = r.u32();
  s.accum_time_ms = r.u32();
}

std::uint16_t readU16At(std::span<const std::uint8_t> b, std::size_t off) {
  return static_cast<std::uint16_t>((b[off] << 8) | b[off + 1]);
}

Status checkFrame(std::span<const std::uint8_t> b, std::size_t size, std::uint16_t id,
                  std::size_t checksum_offset, const char* name) {
  if (b.size() != size) {
    return makeError(ErrorKind::kProtocol,
                     fmt::format("{} PDU: {} bytes, expected {}", name, b.size(), size));
  }
  if (readU16At(b, 0) != id) {
    return makeError(ErrorKind::kProtocol, fmt::format("{} PDU: id 0x{:04X}, expected 0x{:04X}",
                                                       name, readU16At(b, 0), id));
  }
  if (readU16At(b, checksum_offset) != 0 && checksum(b) != 0) {
    return makeError(ErrorKind::kProtocol, fmt::format("{} PDU: bad header checksum", name));
  }
  return Status::Ok();
}

}  // namespace

std::uint16_t checksum(std::span<const std::uint8_t> bytes) {
  // One's-complement sum of big-endian 16-bit words; byte-order independent (RFC 1071 §2),
  // so the bytes equal what the reference stores after summing native words.
  std::uint64_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2)
    sum += static_cast<std::uint32_t>((bytes[i] << 8) | bytes[i + 1]);
  if (i < bytes.size()) sum += static_cast<std::uint32_t>(bytes[i] << 8);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

void insertChecksum(std::vector<std::uint8_t>& pdu, std::size_t offset) {
  pdu.at(offset) = 0;
  pdu.at(offset + 1) = 0;
  std::uint16_t c = checksum(pdu);
  pdu[offset] = static_cast<std::uint8_t>(c >> 8);
  pdu[offset + 1] = static_cast<std::uint8_t>(c);
}

std::uint16_t pduId(std::span<const std::uint8_t> bytes) {
  return bytes.size() < 2 ? 0 : readU16At(bytes, 0);
}

std::vector<std::uint8_t> encodeSetup(const SetupPdu& p) {
  Writer w(kSetupSize);
  w.u16(kSetupId);
  w.u16(p.protocol_version);
  w.u8(p.mc_index);
  w.u8(p.mc_count);
  w.u16(p.mc_ident);
  w.u8(p.cmd_request);
  w.u8(p.cmd_response);
  w.u16(p.max_bandwidth);
  w.u16(p.test_port);
  w.u8(p.modifier_bitmap);
  writeAuth(w, p.auth);
  w.u16(p.checksum);
  return std::move(w).take();
}

Result<SetupPdu> decodeSetup(std::span<const std::uint8_t> b) {
  if (auto s = checkFrame(b, kSetupSize, kSetupId, kSetupSize - 2, "setup"); !s) return s.error();
  Reader r(b);
  SetupPdu p;
  r.skip(2);
  p.protocol_version = r.u16();
  p.mc_index = r.u8();
  p.mc_count = r.u8();
  p.mc_ident = r.u16();
  p.cmd_request = r.u8();
  p.cmd_response = r.u8();
  p.max_bandwidth = r.u16();
  p.test_port = r.u16();
  p.modifier_bitmap = r.u8();
  readAuth(r, p.auth);
  p.checksum = r.u16();
  if (p.cmd_request != kSetupRequest && p.cmd_request != kSetupResponse) {
    return makeError(ErrorKind::kProtocol, fmt::format("setup PDU: command {}", p.cmd_request));
  }
  return p;
}

std::vector<std::uint8_t> encodeNull(const NullPdu& p) {
  Writer w(kNullSize);
  w.u16(kNullId);
  w.u16(p.protocol_version);
  w.u8(p.cmd_request);
  w.u8(p.cmd_response);
  w.u8(0);
  writeAuth(w, p.auth);
  w.u16(p.checksum);
  return std::move(w).take();
}

Result<NullPdu> decodeNull(std::span<const std::uint8_t> b) {
  if (auto s = checkFrame(b, kNullSize, kNullId, kNullSize - 2, "null"); !s) return s.error();
  Reader r(b);
  NullPdu p;
  r.skip(2);
  p.protocol_version = r.u16();
  p.cmd_request = r.u8();
  p.cmd_response = r.u8();
  r.skip(1);
  readAuth(r, p.auth);
  p.checksum = r.u16();
  return p;
}

std::vector<std::uint8_t> encodeActivation(const ActivationPdu& p) {
  Writer w(kActivationSize);
  w.u16(kActivationId);
  w.u16(p.protocol_version);
  w.u8(p.cmd_request);
  w.u8(p.cmd_response);
  w.u16(p.low_thresh);
  w.u16(p.upper_thresh);
  w.u16(p.trial_int);
  w.u16(p.test_int_time);
  w.u8(p.reserved1);
  w.u8(p.dscp_ecn);
  w.u16(p.sr_index_conf);
  w.u8(p.use_ow_del_var);
  w.u8(p.high_speed_delta);
  w.u16(p.slow_adj_thresh);
  w.u16(p.seq_err_thresh);
  w.u8(p.ignore_ooo_dup);
  w.u8(p.modifier_bitmap);
  w.u8(p.rate_adj_algo);
  w.u8(p.ecn_ce_thresh);
  writeRate(w, p.sr);
  w.u16(p.sub_int_period);
  w.u16(p.reserved3);
  w.u16(p.sr_adj_supp_count);
  w.u8(0);  // reserved5
  writeAuth(w, p.auth);
  w.u16(p.checksum);
  return std::move(w).take();
}

Result<ActivationPdu> decodeActivation(std::span<const std::uint8_t> b) {
  if (auto s = checkFrame(b, kActivationSize, kActivationId, kActivationSize - 2, "activation");
      !s) {
    return s.error();
  }
  Reader r(b);
  ActivationPdu p;
  r.skip(2);
  p.protocol_version = r.u16();
  p.cmd_request = r.u8();
  p.cmd_response = r.u8();
  p.low_thresh = r.u16();
  p.upper_thresh = r.u16();
  p.trial_int = r.u16();
  p.test_int_time = r.u16();
  p.reserved1 = r.u8();
  p.dscp_ecn = r.u8();
  p.sr_index_conf = r.u16();
  p.use_ow_del_var = r.u8();
  p.high_speed_delta = r.u8();
  p.slow_adj_thresh = r.u16();
  p.seq_err_thresh = r.u16();
  p.ignore_ooo_dup = r.u8();
  p.modifier_bitmap = r.u8();
  p.rate_adj_algo = r.u8();
  p.ecn_ce_thresh = r.u8();
  readRate(r, p.sr);
  p.sub_int_period = r.u16();
  p.reserved3 = r.u16();
  p.sr_adj_supp_count = r.u16();
  r.skip(1);
  readAuth(r, p.auth);
  p.checksum = r.u16();
  if (p.cmd_request != kActivateUpstream && p.cmd_request != kActivateDownstream) {
    return makeError(ErrorKind::kProtocol,
                     fmt::format("activation PDU: command {}", p.cmd_request));
  }
  return p;
}

void encodeLoadHeader(const LoadHeader& h, std::span<std::uint8_t> out) {
  Writer w(kLoadHeaderSize);
  w.u16(kLoadId);
  w.u8(h.test_action);
  w.u8(h.rx_stopped);
  w.u32(h.seq_no);
  w.u16(h.udp_payload);
  w.u16(h.spdu_seq_err);
  w.u32(h.spdu_time_sec);
  w.u32(h.spdu_time_nsec);
  w.u32(h.lpdu_time_sec);
  w.u32(h.lpdu_time_nsec);
  w.u16(h.rtt_resp_delay);
  w.u16(h.checksum);
  auto bytes = std::move(w).take();
  for (std::size_t i = 0; i < kLoadHeaderSize && i < out.size(); ++i) out[i] = bytes[i];
}

Result<LoadHeader> decodeLoadHeader(std::span<const std::uint8_t> b) {
  if (b.size() < kLoadHeaderSize) {
    return makeError(ErrorKind::kProtocol, fmt::format("load PDU: {} bytes, at least {} expected",
                                                       b.size(), kLoadHeaderSize));
  }
  auto head = b.first(kLoadHeaderSize);
  if (auto s = checkFrame(head, kLoadHeaderSize, kLoadId, kLoadHeaderSize - 2, "load"); !s) {
    return s.error();
  }
  Reader r(head);
  LoadHeader h;
  r.skip(2);
  h.test_action = r.u8();
  h.rx_stopped = r.u8();
  h.seq_no = r.u32();
  h.udp_payload = r.u16();
  h.spdu_seq_err = r.u16();
  h.spdu_time_sec = r.u32();
  h.spdu_time_nsec = r.u32();
  h.lpdu_time_sec = r.u32();
  h.lpdu_time_nsec = r.u32();
  h.rtt_resp_delay = r.u16();
  h.checksum = r.u16();
  if (h.test_action > kActionStop2 || h.rx_stopped > 1) {
    return makeError(ErrorKind::kProtocol, "load PDU: bad test action or rxStopped");
  }
  return h;
}

std::vector<std::uint8_t> encodeStatus(const StatusPdu& p) {
  Writer w(kStatusSize);
  w.u16(kStatusId);
  w.u8(p.test_action);
  w.u8(p.rx_stopped);
  w.u32(p.spdu_seq_no);
  writeRate(w, p.sr);
  w.u32(p.sub_int_seq_no);
  writeSis(w, p.sis_sav);
  w.u32(p.seq_err_loss);
  w.u32(p.seq_err_ooo);
  w.u32(p.seq_err_dup);
  w.u32(p.clock_delta_min);
  w.u32(p.delay_var_min);
  w.u32(p.delay_var_max);
  w.u32(p.delay_var_sum);
  w.u32(p.delay_var_cnt);
  w.u32(p.rtt_minimum);
  w.u32(p.rtt_var_sample);
  w.u8(p.delay_min_upd);
  w.u8(0);
  w.u16(0);
  w.u32(p.ti_delta_time_us);
  w.u32(p.ti_rx_datagrams);
  w.u32(p.ti_rx_bytes);
  w.u32(p.spdu_time_sec);
  w.u32(p.spdu_time_nsec);
  // Offset 160: the reference's statusAuthReuse overlay (authentication of status PDUs,
  // mode 2, is not supported; its fields carry ECN counts).
  w.u16(0);
  w.u8(0);
  w.u8(p.auth_mode);
  w.skip(12);
  w.u32(p.ti_rx_ce_count);    // 176
  w.u32(p.sis_sav_ce_count);  // 180
  w.u8(0);
  w.u8(p.status_modifier_bitmap);  // 185
  w.skip(kStatusSize - 2 - w.pos());
  w.u16(p.checksum);  // 202, where the receiver reads it
  return std::move(w).take();
}

Result<StatusPdu> decodeStatus(std::span<const std::uint8_t> b) {
  if (auto s = checkFrame(b, kStatusSize, kStatusId, kStatusSize - 2, "status"); !s) {
    return s.error();
  }
  Reader r(b);
  StatusPdu p;
  r.skip(2);
  p.test_action = r.u8();
  p.rx_stopped = r.u8();
  p.spdu_seq_no = r.u32();
  readRate(r, p.sr);
  p.sub_int_seq_no = r.u32();
  readSis(r, p.sis_sav);
  p.seq_err_loss = r.u32();
  p.seq_err_ooo = r.u32();
  p.seq_err_dup = r.u32();
  p.clock_delta_min = r.u32();
  p.delay_var_min = r.u32();
  p.delay_var_max = r.u32();
  p.delay_var_sum = r.u32();
  p.delay_var_cnt = r.u32();
  p.rtt_minimum = r.u32();
  p.rtt_var_sample = r.u32();
  p.delay_min_upd = r.u8();
  r.skip(3);
  p.ti_delta_time_us = r.u32();
  p.ti_rx_datagrams = r.u32();
  p.ti_rx_bytes = r.u32();
  p.spdu_time_sec = r.u32();
  p.spdu_time_nsec = r.u32();
  r.skip(3);
  p.auth_mode = r.u8();
  r.skip(12);
  p.ti_rx_ce_count = r.u32();
  p.sis_sav_ce_count = r.u32();
  r.skip(1);
  p.status_modifier_bitmap = r.u8();
  r.skip(kStatusSize - 2 - r.pos());
  p.checksum = r.u16();
  if (p.test_action > kActionStop2 || p.rx_stopped > 1) {
    return makeError(ErrorKind::kProtocol, "status PDU: bad test action or rxStopped");
  }
  return p;
}

std::string setupResponseName(std::uint8_t code) {
  switch (code) {
    case kSrAckOk:
      return "accepted";
    case kSrBadVersion:
      return "protocol version not accepted";
    case kSrBadJumbo:
      return "jumbo datagram option does not match the server";
    case kSrAuthNotConfigured:
      return "authentication not configured on the server";
    case kSrAuthRequired:
      return "authentication required by the server";
    case kSrAuthInvalidMode:
      return "authentication mode not accepted";
    case kSrAuthFail:
      return "authentication failed at the server (wrong key or key id)";
    case kSrAuthTime:
      return "authentication time outside the server's window (clock off by more than 5 s)";
    case kSrNoMaxBandwidth:
      return "the server requires a maximum bandwidth";
    case kSrCapacityExceeded:
      return "requested bandwidth exceeds the server's capacity";
    case kSrBadTraditionalMtu:
      return "traditional MTU option does not match the server";
    case kSrMultiConnInvalid:
      return "multi-connection parameters refused";
    case kSrConnFail:
      return "the server could not allocate a test connection";
    default:
      return fmt::format("setup response code {}", code);
  }
}

}  // namespace uplinkprobe::udpst
