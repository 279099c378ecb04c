// `uplinkprobe receipt [--config F] [--last | SEQ] [--html]`: prints a commissioning receipt
// saved by `commission` in [storage] dir (receipt_store.h) again, exactly as it was issued
// (its language is the one it was issued in), and says on stderr whether its sha256 line
// still matches its text. SEQ is the journal seq of the commissioning test (the receipt's id
// ends with it); without SEQ, the last one. Exit 0 printed, 2 no such receipt or unreadable
// (the saved seqs are named), 64 usage, 78 bad config.
#include <fmt/format.h>

#include <charconv>
#include <cstdio>

#include "agent/cli/arg_parser.h"
#include "agent/cli/command_config.h"
#include "agent/cli/commands.h"
#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/message_words.h"
#include "agent/cli/receipt.h"
#include "agent/cli/receipt_store.h"
#include "agent/cli/usage_text.h"
#include "agent/config/config_loader.h"
#include "common/exit_codes.h"
#include "common/terminal_text.h"

namespace uplinkprobe::cli {
namespace {

std::string seqList(const std::vector<uint64_t>& seqs) {
  std::string s;
  for (auto q : seqs) s += (s.empty() ? "" : ", ") + std::to_string(q);
  return s;
}

void complain(const std::string& text) {
  std::fputs(wrapLine("uplinkprobe receipt: ", text, 2, false).c_str(), stderr);
}

}  // namespace

int receiptCommand(const Args& args) {
  // One optional positional SEQ; everything else through the strict parser.
  Args rest;
  std::optional<std::string> seq_text;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      rest.push_back(args[i]);
      rest.push_back(args[++i]);
    } else if (!args[i].empty() && args[i][0] != '-' && !seq_text) {
      seq_text = args[i];
    } else {
      rest.push_back(args[i]);
    }
  }
  auto parsed = parseArgs(rest, {"--last", "--html"}, {"--config"});
  if (!parsed) return usageError("receipt", parsed.error().message);
  if (seq_text && parsed->has("--last"))
    return usageError("receipt", tr("give either --last or SEQ, not both"));
  std::optional<uint64_t> seq;
  if (seq_text) {
    uint64_t v = 0;
    const char* b = seq_text->data();
    const char* e = b + seq_text->size();
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec != std::errc() || p != e || v == 0)
      return usageError(
          "receipt",
          fmt::format(fmt::runtime(tr("\"{}\" is not a receipt number (a journal seq, e.g. 1)")),
                      *seq_text));
    seq = v;
  }
  auto cfg =
      loadCommandConfig(parsed->getOr("--config", kDefaultConfigPath), config::Purpose::kTest);
  if (!cfg) return kExitBadConfig;
  const std::string& dir = cfg->storage.dir;
  auto saved = listReceipts(dir);
  if (!saved) {
    complain(saved.error().message);
    return kExitError;
  }
  if (saved->empty()) {
    complain(fmt::format(
        fmt::runtime(tr("no receipt is saved in {}: `uplinkprobe commission` makes one")), dir));
    return kExitError;
  }
  const uint64_t want = seq.value_or(saved->back());
  if (std::find(saved->begin(), saved->end(), want) == saved->end()) {
    complain(fmt::format(fmt::runtime(tr("no receipt {} in {}; saved: {}")), want, dir,
                         seqList(*saved)));
    return kExitError;
  }
  const bool html = parsed->has("--html");
  auto text = loadReceipt(dir, want, false);
  auto page = html ? loadReceipt(dir, want, true) : text;
  if (!text || !page) {
    complain(!text ? text.error().message : page.error().message);
    return kExitError;
  }
  // The page is printed as saved (it is escaped HTML, for a file or a browser); the text
  // goes to a terminal: no control character from the saved file reaches it.
  std::fputs(html ? page->c_str() : terminalSafe(*text).c_str(), stdout);
  const auto check = checkReceipt(*text);
  if (!check.sealed)
    complain(tr("this receipt has no id and sha256 lines: it cannot be checked"));
  else if (!check.intact)
    complain(
        tr("WARNING: this receipt was changed after it was issued (its sha256 does not "
           "match its text)"));
  return check.sealed && !check.intact ? kExitError : kExitOk;
}

}  // namespace uplinkprobe::cli
