#include "agent/cli/verdict_words.h"

#include <fmt/format.h>

#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/message_words.h"
#include "common/exit_codes.h"

namespace uplinkprobe::cli {
namespace {

bool isErrorObject(const nlohmann::json& r) {
  return r.is_object() && r.contains("error") && r["error"].is_object();
}

std::string errorKind(const nlohmann::json& r) {
  if (!isErrorObject(r)) return "";
  const auto& k = r["error"].value("kind", nlohmann::json());
  return k.is_string() ? k.get<std::string>() : "";
}

bool wasCancelled(const nlohmann::json& r) {
  if (errorKind(r) == "cancelled") return true;
  for (const char* d : {"download", "upload"})
    if (r.is_object() && r.contains(d) && errorKind(r[d]) == "cancelled") return true;
  return false;
}

// The measurement engine's error kinds (agent/measure), said in words.
const char* errorKindWords(const std::string& kind) {
  if (kind == "connect") return N_("cannot connect to the server");
  if (kind == "dns") return N_("the server's name does not resolve");
  if (kind == "timeout") return N_("no data moved in time");
  if (kind == "http") return N_("the server answered with an HTTP error");
  if (kind == "protocol") return N_("the server's answer is not what a LibreSpeed server sends");
  if (kind == "tls") return N_("the TLS connection failed");
  if (kind == "internal") return N_("an internal error of the probe");
  return nullptr;
}

}  // namespace

TestOutcome outcomeOf(const nlohmann::json& r) {
  TestOutcome o;
  const nlohmann::json v = r.is_object() && r.contains("verdict") && r["verdict"].is_object()
                               ? r["verdict"]
                               : nlohmann::json();
  if (v.is_object() && v.contains("meets_target") && v["meets_target"].is_boolean()) {
    o.down_judged = true;
    o.down_meets = v["meets_target"].get<bool>();
  }
  if (v.is_object() && v.contains("up_meets_target") && v["up_meets_target"].is_boolean()) {
    o.up_judged = true;
    o.up_meets = v["up_meets_target"].get<bool>();
  }
  if (wasCancelled(r))
    o.outcome = Outcome::kCancelled;
  else if (isErrorObject(r))
    o.outcome = Outcome::kError;
  else if ((o.down_judged && !o.down_meets) || (o.up_judged && !o.up_meets))
    o.outcome = Outcome::kBelowTarget;
  else if (o.down_judged || o.up_judged)
    o.outcome = Outcome::kPass;
  else
    o.outcome = Outcome::kNotJudged;
  return o;
}

std::string outcomeWord(Outcome o) {
  switch (o) {
    case Outcome::kPass:
      return tr("PASS");
    case Outcome::kBelowTarget:
      return tr("BELOW TARGET");
    case Outcome::kError:
      return tr("ERROR");
    case Outcome::kCancelled:
      return tr("CANCELLED");
    case Outcome::kNotJudged:
      break;
  }
  return kUnknown;
}

std::string meetsWord(std::optional<bool> m) {
  if (!m) return kUnknown;
  return outcomeWord(*m ? Outcome::kPass : Outcome::kBelowTarget);
}

std::string headline(const nlohmann::json& r) {
  const TestOutcome o = outcomeOf(r);
  const std::string word = outcomeWord(o.outcome);
  switch (o.outcome) {
    case Outcome::kError: {
      const auto& e = r["error"];
      const std::string kind = e.value("kind", std::string());
      // The message comes from the measurement engine in English; in Chinese the error's
      // kind is said in words before it.
      std::string said = kind;
      if (currentLanguage() == Language::kChinese)
        if (const char* words = errorKindWords(kind)) said = tr(words);
      return fmt::format(fmt::runtime(tr("{}: {}: {}")), word, said,
                         personMessage(e.value("message", std::string())));
    }
    case Outcome::kCancelled:
      if (o.down_judged)
        return fmt::format(fmt::runtime(tr("{} (Ctrl-C); kept what was measured: download {}")),
                           word, meetsWord(o.down_meets));
      if (o.up_judged)
        return fmt::format(fmt::runtime(tr("{} (Ctrl-C); kept what was measured: upload {}")), word,
                           meetsWord(o.up_meets));
      return fmt::format(fmt::runtime(tr("{} (Ctrl-C) before a direction was measured")), word);
    case Outcome::kPass:
      if (o.down_judged && o.up_judged)
        return fmt::format(fmt::runtime(tr("{}: download and upload meet their targets")), word);
      if (o.down_judged)
        return fmt::format(fmt::runtime(tr("{}: download meets the target")), word);
      return fmt::format(fmt::runtime(tr("{}: upload meets its target")), word);
    case Outcome::kBelowTarget:
      if (o.down_judged && !o.down_meets && o.up_judged && !o.up_meets)
        return fmt::format(fmt::runtime(tr("{}: download and upload are below their targets")),
                           word);
      if (o.down_judged && !o.down_meets && o.up_judged)
        return fmt::format(
            fmt::runtime(tr("{}: download is below the target (upload meets its target)")), word);
      if (o.down_judged && !o.down_meets)
        return fmt::format(fmt::runtime(tr("{}: download is below the target")), word);
      if (o.down_judged)
        return fmt::format(
            fmt::runtime(tr("{}: upload is below its target (download meets the target)")), word);
      return fmt::format(fmt::runtime(tr("{}: upload is below its target")), word);
    case Outcome::kNotJudged:
      break;
  }
  return fmt::format(fmt::runtime(tr("{} not judged: no measured value to compare")), word);
}

int exitCodeFor(const TestOutcome& o) {
  switch (o.outcome) {
    case Outcome::kPass:
    case Outcome::kNotJudged:
      return kExitOk;
    case Outcome::kBelowTarget:
      return kExitBelowTarget;
    case Outcome::kError:
      return kExitError;
    case Outcome::kCancelled:
      return kExitCancelled;
  }
  return kExitError;
}

}  // namespace uplinkprobe::cli
