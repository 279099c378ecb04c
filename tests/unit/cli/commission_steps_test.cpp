// commission's deciding steps without a terminal, a network or files: flags win, answers are
// asked again with the reason at most kMaxAsks times, the example's placeholder identity is
// never the default and never accepted, and the config edits keep comments and report a key
// they cannot set instead of aborting.
#include "agent/cli/commission_steps.h"

#include <gtest/gtest.h>

#include <deque>

#include "agent/config/config_loader.h"
#include "agent/config/schema.h"

namespace uplinkprobe::cli {
namespace {

config::Config example() {
  auto c = config::loadConfigString(config::exampleConfig(), "example", config::Purpose::kTest);
  EXPECT_TRUE(c);
  return *c;
}

ParsedArgs flags(const std::vector<std::string>& argv) {
  std::set<std::string> options;
  for (const auto& f : commissionFields()) options.insert(f.flag);
  auto p = parseArgs(argv, {}, options);
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return *p;
}

// Scripted answers; records each question and its default, and each reason told.
struct Technician {
  std::deque<std::optional<std::string>> answers;
  std::vector<std::pair<std::string, std::string>> asked;
  std::vector<std::string> told;
  AskFn ask() {
    return [this](const std::string& prompt, const std::string& def, std::string* error) {
      asked.emplace_back(prompt, def);
      if (answers.empty()) return std::optional<std::string>();
      auto a = answers.front();
      answers.pop_front();
      if (a && a->empty()) return std::optional<std::string>(def);  // Enter keeps the default
      return a;
    };
  }
  TellFn tell() {
    return [this](const std::string& why) { told.push_back(why); };
  }
};

TEST(CommissionSteps, FlagsAloneGiveEveryValueAndAPlaceholderIsRefused) {
  const auto ex = example();
  Technician t;
  auto v = resolveSettings(flags({"--device-id", "jl-0042-p1", "--school-id", "220102-0042",
                                  "--contracted-down", "200"}),
                           ex, &ex, false, t.ask(), t.tell());
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_TRUE(t.asked.empty());
  EXPECT_EQ((*v)["device_id"], "jl-0042-p1");
  EXPECT_EQ((*v)["contracted_down_mbps"], "200");
  EXPECT_EQ((*v)["uri"], ex.mqtt.uri);  // not given: the config's value
  EXPECT_EQ(v->size(), commissionFields().size());

  auto placeholder =
      resolveSettings(flags({"--school-id", "220102-0042"}), ex, &ex, false, t.ask(), t.tell());
  ASSERT_FALSE(placeholder);
  EXPECT_EQ(placeholder.error().kind, ErrorKind::kUsage);
  EXPECT_NE(placeholder.error().message.find("--device-id"), std::string::npos);
  auto not_a_rate =
      resolveSettings(flags({"--device-id", "d", "--school-id", "s", "--contracted-up", "fast"}),
                      ex, &ex, false, t.ask(), t.tell());
  ASSERT_FALSE(not_a_rate);
  EXPECT_NE(not_a_rate.error().message.find("--contracted-up"), std::string::npos);
}

TEST(CommissionSteps, BadAnswersAreAskedAgainWithTheReasonDeviceIdFirst) {
  const auto ex = example();
  Technician t;
  // device id: the placeholder (refused), then a real one; school id: empty default refused
  // ("" means Enter on an empty default), then real; contracted down: "fast", then 200; the
  // rest: Enter.
  t.answers = {ex.identity.device_id, "jl-0042-p1", "", "220102-0042"};
  for (int i = 0; i < 4; ++i) t.answers.push_back("");  // school_name .. carrier
  t.answers.push_back("fast");
  t.answers.push_back("200");
  for (int i = 0; i < 4; ++i) t.answers.push_back("");
  auto v = resolveSettings(flags({}), ex, &ex, true, t.ask(), t.tell());
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ((*v)["device_id"], "jl-0042-p1");
  EXPECT_EQ((*v)["school_id"], "220102-0042");
  EXPECT_EQ((*v)["contracted_down_mbps"], "200");
  ASSERT_GE(t.asked.size(), 3u);
  EXPECT_EQ(t.asked[0].first, "Device id (unique per probe)");
  EXPECT_EQ(t.asked[0].second, "") << "the placeholder is never offered as the default";
  ASSERT_EQ(t.told.size(), 3u);
  EXPECT_NE(t.told[0].find("example placeholder"), std::string::npos) << t.told[0];
  EXPECT_EQ(t.told[1], "a value is required");
  EXPECT_NE(t.told[2].find("\"fast\" is not a rate in Mbps"), std::string::npos) << t.told[2];
}

TEST(CommissionSteps, TooManyBadAnswersOrTheEndOfInputChangeNothing) {
  const auto ex = example();
  Technician t;
  for (int i = 0; i < kMaxAsks; ++i) t.answers.push_back(ex.identity.device_id);
  auto v = resolveSettings(flags({}), ex, &ex, true, t.ask(), t.tell());
  ASSERT_FALSE(v);
  EXPECT_EQ(t.asked.size(), static_cast<size_t>(kMaxAsks));
  EXPECT_NE(v.error().message.find("too many invalid answers"), std::string::npos);
  Technician eof;  // Ctrl-D at the first question
  auto ended = resolveSettings(flags({}), ex, &ex, true, eof.ask(), eof.tell());
  ASSERT_FALSE(ended);
  EXPECT_NE(ended.error().message.find("input ended"), std::string::npos);
}

TEST(CommissionSteps, ConfigEditsKeepCommentsAndSayWhatTheyCannotSet) {
  const std::string text =
      "# mine\n[identity]\ndevice_id = \"x\" # the label\n[target]\ncontracted_down_mbps = 100\n"
      "[[servers]]\nurl = \"http://old/\"\n[mqtt]\nuri = \"\"\n";
  ConfigEdits e;
  e.values = {{"device_id", "jl-0042-p1"},
              {"contracted_down_mbps", "200.50"},
              {"url", "http://10.0.0.1:8080/"},
              {"uri", "tcp://b:1883"}};
  e.trusted_keys = std::vector<std::string>{"/etc/uplinkprobe/ops.pub", "/root/a\"b.pub"};
  e.password_file = "";
  auto out = editConfigText(text, e);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_NE(out->find("# mine\n"), std::string::npos);
  EXPECT_NE(out->find("device_id = \"jl-0042-p1\""), std::string::npos) << *out;
  EXPECT_NE(out->find("contracted_down_mbps = 200.5\n"), std::string::npos) << *out;
  EXPECT_NE(out->find("url = \"http://10.0.0.1:8080/\""), std::string::npos) << *out;
  EXPECT_NE(out->find("kind = \"librespeed\""), std::string::npos) << *out;
  EXPECT_NE(out->find("trusted_keys = [\"/etc/uplinkprobe/ops.pub\", \"/root/a\\\"b.pub\"]"),
            std::string::npos)
      << *out;
  EXPECT_NE(out->find("password_file = \"\""), std::string::npos) << *out;
  auto reparsed = config::loadConfigString(*out, "edited", config::Purpose::kTest);
  ASSERT_TRUE(reparsed) << reparsed.error().message;
  EXPECT_EQ(reparsed->identity.device_id, "jl-0042-p1");
  EXPECT_EQ(reparsed->control.trusted_keys.size(), 2u);

  // A multi-line value is not guessed about: an error naming the key, not an abort.
  auto multi = editConfigText("[mqtt]\npassword_file = \"\"\"\na\n\"\"\"\n",
                              {{}, std::nullopt, std::string("/etc/uplinkprobe/mqtt.password")});
  ASSERT_FALSE(multi);
  EXPECT_EQ(multi.error().kind, ErrorKind::kConfig);
  EXPECT_NE(multi.error().message.find("[mqtt] password_file"), std::string::npos)
      << multi.error().message;
}

}  // namespace
}  // namespace uplinkprobe::cli
