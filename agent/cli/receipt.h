// The commissioning receipt a school and a county keep: pure (inputs in, text out), every
// line ≤ 80 columns, labels and verdict in the chosen language (i18n.h), numbers through
// display_format.h, the verdict through verdict_words.h. Values that name things (school,
// broker URI, journal path) are printed as given.
//
// The same rows make the text (printed by `commission`, saved as receipt-SEQ.txt) and the
// printable HTML page (receipt-SEQ.html, every value escaped, with a QR code of the receipt's
// id and digest when the build has libqrencode). The id is the commissioning throughput
// record's id ({device_id}:{journal_id}:{seq}); the digest is the SHA-256 of the receipt's
// text above its "id:" line, so a printed or scanned receipt can be checked against the
// saved one (`uplinkprobe receipt SEQ` says whether it still matches).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/config/config.h"

namespace uplinkprobe::cli {

struct ReceiptInput {
  const config::Config* cfg = nullptr;
  nlohmann::json record;  // the commissioning throughput record (with its verdict)
  std::string agent_version;
  std::string broker_line;   // what happened at the broker
  std::string journal_line;  // "<dir> seq A-B", empty when not written
  std::string service_line;  // what happened to the service
};

struct ReceiptRow {
  std::string label;  // translated, with its colon ("school:", "学校：")
  std::string value;
  bool keep_whole = false;  // copied into commands as it stands: never wrapped
};

std::vector<ReceiptRow> receiptRows(const ReceiptInput& in);

// The receipt as printed: a blank line, the title, one wrapped row per line.
std::string formatReceipt(const ReceiptInput& in);

// Lowercase hex SHA-256 of text.
std::string sha256Hex(const std::string& text);
// What the QR code carries: "uplinkprobe-receipt:ID sha256:DIGEST".
std::string receiptQrPayload(const std::string& id, const std::string& digest);

// The receipt as saved and printed again: formatReceipt(in) followed by the lines
// "id:" and "sha256:" (not translated: they are copied and compared, not read aloud).
struct SealedReceipt {
  std::string id;
  std::string digest;  // sha256Hex(body)
  std::string text;    // body + the id and sha256 lines
  std::string html;    // the printable page
};
SealedReceipt sealReceipt(const ReceiptInput& in, const std::string& id);

// For a saved text: the body above its "id:" line, the digest its "sha256:" line names, and
// whether sha256Hex(body) still equals it. ok is false when the text has no such lines.
struct ReceiptCheck {
  bool sealed = false;  // has the id and sha256 lines
  bool intact = false;  // and the digest matches the body
  std::string id;
  std::string digest;
};
ReceiptCheck checkReceipt(const std::string& text);

}  // namespace uplinkprobe::cli
