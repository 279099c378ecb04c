#include "agent/cli/prompt_answer.h"

#include <gtest/gtest.h>

#include <sstream>

namespace uplinkprobe::cli {
namespace {

Result<std::string> answer(const std::string& typed, AnswerKind kind, std::size_t max) {
  std::istringstream in(typed);
  return finishAnswer(readPromptLine(in, max), kind, max);
}

TEST(PromptAnswer, SecretKeepsEveryByteButTheLineEnd) {
  EXPECT_EQ(answer("pass word  \n", AnswerKind::kSecret, 256).value(), "pass word  ");
  EXPECT_EQ(answer(" x\r\n", AnswerKind::kSecret, 256).value(), " x");
  EXPECT_EQ(answer("last", AnswerKind::kSecret, 256).value(), "last");  // EOF without LF
}

TEST(PromptAnswer, TooLongIsAnErrorNeverACut) {
  const std::string long_secret(300, 's');
  auto r = answer(long_secret + "\n", AnswerKind::kSecret, 256);
  ASSERT_FALSE(r.ok()) << "300 bytes were cut to " << r.value().size();
  EXPECT_NE(r.error().message.find("--password-file"), std::string::npos);
  EXPECT_EQ(answer(std::string(256, 'a') + "\r\n", AnswerKind::kSecret, 256).value().size(), 256u);
  EXPECT_FALSE(answer(std::string(257, 'a') + "\n", AnswerKind::kText, 256).ok());
}

TEST(PromptAnswer, TextIsTrimmedAndTheNextLineIsIntact) {
  std::istringstream in(std::string(5000, 'x') + "\nnext \n");
  EXPECT_FALSE(finishAnswer(readPromptLine(in, 256), AnswerKind::kText, 256).ok());
  EXPECT_EQ(finishAnswer(readPromptLine(in, 256), AnswerKind::kText, 256).value(), "next");
  EXPECT_TRUE(readPromptLine(in, 256).eof);
}

}  // namespace
}  // namespace uplinkprobe::cli
