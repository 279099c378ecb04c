#include <gtest/gtest.h>

#include <regex>

#include "collector/web/html.h"
#include "collector/web/i18n.h"
#include "collector/web/svg_chart.h"

namespace uplinkprobe::collector::web {
namespace {

TEST(Html, EscapesEverythingFromAgentsAndSheets) {
  EXPECT_EQ(esc("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(esc("a\"b'c&d"), "a&quot;b&#39;c&amp;d");
  EXPECT_EQ(esc("长春市第一实验小学"), "长春市第一实验小学");
  EXPECT_EQ(esc(std::string("x\xff") + "y"), "x\xEF\xBF\xBDy");  // invalid UTF-8
  EXPECT_EQ(esc(std::string("a\x01z")), "a\xEF\xBF\xBDz");       // control byte
  EXPECT_EQ(urlEncode("长春市/南关区 a&b"),
            "%E9%95%BF%E6%98%A5%E5%B8%82%2F%E5%8D%97%E5%85%B3%E5%8C%BA%20a%26b");
}

TEST(I18n, EveryKeyHasBothLanguagesAndPlaceholdersMatch) {
  for (auto key : catalogueKeys()) {
    auto zh = tr(Lang::kZh, key), en = tr(Lang::kEn, key);
    EXPECT_FALSE(zh.empty()) << key;
    EXPECT_FALSE(en.empty()) << key;
    for (const char* ph : {"%1", "%2", "%3"}) {
      EXPECT_EQ(zh.find(ph) == std::string_view::npos, en.find(ph) == std::string_view::npos)
          << key << " " << ph;
    }
  }
  EXPECT_EQ(tr(Lang::kZh, "overview.title"), "全省概览");
  EXPECT_EQ(tr(Lang::kEn, "overview.title"), "Province overview");
  EXPECT_EQ(tr(Lang::kEn, "no.such.key"), "no.such.key");
}

TEST(I18n, LanguageFromCookieThenAcceptLanguage) {
  EXPECT_EQ(pickLang("", ""), Lang::kZh);
  EXPECT_EQ(pickLang("", "en-US,en;q=0.9"), Lang::kEn);
  EXPECT_EQ(pickLang("", "zh-CN,zh;q=0.9,en;q=0.8"), Lang::kZh);
  EXPECT_EQ(pickLang("", "fr-FR, en;q=0.5"), Lang::kEn);
  EXPECT_EQ(pickLang("zh", "en-US"), Lang::kZh);
  EXPECT_EQ(pickLang("en", "zh-CN"), Lang::kEn);
}

TEST(SvgChart, DrawsSeriesReferenceLinesAndEscapesText) {
  TimeChart c;
  c.title = "<b>t</b>";
  c.unit = "Mbps";
  c.from_ms = 0;
  c.to_ms = 7 * 86400000LL;
  c.series.push_back({"下行", "s-down", {{86400000, 80}, {2 * 86400000LL, 120}}});
  c.refs.push_back({100, "100 Mbps <target>", "ref-target"});
  std::string svg = drawTimeChart(c);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("&lt;b&gt;t&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
  EXPECT_NE(svg.find("class=\"ref-target\""), std::string::npos);
  EXPECT_NE(svg.find("100 Mbps &lt;target&gt;"), std::string::npos);
  EXPECT_NE(svg.find("<polyline class=\"s-down\""), std::string::npos);
  EXPECT_EQ(std::count(svg.begin(), svg.end(), '<') - std::count(svg.begin(), svg.end(), '>'), 0);
  std::string tl = drawTimeline(0, 86400000, {{1000, 2000, "<x>"}}, "断网");
  EXPECT_NE(tl.find("tl-out"), std::string::npos);
  EXPECT_EQ(tl.find("<x>"), std::string::npos);
}

}  // namespace
}  // namespace uplinkprobe::collector::web
