#include "common/error_kind.h"

namespace uplinkprobe {

std::string_view errorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kIo:
      return "io";
    case ErrorKind::kConfig:
      return "config";
    case ErrorKind::kUsage:
      return "usage";
    case ErrorKind::kProtocol:
      return "protocol";
    case ErrorKind::kInternal:
      return "internal";
    case ErrorKind::kDb:
      return "db";
    case ErrorKind::kKey:
      return "key";
    case ErrorKind::kExport:
      return "export";
    case ErrorKind::kSheet:
      return "sheet";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kJournal:
      return "journal";
    case ErrorKind::kInvalidArguments:
      return "invalid_arguments";
    case ErrorKind::kSchema:
      return "schema";
    case ErrorKind::kConnect:
      return "connect";
    case ErrorKind::kAuth:
      return "auth";
    case ErrorKind::kState:
      return "state";
    case ErrorKind::kRegistry:
      return "registry";
    case ErrorKind::kHttp:
      return "http";
    case ErrorKind::kDns:
      return "dns";
    case ErrorKind::kCancelled:
      return "cancelled";
    case ErrorKind::kTls:
      return "tls";
    case ErrorKind::kMqtt:
      return "mqtt";
    case ErrorKind::kMalformed:
      return "malformed";
    case ErrorKind::kBind:
      return "bind";
    case ErrorKind::kUrl:
      return "url";
    case ErrorKind::kUnknownVerb:
      return "unknown_verb";
    case ErrorKind::kThread:
      return "thread";
    case ErrorKind::kTarget:
      return "target";
    case ErrorKind::kKeyId:
      return "key_id";
    case ErrorKind::kJournalLocked:
      return "journal_locked";
    case ErrorKind::kExists:
      return "exists";
    case ErrorKind::kBudget:
      return "budget";
    case ErrorKind::kAddress:
      return "address";
    case ErrorKind::kRefused:
      return "refused";
    case ErrorKind::kUdpst:
      return "udpst";
  }
  return "internal";  // unreachable: every enumerator is named above (-Wswitch)
}

std::optional<ErrorKind> errorKindFromName(std::string_view name) {
  for (ErrorKind k : kAllErrorKinds)
    if (errorKindName(k) == name) return k;
  return std::nullopt;
}

}  // namespace uplinkprobe
