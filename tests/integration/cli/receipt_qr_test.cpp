// The QR code on the printable receipt is readable by a real decoder: the <svg> of a sealed
// receipt page is drawn into a bitmap from its own path data (nothing from the encoder is
// reused) and zbarimg (zbar-tools, scripts/install-deps.sh) must read back the receipt's id
// and digest.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "agent/cli/receipt.h"
#include "agent/config/config_loader.h"
#include "agent/config/schema.h"
#include "tests/support/cli_run.h"

namespace uplinkprobe::cli {
namespace {

namespace fs = std::filesystem;

TEST(ReceiptQr, ZbarReadsTheIdAndDigestFromTheSvgOfTheSavedPage) {
  auto cfg = config::loadConfigString(config::exampleConfig(), "example", config::Purpose::kTest);
  ASSERT_TRUE(cfg);
  cfg->identity.school_name = "南湖小学";
  ReceiptInput in{&*cfg,
                  {{"ts", "2026-12-02T01:53:27Z"},
                   {"download", {{"ip_capacity_mbps", 95.6}}},
                   {"verdict", {{"target_mbps", 100}, {"meets_target", true}}}},
                  "0.1.0",
                  "b",
                  "/var/lib/uplinkprobe seq 41-42",
                  "s"};
  const auto sealed = sealReceipt(in, "jl-0042-p1:8bda21103bf70468:41");
  const std::string& h = sealed.html;
  const auto at = h.find("<svg");
  ASSERT_NE(at, std::string::npos) << h;
  const std::string svg = h.substr(at, h.find("</svg>") - at);
  std::smatch box;
  ASSERT_TRUE(std::regex_search(svg, box, std::regex("viewBox=\"0 0 (\\d+) (\\d+)\"")));
  const int size = std::stoi(box[1]);
  std::vector<bool> dark(static_cast<size_t>(size) * size, false);
  std::regex run("M(\\d+),(\\d+)h(\\d+)v1h-(\\d+)z");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), run); it != std::sregex_iterator();
       ++it)
    for (int k = 0; k < std::stoi((*it)[3]); ++k)
      dark[static_cast<size_t>(std::stoi((*it)[2])) * size + std::stoi((*it)[1]) + k] = true;

  const fs::path dir = fs::temp_directory_path() / ("up-qr-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  constexpr int kScale = 6;
  {
    std::ofstream pbm(dir / "qr.pbm");
    pbm << "P1\n" << size * kScale << " " << size * kScale << "\n";
    for (int y = 0; y < size * kScale; ++y) {
      for (int x = 0; x < size * kScale; ++x)
        pbm << (dark[static_cast<size_t>(y / kScale) * size + x / kScale] ? "1" : "0");
      pbm << "\n";
    }
  }
  auto r = testing::runCli({"/usr/bin/zbarimg", "--raw", "-q", (dir / "qr.pbm").string()}, {},
                           (dir / "zbar").string());
  fs::remove_all(dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, receiptQrPayload(sealed.id, sealed.digest) + "\n");
  EXPECT_EQ(r.out,
            "uplinkprobe-receipt:jl-0042-p1:8bda21103bf70468:41 sha256:" + sealed.digest + "\n");
}

}  // namespace
}  // namespace uplinkprobe::cli
