#include "agent/cli/usage_text.h"

#include <cstdio>

#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/message_words.h"
#include "common/exit_codes.h"

namespace uplinkprobe::cli {

std::string mainUsage() {
  return tr(
      "usage: uplinkprobe <command> [options]    (uplinkprobe <command> --help)\n"
      "\n"
      "commands:\n"
      "  test          measure now, print the verdict\n"
      "  commission    set identity and broker, first test, receipt\n"
      "  status        is the daemon running, connected, testing? (--json)\n"
      "  receipt       print a saved commissioning receipt again (--html)\n"
      "  run           the daemon (foreground, systemd Type=notify)\n"
      "  records       the local journal, one record per line\n"
      "  report        daily compliance table, open alerts, last tests\n"
      "  check-config  validate a configuration file\n"
      "  example-config  print the annotated default configuration\n"
      "  --version     print the version\n"
      "\n"
      "Every command reads --config F, default /etc/uplinkprobe/uplinkprobe.toml;\n"
      "--lang zh|en chooses the language (default: LC_ALL, LC_MESSAGES, LANG).\n"
      "exit codes: 0 ok, 1 measured below target, 2 error, 64 usage,\n"
      "78 bad config, 130 cancelled (Ctrl-C)\n");
}

std::string commandUsage(const std::string& c) {
  if (c == "test")
    return tr(
        "usage: uplinkprobe test [--config F] [--server URL] [--target MBPS] [--json]\n"
        "                        [--download-only|--upload-only]\n"
        "  Measures download and upload now and judges them against the target.\n"
        "  --config F   default /etc/uplinkprobe/uplinkprobe.toml when it exists; the\n"
        "               record is journaled (trigger manual, never counted)\n"
        "  --server URL a LibreSpeed-compatible server instead of [[servers]]\n"
        "  --target MBPS  judge the download against MBPS instead of [target]\n"
        "  --method udp UDP IP capacity (BBF TR-471, OB-UDPST) against\n"
        "               --server udpst://HOST[:PORT] (udpst or uplinkprobe-server)\n"
        "  --key-file F --key-id N  the server's key (udpst's key file format)\n"
        "  --udp-algorithm B|C  the server's rate search: B (TR-471's default) or C\n"
        "  --json       print the record, one JSON line\n"
        "  exit 0 PASS, 1 BELOW TARGET, 2 ERROR, 130 cancelled (Ctrl-C)\n");
  if (c == "run")
    return tr(
        "usage: uplinkprobe run [--config F]\n"
        "  The daemon in the foreground (systemd Type=notify).\n"
        "  --config F   default /etc/uplinkprobe/uplinkprobe.toml\n");
  if (c == "records")
    return tr(
        "usage: uplinkprobe records [--config F] [--since S] [--until U] [--kind K]\n"
        "                           [--limit N] [--json]\n"
        "  The local journal, oldest first, one record per line (read-only).\n"
        "  --since S    a seq (records after it), a date 2026-12-01 (from its\n"
        "               local midnight) or a time 2026-12-01T08:00:00Z\n"
        "  --until U    a seq (up to it), a date (to its end) or a time\n"
        "  --kind K     only records of kind K (see the error for the list)\n"
        "  --json       the records as journaled, one JSON object per line\n");
  if (c == "report")
    return tr(
        "usage: uplinkprobe report [--config F] [--days N] [--since S] [--until U]\n"
        "                          [--period week|month] [--csv]\n"
        "  Daily compliance table, open alerts and the last tests, from the journal.\n"
        "  --days N     today and the N-1 days before (default 7, at most 62)\n"
        "  --since S, --until U  the days from S to U instead: dates 2026-12-01,\n"
        "               times, or record seqs (their day)\n"
        "  --period week|month  one row per ISO week or calendar month (default:\n"
        "               the last 4 weeks or 3 months; --since/--until choose)\n"
        "  --csv        one row per day (or period) with school_id and device_id\n");
  if (c == "check-config")
    return tr(
        "usage: uplinkprobe check-config [--config F]\n"
        "  Runs every check the daemon makes at start; lists each problem with its\n"
        "  file, line and key. exit 0 OK, 78 bad config\n");
  if (c == "status")
    return tr(
        "usage: uplinkprobe status [--config F] [--json]\n"
        "  What the daemon reports about itself: running since, broker, records\n"
        "  waiting, last and next test, open alerts, clock, journal use.\n"
        "  exit 0 healthy, 1 degraded, 2 not running\n");
  if (c == "receipt")
    return tr(
        "usage: uplinkprobe receipt [--config F] [--last | SEQ] [--html]\n"
        "  Prints a commissioning receipt saved by `commission` again, as issued,\n"
        "  and checks it against its sha256 line. SEQ is the journal seq of the\n"
        "  commissioning test (the end of the receipt's id); default: the last.\n"
        "  --html       the printable page (with its QR code) instead of the text\n"
        "  exit 0 printed, 2 no such receipt or changed since, 64 usage\n");
  if (c == "example-config")
    return tr(
        "usage: uplinkprobe example-config\n"
        "  Prints the annotated default configuration.\n");
  return "";
}

int usageError(const std::string& command, const std::string& why) {
  std::fprintf(stderr, "%s%s",
               wrapLine("uplinkprobe " + command + ": ", personMessage(why), 2).c_str(),
               commandUsage(command).c_str());
  return kExitUsage;
}

}  // namespace uplinkprobe::cli
