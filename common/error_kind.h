// ErrorKind: the closed set of machine-readable classes an Error carries.
//
// The names (errorKindName) are a contract, not a spelling detail: records carry them as
// `error.kind`, the CLI prints them ("ERROR (http) …"), MQTT command replies and the collector
// read them back. Never rename one; add a new enumerator (and its row in the table of
// docs/schema/README.md, which tests/unit/common/error_kind_test.cpp checks) instead.
// A kind read back from outside (a record, a reply) stays a string: it may come from another
// agent version.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace uplinkprobe {

enum class ErrorKind {
  kIo,                // "io": a file, directory, socket or device could not be read or written
  kConfig,            // "config": a configuration file or value is missing or wrong
  kUsage,             // "usage": a command line (flags, arguments, answers) is wrong
  kProtocol,          // "protocol": a peer's answer is not what that protocol allows
  kInternal,          // "internal": a bug or a missing/unusable library inside the program
  kDb,                // "db": the collector's database refused or failed a statement
  kKey,               // "key": a signing or authentication key is missing, unreadable or wrong
  kExport,            // "export": a table cannot be exported (CSV, XLSX)
  kSheet,             // "sheet": an uploaded school sheet (XLSX/CSV) cannot be read
  kTimeout,           // "timeout": no answer or no data moved in time
  kJournal,           // "journal": the journal refused a record or its files are inconsistent
  kInvalidArguments,  // "invalid_arguments": a remote command's arguments are wrong
  kSchema,            // "schema": a JSON Schema document cannot be loaded
  kConnect,           // "connect": a TCP connection could not be made (refused, unreachable)
  kAuth,              // "auth": credentials or a key were refused by the peer
  kState,             // "state": a saved state file is malformed
  kRegistry,          // "registry": the school registry is inconsistent (duplicate, no id)
  kHttp,              // "http": an HTTP request failed or was answered with an HTTP error
  kDns,               // "dns": a name does not resolve
  kCancelled,         // "cancelled": the operation was cancelled (stop, newer command)
  kTls,               // "tls": the TLS handshake or certificate check failed
  kMqtt,              // "mqtt": the MQTT broker could not be reached or refused a request
  kMalformed,         // "malformed": a signed message or key is not well-formed
  kBind,              // "bind": a listening socket cannot be bound
  kUrl,               // "url": a URL is not of the accepted form
  kUnknownVerb,       // "unknown_verb": a remote command names a verb the agent does not have
  kThread,            // "thread": a worker thread cannot be started
  kTarget,            // "target": a command's target matches no known device
  kKeyId,             // "key_id": no key with that id in the key file
  kJournalLocked,     // "journal_locked": another process holds the journal's lock
  kExists,            // "exists": the thing to create already exists
  kBudget,            // "budget": a test would exceed the configured data budget
  kAddress,           // "address": a listen address is not of the accepted form
  kRefused,           // "refused": a UDP capacity server refused the test's parameters
  kUdpst,             // "udpst": a UDP capacity test failed without a finer class
};

// Every enumerator, in declaration order (for tests and for listings).
inline constexpr std::array<ErrorKind, 35> kAllErrorKinds = {
    ErrorKind::kIo,       ErrorKind::kConfig,      ErrorKind::kUsage,
    ErrorKind::kProtocol, ErrorKind::kInternal,    ErrorKind::kDb,
    ErrorKind::kKey,      ErrorKind::kExport,      ErrorKind::kSheet,
    ErrorKind::kTimeout,  ErrorKind::kJournal,     ErrorKind::kInvalidArguments,
    ErrorKind::kSchema,   ErrorKind::kConnect,     ErrorKind::kAuth,
    ErrorKind::kState,    ErrorKind::kRegistry,    ErrorKind::kHttp,
    ErrorKind::kDns,      ErrorKind::kCancelled,   ErrorKind::kTls,
    ErrorKind::kMqtt,     ErrorKind::kMalformed,   ErrorKind::kBind,
    ErrorKind::kUrl,      ErrorKind::kUnknownVerb, ErrorKind::kThread,
    ErrorKind::kTarget,   ErrorKind::kKeyId,       ErrorKind::kJournalLocked,
    ErrorKind::kExists,   ErrorKind::kBudget,      ErrorKind::kAddress,
    ErrorKind::kRefused,  ErrorKind::kUdpst,
};
static_assert(static_cast<std::size_t>(ErrorKind::kUdpst) + 1 == kAllErrorKinds.size(),
              "a new ErrorKind goes into kAllErrorKinds (and errorKindName, and the docs)");

// The wire name: "io", "config", "invalid_arguments", … (see the comments above).
std::string_view errorKindName(ErrorKind kind);

// The enumerator whose name is `name`; nullopt for any other text.
std::optional<ErrorKind> errorKindFromName(std::string_view name);

}  // namespace uplinkprobe
