// QR codes for the commissioning receipt, through libqrencode (Debian: libqrencode-dev,
// CMake option UPLINKPROBE_WITH_QRENCODE, on by default). Error correction M, byte mode.
// Without the library (the option off, e.g. a router build without it) encodeQr() returns
// nullopt and the receipt is printed and saved without its code.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace uplinkprobe::cli {

// Dark modules, row-major, width × width (no quiet zone).
struct QrMatrix {
  int width = 0;
  std::vector<bool> dark;
  bool at(int x, int y) const { return dark[static_cast<size_t>(y) * width + x]; }
};

// Whether this build can draw QR codes at all.
bool qrAvailable();
// nullopt when the library is missing or the text does not fit a QR code (> ~2 kB).
std::optional<QrMatrix> encodeQr(const std::string& text);
// An inline <svg> (one path, a 4-module quiet zone, crisp edges), `px` pixels wide, with the
// payload as its escaped <title>; "" when encodeQr() fails.
std::string qrSvg(const std::string& text, int px = 200);
}  // namespace uplinkprobe::cli
