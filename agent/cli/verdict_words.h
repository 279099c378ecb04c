// One verdict vocabulary for everything a person reads (`test`, receipt, `records`,
// `report`, `status`): PASS / BELOW TARGET / ERROR (达标 / 未达标 / 出错), plus CANCELLED
// for a test stopped by Ctrl-C and "—" when nothing was judged.
//
// The headline names the direction(s) that decide the verdict: when only the upload misses
// its target the verdict is BELOW TARGET and the headline says "upload", and the exit code
// (1) agrees with it. A cancelled test keeps what it measured (the finished direction's
// figures and judgement) and exits 130 (128 + SIGINT).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace uplinkprobe::cli {

enum class Outcome { kPass, kBelowTarget, kError, kCancelled, kNotJudged };

inline constexpr int kExitCancelled = 130;

struct TestOutcome {
  Outcome outcome = Outcome::kNotJudged;
  // Per direction: judged (a target and a measured value) and, if judged, met.
  bool down_judged = false, down_meets = false;
  bool up_judged = false, up_meets = false;
};

// From a throughput record's `error` and `verdict`.
TestOutcome outcomeOf(const nlohmann::json& record);
// "PASS", "BELOW TARGET", "ERROR", "CANCELLED", "—" (translated).
std::string outcomeWord(Outcome o);
// Verdict of a day or a test judged elsewhere: true → PASS, false → BELOW TARGET, else "—".
std::string meetsWord(std::optional<bool> meets_target);
// "PASS: download and upload meet the target", "BELOW TARGET: upload is below its target
// (download meets it)", "ERROR: timeout: …", "CANCELLED (Ctrl-C): …" (translated).
std::string headline(const nlohmann::json& record);
// 0 pass or not judged, 1 below target, 2 error, 130 cancelled.
int exitCodeFor(const TestOutcome& o);

}  // namespace uplinkprobe::cli
