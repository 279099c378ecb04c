// OB-UDPST wire protocol (BBF TR-471, RFC 9097), protocol version 20 as spoken by the
// Broadband Forum reference implementation 9.0.0 (github.com/BroadbandForum/obudpst,
// udpst_protocol.h). Structs here are in host order; encode*/decode* write and read the
// reference's exact byte layout (network byte order, no padding: the reference's C structs
// have none, offsets were checked with offsetof against its header).
//
// Contract: decode* never reads past the given span and rejects a wrong size, PDU id, command
// or a non-zero checksum that does not verify, with a message naming the field. The header
// checksum is optional in the protocol (the reference sends 0 unless built with
// ADD_HEADER_CSUM); encoders write 0 unless asked, decoders verify only a non-zero one.
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::udpst {

inline constexpr std::uint16_t kProtocolVersion = 20;
inline constexpr std::uint16_t kProtocolMin = 20;  // we speak only the current version
inline constexpr std::uint16_t kDefaultControlPort = 24601;

inline constexpr std::uint16_t kSetupId = 0xACE1;
inline constexpr std::uint16_t kNullId = 0xDEAD;
inline constexpr std::uint16_t kActivationId = 0xACE2;
inline constexpr std::uint16_t kLoadId = 0xBEEF;
inline constexpr std::uint16_t kStatusId = 0xFEED;

inline constexpr std::size_t kSetupSize = 56;
inline constexpr std::size_t kNullSize = 48;
inline constexpr std::size_t kActivationSize = 104;
inline constexpr std::size_t kLoadHeaderSize = 32;
inline constexpr std::size_t kStatusSize = 204;
inline constexpr std::size_t kDigestSize = 32;

// Byte offset of authMode in each PDU that carries authentication (the HMAC covers the whole
// PDU with digest and checksum zeroed).
inline constexpr std::size_t kSetupAuthModeOffset = 15;
inline constexpr std::size_t kNullAuthModeOffset = 7;
inline constexpr std::size_t kActivationAuthModeOffset = 63;

enum SetupRequestCode : std::uint8_t { kSetupRequest = 1, kSetupResponse = 2 };
enum SetupResponseCode : std::uint8_t {
  kSrNone = 0,
  kSrAckOk = 1,
  kSrBadVersion = 2,
  kSrBadJumbo = 3,
  kSrAuthNotConfigured = 4,
  kSrAuthRequired = 5,
  kSrAuthInvalidMode = 6,
  kSrAuthFail = 7,
  kSrAuthTime = 8,
  kSrNoMaxBandwidth = 9,
  kSrCapacityExceeded = 10,
  kSrBadTraditionalMtu = 11,
  kSrMultiConnInvalid = 12,
  kSrConnFail = 13,
};
inline constexpr std::uint16_t kUpstreamBit = 0x8000;
inline constexpr std::uint8_t kJumboStatus = 0x01;
inline constexpr std::uint8_t kTraditionalMtu = 0x02;
inline constexpr std::uint8_t kAuthMode0 = 0;
inline constexpr std::uint8_t kAuthMode1 = 1;

enum ActivationCommand : std::uint8_t { kActivateUpstream = 1, kActivateDownstream = 2 };
enum ActivationResponse : std::uint8_t { kTaNone = 0, kTaAckOk = 1, kTaBadParam = 2 };
inline constexpr std::uint16_t kSrIndexAuto = 0xFFFF;
inline constexpr std::uint8_t kTaSrIndexIsStart = 0x01;
inline constexpr std::uint8_t kTaRandPayload = 0x02;
enum RateAlgorithm : std::uint8_t { kAlgorithmB = 0, kAlgorithmC = 1 };

enum TestAction : std::uint8_t { kActionTest = 0, kActionStop1 = 1, kActionStop2 = 2 };
inline constexpr std::uint32_t kNoDelay = 0xFFFFFFFFu;  // STATUS_NODEL
inline constexpr std::uint32_t kRandomBit = 0x80000000u;

struct Auth {
  std::uint8_t mode = kAuthMode0;
  std::uint32_t unix_time = 0;
  std::array<std::uint8_t, kDigestSize> digest{};
  std::uint8_t key_id = 0;
};

struct SetupPdu {
  std::uint16_t protocol_version = kProtocolVersion;
  std::uint8_t mc_index = 0;
  std::uint8_t mc_count = 1;
  std::uint16_t mc_ident = 0;
  std::uint8_t cmd_request = kSetupRequest;
  std::uint8_t cmd_response = kSrNone;
  std::uint16_t max_bandwidth = 0;  // Mbps, kUpstreamBit set for upstream
  std::uint16_t test_port = 0;
  std::uint8_t modifier_bitmap = 0;
  Auth auth;
  std::uint16_t checksum = 0;
};

struct NullPdu {
  std::uint16_t protocol_version = kProtocolVersion;
  std::uint8_t cmd_request = 1;
  std::uint8_t cmd_response = 0;
  Auth auth;
  std::uint16_t checksum = 0;
};

// One row of the sending-rate table: two transmitters (timer, payload, burst) and an add-on
// datagram on the second. Payloads may carry kRandomBit (random size up to the value).
struct SendingRate {
  std::uint32_t tx_interval1 = 0;  // us
  std::uint32_t udp_payload1 = 0;
  std::uint32_t burst_size1 = 0;
  std::uint32_t tx_interval2 = 0;  // us
  std::uint32_t udp_payload2 = 0;
  std::uint32_t burst_size2 = 0;
  std::uint32_t udp_addon2 = 0;
  bool operator==(const SendingRate&) const = default;
};

struct ActivationPdu {
  std::uint16_t protocol_version = kProtocolVersion;
  std::uint8_t cmd_request = kActivateDownstream;
  std::uint8_t cmd_response = kTaNone;
  std::uint16_t low_thresh = 30;     // ms
  std::uint16_t upper_thresh = 90;   // ms
  std::uint16_t trial_int = 50;      // ms
  std::uint16_t test_int_time = 10;  // s
  std::uint8_t reserved1 = 0;        // sub-interval in s before version 20
  std::uint8_t dscp_ecn = 0;
  std::uint16_t sr_index_conf = kSrIndexAuto;
  std::uint8_t use_ow_del_var = 0;
  std::uint8_t high_speed_delta = 10;
  std::uint16_t slow_adj_thresh = 3;
  std::uint16_t seq_err_thresh = 10;
  std::uint8_t ignore_ooo_dup = 1;
  std::uint8_t modifier_bitmap = 0;
  std::uint8_t rate_adj_algo = kAlgorithmB;
  std::uint8_t ecn_ce_thresh = 0;  // reserved2 in the header
  SendingRate sr;
  std::uint16_t sub_int_period = 1000;  // ms
  std::uint16_t reserved3 = 0;
  std::uint16_t sr_adj_supp_count = 0;  // reserved4 in the header
  Auth auth;
  std::uint16_t checksum = 0;
};

struct LoadHeader {
  std::uint8_t test_action = kActionTest;
  std::uint8_t rx_stopped = 0;
  std::uint32_t seq_no = 0;
  std::uint16_t udp_payload = 0;  // size of the whole UDP payload this header starts
  std::uint16_t spdu_seq_err = 0;
  std::uint32_t spdu_time_sec = 0;
  std::uint32_t spdu_time_nsec = 0;
  std::uint32_t lpdu_time_sec = 0;
  std::uint32_t lpdu_time_nsec = 0;
  std::uint16_t rtt_resp_delay = 0;  // ms
  std::uint16_t checksum = 0;
};

struct SubIntervalStats {
  std::uint32_t rx_datagrams = 0;
  std::uint64_t rx_bytes = 0;  // UDP payload bytes
  std::uint32_t delta_time_us = 0;
  std::uint32_t seq_err_loss = 0;
  std::uint32_t seq_err_ooo = 0;
  std::uint32_t seq_err_dup = 0;
  std::uint32_t delay_var_min = kNoDelay;
  std::uint32_t delay_var_max = 0;
  std::uint32_t delay_var_sum = 0;
  std::uint32_t delay_var_cnt = 0;
  std::uint32_t rtt_var_min = kNoDelay;
  std::uint32_t rtt_var_max = 0;
  std::uint32_t accum_time_ms = 0;
  bool operator==(const SubIntervalStats&) const = default;
};

struct StatusPdu {
  std::uint8_t test_action = kActionTest;
  std::uint8_t rx_stopped = 0;
  std::uint32_t spdu_seq_no = 0;
  SendingRate sr;
  std::uint32_t sub_int_seq_no = 0;
  SubIntervalStats sis_sav;
  std::uint32_t seq_err_loss = 0;
  std::uint32_t seq_err_ooo = 0;
  std::uint32_t seq_err_dup = 0;
  std::uint32_t clock_delta_min = 0;  // ms, signed in the reference
  std::uint32_t delay_var_min = kNoDelay;
  std::uint32_t delay_var_max = 0;
  std::uint32_t delay_var_sum = 0;
  std::uint32_t delay_var_cnt = 0;
  std::uint32_t rtt_minimum = kNoDelay;
  std::uint32_t rtt_var_sample = kNoDelay;
  std::uint8_t delay_min_upd = 0;
  std::uint32_t ti_delta_time_us = 0;
  std::uint32_t ti_rx_datagrams = 0;
  std::uint32_t ti_rx_bytes = 0;
  std::uint32_t spdu_time_sec = 0;
  std::uint32_t spdu_time_nsec = 0;
  std::uint8_t auth_mode = kAuthMode0;  // status PDUs are never authenticated (mode 2 unsupported)
  std::uint32_t ti_rx_ce_count = 0;
  std::uint32_t sis_sav_ce_count = 0;
  std::uint8_t status_modifier_bitmap = 0;
  std::uint16_t checksum = 0;
};

// RFC 1071-style header checksum as the reference computes it; a buffer whose stored
// checksum is right sums to 0.
std::uint16_t checksum(std::span<const std::uint8_t> bytes);

std::vector<std::uint8_t> encodeSetup(const SetupPdu& pdu);
std::vector<std::uint8_t> encodeNull(const NullPdu& pdu);
std::vector<std::uint8_t> encodeActivation(const ActivationPdu& pdu);
std::vector<std::uint8_t> encodeStatus(const StatusPdu& pdu);
// Writes the 32-byte header at the start of `out` (out.size() >= kLoadHeaderSize).
void encodeLoadHeader(const LoadHeader& h, std::span<std::uint8_t> out);
// Stores the checksum of `pdu` (whose checksum field is zero) at `offset`.
void insertChecksum(std::vector<std::uint8_t>& pdu, std::size_t offset);

Result<SetupPdu> decodeSetup(std::span<const std::uint8_t> bytes);
Result<NullPdu> decodeNull(std::span<const std::uint8_t> bytes);
Result<ActivationPdu> decodeActivation(std::span<const std::uint8_t> bytes);
Result<LoadHeader> decodeLoadHeader(std::span<const std::uint8_t> bytes);
Result<StatusPdu> decodeStatus(std::span<const std::uint8_t> bytes);

// The 16-bit PDU id at the start of a datagram, 0 if shorter than 2 bytes.
std::uint16_t pduId(std::span<const std::uint8_t> bytes);

// Human-readable name of a setup response code ("capacity exceeded", ...).
std::string setupResponseName(std::uint8_t code);

}  // namespace uplinkprobe::udpst
